"""Forms of the organisations area."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from ..versioning import VersionedForm
from ..fields import CountField
from .services import credit_code_problem
from ..forms import ConfirmForm  # noqa: F401  (the one shared form, used by this area's views)

KIND_LABELS = {"startup": _l("Startup"), "enterprise": _l("Enterprise"), "university": _l("University"),
               "institute": _l("Research institute")}
LISTING_LABELS = {"none": _l("Not listed"), "listed": _l("Listed"), "quoted": _l("Quoted (NEEQ)"),
                  "acquired": _l("Acquired")}
INCUBATION_STATUS_LABELS = {"incubating": _l("Incubating"), "graduated": _l("Graduated"), "exited": _l("Exited")}
IP_KIND_LABELS = {"invention_patent": _l("Invention patent"), "utility_model": _l("Utility model"),
                  "design_patent": _l("Design patent"), "software_copyright": _l("Software copyright")}
IP_STATUS_LABELS = {"filed": _l("Filed"), "granted": _l("Granted"), "expired": _l("Expired"),
                    "abandoned": _l("Abandoned")}


def _choices(labels: dict, blank=None):
    return ([("", blank)] if blank is not None else []) + list(labels.items())


def coerce_int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class OrganisationForm(VersionedForm, FlaskForm):
    name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=lambda: _choices(KIND_LABELS))
    credit_code = StringField(_l("Unified social credit code"), validators=[Optional(), Length(max=30)],
                              description=_l("18 characters; leave empty for a founding team not yet registered."))
    industry_id = SelectField(_l("Industry"), coerce=coerce_int_or_none)
    founded_on = DateField(_l("Founded on"), validators=[Optional()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=100)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    contact_email = StringField(_l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)])
    registered_in_zone = BooleanField(_l("Registered in the zone"))
    high_tech_cert_no = StringField(_l("High-tech enterprise certificate number"),
                                    validators=[Optional(), Length(max=40)])
    high_tech_valid_from = DateField(_l("High-tech recognition valid from"), validators=[Optional()])
    high_tech_valid_until = DateField(_l("High-tech recognition valid until"), validators=[Optional()])
    listing_status = SelectField(_l("Listing status"), choices=lambda: _choices(LISTING_LABELS))
    listing_date = DateField(_l("Listed or acquired on"), validators=[Optional()])
    submit = SubmitField(_l("Save"))

    def validate_credit_code(self, field):
        problem = credit_code_problem(field.data)
        if problem:
            raise ValidationError(str(problem))


class OrganisationFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=lambda: _choices(KIND_LABELS, _l("All kinds")), validators=[Optional()])
    industry = SelectField(_l("Industry"), validators=[Optional()], validate_choice=False)
    high_tech = BooleanField(_l("High-tech enterprises"))
    in_zone = BooleanField(_l("Registered in the zone"))


class IPForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=lambda: _choices(IP_KIND_LABELS))
    number = StringField(_l("Number"), validators=[DataRequired(), Length(max=60)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    status = SelectField(_l("Status"), choices=lambda: _choices(IP_STATUS_LABELS))
    filed_on = DateField(_l("Filed on"), validators=[Optional()])
    granted_on = DateField(_l("Granted on"), validators=[Optional()])
    expires_on = DateField(_l("Expires on"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class IndustryForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=100)])
    sort_order = CountField(_l("Order"), maximum=100000)
    is_active = BooleanField(_l("In use"), default=True)
    submit = SubmitField(_l("Save"))


