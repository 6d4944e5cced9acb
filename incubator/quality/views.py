"""Routes of the quality area (thin: the rules are in ``services``): flagged reports per platform, the settings
of the checks, and the helpers the report and evaluation pages include."""
from __future__ import annotations

from itertools import islice

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import admin_required, allowed, company_ids_for, platform_ids_for, roles_required, scoped
from ..extensions import db
from ..periods import Period, PeriodError
from ..platforms.models import Platform
from ..saving import save
from ..organisations.models import Organisation
from ..startups import services as reports
from ..startups.models import REPORT_FIGURES
from . import bp, services
from .checks import BY_CHECK, CHECKS, SEVERITIES, SEVERITY_NAMES
from .forms import settings_form

EVALUATION_FLAGS_SHOWN = 200


@bp.app_context_processor
def quality_helpers():
    return {"anomaly_checks": BY_CHECK, "anomaly_severities": SEVERITIES, "severity_name": severity_name,
            "evaluation_anomalies": evaluation_anomalies, "anomaly_note_field": services.note_field,
            "founder_anomalies": founder_anomalies, "report_anomalies": report_anomalies}


def founder_anomalies(report) -> dict:
    """The flags of the founder's saved figures, their notes and what was shown (see ``review_submission``)."""
    if report is None or report.organisation_id != current_user.organisation_id:
        return {"flags": [], "notes": {}, "signature": ""}
    values = {name: getattr(report, name) for name in REPORT_FIGURES}
    flags = services.draft_flags(report.organisation_id, report.period_obj, values)
    return {"flags": flags, "notes": services.notes_of(report.id), "signature": services.flags_signature(flags)}


def report_anomalies(report) -> dict:
    """The flags of a report a manager looks at, with the founder's notes (computed once per request)."""
    cache = g.setdefault("report_anomalies", {})
    if report.id not in cache:
        flags = services.report_flags(report)
        cache[report.id] = {"flags": flags, "notes": services.notes_of(report.id),
                            "likely_error": services.has_likely_error(flags)}
    return cache[report.id]


def severity_name(code: str) -> str:
    from ..i18n import current_language

    return SEVERITY_NAMES[code][0 if current_language() == "zh" else 1]


def evaluation_anomalies(evaluation) -> dict:
    """The first flags of an evaluation for its page (the exports list them all)."""
    if not getattr(evaluation, "has_anomalies", False):
        return {"available": False, "rows": [], "more": False}
    rows = list(islice(evaluation.iter_anomalies(), EVALUATION_FLAGS_SHOWN + 1))
    return {"available": True, "rows": rows[:EVALUATION_FLAGS_SHOWN], "more": len(rows) > EVALUATION_FLAGS_SHOWN}


@bp.route("/flags")
@roles_required("admin", "manager")
def flags():
    """The filed reports of a quarter with flags, for one of the user's platforms (admins: also the whole zone)."""
    platforms = list(db.session.scalars(scoped(select(Platform).order_by(Platform.code), platform_ids_for(current_user),
                                               Platform.id)))
    text = request.args.get("period") or str(reports.due_period())
    try:
        period = Period.parse(text)
    except PeriodError:
        abort(404)
    platform = None
    chosen = request.args.get("platform", type=int)
    if chosen is not None:
        platform = next((item for item in platforms if item.id == chosen), None)
        if platform is None:
            abort(404)
    elif not allowed(current_user, "flags.zone"):
        platform = platforms[0] if platforms else None
    rows = []
    if platform is not None or allowed(current_user, "flags.zone"):
        companies = services.placed_at(platform.id, period) if platform is not None else None
        visible = company_ids_for(current_user)
        if visible is not None:  # a zone's administrator in a deployment of several zones: their zone's
            companies = (select(Organisation.id) if companies is None else companies).where(Organisation.id.in_(visible))
        rows = services.flagged_reports(period, companies)
    notes = {report.id: services.notes_of(report.id) for report, _flags in rows}
    return render_template("quality/flags.html", rows=rows, notes=notes, platforms=platforms, platform=platform,
                           period=period)


@bp.route("/settings")
@admin_required
def settings():
    current = services.current_settings()
    forms = {check.code: settings_form(check, *current[check.code]) for check in CHECKS}
    return render_template("quality/settings.html", checks=CHECKS, forms=forms)


@bp.route("/settings/<code>", methods=["POST"])
@admin_required
def save_settings(code: str):
    check = BY_CHECK.get(code)
    if check is None:
        abort(404)
    current = services.current_settings()
    form = settings_form(check, *current[code], formdata=request.form)
    if form.validate_on_submit():
        values = {parameter.key: form[parameter.key].data for parameter in check.parameters}
        if save(form, lambda: services.update_setting(code, form.enabled.data, values, current_user)):
            flash(_("Saved. Published evaluations keep the flags they were published with."), "success")
            return redirect(url_for("quality.settings"))
    forms = {item.code: (form if item.code == code else settings_form(item, *current[item.code])) for item in CHECKS}
    return render_template("quality/settings.html", checks=CHECKS, forms=forms), 422
