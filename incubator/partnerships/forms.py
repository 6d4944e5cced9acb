"""Forms of the partnerships area: parsing and field checks; the rules live in ``services``."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from ..versioning import VersionedForm
from ..fields import CountField, WanField, required_if_empty
from .models import DEAL_KINDS, DELIVERABLE_STATUSES, PARTNERSHIP_KINDS, TALENT_CATEGORIES
from ..forms import ConfirmForm  # noqa: F401  (the one shared form, used by this area's views)


def optional_id(value):
    """Select values: "" means none, anything else an integer id (a bad one fails the choice check)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def kind_labels():
    return {
        "joint_lab": _l("Joint laboratory"), "joint_rd": _l("Joint R&D"),
        "talent_training": _l("Order-based talent training"), "internship_base": _l("Internship base"),
        "tech_service": _l("Technical service"),
    }


def deal_kind_labels():
    return {
        "patent_assignment": _l("Patent assignment"), "licence": _l("Licence"),
        "joint_development": _l("Joint development"), "equity": _l("Equity investment of a result"),
    }


def deliverable_status_labels():
    return {"planned": _l("Planned"), "in_progress": _l("In progress"), "delivered": _l("Delivered"),
            "cancelled": _l("Cancelled")}


def talent_category_labels():
    return {"academician": _l("Academician"), "national": _l("National talent programme"),
            "provincial": _l("Provincial talent programme"), "doctoral": _l("Doctoral talent"),
            "team": _l("Team")}


def institution_kind_labels():
    return {"university": _l("University"), "institute": _l("Research institute")}


def status_labels():
    return {"active": _l("Active"), "expiring": _l("Expiring within 90 days"), "upcoming": _l("Not yet started"),
            "ended": _l("Ended")}


class AgreementForm(FlaskForm):
    version = HiddenField()
    reference = StringField(_l("Reference"), validators=[DataRequired(), Length(max=40)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    partner_id = SelectField(_l("Partner institution"), coerce=optional_id, validators=[DataRequired()])
    kind = SelectField(_l("Kind of agreement"),
                       choices=lambda: [("", _l("Choose…"))] + [(k, kind_labels()[k]) for k in PARTNERSHIP_KINDS],
                       validators=[DataRequired(message=_l("Choose a kind of agreement."))])
    platform_id = SelectField(_l("Zone side: platform"), coerce=optional_id,
                              description=_l("Leave both the platform and the company empty when the zone itself "
                                             "signed."))
    company_id = SelectField(_l("Zone side: company"), coerce=optional_id)
    starts_on = DateField(_l("Start date"), validators=[DataRequired(message=_l("Give the start date."))])
    ends_on = DateField(_l("End date"), validators=[Optional()])
    contract_value = WanField(_l("Contract value (10,000 CNY)"))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Save agreement"))


class DeliverableForm(FlaskForm):
    title = StringField(_l("Deliverable"), validators=[DataRequired(), Length(max=300)])
    due_on = DateField(_l("Due date"), validators=[DataRequired(message=_l("Give the due date."))])
    status = SelectField(_l("Status"), choices=lambda: list(deliverable_status_labels().items()))
    submit = SubmitField(_l("Add deliverable"))


class DeliverableStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=lambda: list(deliverable_status_labels().items()))
    delivered_on = DateField(_l("Delivered on"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Update status"))


class CohortForm(FlaskForm):
    version = HiddenField()
    cohort_year = IntegerField(_l("Cohort year"), validators=[DataRequired(message=_l("Give the cohort year, for "
                                                                                      "example 2026.")),
                                                              NumberRange(2000, 2100)])
    enrolled = CountField(_l("Students enrolled"), validators=[required_if_empty(_l("Give the number of students "
                                                                                    "enrolled."))])
    completed = CountField(_l("Completed"))
    hired_in_zone = CountField(_l("Hired by zone companies"))
    completed_on = DateField(_l("Completion date"), validators=[Optional()])
    submit = SubmitField(_l("Save cohort"))


class CohortFiguresForm(FlaskForm):
    """What a partner contact reports: the figures, never the year or the agreement."""

    version = HiddenField()

    enrolled = CountField(_l("Students enrolled"), validators=[required_if_empty(_l("Give the number of students "
                                                                                    "enrolled."))])
    completed = CountField(_l("Completed"))
    hired_in_zone = CountField(_l("Hired by zone companies"))
    completed_on = DateField(_l("Completion date"), validators=[Optional()])
    submit = SubmitField(_l("Save figures"))


class AttachmentForm(FlaskForm):
    title = StringField(_l("Description"), validators=[Optional(), Length(max=200)],
                        description=_l("For example: signed agreement, annex 1."))
    file = FileField(_l("File (PDF, Word, scan)"))
    submit = SubmitField(_l("Upload"))


class DealForm(FlaskForm):
    version = HiddenField()
    reference = StringField(_l("Reference"), validators=[DataRequired(), Length(max=40)])
    title = StringField(_l("Research result"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(_l("Kind of transfer"),
                       choices=lambda: [("", _l("Choose…"))] + [(k, deal_kind_labels()[k]) for k in DEAL_KINDS],
                       validators=[DataRequired(message=_l("Choose how the result is transferred."))])
    source_id = SelectField(_l("Source institution"), coerce=optional_id, validators=[DataRequired()])
    recipient_id = SelectField(_l("Recipient company"), coerce=optional_id, validators=[DataRequired()])
    deal_date = DateField(_l("Date"), validators=[DataRequired(message=_l("Give the date of the deal."))])
    value = WanField(_l("Value (10,000 CNY)"))
    patents = TextAreaField(_l("Patents involved"), validators=[Optional(), Length(max=4000)],
                            description=_l("Patent numbers, one per line."))
    submit = SubmitField(_l("Save deal"))


class InstitutionForm(VersionedForm, FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=lambda: list(institution_kind_labels().items()))
    credit_code = StringField(_l("Unified social credit code"), validators=[Optional(), Length(max=30)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    contact_name = StringField(_l("Main contact"), validators=[Optional(), Length(max=100)])
    contact_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    contact_email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    submit = SubmitField(_l("Save institution"))


class ContactForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    submit = SubmitField(_l("Add contact"))


class PartnerAccountForm(FlaskForm):
    email = StringField(_l("E-mail of a partner account"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Bind account"))


class TalentForm(FlaskForm):
    version = HiddenField()
    name = StringField(_l("Name of the talent or team"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(_l("Category"), choices=lambda: [("", _l("Choose…"))] + list(talent_category_labels().items()),
                           validators=[DataRequired(message=_l("Choose a category."))])
    members = CountField(_l("Members (teams)"), description=_l("Persons in the team; 1 for an individual."))
    field = StringField(_l("Field"), validators=[Optional(), Length(max=200)])
    joined_on = DateField(_l("Joined on"), validators=[DataRequired(message=_l("Give the date they joined."))])
    company_id = SelectField(_l("Company joined"), coerce=optional_id)
    platform_id = SelectField(_l("Platform joined"), coerce=optional_id)
    institution_id = SelectField(_l("Coming from (institution)"), coerce=optional_id)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class FilterForm(FlaskForm):
    """Search and filters of a list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind"), validators=[Optional()], choices=[])
    year = SelectField(_l("Year"), validators=[Optional()], choices=[])


