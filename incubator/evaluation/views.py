"""Evaluation pages: a period's results, publishing, versions and the exports (CSV, xlsx, report, PDF)."""
from __future__ import annotations

import tempfile
from itertools import islice

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from .. import clock
from ..access import admin_required, in_acting_zones
from ..downloads import attachment
from ..extensions import db
from ..i18n import current_language
from ..pages import counted_page
from ..outcomes import catalogue
from ..periods import Period, PeriodError
from ..saving import act
from . import bp, exports, pdf, services
from .charts import achievement_chart
from .forms import PublishForm
from .models import EvaluationSnapshot

COMPANIES_PER_PAGE = 50
QUALITY_SHOWN = 200
MIMETYPES = {"csv": "application/zip",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def period_or_404(text: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError:
        abort(404)


def chosen_evaluation(period: Period):
    """The version asked for in the query string (``version=N`` or ``live=1``), else the default."""
    version = request.args.get("version", type=int)
    live = request.args.get("live") == "1"
    try:
        return services.evaluation_for(period, version=version, live=live)
    except LookupError:
        abort(404)


def last_completed_period() -> Period:
    return Period.current().previous()


@bp.route("/")
@admin_required
def index():
    latest = last_completed_period()
    periods = [latest]
    for _n in range(7):
        periods.append(periods[-1].previous())
    rows = db.session.execute(
        select(EvaluationSnapshot.period, func.max(EvaluationSnapshot.version), func.max(EvaluationSnapshot.published_at))
        .where(EvaluationSnapshot.period.in_([str(p) for p in periods]), *in_acting_zones(EvaluationSnapshot.zone_id))
        .group_by(EvaluationSnapshot.period)).all()
    published = {row[0]: (row[1], row[2]) for row in rows}
    return render_template("evaluation/index.html", periods=periods, published=published,
                           current=Period.current())


@bp.route("/go")
@admin_required
def go():
    try:
        period = Period.parse(request.args.get("period", ""))
    except PeriodError:
        flash(_("Write the quarter like 2026Q3."), "error")
        return redirect(url_for("evaluation.index"))
    return redirect(url_for("evaluation.show", period=str(period)))


@bp.route("/<period:period>")
@admin_required
def show(period):
    period = period_or_404(period)
    evaluation = chosen_evaluation(period)
    page = counted_page(evaluation.company_total(), COMPANIES_PER_PAGE)
    companies = list(evaluation.iter_companies(offset=page.offset, limit=page.per_page))
    quality = list(islice(evaluation.iter_data_quality(), QUALITY_SHOWN + 1))
    return render_template(
        "evaluation/show.html", period=period, evaluation=evaluation, companies=companies, page=page,
        quality=quality[:QUALITY_SHOWN], quality_more=len(quality) > QUALITY_SHOWN,
        snapshots=services.snapshots_of(period), form=PublishForm(), catalogue=catalogue,
        can_publish=period.end < clock.today(), lang=current_language(),
        chart=achievement_chart(evaluation.zone.results, current_language()),
    )


@bp.route("/<period:period>/publish", methods=["POST"])
@admin_required
def publish(period):
    period = period_or_404(period)
    form = PublishForm()
    return act(lambda: services.publish(period, current_user, note=form.note.data), form=form,
               message=lambda snapshot: _("%(period)s published as version %(version)d.", period=str(period),
                                          version=snapshot.version),
               next_page=lambda snapshot: url_for("evaluation.show", period=str(period), version=snapshot.version),
               failed_page=url_for("evaluation.show", period=str(period)))


@bp.route("/<period:period>/export.<fmt>")
@admin_required
def export(period, fmt):
    period = period_or_404(period)
    if fmt not in exports.FORMATS:
        abort(404)
    lang = request.args.get("lang") if request.args.get("lang") in ("zh", "en") else current_language()
    evaluation = chosen_evaluation(period)
    spool = tempfile.TemporaryFile(suffix=f".{fmt}")
    exports.export(evaluation, fmt, spool, lang)
    size = spool.tell()
    spool.seek(0)
    response = current_app.response_class(stream_file(spool), mimetype=MIMETYPES[fmt], direct_passthrough=True)
    response.headers["Content-Disposition"] = attachment(exports.file_name(evaluation, fmt, lang),
                                                         exports.ascii_file_name(evaluation, fmt, lang))
    response.headers["Content-Length"] = str(size)
    return response


def stream_file(handle, chunk_size: int = 256 * 1024):
    """Send a finished export in chunks and close (delete) its temporary file afterwards."""
    try:
        while chunk := handle.read(chunk_size):
            yield chunk
    finally:
        handle.close()


def report_context(period: Period) -> dict:
    return {**pdf.report_values(chosen_evaluation(period), current_language()), "period": period}


@bp.route("/<period:period>/report")
@admin_required
def report(period):
    period = period_or_404(period)
    return render_template("evaluation/report.html", pdf=False, **report_context(period))


@bp.route("/<period:period>/report.pdf")
@admin_required
def report_pdf(period):
    period = period_or_404(period)
    evaluation, lang = chosen_evaluation(period), current_language()
    response = current_app.response_class(pdf.render_pdf(evaluation, lang), mimetype="application/pdf")
    response.headers["Content-Disposition"] = attachment(exports.file_name(evaluation, "pdf", lang),
                                                         exports.ascii_file_name(evaluation, "pdf", lang))
    return response
