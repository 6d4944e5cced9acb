"""Routes of the platforms area (thin: access through the query helpers, rules in services)."""
from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from .. import clock, versioning
from ..access import (admin_required, changeable_company_ids_for, company_ids_for, roles_required, scoped,
                      sees_everything)
from ..audit import services as audit
from ..auth.models import User
from ..extensions import db
from ..organisations.models import COMPANY_KINDS, Organisation
from ..organisations.services import create_organisation
from ..saving import act, renamed_fields, save
from ..pages import page_of
from . import bp, services
from .forms import (ConfirmForm, EndTenancyForm, ExpertFilterForm, ExpertForm, ManagersForm, OnsiteDaysForm,
                    PlatformFilterForm, RecognitionForm, ResidencyEditForm, ResidencyForm, ResidencyRecordForm,
                    TenancyForm, UnitForm, all_kind_fields, build_platform_form, kind_field_name)
from .kinds import (ALL_TABS, EXPERT_KIND_LABELS, KINDS, LEVEL_LABELS, RECORD_KIND_LABELS, STATUS_LABELS,
                    UNIT_KIND_LABELS, UNIT_PURPOSE_LABELS, kind_of)
from .models import Expert, OnsiteDay, Platform, Recognition, Residency, ResidencyRecord, SpaceUnit, Tenancy
from .services import PlatformError
from .tabs import get_tab, registered_tabs

staff_required = roles_required("admin", "manager")


def labels() -> dict:
    return {"kinds": KINDS, "levels": LEVEL_LABELS, "statuses": STATUS_LABELS, "unit_kinds": UNIT_KIND_LABELS,
            "purposes": UNIT_PURPOSE_LABELS, "expert_kinds": EXPERT_KIND_LABELS, "record_kinds": RECORD_KIND_LABELS}


def is_admin() -> bool:
    return current_user.role == "admin"


def parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


# --- list -----------------------------------------------------------------------------------------

PLATFORM_SORTS = {"code": Platform.code, "name": Platform.name, "kind": Platform.kind, "level": Platform.level,
                  "expires": Platform.expires_on, "status": Platform.status}


@bp.route("/platforms")
@staff_required
def index():
    filters = PlatformFilterForm(request.args)
    filters.validate()
    query = services.visible_platforms(current_user)
    if filters.q.data:
        pattern = f"%{filters.q.data.strip()}%"
        query = query.where(or_(Platform.name.ilike(pattern), Platform.code.ilike(pattern)))
    if filters.kind.data:
        query = query.where(Platform.kind == filters.kind.data)
    if filters.level.data:
        query = query.where(Platform.level == filters.level.data)
    if filters.status.data:
        query = query.where(Platform.status == filters.status.data)
    if filters.expiring.data:
        from datetime import timedelta

        today = clock.today()
        query = query.where(Platform.expires_on.is_not(None), Platform.expires_on >= today,
                            Platform.expires_on <= today + timedelta(days=services.EXPIRY_WARNING_DAYS))
    sort = request.args.get("sort", "code")
    column = PLATFORM_SORTS.get(sort.lstrip("-"), Platform.code)
    query = query.order_by(column.desc() if sort.startswith("-") else column, Platform.id)
    page = page_of(query)
    ids = [platform.id for platform in page.items]
    return render_template("platforms/index.html", page=page, filters=filters, sort=sort,
                           occupancy=services.occupancy(ids), tenants=services.tenant_counts(ids),
                           today=clock.today(), warning_days=services.EXPIRY_WARNING_DAYS, **labels())


# --- register and edit ----------------------------------------------------------------------------

def host_choices():
    """Organisations that may host a platform: all for admins; for a manager, the hosts of their
    platforms and the companies they may change (a host is seen by the platform's managers: naming one may not
    widen their sight)."""
    query = select(Organisation.id, Organisation.name)
    if is_admin() and not sees_everything(current_user):  # several zones: what the zone's relationships give
        query = query.where(Organisation.id.in_(company_ids_for(current_user)))
    elif not is_admin():
        hosts = select(Platform.host_id).where(Platform.id.in_(services.platform_ids_for(current_user)))
        companies = changeable_company_ids_for(current_user)
        query = query.where(or_(Organisation.id.in_(hosts), Organisation.id.in_(companies)))
    rows = db.session.execute(query.order_by(Organisation.name_sort, Organisation.id)).all()
    return [(None, "—")] + [(row.id, row.name) for row in rows]


def kind_attributes(form) -> dict:
    values = {}
    for spec, _kinds in all_kind_fields():
        name = kind_field_name(spec.name)
        if name in form._fields:
            values[spec.name] = form[name].data
    return values


@bp.route("/platforms/new", methods=["GET", "POST"])
@staff_required
def new():
    form = build_platform_form(with_recognition=True, admin=is_admin())
    form.host_id.choices = host_choices()
    if request.method == "GET" and "status" in form._fields:
        form.status.data = "active"
    if form.validate_on_submit():
        recognition = None
        if form.recognized_on.data or form.issuing_body.data or form.expires_on.data:
            recognition = {"level": form.level.data, "recognized_on": form.recognized_on.data,
                           "issuing_body": form.issuing_body.data, "document_no": form.document_no.data,
                           "expires_on": form.expires_on.data}

        def register():
            platform = services.create_platform(
                code=form.code.data, name=form.name.data, kind=form.kind.data, level=form.level.data,
                host_id=form.host_id.data, operating_since=form.operating_since.data, area_m2=form.area_m2.data,
                stations=form.stations.data, status=form.status.data if "status" in form._fields else "active",
                description=form.description.data, attributes=kind_attributes(form),
                managers=[] if is_admin() else [current_user._get_current_object()], recognition=recognition)
            if not is_admin():
                notify_admins_of_registration(platform)
            return platform

        if saved := save(form, register):
            flash(_("Platform %(name)s has been registered.", name=saved.result.name), "success")
            return redirect(url_for("platforms.detail", platform_id=saved.result.id))
    return render_template("platforms/form.html", form=form, platform=None, kind_fields=all_kind_fields())


def notify_admins_of_registration(platform: Platform) -> None:
    from flask_babel import lazy_gettext as _l

    from ..jobs.services import notify_many

    admins = db.session.scalars(select(User).where(User.role == "admin", User.is_enabled.is_(True),
                                                   User.zone_id == platform.zone_id)  # the platform's zone's
                                .order_by(User.id))
    notify_many(admins, _l("%(manager)s registered the platform %(name)s"),
                _l("Check its facts and record its recognition: %(name)s (%(code)s)."),
                owner=current_user, link=url_for("platforms.detail", platform_id=platform.id),
                manager=current_user.name, name=platform.name, code=platform.code)


@bp.route("/platforms/<int:platform_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(platform_id: int):
    platform = services.platform_for(current_user, platform_id)
    data = {kind_field_name(key): value for key, value in (platform.attributes or {}).items()}
    for spec, _kinds in all_kind_fields():
        if spec.type == "date" and data.get(kind_field_name(spec.name)):
            data[kind_field_name(spec.name)] = parse_day(data[kind_field_name(spec.name)])
    form = build_platform_form(with_recognition=False, admin=is_admin(), obj=platform, data=data)
    if "host_id" in form._fields:
        form.host_id.choices = host_choices()
    if "level" in form._fields and services.has_recognitions(platform):
        del form.level  # the level is that of the latest recognition
    if form.validate_on_submit() and versioning.unchanged(form, platform):
        fields = services.PLATFORM_FIELDS if is_admin() else services.MANAGER_EDITABLE
        values = {name: form[name].data for name in fields if name in form._fields}
        values["attributes"] = kind_attributes(form)
        if save(form, lambda: services.update_platform(platform, fields=fields, **values)):
            flash(_("The platform has been saved."), "success")
            return redirect(url_for("platforms.detail", platform_id=platform.id))
    return render_template("platforms/form.html", form=form, platform=platform, kind_fields=all_kind_fields())


# --- detail and tabs ------------------------------------------------------------------------------

def tab_context(platform: Platform, key: str, day: date) -> dict:
    """What one tab needs, in a fixed number of queries."""
    if key == "spaces":
        units = services.units_of(platform)
        let = services.unit_tenants_on([unit.id for unit in units], day)
        return {"units": units, "let": let}
    if key == "tenants":
        return {"tenancies": services.tenancies_of(platform)}
    if key == "experts":
        residencies = services.residencies_of(platform)
        return {"statuses": services.residency_statuses(residencies, today=clock.today()),
                "flags": services.expert_flags({r.expert_id for r in residencies})}
    if key == "history":
        return {"events": audit.history_of(platform, limit=100)}
    tab = get_tab(key)
    return tab.context(platform) if tab else {}


@bp.route("/platforms/<int:platform_id>")
@staff_required
def detail(platform_id: int):
    platform = services.platform_for(current_user, platform_id)
    kind = kind_of(platform.kind)
    tabs = [key for key in ALL_TABS if kind.has_tab(key)]
    # Tabs other areas register under new keys come before the history.
    extra = [tab.key for tab in registered_tabs() if tab.key not in ALL_TABS]
    tabs = tabs[:-1] + extra + tabs[-1:]
    key = request.args.get("tab") or tabs[0]
    if key not in tabs:
        abort(404)
    day = parse_day(request.args.get("on")) or clock.today()
    registered = get_tab(key)
    return render_template(
        "platforms/detail.html", platform=platform, kind=kind, tabs=tabs, tab_key=key, day=day,
        today=clock.today(), tab=tab_context(platform, key, day), registered_tab=registered,
        tab_labels=tab_labels(), occupancy=services.occupancy([platform.id], day)[platform.id],
        recognitions=services.recognitions_of(platform), confirm_form=ConfirmForm(),
        warning_days=services.EXPIRY_WARNING_DAYS, **labels())


def tab_labels() -> dict:
    from flask_babel import lazy_gettext as _l

    return {**{tab.key: tab.label for tab in registered_tabs()},"spaces": _l("Spaces"), "tenants": _l("Tenants"), "experts": _l("Experts"),
            "indicators": _l("Indicators"), "history": _l("History")}


# --- recognitions (admins) ------------------------------------------------------------------------

@bp.route("/platforms/<int:platform_id>/recognitions/new", methods=["GET", "POST"])
@admin_required
def recognition_new(platform_id: int):
    platform = services.platform_for(current_user, platform_id)
    form = RecognitionForm()
    if request.method == "GET":
        form.level.data = platform.level
    if form.validate_on_submit():
        values = {name: form[name].data
                  for name in ("level", "recognized_on", "issuing_body", "document_no", "expires_on", "notes")}
        if save(form, lambda: services.add_recognition(platform, **values)):
            flash(_("The recognition has been recorded."), "success")
            return redirect(url_for("platforms.detail", platform_id=platform.id))
    return render_template("platforms/recognition_form.html", form=form, platform=platform)


@bp.route("/platforms/<int:platform_id>/recognitions/<int:recognition_id>/delete", methods=["POST"])
@admin_required
def recognition_delete(platform_id: int, recognition_id: int):
    platform = services.platform_for(current_user, platform_id)
    item = db.session.scalar(select(Recognition).where(Recognition.id == recognition_id,
                                                       Recognition.platform_id == platform.id))
    if item is None:
        abort(404)
    return act(lambda: services.delete_recognition(item), message=_("The recognition has been deleted."),
               next_page=url_for("platforms.detail", platform_id=platform.id))


# --- managers (admins) ----------------------------------------------------------------------------

@bp.route("/platforms/<int:platform_id>/managers", methods=["GET", "POST"])
@admin_required
def managers(platform_id: int):
    platform = services.platform_for(current_user, platform_id)
    candidates = list(db.session.scalars(select(User).where(User.role == "manager", User.zone_id == platform.zone_id)
                                         .order_by(User.email)))  # the platform's zone's managers
    form = ManagersForm(data={"managers": [user.id for user in platform.managers]} if request.method == "GET" else None)
    form.managers.choices = [(user.id, f"{user.name} <{user.email}>") for user in candidates]
    if form.validate_on_submit():
        chosen = [user for user in candidates if user.id in set(form.managers.data)]
        if save(form, lambda: services.set_managers(platform, chosen)):
            flash(_("The managers have been saved."), "success")
            return redirect(url_for("platforms.detail", platform_id=platform.id))
    return render_template("platforms/managers.html", form=form, platform=platform)


# --- space units ----------------------------------------------------------------------------------

UNIT_FORM_FIELDS = ("code", "name", "kind", "purpose", "area_m2", "monthly_rent", "floor", "bookable", "is_active",
                    "notes")


def unit_for(platform: Platform, unit_id: int) -> SpaceUnit:
    unit = db.session.scalar(select(SpaceUnit).where(SpaceUnit.id == unit_id, SpaceUnit.platform_id == platform.id))
    if unit is None:
        abort(404)
    return unit


def require_tab(platform: Platform, key: str) -> None:
    if not kind_of(platform.kind).has_tab(key):
        abort(404)


@bp.route("/platforms/<int:platform_id>/units/new", methods=["GET", "POST"])
@staff_required
def unit_new(platform_id: int):
    platform = services.platform_for(current_user, platform_id)
    require_tab(platform, "spaces")
    form = UnitForm()
    if form.validate_on_submit():
        values = {name: form[name].data for name in UNIT_FORM_FIELDS}
        if saved := save(form, lambda: services.create_unit(platform, **values)):
            flash(_("Unit %(code)s has been added.", code=saved.result.code), "success")
            if request.form.get("another"):
                return redirect(url_for("platforms.unit_new", platform_id=platform.id))
            return redirect(url_for("platforms.detail", platform_id=platform.id, tab="spaces"))
    return render_template("platforms/unit_form.html", form=form, platform=platform, unit=None)


@bp.route("/platforms/<int:platform_id>/units/<int:unit_id>/edit", methods=["GET", "POST"])
@staff_required
def unit_edit(platform_id: int, unit_id: int):
    platform = services.platform_for(current_user, platform_id)
    unit = unit_for(platform, unit_id)
    form = UnitForm(obj=unit)
    if form.validate_on_submit() and versioning.unchanged(form, unit):
        if save(form, lambda: services.update_unit(unit, **{name: form[name].data for name in UNIT_FORM_FIELDS})):
            flash(_("Unit %(code)s has been saved.", code=unit.code), "success")
            return redirect(url_for("platforms.detail", platform_id=platform.id, tab="spaces"))
    return render_template("platforms/unit_form.html", form=form, platform=platform, unit=unit,
                           history=audit.history_of(unit))


# --- tenancies ------------------------------------------------------------------------------------

def company_choices():
    """Companies the user may let space to: all companies for admins; for a manager those they may change (incubating
    or renting on their platforms now): letting space grants sight, so it may not start from mere sight."""
    query = select(Organisation.id, Organisation.name, Organisation.credit_code).where(
        Organisation.kind.in_(COMPANY_KINDS))
    query = scoped(query, changeable_company_ids_for(current_user), Organisation.id)
    rows = db.session.execute(query.order_by(Organisation.name_sort, Organisation.id)).all()
    return [(None, "—")] + [(row.id, f"{row.name}" + (f" ({row.credit_code})" if row.credit_code else ""))
                            for row in rows]


@bp.route("/platforms/<int:platform_id>/tenancies/new", methods=["GET", "POST"])
@staff_required
def tenancy_new(platform_id: int):
    platform = services.platform_for(current_user, platform_id)
    require_tab(platform, "tenants")
    form = TenancyForm()
    form.organisation_id.choices = company_choices()
    units = [unit for unit in services.units_of(platform, active_only=True) if unit.purpose == "tenant"]
    form.units.choices = [(unit.id, f"{unit.label} · {UNIT_KIND_LABELS[unit.kind]} · {unit.area_m2} m²")
                          for unit in units]
    if request.method == "GET" and request.args.get("unit", type=int):
        form.units.data = [request.args.get("unit", type=int)]
    if form.validate_on_submit():
        chosen = [unit for unit in units if unit.id in set(form.units.data or [])]
        foreign = set(form.units.data or []) - {unit.id for unit in units}
        allowed = {choice[0] for choice in form.organisation_id.choices if choice[0]}

        def let():
            if foreign:
                raise PlatformError(_("Choose units of this platform."), "units")
            company = None
            if form.organisation_id.data:
                if form.organisation_id.data not in allowed:
                    raise PlatformError(_("Choose a company from the list."), "organisation_id")
                company = db.session.get(Organisation, form.organisation_id.data)
            elif form.new_company_name.data:
                with renamed_fields({"credit_code": "new_company_credit_code", "name": "new_company_name"}):
                    company = create_organisation(name=form.new_company_name.data, kind="startup",
                                                  credit_code=form.new_company_credit_code.data,
                                                  registered_in_zone=True)
            return services.create_tenancy(company, chosen, form.starts_on.data, form.ends_on.data,
                                           form.monthly_rent.data if form.monthly_rent.data is not None else 0,
                                           contract_no=form.contract_no.data, notes=form.notes.data)

        if saved := save(form, let):
            tenancy = saved.result
            flash(_("%(units)s let to %(company)s.", units=", ".join(u.code for u in tenancy.units),
                    company=tenancy.organisation.name), "success")
            return redirect(url_for("platforms.detail", platform_id=platform.id, tab="tenants"))
    return render_template("platforms/tenancy_form.html", form=form, platform=platform)


@bp.route("/platforms/<int:platform_id>/tenancies/<int:tenancy_id>/end", methods=["GET", "POST"])
@staff_required
def tenancy_end(platform_id: int, tenancy_id: int):
    platform = services.platform_for(current_user, platform_id)
    tenancy = db.session.scalar(select(Tenancy).where(Tenancy.id == tenancy_id, Tenancy.platform_id == platform.id))
    if tenancy is None:
        abort(404)
    form = EndTenancyForm(data={"ends_on": tenancy.ends_on or clock.today()} if request.method == "GET" else None)
    versioning.opened(form, tenancy)
    if form.validate_on_submit() and versioning.unchanged(form, tenancy):
        if save(form, lambda: services.end_tenancy(tenancy, form.ends_on.data, reason=form.reason.data)):
            flash(_("The tenancy has been updated."), "success")
            return redirect(url_for("platforms.detail", platform_id=platform.id, tab="tenants"))
    return render_template("platforms/tenancy_end.html", form=form, platform=platform, tenancy=tenancy,
                           history=audit.history_of(tenancy))


# --- residencies ----------------------------------------------------------------------------------

def expert_choices():
    rows = db.session.execute(services.visible_experts(current_user)
                              .with_only_columns(Expert.id, Expert.name, Expert.affiliation)
                              .order_by(Expert.name_sort, Expert.id)).all()
    return [(None, "—")] + [(row.id, row.name + (f" ({row.affiliation})" if row.affiliation else "")) for row in rows]


def residency_for(platform: Platform, residency_id: int) -> Residency:
    residency = db.session.scalar(select(Residency).where(Residency.id == residency_id,
                                                          Residency.platform_id == platform.id))
    if residency is None:
        abort(404)
    return residency


@bp.route("/platforms/<int:platform_id>/residencies/new", methods=["GET", "POST"])
@staff_required
def residency_new(platform_id: int):
    platform = services.platform_for(current_user, platform_id)
    require_tab(platform, "experts")
    form = ResidencyForm()
    form.expert_id.choices = expert_choices()
    if request.method == "GET":
        form.min_onsite_days.data = 90
        if request.args.get("expert", type=int):
            form.expert_id.data = request.args.get("expert", type=int)
    if form.validate_on_submit():
        allowed = {choice[0] for choice in form.expert_id.choices if choice[0]}

        def enrol():
            if form.expert_id.data:
                if form.expert_id.data not in allowed:
                    raise PlatformError(_("Choose an expert from the list."), "expert_id")
                expert = db.session.get(Expert, form.expert_id.data)
            elif form.new_expert_name.data:
                with renamed_fields({"academy": "new_expert_academy", "name": "new_expert_name",
                                     "kind": "new_expert_kind"}):
                    expert = services.create_expert(
                        name=form.new_expert_name.data, kind=form.new_expert_kind.data,
                        academy=form.new_expert_academy.data or None, retired=form.new_expert_retired.data,
                        affiliation=form.new_expert_affiliation.data, field=form.new_expert_field.data)
            else:
                raise PlatformError(_("Choose an expert or enter a new one."), "expert_id")
            return services.create_residency(
                platform, expert, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                agreement_no=form.agreement_no.data, min_onsite_days=form.min_onsite_days.data,
                research_topic=form.research_topic.data, notes=form.notes.data)

        if saved := save(form, enrol):
            residency = saved.result
            flash(_("The residency of %(name)s has been recorded.", name=residency.expert.name), "success")
            return redirect(url_for("platforms.residency", platform_id=platform.id, residency_id=residency.id))
    return render_template("platforms/residency_form.html", form=form, platform=platform, residency=None)


@bp.route("/platforms/<int:platform_id>/residencies/<int:residency_id>", methods=["GET"])
@staff_required
def residency(platform_id: int, residency_id: int):
    platform = services.platform_for(current_user, platform_id)
    item = residency_for(platform, residency_id)
    year = request.args.get("year", type=int) or clock.today().year
    status = services.residency_statuses([item], year=year)[0]
    days = list(db.session.scalars(select(OnsiteDay).where(OnsiteDay.residency_id == item.id)
                                   .order_by(OnsiteDay.day.desc()).limit(400)))
    records = list(db.session.scalars(select(ResidencyRecord).where(ResidencyRecord.residency_id == item.id)
                                      .order_by(ResidencyRecord.occurred_on.desc(), ResidencyRecord.id.desc())))
    return render_template("platforms/residency.html", platform=platform, residency=item, status=status,
                           days=days, records=records, year=year, kind=kind_of(platform.kind),
                           flag=services.expert_flags([item.expert_id]).get(item.expert_id),
                           days_form=OnsiteDaysForm(), record_form=ResidencyRecordForm(),
                           confirm_form=ConfirmForm(), history=audit.history_of(item), **labels())


@bp.route("/platforms/<int:platform_id>/residencies/<int:residency_id>/edit", methods=["GET", "POST"])
@staff_required
def residency_edit(platform_id: int, residency_id: int):
    platform = services.platform_for(current_user, platform_id)
    item = residency_for(platform, residency_id)
    form = ResidencyEditForm(obj=item)
    if form.validate_on_submit() and versioning.unchanged(form, item):
        values = {name: form[name].data for name in services.RESIDENCY_FIELDS}
        if save(form, lambda: services.update_residency(item, **values)):
            flash(_("The residency has been saved."), "success")
            return redirect(url_for("platforms.residency", platform_id=platform.id, residency_id=item.id))
    return render_template("platforms/residency_form.html", form=form, platform=platform, residency=item)


@bp.route("/platforms/<int:platform_id>/residencies/<int:residency_id>/days", methods=["POST"])
@staff_required
def onsite_days(platform_id: int, residency_id: int):
    platform = services.platform_for(current_user, platform_id)
    item = residency_for(platform, residency_id)
    form = OnsiteDaysForm()
    if form.validate_on_submit():
        if saved := save(form, lambda: services.log_onsite_days(item, form.first_day.data, form.last_day.data,
                                                                form.note.data)):
            added = saved.result
            flash(_("%(n)d on-site days logged.", n=added) if added
                  else _("These days were already logged."), "success" if added else "info")
            return redirect(url_for("platforms.residency", platform_id=platform.id, residency_id=item.id))
    return residency_page_with_errors(platform, item, days_form=form)


@bp.route("/platforms/<int:platform_id>/residencies/<int:residency_id>/days/<int:day_id>/delete",
          methods=["POST"])
@staff_required
def onsite_day_delete(platform_id: int, residency_id: int, day_id: int):
    platform = services.platform_for(current_user, platform_id)
    item = residency_for(platform, residency_id)
    day = db.session.scalar(select(OnsiteDay).where(OnsiteDay.id == day_id, OnsiteDay.residency_id == item.id))
    if day is None:
        abort(404)
    return act(lambda: services.delete_onsite_day(day, item), message=_("The on-site day has been removed."),
               next_page=url_for("platforms.residency", platform_id=platform.id, residency_id=item.id))


@bp.route("/platforms/<int:platform_id>/residencies/<int:residency_id>/records", methods=["POST"])
@staff_required
def residency_record(platform_id: int, residency_id: int):
    platform = services.platform_for(current_user, platform_id)
    item = residency_for(platform, residency_id)
    form = ResidencyRecordForm()
    if form.validate_on_submit():
        if save(form, lambda: services.add_residency_record(item, kind=form.kind.data, title=form.title.data,
                                                            occurred_on=form.occurred_on.data, people=form.people.data,
                                                            notes=form.notes.data)):
            flash(_("The record has been added."), "success")
            return redirect(url_for("platforms.residency", platform_id=platform.id, residency_id=item.id))
    return residency_page_with_errors(platform, item, record_form=form)


def residency_page_with_errors(platform, item, days_form=None, record_form=None):
    status = services.residency_statuses([item])[0]
    days = list(db.session.scalars(select(OnsiteDay).where(OnsiteDay.residency_id == item.id)
                                   .order_by(OnsiteDay.day.desc()).limit(400)))
    records = list(db.session.scalars(select(ResidencyRecord).where(ResidencyRecord.residency_id == item.id)
                                      .order_by(ResidencyRecord.occurred_on.desc())))
    return render_template("platforms/residency.html", platform=platform, residency=item, status=status,
                           days=days, records=records, year=status.year, kind=kind_of(platform.kind),
                           flag=services.expert_flags([item.expert_id]).get(item.expert_id),
                           days_form=days_form or OnsiteDaysForm(), record_form=record_form or ResidencyRecordForm(),
                           confirm_form=ConfirmForm(), history=audit.history_of(item), **labels()), 400


# --- experts --------------------------------------------------------------------------------------

EXPERT_SORTS = {"name": Expert.name_sort, "kind": Expert.kind, "affiliation": Expert.affiliation}


@bp.route("/experts")
@staff_required
def experts():
    filters = ExpertFilterForm(request.args)
    filters.validate()
    query = services.visible_experts(current_user)
    if filters.q.data:
        pattern = f"%{filters.q.data.strip()}%"
        query = query.where(or_(Expert.name.ilike(pattern), Expert.affiliation.ilike(pattern),
                                Expert.field.ilike(pattern), Expert.name_sort.ilike(pattern.lower())))
    if filters.kind.data:
        query = query.where(Expert.kind == filters.kind.data)
    sort = request.args.get("sort", "name")
    column = EXPERT_SORTS.get(sort.lstrip("-"), Expert.name_sort)
    query = query.order_by(column.desc() if sort.startswith("-") else column, Expert.id)
    page = page_of(query)
    ids = [expert.id for expert in page.items]
    platform_ids = services.platform_ids_for(current_user)
    counts_query = (select(Residency.expert_id, func.count(Residency.id)).where(Residency.expert_id.in_(ids))
                    .group_by(Residency.expert_id))
    counts_query = scoped(counts_query, platform_ids, Residency.platform_id)
    counts = dict(db.session.execute(counts_query).all()) if ids else {}
    return render_template("platforms/experts.html", page=page, filters=filters, sort=sort, counts=counts,
                           flags=services.expert_flags(ids), **labels())


def expert_values(form) -> dict:
    values = {name: form[name].data or None for name in services.EXPERT_FIELDS if name != "retired"}
    return {**values, "retired": form.retired.data}


@bp.route("/experts/new", methods=["GET", "POST"])
@staff_required
def expert_new():
    form = ExpertForm()
    if form.validate_on_submit():
        if saved := save(form, lambda: services.create_expert(**expert_values(form))):
            flash(_("Expert %(name)s has been added.", name=saved.result.name), "success")
            return redirect(url_for("platforms.expert", expert_id=saved.result.id))
    return render_template("platforms/expert_form.html", form=form, expert=None)


@bp.route("/experts/<int:expert_id>")
@staff_required
def expert(expert_id: int):
    item = services.expert_for(current_user, expert_id)
    query = select(Residency).where(Residency.expert_id == item.id)
    query = scoped(query, services.platform_ids_for(current_user), Residency.platform_id)
    residencies = list(db.session.scalars(query.order_by(Residency.starts_on.desc())))
    platforms = {p.id: p for p in db.session.scalars(select(Platform).where(
        Platform.id.in_({r.platform_id for r in residencies})))} if residencies else {}
    return render_template("platforms/expert.html", expert=item, platforms=platforms,
                           residency_statuses=services.residency_statuses(residencies),
                           flag=services.expert_flags([item.id]).get(item.id), history=audit.history_of(item),
                           **labels())


@bp.route("/experts/<int:expert_id>/edit", methods=["GET", "POST"])
@staff_required
def expert_edit(expert_id: int):
    item = services.expert_for(current_user, expert_id)
    form = ExpertForm(obj=item)
    if request.method == "GET":
        form.academy.data = item.academy or ""
    if form.validate_on_submit() and versioning.unchanged(form, item):
        if save(form, lambda: services.update_expert(item, **expert_values(form))):
            flash(_("Expert %(name)s has been saved.", name=item.name), "success")
            return redirect(url_for("platforms.expert", expert_id=item.id))
    return render_template("platforms/expert_form.html", form=form, expert=item)

