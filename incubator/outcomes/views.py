"""Dashboards (zone, platform, company), targets with proposals and approvals, and the weights of a year."""
from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import clock, versioning
from ..access import action_required, allowed, company_ids_for, platform_ids_for, readable_quarters, roles_required, scoped
from ..forms import ConfirmForm
from ..saving import act, attempt
from ..auth.models import User
from ..extensions import db
from ..i18n import current_language
from ..jobs.services import notify_many
from ..notifications.services import notify
from ..organisations.models import Organisation
from ..pages import counted_page
from ..periods import Period, PeriodError
from ..platforms.models import Platform
from . import bp, catalogue, policy, services  # noqa: F401  (policy defines the actions the decorators name)
from .dashboards import build_dashboard, company_trends, trend_periods
from .live import live_evaluation
from .forms import CopyForm, targets_form_class, weights_form_class
from .models import Target, from_scaled

COMPANIES_PER_PAGE = 25


def chosen_period() -> Period:
    """The ``period`` of the query string, else the last quarter that has ended."""
    text = request.args.get("period")
    if text:
        try:
            return Period.parse(text)
        except PeriodError:
            abort(404)
    return Period.current().previous()


def visible_platform_or_404(platform_id: int) -> Platform:
    query = scoped(select(Platform).where(Platform.id == platform_id), platform_ids_for(current_user), Platform.id)
    platform = db.session.scalar(query)
    if platform is None:
        abort(404)
    return platform


def visible_platforms() -> list[Platform]:
    query = scoped(select(Platform), platform_ids_for(current_user), Platform.id)
    return sorted(db.session.scalars(query), key=lambda platform: platform.code)


# --- dashboards --------------------------------------------------------------------------------------

@bp.route("/dashboard")
@action_required("dashboard.read")
def zone_dashboard():
    period = chosen_period()
    if not allowed(current_user, "zone.figures"):
        platforms = visible_platforms()
        if len(platforms) == 1:
            return redirect(url_for("outcomes.platform_dashboard", platform_id=platforms[0].id, period=str(period)))
        return render_template("outcomes/choose_platform.html", platforms=platforms, period=period)
    dashboard = build_dashboard(period)
    evaluation = live_evaluation(period, zone_figures=dashboard.figures)
    lang = current_language()
    return render_template("outcomes/dashboard.html", dashboard=dashboard, period=period, platform=None,
                           platforms=evaluation.platforms, chart_data=dashboard.chart_data(lang), lang=lang,
                           catalogue=catalogue)


@bp.route("/platforms/<int:platform_id>/dashboard")
@action_required("dashboard.read")
def platform_dashboard(platform_id: int):
    platform = visible_platform_or_404(platform_id)
    period = chosen_period()
    dashboard = build_dashboard(period, platform.id)
    evaluation = live_evaluation(period, with_platforms=False)
    total = evaluation.company_total(platform_id=platform.id)
    page = counted_page(total, COMPANIES_PER_PAGE)
    companies = list(evaluation.iter_companies(offset=page.offset, limit=page.per_page, platform_id=platform.id))
    lang = current_language()
    return render_template("outcomes/dashboard.html", dashboard=dashboard, period=period, platform=platform,
                           companies=companies, page=page, chart_data=dashboard.chart_data(lang), lang=lang,
                           catalogue=catalogue)


@bp.route("/companies/<int:organisation_id>")
@roles_required("admin", "manager", "startup")
def company_dashboard(organisation_id: int):
    query = scoped(select(Organisation).where(Organisation.id == organisation_id), company_ids_for(current_user),
                   Organisation.id)
    company = db.session.scalar(query)
    if company is None:
        abort(404)
    period = chosen_period()
    trends = company_trends(period, company.id,
                            readable_quarters(current_user, company.id, trend_periods(period)))
    lang = current_language()
    chart = {"quarters": ["Q1", "Q2", "Q3", "Q4"], "year": period.year, "last_year": period.year - 1,
             "achievement": [], "trends": [
                 {"code": i.code, "name": i.name(lang), "unit": i.unit.label(lang),
                  "this_year": [_plain(v, i.places) for v in trends[i.code]["this_year"]],
                  "last_year": [_plain(v, i.places) for v in trends[i.code]["last_year"]]}
                 for i in catalogue.REPORT_INDICATORS]}
    return render_template("outcomes/company.html", company=company, period=period, trends=trends, chart_data=chart,
                           lang=lang, catalogue=catalogue)


def _plain(value, places):
    from .formatting import plain

    return plain(value, places)


def platform_tab_context(platform) -> dict:
    """The platform page's "indicators" tab: this platform's dashboard for the last ended quarter."""
    period = chosen_period()
    dashboard = build_dashboard(period, platform.id)
    return {"dashboard": dashboard, "period": period, "lang": current_language()}


# --- targets -----------------------------------------------------------------------------------------

def chosen_year() -> int:
    year = request.args.get("year", type=int) or clock.today().year
    if not 2000 <= year <= 2100:
        abort(404)
    return year


def chosen_scope() -> Platform | None:
    """``scope=ZONE`` (administrators) or a platform id the user may see; 404 otherwise."""
    zone = allowed(current_user, "zone.figures")
    scope = request.args.get("scope", "ZONE" if zone else "")
    if scope == "ZONE":
        if not zone:
            abort(404)
        return None
    if not scope.isdigit():
        platforms = visible_platforms()
        if not platforms:
            abort(404)
        return platforms[0]
    return visible_platform_or_404(int(scope))


@bp.route("/targets", methods=["GET", "POST"])
@action_required("target.list")
def targets():
    year = chosen_year()
    platform = chosen_scope()
    existing = services.targets_of(year, platform)
    form = targets_form_class()()
    if request.method == "GET":
        for indicator in catalogue.CATALOGUE:
            target = existing.get(indicator.code)
            if target is not None:
                value = target.value if target.status == "approved" else None
                field = getattr(form, indicator.code)
                field.data = (int(value) if indicator.places == 0 else value.normalize()) if value is not None else None
    versioning.opened(form, existing)
    if form.validate_on_submit() and versioning.unchanged(form, existing):
        values = {i.code: getattr(form, i.code).data for i in catalogue.CATALOGUE}
        values = {code: (None if value is None else Decimal(value)) for code, value in values.items()}
        if allowed(current_user, "target.set"):
            saved = attempt(lambda: services.set_targets(year, platform, values, current_user))
            if saved:
                flash(_("%(n)d targets saved.", n=saved.result), "success")
        else:
            def propose():
                proposed = services.propose_targets(year, platform, values, current_user)
                if proposed:
                    admins = db.session.scalars(select(User).where(User.role == "admin", User.is_enabled)
                                                .order_by(User.id)).all()
                    notify_many(admins, _l("Targets proposed for %(platform)s (%(year)s)"), owner=current_user,
                                link=url_for("outcomes.proposals"), platform=platform.code, year=year)
                return proposed

            saved = attempt(propose)
            if saved:
                flash(_("%(n)d targets proposed; an administrator will review them.", n=len(saved.result)),
                      "success")
        if not saved:
            return render_page(year, platform, form, existing, status=400)
        return redirect(url_for("outcomes.targets", year=year, scope=platform.id if platform else "ZONE"))
    return render_page(year, platform, form, existing, status=400 if form.errors else 200)


def render_page(year, platform, form, existing, status=200):
    return render_template("outcomes/targets.html", year=year, platform=platform, form=form, existing=existing,
                           platforms=visible_platforms(), catalogue=catalogue, copy_form=CopyForm(),
                           lang=current_language(), from_scaled=from_scaled,
                           pending=len(services.pending_proposals()) if allowed(current_user, "target.decide") else 0), status


@bp.route("/targets/copy", methods=["POST"])
@action_required("target.copy")
def copy_targets():
    year = chosen_year()
    return act(lambda: services.copy_last_year(year, current_user), form=CopyForm(),
               message=lambda copied: _("%(n)d targets copied from %(year)d.", n=copied, year=year - 1),
               next_page=url_for("outcomes.targets", year=year, scope=request.args.get("scope", "ZONE")))


@bp.route("/targets/proposals")
@action_required("target.decide")
def proposals():
    items = services.pending_proposals()
    return render_template("outcomes/proposals.html", items=items, catalogue=catalogue, form=ConfirmForm(),
                           from_scaled=from_scaled, lang=current_language())


def proposal_or_404(target_id: int) -> Target:
    target = db.session.get(Target, target_id)
    if target is None or target.proposed_value_scaled is None:
        abort(404)
    return target


@bp.route("/targets/proposals/<int:target_id>/<decision>", methods=["POST"])
@action_required("target.decide")
def decide(target_id: int, decision: str):
    if decision not in ("approve", "reject"):
        abort(404)
    target = proposal_or_404(target_id)
    proposer = db.session.get(User, target.proposed_by_id) if target.proposed_by_id else None
    label = f"{target.scope} {target.year} {target.indicator}"

    def settle():
        if decision == "approve":
            services.approve_proposal(target, current_user)
        else:
            services.reject_proposal(target, current_user)
        if proposer is not None:
            subject = _l("Your target proposal was approved: %(what)s") if decision == "approve" \
                else _l("Your target proposal was rejected: %(what)s")
            notify([proposer], subject=subject, body="", link=url_for("outcomes.targets"), what=label)

    message = _("Proposal approved: %(what)s.", what=label) if decision == "approve" \
        else _("Proposal rejected: %(what)s.", what=label)
    return act(settle, message=message, next_page=url_for("outcomes.proposals"))


@bp.route("/weights", methods=["GET", "POST"])
@action_required("weights.set")
def weights():
    year = chosen_year()
    form = weights_form_class()()
    current = services.weights_for(year)
    if request.method == "GET":
        for indicator in catalogue.CATALOGUE:
            getattr(form, indicator.code).data = current[indicator.code].normalize()
    if form.validate_on_submit():
        values = {i.code: getattr(form, i.code).data for i in catalogue.CATALOGUE}
        if saved := attempt(lambda: services.set_weights(year, values, current_user)):
            flash(_("%(n)d weights saved.", n=saved.result), "success")
            return redirect(url_for("outcomes.weights", year=year))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("outcomes/weights.html", form=form, year=year, catalogue=catalogue,
                           lang=current_language()), status
