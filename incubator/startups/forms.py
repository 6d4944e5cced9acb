"""Forms of the startups area: the application's steps, review, decisions, incubation and reports."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, EmailField, HiddenField, IntegerField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from ..fields import CountField, WanField, required_if_empty
from ..organisations import credit_code as credit_codes
from .models import REPORT_COUNT_FIELDS, REPORT_FIGURES, REPORT_MONEY_FIELDS
from ..forms import ConfirmForm  # noqa: F401  (the one shared form, used by this area's views)
from ..versioning import VersionedForm


class CompanyForm(VersionedForm, FlaskForm):
    company_name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    not_registered = BooleanField(_l("Not yet registered (a founding team)"))
    credit_code = StringField(_l("Unified social credit code"), validators=[Optional(), Length(max=30)])
    founded_on = DateField(_l("Founded on"), validators=[Optional()])
    industry_id = SelectField(_l("Industry"), coerce=int, validators=[DataRequired()])
    address = StringField(_l("Registered address"), validators=[Optional(), Length(max=300)])
    registered_in_zone = BooleanField(_l("Registered in the zone"))
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    submit = SubmitField(_l("Save and continue"))

    def validate_credit_code(self, field):
        if self.not_registered.data:
            return
        code = credit_codes.normalise(field.data)
        if not code:
            raise ValidationError(_l("Enter the credit code, or tick \"not yet registered\"."))
        problem = credit_codes.problem(code)
        if problem:
            raise ValidationError(problem[0])

    def validate_founded_on(self, field):
        if not self.not_registered.data and field.data is None:
            raise ValidationError(_l("Enter the date of founding."))


TEAM_ROWS = 5


class TeamForm(VersionedForm, FlaskForm):
    submit = SubmitField(_l("Save and continue"))


for _index in range(TEAM_ROWS):
    setattr(TeamForm, f"name_{_index}", StringField(_l("Name"), validators=[Optional(), Length(max=60)]))
    setattr(TeamForm, f"role_{_index}", StringField(_l("Role"), validators=[Optional(), Length(max=60)]))
    setattr(TeamForm, f"education_{_index}", StringField(_l("Education"), validators=[Optional(), Length(max=120)]))
    setattr(TeamForm, f"ventures_{_index}", StringField(_l("Prior ventures"),
                                                        validators=[Optional(), Length(max=200)]))


def team_from_form(form: TeamForm) -> list[dict]:
    members = []
    for index in range(TEAM_ROWS):
        name = (getattr(form, f"name_{index}").data or "").strip()
        if name:
            members.append({key: (getattr(form, f"{key}_{index}").data or "").strip()
                            for key in ("name", "role", "education", "ventures")})
    return members


def team_into_form(form: TeamForm, team: list | None) -> None:
    for index, member in enumerate((team or [])[:TEAM_ROWS]):
        for key in ("name", "role", "education", "ventures"):
            getattr(form, f"{key}_{index}").data = member.get(key, "")


class TechnologyForm(VersionedForm, FlaskForm):
    technology = TextAreaField(_l("Core technology"), validators=[DataRequired(), Length(max=5000)])
    ip_summary = TextAreaField(_l("Intellectual property (patents, software copyrights)"),
                               validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save and continue"))


class MarketForm(VersionedForm, FlaskForm):
    market = TextAreaField(_l("Market and customers"), validators=[DataRequired(), Length(max=5000)])
    business_model = TextAreaField(_l("Business model and plan"), validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField(_l("Save and continue"))


class FundingForm(VersionedForm, FlaskForm):
    funding_needed = WanField(_l("Funding needed (万元)"), validators=[required_if_empty()])
    funding_use = TextAreaField(_l("Use of the funds"), validators=[Optional(), Length(max=3000)])
    submit = SubmitField(_l("Save and continue"))


def space_kind_choices():
    return [("none", _l("No space")), ("desk", _l("Desks (open office)")), ("office", _l("Office")),
            ("workshop", _l("Workshop bay"))]


class SpaceForm(VersionedForm, FlaskForm):
    platform_id = SelectField(_l("Platform applied to"), coerce=int, validators=[DataRequired()])
    space_kind = SelectField(_l("Space wanted"), choices=space_kind_choices)
    stations_wanted = CountField(_l("Stations wanted"), maximum=1000)
    space_note = TextAreaField(_l("Notes on the space"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save and continue"))


class DocumentForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired()])
    file = FileField(_l("File"))
    consent = BooleanField(_l("I consent to the processing of the legal representative's ID for this "
                              "application (Personal Information Protection Law); it is deleted after the decision."))
    submit = SubmitField(_l("Upload"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Confirm"))


class AdmitForm(FlaskForm):
    # InputRequired, not DataRequired: a date typed wrong says so instead of "required" (it was given).
    admitted_on = DateField(_l("Admitted on"), validators=[InputRequired()])
    reason = TextAreaField(_l("Reason for the decision"), validators=[DataRequired(), Length(max=2000)])
    override_reason = TextAreaField(_l("Reason to admit despite the warnings"),
                                    validators=[Optional(), Length(max=2000)])
    # Only free units are offered; one let meanwhile is refused by the tenancy rules, which name it.
    unit_ids = SelectMultipleField(_l("Let these units from the admission date (optional)"), coerce=int,
                                   validators=[Optional()], validate_choice=False)
    tenancy_ends_on = DateField(_l("Tenancy ends on"), validators=[Optional()])
    submit = SubmitField(_l("Admit"))


class BindingForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[("confirm", _l("Confirm the binding")),
                                                   ("refuse", _l("Refuse the binding"))])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class InviteReviewerForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    submit = SubmitField(_l("Invite"))


class AssignForm(FlaskForm):
    reviewer_id = SelectField(_l("Reviewer"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Assign"))


class MeetingForm(FlaskForm):
    platform_id = SelectField(_l("Platform"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    held_on = DateField(_l("Date"), validators=[DataRequired()])
    location = StringField(_l("Location"), validators=[Optional(), Length(max=200)])
    panel = SelectMultipleField(_l("Panel"), coerce=int, validators=[DataRequired()])
    applications = SelectMultipleField(_l("Applications"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Create the meeting"))


class ScoreForm(VersionedForm, FlaskForm):
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=5000)])
    conflict_declared = BooleanField(_l("I have a conflict of interest with this applicant and do not score it"))
    conflict_note = TextAreaField(_l("Conflict of interest"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Submit the review"))


def score_form_for(criteria, formdata=None, **kwargs) -> ScoreForm:
    """A ``ScoreForm`` with one 0-10 field per criterion (``score_<id>``)."""

    class _Form(ScoreForm):
        pass

    for criterion in criteria:
        setattr(_Form, f"score_{criterion.id}", IntegerField(
            criterion.name_zh, validators=[Optional(), NumberRange(min=0, max=10,
                                                                    message=_l("A score is from 0 to 10."))]))
    return _Form(formdata=formdata, **kwargs) if formdata is not None else _Form(**kwargs)


class CriterionForm(FlaskForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=100)])
    weight = IntegerField(_l("Weight (%)"), validators=[DataRequired(), NumberRange(min=1, max=100)])
    submit = SubmitField(_l("Add"))


REPORT_LABELS = {
    "revenue": _l("Revenue"), "rd_expense": _l("R&D expenditure"), "employees": _l("Staff at quarter end"),
    "rd_staff": _l("R&D staff at quarter end"), "invention_patents_filed": _l("Invention patents filed"),
    "invention_patents_granted": _l("Invention patents granted"), "other_ip_granted": _l("Other IP granted"),
    "tech_contract_value": _l("Technology contract value"), "financing": _l("Equity financing received"),
    "tax_paid": _l("Taxes paid"), "graduates_hired": _l("Graduates hired"),
}


class ReportForm(VersionedForm, FlaskForm):
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit"))


for _name in REPORT_MONEY_FIELDS:
    setattr(ReportForm, _name, WanField(REPORT_LABELS[_name], validators=[
        required_if_empty()] if _name in ("revenue", "rd_expense") else []))
for _name in REPORT_COUNT_FIELDS:
    setattr(ReportForm, _name, CountField(REPORT_LABELS[_name], validators=[
        required_if_empty()] if _name == "employees" else []))

REPORT_FIELD_ORDER = REPORT_FIGURES


def period_choices(periods):
    return [(str(p), str(p)) for p in periods]


class ReportPeriodForm(FlaskForm):
    period = SelectField(_l("Quarter"))
    submit = SubmitField(_l("Open"))


def end_choices():
    return [("graduated", _l("Graduation")), ("exited", _l("Exit"))]


class EndIncubationForm(FlaskForm):
    status = SelectField(_l("Outcome"), choices=end_choices)
    ended_on = DateField(_l("Date"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Confirm"))


class CriteriaForm(FlaskForm):
    high_tech = BooleanField(_l("Recognised as a high-tech enterprise"))
    financing = BooleanField(_l("Cumulative equity financing above the threshold"))
    financing_threshold = WanField(_l("Financing threshold (万元)"))
    revenue = BooleanField(_l("Revenue over two consecutive years above the threshold"))
    revenue_threshold = WanField(_l("Revenue threshold (万元)"))
    listed = BooleanField(_l("Acquired or listed"))
    note = StringField(_l("What changed and why"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Save as a new version"))


class ApplicationFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
