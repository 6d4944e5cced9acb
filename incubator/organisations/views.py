"""Routes of the organisations area: organisations, their intellectual property, the industry list."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from .. import clock, versioning
from ..access import (admin_required, company_ids_for, may_change_company, platform_ids_for, roles_required,
                      sees_everything)
from ..audit import services as audit
from ..extensions import db
from ..i18n import localized
from ..saving import act, save
from . import bp, services
from .forms import (INCUBATION_STATUS_LABELS, IP_KIND_LABELS, IP_STATUS_LABELS, KIND_LABELS, LISTING_LABELS, ConfirmForm, IndustryForm, IPForm,
                    OrganisationFilterForm, OrganisationForm)
from .models import Industry, IntellectualProperty, Organisation

staff_required = roles_required("admin", "manager")
ORGANISATION_FORM_FIELDS = services.ORGANISATION_FIELDS


def labels() -> dict:
    return {"kind_labels": KIND_LABELS, "listing_labels": LISTING_LABELS, "ip_kinds": IP_KIND_LABELS,
            "ip_statuses": IP_STATUS_LABELS, "incubation_statuses": INCUBATION_STATUS_LABELS}


def visible_organisations(user):
    """Admins see every organisation; a manager the companies of their platforms and the platforms' hosts."""
    query = select(Organisation)
    if sees_everything(user):  # several zones: a zone's administrator sees its relationships' organisations
        return query
    if user.role == "manager":
        from ..platforms.models import Platform

        hosts = select(Platform.host_id).where(Platform.id.in_(platform_ids_for(user)))
        return query.where(or_(Organisation.id.in_(company_ids_for(user)), Organisation.id.in_(hosts)))
    return query.where(Organisation.id.in_(company_ids_for(user)))


def organisation_for(user, organisation_id: int) -> Organisation:
    organisation = db.session.scalar(visible_organisations(user).where(Organisation.id == organisation_id))
    if organisation is None:
        abort(404)
    return organisation


def may_edit(user, organisation: Organisation) -> bool:
    """Admins edit any organisation; a manager the companies incubating or renting on their platforms now (the
    write scope: a former incubatee or an applicant is read only)."""
    if sees_everything(user):
        return True
    if user.role == "admin":
        return may_change_company(user, organisation.id)
    return user.role == "manager" and organisation.is_company and may_change_company(user, organisation.id)


def industry_choices(blank="—"):
    rows = services.active_industries()
    return [(None, blank)] + [(row.id, localized(row.name_zh, row.name_en)) for row in rows]


SORTS = {"name": Organisation.name_sort, "code": Organisation.credit_code, "kind": Organisation.kind,
         "founded": Organisation.founded_on, "created": Organisation.created_at}


@bp.route("/organisations")
@staff_required
def index():
    filters = OrganisationFilterForm(request.args)
    filters.industry.choices = [("", _("All industries"))] + [
        (str(row.id), localized(row.name_zh, row.name_en)) for row in services.active_industries()]
    filters.validate()
    query = services.search_filter(visible_organisations(current_user), filters.q.data)
    if filters.kind.data:
        query = query.where(Organisation.kind == filters.kind.data)
    if filters.industry.data and filters.industry.data.isdigit():
        query = query.where(Organisation.industry_id == int(filters.industry.data))
    if filters.in_zone.data:
        query = query.where(Organisation.registered_in_zone.is_(True))
    if filters.high_tech.data:
        today = clock.today()
        query = query.where(Organisation.high_tech_cert_no.is_not(None), Organisation.high_tech_valid_from <= today,
                            Organisation.high_tech_valid_until >= today)
    sort = request.args.get("sort", "name")
    column = SORTS.get(sort.lstrip("-"), Organisation.name_sort)
    query = query.order_by(column.desc() if sort.startswith("-") else column, Organisation.id)
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    ids = [item.id for item in page.items]
    ip_counts = dict(db.session.execute(
        select(IntellectualProperty.organisation_id, func.count(IntellectualProperty.id))
        .where(IntellectualProperty.organisation_id.in_(ids)).group_by(IntellectualProperty.organisation_id)
    ).all()) if ids else {}
    return render_template("organisations/index.html", page=page, filters=filters, sort=sort, ip_counts=ip_counts,
                           today=clock.today(), **labels())


def organisation_values(form) -> dict:
    return {name: form[name].data for name in ORGANISATION_FORM_FIELDS if name in form._fields}


@bp.route("/organisations/new", methods=["GET", "POST"])
@admin_required
def new():
    form = OrganisationForm()
    form.industry_id.choices = industry_choices()
    if request.method == "GET":
        form.listing_status.data = "none"
    if form.validate_on_submit():
        if saved := save(form, lambda: services.create_organisation(**organisation_values(form))):
            flash(_("%(name)s has been added.", name=saved.result.name), "success")
            return redirect(url_for("organisations.detail", organisation_id=saved.result.id))
    return render_template("organisations/form.html", form=form, organisation=None)


@bp.route("/organisations/<int:organisation_id>")
@staff_required
def detail(organisation_id: int):
    from ..platforms.models import Platform, Tenancy
    from ..startups.models import Incubation

    organisation = organisation_for(current_user, organisation_id)
    ids = platform_ids_for(current_user)
    ip = list(db.session.scalars(select(IntellectualProperty).where(
        IntellectualProperty.organisation_id == organisation.id).order_by(IntellectualProperty.kind,
                                                                        IntellectualProperty.number)))
    tenancies = select(Tenancy).where(Tenancy.organisation_id == organisation.id)
    incubations = select(Incubation).where(Incubation.organisation_id == organisation.id)
    hosted = select(Platform).where(Platform.host_id == organisation.id)
    if ids is not None:
        tenancies = tenancies.where(Tenancy.platform_id.in_(ids))
        incubations = incubations.where(Incubation.platform_id.in_(ids))
        hosted = hosted.where(Platform.id.in_(ids))
    return render_template(
        "organisations/detail.html", organisation=organisation, ip=ip, today=clock.today(),
        tenancies=list(db.session.scalars(tenancies.order_by(Tenancy.starts_on.desc()))),
        incubations=list(db.session.scalars(incubations.order_by(Incubation.admitted_on.desc()))),
        hosted=list(db.session.scalars(hosted.order_by(Platform.code))), can_edit=may_edit(current_user, organisation),
        history=audit.history_of(organisation), confirm_form=ConfirmForm(), **labels())


def editable_organisation(organisation_id: int) -> Organisation:
    organisation = organisation_for(current_user, organisation_id)
    if not may_edit(current_user, organisation):
        abort(404)
    return organisation


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(organisation_id: int):
    organisation = editable_organisation(organisation_id)
    form = OrganisationForm(obj=organisation)
    form.industry_id.choices = industry_choices()
    if current_user.role != "admin":
        form.kind.choices = [(key, label) for key, label in KIND_LABELS.items() if key in ("startup", "enterprise")]
    if form.validate_on_submit() and versioning.unchanged(form, organisation):
        if save(form, lambda: services.update_organisation(organisation, **organisation_values(form))):
            flash(_("%(name)s has been saved.", name=organisation.name), "success")
            return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    return render_template("organisations/form.html", form=form, organisation=organisation)


# --- intellectual property ------------------------------------------------------------------------

def ip_for(organisation: Organisation, ip_id: int) -> IntellectualProperty:
    item = db.session.scalar(select(IntellectualProperty).where(IntellectualProperty.id == ip_id,
                                                                IntellectualProperty.organisation_id == organisation.id))
    if item is None:
        abort(404)
    return item


def ip_values(form) -> dict:
    return {name: form[name].data for name in services.IP_FIELDS}


@bp.route("/organisations/<int:organisation_id>/ip/new", methods=["GET", "POST"])
@staff_required
def ip_new(organisation_id: int):
    organisation = editable_organisation(organisation_id)
    form = IPForm()
    if form.validate_on_submit():
        if save(form, lambda: services.add_ip(organisation, **ip_values(form))):
            flash(_("The intellectual property has been recorded."), "success")
            return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    return render_template("organisations/ip_form.html", form=form, organisation=organisation, item=None)


@bp.route("/organisations/<int:organisation_id>/ip/<int:ip_id>/edit", methods=["GET", "POST"])
@staff_required
def ip_edit(organisation_id: int, ip_id: int):
    organisation = editable_organisation(organisation_id)
    item = ip_for(organisation, ip_id)
    form = IPForm(obj=item)
    if form.validate_on_submit():
        if save(form, lambda: services.update_ip(item, **ip_values(form))):
            flash(_("The intellectual property has been saved."), "success")
            return redirect(url_for("organisations.detail", organisation_id=organisation.id))
    return render_template("organisations/ip_form.html", form=form, organisation=organisation, item=item)


@bp.route("/organisations/<int:organisation_id>/ip/<int:ip_id>/delete", methods=["POST"])
@staff_required
def ip_delete(organisation_id: int, ip_id: int):
    organisation = editable_organisation(organisation_id)
    item = ip_for(organisation, ip_id)
    return act(lambda: services.delete_ip(item), message=_("The intellectual property has been deleted."),
               next_page=url_for("organisations.detail", organisation_id=organisation.id))


# --- industries (admins) --------------------------------------------------------------------------

@bp.route("/admin/industries")
@admin_required
def industries():
    rows = list(db.session.scalars(select(Industry).order_by(Industry.sort_order, Industry.id)))
    counts = dict(db.session.execute(select(Organisation.industry_id, func.count(Organisation.id))
                                     .group_by(Organisation.industry_id)).all())
    return render_template("organisations/industries.html", industries=rows, counts=counts)


@bp.route("/admin/industries/new", methods=["GET", "POST"])
@bp.route("/admin/industries/<int:industry_id>", methods=["GET", "POST"])
@admin_required
def industry_form(industry_id: int | None = None):
    industry = db.session.get(Industry, industry_id) if industry_id else None
    if industry_id and industry is None:
        abort(404)
    form = IndustryForm(obj=industry)
    if request.method == "GET" and industry is None:
        form.sort_order.data = (db.session.scalar(select(func.max(Industry.sort_order))) or 0) + 10
    if form.validate_on_submit():
        values = {name: form[name].data for name in ("code", "name_zh", "name_en", "is_active")}
        if saved := save(form, lambda: services.save_industry(industry, sort_order=form.sort_order.data or 0, **values)):
            flash(_("Industry %(name)s has been saved.", name=localized(saved.result.name_zh, saved.result.name_en)),
                  "success")
            return redirect(url_for("organisations.industries"))
    return render_template("organisations/industry_form.html", form=form, industry=industry,
                           history=audit.history_of(industry) if industry else [])
