"""Routes of incubations, graduation criteria and quarterly reports (thin: the rules are in services)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select

from .. import clock, versioning
from ..access import admin_required, company_ids_for, roles_required
from ..audit import services as audit
from ..database import wan_to_yuan, yuan_to_wan
from ..extensions import db
from ..saving import Conflict, attempt, confirmed, settle
from ..organisations.models import Organisation
from ..periods import Period, PeriodError
from ..quality import services as quality
from ..pages import page_of
from . import bp
from . import forms as f
from . import services as svc
from .models import REPORT_FIGURES, REPORT_MONEY_FIELDS, REPORT_STATUSES, Incubation, QuarterlyReport


def report_status_labels():
    return {"draft": _l("Draft"), "submitted": _l("Submitted"), "verified": _l("Verified"),
            "returned": _l("Returned"), None: _l("Not filed")}


def incubation_status_labels():
    return {"incubating": _l("Incubating"), "graduated": _l("Graduated"), "exited": _l("Exited")}


@bp.app_context_processor
def report_labels():
    return {"report_status_labels": report_status_labels(), "report_labels": f.REPORT_LABELS,
            "incubation_status_labels": incubation_status_labels(), "report_figures": REPORT_FIGURES,
            "money_fields": REPORT_MONEY_FIELDS, "figures_chart_data": figures_chart_data}


def figures_chart_data(series) -> dict:
    """The chart's data (万元 as numbers, for drawing only; the table beside shows the exact values)."""
    return {
        "periods": [r.period for r in series],
        "revenue": [float(yuan_to_wan(r.revenue)) for r in series],
        "rd_expense": [float(yuan_to_wan(r.rd_expense)) for r in series],
        "employees": [r.employees for r in series],
        "labels": {"revenue": str(f.REPORT_LABELS["revenue"]), "rd_expense": str(f.REPORT_LABELS["rd_expense"]),
                   "employees": str(f.REPORT_LABELS["employees"]), "wan": str(_l("万元")),
                   "persons": str(_l("persons"))},
    }


# --- incubations --------------------------------------------------------------------------------------

INCUBATION_SORTS = {"admitted": Incubation.admitted_on, "status": Incubation.status}


@bp.route("/incubations")
@roles_required("admin", "manager")
def incubations():
    query = svc.visible_incubations(current_user).join(Organisation, Organisation.id == Incubation.organisation_id)
    q = (request.args.get("q") or "").strip()
    if q:
        query = query.where(or_(Organisation.name.ilike(f"%{q}%"), Organisation.credit_code.ilike(f"%{q}%")))
    status = request.args.get("status")
    if status in incubation_status_labels():
        query = query.where(Incubation.status == status)
    sort = request.args.get("sort", "-admitted")
    column = INCUBATION_SORTS.get(sort.lstrip("-"), Incubation.admitted_on)
    query = query.order_by(column.desc() if sort.startswith("-") else column, Incubation.id)
    page = page_of(query)
    today = clock.today()
    times = {item.id: svc.time_status(item, today) for item in page.items}
    return render_template("startups/incubations.html", page=page, times=times, sort=sort, q=q, status=status)


def _incubation_or_404(incubation_id: int) -> Incubation:
    item = db.session.scalar(svc.visible_incubations(current_user).where(Incubation.id == incubation_id))
    if item is None:
        abort(404)
    return item


@bp.route("/incubations/<int:incubation_id>", methods=["GET", "POST"])
@roles_required("admin", "manager")
def incubation_detail(incubation_id: int):
    incubation = _incubation_or_404(incubation_id)
    form = f.EndIncubationForm()
    if request.method == "GET":
        form.ended_on.data = clock.today()
    if form.validate_on_submit():
        if attempt(lambda: svc.end_incubation(incubation, form.status.data, form.ended_on.data, form.reason.data,
                                              current_user)):
            flash(_("Saved."), "success")
            return redirect(url_for("startups.incubation_detail", incubation_id=incubation.id))
        incubation = _incubation_or_404(incubation_id)  # read again after the rollback
    version, results = attempt(lambda: svc.evaluate_criteria(incubation.organisation)).result
    return render_template("startups/incubation_detail.html", incubation=incubation, form=form,
                           time=svc.time_status(incubation), criteria=results, version=version,
                           history=audit.history_of(incubation))


@bp.route("/startups/companies/<int:organisation_id>")
@roles_required("admin", "manager", "startup")
def company(organisation_id: int):
    ids = company_ids_for(current_user)
    query = select(Organisation).where(Organisation.id == organisation_id)
    if ids is not None:
        query = query.where(Organisation.id.in_(ids))
    org = db.session.scalar(query)
    if org is None:
        abort(404)
    return render_template("startups/company.html", org=org, history=svc.company_history(org.id),
                           series=svc.company_series(org.id, limit=8, user=current_user))


@bp.route("/admin/graduation-criteria", methods=["GET", "POST"])
@admin_required
def graduation_criteria():
    current = attempt(svc.current_criteria).result  # the national default may be created here
    by_kind = {item["kind"]: item for item in current.criteria}
    form = f.CriteriaForm()
    if request.method == "GET":
        form.high_tech.data = by_kind.get("high_tech", {}).get("enabled", False)
        form.financing.data = by_kind.get("financing_total", {}).get("enabled", False)
        form.financing_threshold.data = yuan_to_wan(by_kind.get("financing_total", {}).get("threshold", 0))
        form.revenue.data = by_kind.get("revenue_two_years", {}).get("enabled", False)
        form.revenue_threshold.data = yuan_to_wan(by_kind.get("revenue_two_years", {}).get("threshold", 0))
        form.listed.data = by_kind.get("listed_or_acquired", {}).get("enabled", False)
    if form.validate_on_submit():
        criteria = [
            {"code": "high_tech", "kind": "high_tech", "threshold": None, "enabled": form.high_tech.data},
            {"code": "financing", "kind": "financing_total", "enabled": form.financing.data,
             "threshold": wan_to_yuan(form.financing_threshold.data or 0)},
            {"code": "revenue_two_years", "kind": "revenue_two_years", "enabled": form.revenue.data,
             "threshold": wan_to_yuan(form.revenue_threshold.data or 0)},
            {"code": "listed_or_acquired", "kind": "listed_or_acquired", "threshold": None,
             "enabled": form.listed.data},
        ]
        if attempt(lambda: svc.save_criteria(criteria, form.note.data, current_user)):
            flash(_("The graduation criteria have been saved as a new version."), "success")
            return redirect(url_for("startups.graduation_criteria"))
    from .models import GraduationCriteriaVersion

    versions = list(db.session.scalars(select(GraduationCriteriaVersion).order_by(
        GraduationCriteriaVersion.number.desc()).limit(20)))
    return render_template("startups/criteria.html", form=form, current=current, versions=versions,
                           label=svc.criterion_label)


# --- quarterly reports --------------------------------------------------------------------------------

REPORT_SORTS = {"period": QuarterlyReport.quarter_end, "company": Organisation.name_sort,
                "status": QuarterlyReport.status, "submitted": QuarterlyReport.submitted_at}


@bp.route("/reports")
@roles_required("admin", "manager", "startup")
def reports():
    if current_user.role == "startup":
        return _founder_reports()
    query = svc.visible_reports(current_user).join(Organisation, Organisation.id == QuarterlyReport.organisation_id)
    q = (request.args.get("q") or "").strip()
    if q:
        query = query.where(or_(Organisation.name.ilike(f"%{q}%"), Organisation.credit_code.ilike(f"%{q}%")))
    status = request.args.get("status", "submitted" if request.args.get("q") is None else "")
    if status in REPORT_STATUSES:
        query = query.where(QuarterlyReport.status == status)
    period = (request.args.get("period") or "").strip()
    if period:
        try:
            query = query.where(QuarterlyReport.period == str(Period.parse(period)))
        except PeriodError:
            flash(_("Not a quarter: %(value)s", value=period), "warning")
    sort = request.args.get("sort", "-period")
    column = REPORT_SORTS.get(sort.lstrip("-"), QuarterlyReport.quarter_end)
    query = query.order_by(column.desc() if sort.startswith("-") else column, QuarterlyReport.id)
    page = page_of(query)
    return render_template("startups/reports.html", page=page, sort=sort, q=q, status=status, period=period)


def _founder_reports():
    org_id = current_user.organisation_id
    if not org_id:
        return render_template("startups/my_reports.html", org=None, reports=[], due=None, deadline=None,
                               periods=[])
    rows = list(db.session.scalars(select(QuarterlyReport).where(QuarterlyReport.organisation_id == org_id)
                                   .order_by(QuarterlyReport.quarter_end.desc())))
    due = svc.due_period()
    filed = {r.period for r in rows}
    periods = [p for p in [due, due.previous(), due.previous().previous()] if str(p) not in filed]
    return render_template("startups/my_reports.html", org=db.session.get(Organisation, org_id), reports=rows,
                           due=due, deadline=svc.deadline(due), periods=periods,
                           series=svc.company_series(org_id, limit=12))


def _parse_period(text: str) -> Period:
    try:
        period = Period.parse(text)
    except PeriodError:
        abort(404)
    return period


def _form_values(form) -> dict:
    values = {}
    for name in REPORT_FIGURES:
        data = getattr(form, name).data
        if name in REPORT_MONEY_FIELDS:
            values[name] = wan_to_yuan(data) if data is not None else 0
        else:
            values[name] = data or 0
    return values


def _fill_form(form, report) -> None:
    for name in REPORT_FIGURES:
        value = getattr(report, name)
        getattr(form, name).data = yuan_to_wan(value) if name in REPORT_MONEY_FIELDS else value


@bp.route("/reports/<period:period>", methods=["GET", "POST"])
@roles_required("startup")
def report_form(period: str):
    period = _parse_period(period)
    org_id = current_user.organisation_id
    if not org_id:
        abort(404)
    if period.is_future():
        abort(404)
    report = svc.get_report(org_id, period)
    previous = svc.get_report(org_id, period.previous())
    form = f.ReportForm()
    if request.method == "GET" and report is not None:
        _fill_form(form, report)
    versioning.opened(form, report, creates=True)
    stale = False
    if form.validate_on_submit():
        values = _form_values(form)
        submit, anomaly_flags, held = quality.review_submission(org_id, period, values, bool(form.submit.data),
                                                                request.form)

        def save_it():
            saved_report = svc.save_report(org_id, period, values, version=form.version.data, submit=submit,
                                           actor=current_user)
            quality.save_notes(saved_report, anomaly_flags, request.form, current_user)
            return saved_report

        saved = settle(save_it, conflict=versioning.STALE_MESSAGE)
        if not saved and (isinstance(saved.error, Conflict) or "version" in saved.error.problems):
            report = svc.get_report(org_id, period)
            if report is not None and report.status not in ("draft", "returned"):
                # Submitted meanwhile (another tab, a colleague, a double click): a locked report shows no
                # form to keep the values in, so say it is locked rather than "your values are below".
                flash(_("This report is %(status)s and locked.", status=svc.state_label(report.status)), "warning")
            else:
                stale = True  # the values typed stay in the form; the hidden version is now the current one
                flash(str(versioning.CONFLICT_MESSAGE), "warning")
                form.version.data = versioning.version_of(report) or versioning.NOT_CREATED
        elif not saved:
            flash(str(saved.error), "danger")
            report = svc.get_report(org_id, period)
        else:
            report = saved.result
            if held:
                flash(str(quality.HELD_MESSAGE), "warning")
                return redirect(url_for("startups.report_form", period=str(period)))
            flash(_("The report has been submitted.") if report.status == "submitted"
                  else _("The report has been saved as a draft."), "success")
            return redirect(url_for("startups.report_form", period=str(period)))
    # A refused form says so once: the form's own banner (``form_errors``) above the fields, no flash beside it.
    ended = period.has_ended()  # a report stored for the current quarter stays, read-only until it ends
    editable = ended and (report is None or report.status in ("draft", "returned"))
    flags = svc.report_checks(_form_values(form) if request.method == "POST" and not form.errors
                              else (audit.snapshot(report, REPORT_FIGURES) if report else {}))[1]
    return render_template("startups/report_form.html", form=form, report=report, previous=previous,
                           period=period, editable=editable, ended=ended, deadline=svc.deadline(period), flags=flags,
                           stale=stale, conflict_message=versioning.CONFLICT_MESSAGE,
                           history=audit.history_of(report) if report else [])


def _report_or_404(report_id: int) -> QuarterlyReport:
    report = db.session.scalar(svc.visible_reports(current_user).where(QuarterlyReport.id == report_id))
    if report is None:
        abort(404)
    return report


@bp.route("/reports/id/<int:report_id>")
@roles_required("admin", "manager")
def report_detail(report_id: int):
    report = _report_or_404(report_id)
    previous = db.session.scalar(svc.visible_reports(current_user).where(
        QuarterlyReport.organisation_id == report.organisation_id,
        QuarterlyReport.period == str(report.period_obj.previous())))
    return render_template("startups/report_detail.html", report=report, previous=previous,
                           may_verify=svc.may_verify(current_user, report), reason_form=f.ReasonForm(),
                           ended=report.period_obj.has_ended(),
                           confirm_form=f.ConfirmForm(),
                           flags=svc.report_checks(audit.snapshot(report, REPORT_FIGURES))[1],
                           history=audit.history_of(report))


def _report_action(report_id: int, action):
    report = _report_or_404(report_id)
    if not svc.may_verify(current_user, report):
        abort(404)
    saved = settle(lambda: action(report), conflict=versioning.STALE_MESSAGE)
    if saved:
        flash(_("Saved."), "success")
    else:  # a lost race is a warning to reload, a broken rule an error
        flash(str(saved.error), "warning" if isinstance(saved.error, Conflict) else "danger")
    return redirect(url_for("startups.report_detail", report_id=report_id))


@bp.route("/reports/id/<int:report_id>/verify", methods=["POST"])
@roles_required("admin", "manager")
def report_verify(report_id: int):
    confirmed()
    report = _report_or_404(report_id)
    if not request.form.get("confirm_anomalies") and quality.has_likely_error(quality.report_flags(report)):
        flash(str(quality.CONFIRM_MESSAGE), "warning")
        return redirect(url_for("startups.report_detail", report_id=report_id))
    return _report_action(report_id, lambda r: svc.verify_report(r, current_user, version=request.form.get("version")))


@bp.route("/reports/id/<int:report_id>/return", methods=["POST"])
@roles_required("admin", "manager")
def report_return(report_id: int):
    form = f.ReasonForm()
    return _report_action(report_id, lambda r: svc.return_report(r, current_user, form.reason.data or "",
                                                                 version=request.form.get("version")))


@bp.route("/reports/id/<int:report_id>/reopen", methods=["POST"])
@roles_required("admin", "manager")
def report_reopen(report_id: int):
    form = f.ReasonForm()
    return _report_action(report_id, lambda r: svc.reopen_report(r, current_user, form.reason.data or ""))


@bp.route("/reports/missing")
@roles_required("admin", "manager")
def reports_missing():
    text = request.args.get("period") or str(svc.due_period())
    try:
        period = Period.parse(text)
    except PeriodError:
        period = svc.due_period()
    rows = svc.missing_and_late(current_user, period)
    return render_template("startups/reports_missing.html", rows=rows, period=period,
                           deadline=svc.deadline(period), today=clock.today())


# --- home panels ----------------------------------------------------------------------------------------

def founder_panel(user) -> dict:
    from .models import Application

    applications = list(db.session.scalars(svc.visible_applications(user).order_by(Application.updated_at.desc())
                                           .limit(5)))
    context = {"applications": applications, "org": None}
    if user.organisation_id:
        due = svc.due_period()
        report = svc.get_report(user.organisation_id, due)
        documents = []
        for application in applications:
            documents += [d for d in application.documents if d.file.deleted_at is None]
        incubations = svc.company_history(user.organisation_id)
        context.update(org=db.session.get(Organisation, user.organisation_id), due=due, deadline=svc.deadline(due),
                       due_report=report, files_reports=bool(incubations) or svc.files_reports(user),
                       series=svc.company_series(user.organisation_id, limit=8), documents=documents[:8],
                       incubations=incubations,
                       current=next((i for i in incubations if i.status == "incubating"), None))
    return context


def manager_panel(user) -> dict:
    """The summary under a manager's tasks (applications and reports waiting are tasks: ``startups.home``)."""
    tenants = db.session.scalar(select(func.count()).select_from(svc.visible_incubations(user).where(
        Incubation.status == "incubating").subquery()))
    due = svc.due_period()
    missing = svc.missing_and_late(user, due)
    today = clock.today()
    candidates = svc.visible_incubations(user).where(
        Incubation.status == "incubating",
        Incubation.admitted_on <= svc.add_months(today, -svc.earliest_alert_month())).order_by(Incubation.admitted_on)
    alerts = [i for i in db.session.scalars(candidates) if svc.time_status(i, today).alert]
    return {"tenants": tenants,
            "due": due, "missing": [r for r in missing if r["state"] in ("missing", "late")],
            "alerts": alerts[:10], "alert_count": len(alerts)}
