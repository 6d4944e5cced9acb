"""The region's pages: its roll-up of a quarter and the exports (read-only; region staff only)."""
from __future__ import annotations

import tempfile
from functools import wraps

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..downloads import attachment
from ..evaluation.views import MIMETYPES, stream_file
from ..i18n import current_language
from ..periods import Period, PeriodError
from . import bp, exports, services

PERIODS_LISTED = 8


def region_staff_required(view):
    """Only a region's staff reach the region's pages; a zone's users are refused (403, as a role check)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if getattr(current_user, "region_id", None) is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def chosen_region():
    """The user's region, or one below it named by ``?region=CODE``; any other region is 404."""
    readable = services.regions_readable_by(current_user)
    code = (request.args.get("region") or "").strip().upper()
    if not code:
        return readable[0], readable
    region = next((item for item in readable if item.code == code), None)
    if region is None:
        abort(404)
    return region, readable


def period_or_404(text: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError:
        abort(404)


@bp.route("/")
@region_staff_required
def index():
    chosen_region()
    period = Period.current().previous()
    return redirect(url_for("regions.show", period=str(period), region=request.args.get("region") or None))


@bp.route("/go")
@region_staff_required
def go():
    chosen_region()  # a region the user may not read is 404 here too
    try:
        period = Period.parse(request.args.get("period", ""))
    except PeriodError:
        period = Period.current().previous()
    return redirect(url_for("regions.show", period=str(period), region=request.args.get("region") or None))


@bp.route("/<period:period>")
@region_staff_required
def show(period):
    period = period_or_404(period)
    region, readable = chosen_region()
    rollup = services.region_rollup(region, period)
    periods = [Period.current().previous()]
    for _n in range(PERIODS_LISTED - 1):
        periods.append(periods[-1].previous())
    return render_template("regions/show.html", rollup=rollup, period=period, region=region, readable=readable,
                           periods=periods, lang=current_language(), region_arg=request.args.get("region") or None)


@bp.route("/<period:period>/export.<fmt>")
@region_staff_required
def export(period, fmt):
    period = period_or_404(period)
    if fmt not in exports.FORMATS:
        abort(404)
    region, _readable = chosen_region()
    lang = request.args.get("lang") if request.args.get("lang") in ("zh", "en") else current_language()
    rollup = services.region_rollup(region, period)
    spool = tempfile.TemporaryFile(suffix=f".{fmt}")
    exports.export(rollup, fmt, spool, lang)
    size = spool.tell()
    spool.seek(0)
    response = current_app.response_class(stream_file(spool), mimetype=MIMETYPES[fmt], direct_passthrough=True)
    response.headers["Content-Disposition"] = attachment(*exports.region_file_name(rollup, fmt, lang))
    response.headers["Content-Length"] = str(size)
    return response
