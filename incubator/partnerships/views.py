"""Routes of the partnerships area (thin: access through the query helpers, rules in ``services``)."""
from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock, versioning
from ..access import get_visible_or_404, roles_required, upload_limit
from ..audit.services import history_of
from ..database import wan_to_yuan, yuan_to_wan
from ..downloads import attachment as content_disposition, export_name
from ..extensions import db
from ..i18n import current_language
from ..pages import page_of, rows_page_of
from ..saving import act, attempt, save
from . import bp, services
from .forms import (AgreementForm, AttachmentForm, CohortFiguresForm, CohortForm, ConfirmForm, ContactForm, DealForm,
                    DeliverableForm, DeliverableStatusForm, FilterForm, InstitutionForm, PartnerAccountForm, TalentForm,
                    deal_kind_labels, deliverable_status_labels, institution_kind_labels, kind_labels,
                    status_labels, talent_category_labels)
from .models import DEAL_KINDS, PARTNERSHIP_KINDS, TALENT_CATEGORIES, Deliverable, InstitutionContact

EDITORS = ("admin", "manager")
READERS = ("admin", "manager", "partner")


def labels() -> dict:
    return {"kinds": kind_labels(), "deal_kinds": deal_kind_labels(), "statuses": status_labels(),
            "deliverable_statuses": deliverable_status_labels(), "talent_categories": talent_category_labels(),
            "institution_kinds": institution_kind_labels()}


def year_choices(first: int | None = None) -> list[tuple[str, str]]:
    this_year = clock.today().year
    return [("", _("All years"))] + [(str(y), str(y)) for y in range(this_year, (first or this_year - 9) - 1, -1)]


def int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def user():
    return current_user._get_current_object()


CSV_FILE_WORDS = {"partnerships": {"zh": "产学研合作", "en": "partnerships"},
                  "training": {"zh": "人才培养", "en": "training"},
                  "tech_transfers": {"zh": "科技成果转化", "en": "tech_transfers"}}


def csv_download(name: str, header, rows):
    """A formula-safe UTF-8 CSV (with BOM, so Excel reads the Chinese) named by its list, the day and the language."""
    import io

    from ..spreadsheets import write_csv

    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    disposition = content_disposition(*export_name(CSV_FILE_WORDS[name], [clock.today().isoformat()], current_language(), "csv"))
    return Response(buffer.getvalue(), mimetype="text/csv", headers={"Content-Disposition": disposition})


# --- agreements ------------------------------------------------------------------------------------------

@bp.route("/")
@roles_required(*READERS)
def agreements():
    filters = FilterForm(request.args)
    filters.kind.choices = [("", _("All kinds"))] + [(k, kind_labels()[k]) for k in PARTNERSHIP_KINDS]
    status = request.args.get("status", "active")
    if status not in services.AGREEMENT_STATUSES:
        status = "all"
    sort = request.args.get("sort", "ends_on" if status == "expiring" else "-starts_on")
    query = services.agreement_query(user(), status=status, q=filters.q.data or "", kind=filters.kind.data or "",
                                     partner_id=int_arg("partner"), sort=sort)
    if request.args.get("export") == "csv":
        return csv_download("partnerships", services.AGREEMENT_EXPORT_HEADER, services.agreement_rows(query))
    return render_template("partnerships/agreements.html", page=page_of(query), filters=filters, status=status,
                           sort=sort, counts=services.status_counts(user()), labels=labels(),
                           may_edit=services.may_edit_agreements(user()), today=clock.today(),
                           agreement_status=services.agreement_status)


def agreement_form_choices(form: AgreementForm) -> None:
    who = user()
    form.partner_id.choices = [("", _("Choose…"))] + [(i.id, i.name) for i in services.institution_choices()]
    zone_label = _("— the zone itself —") if who.role == "admin" else _("— none —")
    form.platform_id.choices = [("", zone_label)] + [(p.id, f"{p.code} {p.name}")
                                                     for p in services.platform_choices(who)]
    form.company_id.choices = [("", _("— none —"))] + [(c.id, c.name) for c in services.company_choices(who)]
    if who.role != "admin":
        form.platform_id.description = _("Choose one of your platforms, or one of their companies below.")


def agreement_data(form: AgreementForm) -> dict:
    data = {name: form[name].data for name in services.AGREEMENT_FIELDS if name != "contract_value"}
    data["contract_value"] = wan_to_yuan(form.contract_value.data) if form.contract_value.data is not None else 0
    data["version"] = form.version.data
    return data


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_agreement():
    form = AgreementForm()
    agreement_form_choices(form)
    if request.method == "GET" and request.args.get("partner", "").isdigit():
        form.partner_id.data = int(request.args["partner"])
    if form.validate_on_submit():
        if saved := save(form, lambda: services.create_agreement(user(), agreement_data(form))):
            flash(_("Agreement %(reference)s recorded.", reference=saved.result.reference), "success")
            return redirect(url_for("partnerships.agreement", agreement_id=saved.result.id))
    return render_template("partnerships/agreement_form.html", form=form, agreement=None)


def visible_agreement_or_404(agreement_id: int):
    return get_visible_or_404(services.get_agreement(user(), agreement_id))


def editable_agreement_or_404(agreement_id: int):
    if not services.may_edit_agreements(user()):
        abort(404)
    item = visible_agreement_or_404(agreement_id)
    if not services.may_change_agreement(user(), item):
        abort(404)
    return item


@bp.route("/<int:agreement_id>")
@roles_required(*READERS)
def agreement(agreement_id: int):
    return agreement_page(visible_agreement_or_404(agreement_id))


def agreement_page(item, attachment_form=None):
    """The agreement's page; ``attachment_form`` is the upload form sent back with its messages."""
    deliverables = services.deliverables_of(item)
    status_forms = {}
    for deliverable in deliverables:
        status_form = DeliverableStatusForm(prefix=f"d{deliverable.id}", formdata=None)
        status_form.status.data = deliverable.status
        status_form.delivered_on.data = deliverable.delivered_on
        status_form.note.data = deliverable.note
        status_forms[deliverable.id] = status_form
    may_edit = services.may_edit_agreements(user()) and services.may_change_agreement(user(), item)
    return render_template(
        "partnerships/agreement.html", agreement=item, deliverables=deliverables, status_forms=status_forms,
        cohorts=services.cohorts_of(item), attachments=services.attachments_of(item), labels=labels(),
        status=services.agreement_status(item), may_edit=may_edit,
        may_report=services.may_report_figures(user(), item), deliverable_form=DeliverableForm(formdata=None),
        attachment_form=attachment_form or AttachmentForm(formdata=None), confirm_form=ConfirmForm(), today=clock.today(),
        is_overdue=services.is_overdue, history=history_of(item) if user().role != "partner" else [],
    )


@bp.route("/<int:agreement_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_agreement(agreement_id: int):
    item = editable_agreement_or_404(agreement_id)
    form = AgreementForm(obj=item)
    agreement_form_choices(form)
    if request.method == "GET":
        form.contract_value.data = yuan_to_wan(item.contract_value)
    if form.validate_on_submit():
        if save(form, lambda: services.update_agreement(user(), item, agreement_data(form))):
            flash(_("Agreement %(reference)s saved.", reference=item.reference), "success")
            return redirect(url_for("partnerships.agreement", agreement_id=item.id))
    return render_template("partnerships/agreement_form.html", form=form, agreement=item)


@bp.route("/<int:agreement_id>/delete", methods=["POST"])
@roles_required(*EDITORS)
def delete_agreement(agreement_id: int):
    item = editable_agreement_or_404(agreement_id)
    return act(lambda: services.delete_agreement(item),
               message=_("Agreement %(reference)s deleted.", reference=item.reference),
               next_page=url_for("partnerships.agreements"))


# --- deliverables -------------------------------------------------------------------------------------------

@bp.route("/<int:agreement_id>/deliverables", methods=["POST"])
@roles_required(*EDITORS)
def add_deliverable(agreement_id: int):
    item = editable_agreement_or_404(agreement_id)
    form = DeliverableForm()
    return act(lambda: services.add_deliverable(item, form.title.data, form.due_on.data, form.status.data),
               form=form, message=_("Deliverable added."),
               next_page=url_for("partnerships.agreement", agreement_id=item.id, _anchor="deliverables"))


def deliverable_or_404(deliverable_id: int):
    deliverable = get_visible_or_404(db.session.get(Deliverable, deliverable_id))
    return deliverable, visible_agreement_or_404(deliverable.partnership_id)


@bp.route("/deliverables/<int:deliverable_id>/status", methods=["POST"])
@roles_required(*READERS)
def deliverable_status(deliverable_id: int):
    deliverable, item = deliverable_or_404(deliverable_id)
    if not services.may_report_figures(user(), item):
        abort(404)
    form = DeliverableStatusForm(prefix=f"d{deliverable.id}")
    return act(lambda: services.update_deliverable_status(deliverable, item, form.status.data,
                                                          form.delivered_on.data, form.note.data),
               form=form, message=_("Status of “%(title)s” saved.", title=deliverable.title),
               next_page=url_for("partnerships.agreement", agreement_id=item.id, _anchor="deliverables"))


@bp.route("/deliverables/<int:deliverable_id>/delete", methods=["POST"])
@roles_required(*EDITORS)
def delete_deliverable(deliverable_id: int):
    deliverable, item = deliverable_or_404(deliverable_id)
    if not services.may_change_agreement(user(), item):
        abort(404)
    return act(lambda: services.delete_deliverable(deliverable), message=_("Deliverable deleted."),
               next_page=url_for("partnerships.agreement", agreement_id=item.id, _anchor="deliverables"))


# --- attachments --------------------------------------------------------------------------------------------

@bp.route("/<int:agreement_id>/attachments", methods=["POST"])
@roles_required(*EDITORS)
@upload_limit("UPLOAD_MAX_BYTES")
def upload_attachment(agreement_id: int):
    from .. import uploads

    item = editable_agreement_or_404(agreement_id)
    form = AttachmentForm()
    if uploads.refuse_too_large(form):
        return agreement_page(item, attachment_form=form), 413
    if form.validate_on_submit() and attempt(lambda: services.add_attachment(item, request.files.get("file"), user(),
                                                                             form.title.data)):
        flash(_("File uploaded."), "success")
    return redirect(url_for("partnerships.agreement", agreement_id=item.id, _anchor="attachments"))


@bp.route("/attachments/<int:attachment_id>")
@roles_required(*READERS)
def attachment(attachment_id: int):
    from .. import uploads

    item = get_visible_or_404(services.get_attachment(user(), attachment_id))
    return uploads.send_stored_file(item.stored_file)


@bp.route("/attachments/<int:attachment_id>/delete", methods=["POST"])
@roles_required(*EDITORS)
def delete_attachment(attachment_id: int):
    item = get_visible_or_404(services.get_attachment(user(), attachment_id))
    agreement_id = item.partnership_id
    if not services.may_change_agreement(user(), visible_agreement_or_404(agreement_id)):
        abort(404)
    return act(lambda: services.delete_attachment(item), message=_("File deleted."),
               next_page=url_for("partnerships.agreement", agreement_id=agreement_id, _anchor="attachments"))


# --- training cohorts -----------------------------------------------------------------------------------------

def cohort_data(form) -> dict:
    data = {name: form[name].data for name in services.COHORT_FIELDS if name in form._fields}
    data["version"] = form.version.data
    return data


@bp.route("/<int:agreement_id>/cohorts/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_cohort(agreement_id: int):
    item = editable_agreement_or_404(agreement_id)
    if item.kind != "talent_training":
        flash(_("Training cohorts belong to order-based training agreements only."), "warning")
        return redirect(url_for("partnerships.agreement", agreement_id=item.id))
    form = CohortForm()
    if request.method == "GET":
        form.cohort_year.data = clock.today().year
    def record():
        cohort = services.add_cohort(item, cohort_data(form))
        if not cohort.figures_reported_at:
            services.notify_cohort_awaiting(cohort)
        return cohort

    if form.validate_on_submit() and (saved := save(form, record)):
        flash(_("Cohort %(year)d recorded.", year=saved.result.cohort_year), "success")
        return redirect(url_for("partnerships.agreement", agreement_id=item.id, _anchor="cohorts"))
    return render_template("partnerships/cohort_form.html", form=form, agreement=item, cohort=None)


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@roles_required(*READERS)
def cohort(cohort_id: int):
    item = get_visible_or_404(services.get_cohort(user(), cohort_id))
    agreement_item = item.partnership
    if not services.may_report_figures(user(), agreement_item):
        abort(404)
    figures_only = user().role == "partner"
    form = (CohortFiguresForm if figures_only else CohortForm)(obj=item)
    def update():
        services.update_cohort(item, cohort_data(form), figures_only=figures_only)
        if figures_only:
            services.notify_figures_reported(item, user())

    if form.validate_on_submit() and save(form, update):
        flash(_("Figures of cohort %(year)d saved.", year=item.cohort_year), "success")
        return redirect(url_for("partnerships.agreement", agreement_id=agreement_item.id, _anchor="cohorts"))
    return render_template("partnerships/cohort_form.html", form=form, agreement=agreement_item, cohort=item,
                           history=history_of(item) if not figures_only else [], confirm_form=ConfirmForm())


@bp.route("/cohorts/<int:cohort_id>/delete", methods=["POST"])
@roles_required(*EDITORS)
def delete_cohort(cohort_id: int):
    item = get_visible_or_404(services.get_cohort(user(), cohort_id))
    agreement_id = item.partnership_id
    if not services.may_change_agreement(user(), item.partnership):
        abort(404)
    return act(lambda: services.delete_cohort(item), message=_("Cohort deleted."),
               next_page=url_for("partnerships.agreement", agreement_id=agreement_id, _anchor="cohorts"))


@bp.route("/cohorts")
@roles_required(*READERS)
def cohorts():
    filters = FilterForm(request.args)
    filters.year.choices = year_choices()
    sort = request.args.get("sort", "-year")
    year = int_arg("year")
    awaiting = request.args.get("awaiting") == "1"
    query = services.cohort_query(user(), year=year, q=filters.q.data or "", awaiting=awaiting, sort=sort)
    if request.args.get("export") == "csv":
        return csv_download("training", services.TRAINING_EXPORT_HEADER, services.cohort_rows(query))
    return render_template("partnerships/cohorts.html", page=page_of(query), filters=filters, sort=sort,
                           totals=services.cohort_totals(user(), year), awaiting=awaiting, labels=labels())


# --- institutions --------------------------------------------------------------------------------------------

@bp.route("/institutions")
@roles_required(*EDITORS)
def institutions():
    filters = FilterForm(request.args)
    filters.kind.choices = [("", _("All kinds"))] + list(institution_kind_labels().items())
    sort = request.args.get("sort", "name")
    query = services.institution_query(user(), q=filters.q.data or "", kind=filters.kind.data or "", sort=sort)
    return render_template("partnerships/institutions.html", page=rows_page_of(query), filters=filters, sort=sort,
                           labels=labels())


@bp.route("/institutions/new", methods=["GET", "POST"])
@roles_required("admin")
def new_institution():
    form = InstitutionForm()
    if form.validate_on_submit():
        if saved := save(form, lambda: services.create_institution(form.data)):
            flash(_("%(name)s recorded.", name=saved.result.name), "success")
            return redirect(url_for("partnerships.institution", institution_id=saved.result.id))
    return render_template("partnerships/institution_form.html", form=form, institution=None)


@bp.route("/institutions/<int:institution_id>")
@roles_required(*EDITORS)
def institution(institution_id: int):
    item = get_visible_or_404(services.get_institution(institution_id))
    summary = services.institution_summary(user(), item)
    return render_template("partnerships/institution.html", summary=summary, institution=item, labels=labels(),
                           contact_form=ContactForm(formdata=None), account_form=PartnerAccountForm(formdata=None),
                           confirm_form=ConfirmForm(),
                           agreement_status=services.agreement_status, today=clock.today(),
                           history=history_of(item) if user().role == "admin" else [])


@bp.route("/institutions/<int:institution_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_institution(institution_id: int):
    item = get_visible_or_404(services.get_institution(institution_id))
    form = InstitutionForm(obj=item)
    if form.validate_on_submit():
        if versioning.unchanged(form, item) and save(form, lambda: services.update_institution(item, form.data)):
            flash(_("%(name)s saved.", name=item.name), "success")
            return redirect(url_for("partnerships.institution", institution_id=item.id))
    return render_template("partnerships/institution_form.html", form=form, institution=item)


@bp.route("/institutions/<int:institution_id>/contacts", methods=["POST"])
@roles_required("admin")
def add_contact(institution_id: int):
    item = get_visible_or_404(services.get_institution(institution_id))
    form = ContactForm()
    if form.validate_on_submit():
        if save(form, lambda: services.add_contact(item, form.data)):
            flash(_("Contact added."), "success")
            return redirect(url_for("partnerships.institution", institution_id=item.id, _anchor="contacts"))
    for field in form:
        for message in field.errors:
            flash(f"{field.label.text}: {message}", "danger")
    return redirect(url_for("partnerships.institution", institution_id=item.id, _anchor="contacts"))


@bp.route("/institutions/<int:institution_id>/accounts", methods=["POST"])
@roles_required("admin")
def bind_account(institution_id: int):
    item = get_visible_or_404(services.get_institution(institution_id))
    form = PartnerAccountForm()
    if form.validate_on_submit() and (saved := attempt(lambda: services.bind_partner_by_email(item, form.email.data))):
        flash(_("%(email)s now works for %(name)s.", email=saved.result.email, name=item.name), "success")
    return redirect(url_for("partnerships.institution", institution_id=item.id, _anchor="contacts"))


@bp.route("/contacts/<int:contact_id>/delete", methods=["POST"])
@roles_required("admin")
def delete_contact(contact_id: int):
    contact = get_visible_or_404(db.session.get(InstitutionContact, contact_id))
    institution_id = contact.organisation_id
    return act(lambda: services.delete_contact(contact), message=_("Contact deleted."),
               next_page=url_for("partnerships.institution", institution_id=institution_id, _anchor="contacts"))


# --- tech-transfer deals -----------------------------------------------------------------------------------

@bp.route("/deals")
@roles_required(*EDITORS)
def deals():
    filters = FilterForm(request.args)
    filters.kind.choices = [("", _("All kinds"))] + [(k, deal_kind_labels()[k]) for k in DEAL_KINDS]
    filters.year.choices = year_choices()
    sort = request.args.get("sort", "-date")
    year = int_arg("year")
    query = services.deal_query(user(), year=year, kind=filters.kind.data or "", q=filters.q.data or "",
                                source_id=int_arg("source"), sort=sort)
    if request.args.get("export") == "csv":
        return csv_download("tech_transfers", services.DEAL_EXPORT_HEADER, services.deal_rows(query))
    return render_template("partnerships/deals.html", page=page_of(query), filters=filters, sort=sort, year=year,
                           totals=services.deal_totals_by_year(user()), labels=labels())


def deal_form_choices(form: DealForm) -> None:
    form.source_id.choices = [("", _("Choose…"))] + [(i.id, i.name) for i in services.institution_choices()]
    form.recipient_id.choices = [("", _("Choose…"))] + [(c.id, c.name) for c in services.company_choices(user())]


def deal_data(form: DealForm) -> dict:
    data = {name: form[name].data for name in services.DEAL_FIELDS if name != "value"}
    data["value"] = wan_to_yuan(form.value.data) if form.value.data is not None else 0
    data["version"] = form.version.data
    return data


@bp.route("/deals/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_deal():
    form = DealForm()
    deal_form_choices(form)
    if request.method == "GET":
        form.deal_date.data = clock.today()
        if request.args.get("source", "").isdigit():
            form.source_id.data = int(request.args["source"])
    if form.validate_on_submit():
        if saved := save(form, lambda: services.create_deal(user(), deal_data(form))):
            flash(_("Deal %(reference)s recorded.", reference=saved.result.reference), "success")
            return redirect(url_for("partnerships.deals", year=saved.result.deal_date.year))
    return render_template("partnerships/deal_form.html", form=form, deal=None)


@bp.route("/deals/<int:deal_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def deal(deal_id: int):
    item = get_visible_or_404(services.get_deal(user(), deal_id))
    if not services.may_change_deal(user(), item):
        abort(404)
    form = DealForm(obj=item)
    deal_form_choices(form)
    if request.method == "GET":
        form.value.data = yuan_to_wan(item.value)
    if form.validate_on_submit():
        if save(form, lambda: services.update_deal(user(), item, deal_data(form))):
            flash(_("Deal %(reference)s saved.", reference=item.reference), "success")
            return redirect(url_for("partnerships.deal", deal_id=item.id))
    return render_template("partnerships/deal_form.html", form=form, deal=item, history=history_of(item),
                           confirm_form=ConfirmForm())


@bp.route("/deals/<int:deal_id>/delete", methods=["POST"])
@roles_required(*EDITORS)
def delete_deal(deal_id: int):
    item = get_visible_or_404(services.get_deal(user(), deal_id))
    if not services.may_change_deal(user(), item):
        abort(404)
    return act(lambda: services.delete_deal(item), message=_("Deal %(reference)s deleted.", reference=item.reference),
               next_page=url_for("partnerships.deals"))


# --- talent -----------------------------------------------------------------------------------------------

@bp.route("/talents")
@roles_required(*EDITORS)
def talents():
    filters = FilterForm(request.args)
    filters.kind.choices = [("", _("All categories"))] + list(talent_category_labels().items())
    filters.year.choices = year_choices()
    sort = request.args.get("sort", "-joined_on")
    query = services.talent_query(user(), q=filters.q.data or "", category=filters.kind.data or "",
                                  year=int_arg("year"), sort=sort)
    return render_template("partnerships/talents.html", page=page_of(query), filters=filters, sort=sort,
                           totals=services.talent_totals(user()), labels=labels(), categories=TALENT_CATEGORIES)


def talent_form_choices(form: TalentForm) -> None:
    who = user()
    form.company_id.choices = [("", _("— none —"))] + [(c.id, c.name) for c in services.company_choices(who)]
    form.platform_id.choices = [("", _("— none —"))] + [(p.id, f"{p.code} {p.name}")
                                                        for p in services.platform_choices(who)]
    form.institution_id.choices = [("", _("— none —"))] + [(i.id, i.name) for i in services.institution_choices()]


def talent_data(form: TalentForm) -> dict:
    return {**{name: form[name].data for name in services.TALENT_FIELDS}, "version": form.version.data}


@bp.route("/talents/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_talent():
    form = TalentForm()
    talent_form_choices(form)
    if form.validate_on_submit():
        if saved := save(form, lambda: services.create_talent(user(), talent_data(form))):
            flash(_("%(name)s recorded.", name=saved.result.name), "success")
            return redirect(url_for("partnerships.talents"))
    return render_template("partnerships/talent_form.html", form=form, talent=None)


@bp.route("/talents/<int:talent_id>", methods=["GET", "POST"])
@roles_required(*EDITORS)
def talent(talent_id: int):
    item = get_visible_or_404(services.get_talent(user(), talent_id))
    if not services.may_change_talent(user(), item):
        abort(404)
    form = TalentForm(obj=item)
    talent_form_choices(form)
    if form.validate_on_submit():
        if save(form, lambda: services.update_talent(user(), item, talent_data(form))):
            flash(_("%(name)s saved.", name=item.name), "success")
            return redirect(url_for("partnerships.talent", talent_id=item.id))
    return render_template("partnerships/talent_form.html", form=form, talent=item, history=history_of(item),
                           confirm_form=ConfirmForm())


@bp.route("/talents/<int:talent_id>/delete", methods=["POST"])
@roles_required(*EDITORS)
def delete_talent(talent_id: int):
    item = get_visible_or_404(services.get_talent(user(), talent_id))
    if not services.may_change_talent(user(), item):
        abort(404)
    return act(lambda: services.delete_talent(item), message=_("%(name)s deleted.", name=item.name),
               next_page=url_for("partnerships.talents"))
