"""Forms of the platforms area (the rules themselves live in services; forms check the shape of input)."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, SelectField, SelectMultipleField, StringField,
                     SubmitField, TextAreaField)
from wtforms.validators import DataRequired, Email, Length, Optional

from ..fields import CountField, WanField, parse_decimal
from .kinds import (ACADEMY_LABELS, EXPERT_KIND_LABELS, KINDS, LEVEL_LABELS, RECORD_KIND_LABELS, STATUS_LABELS,
                    UNIT_KIND_LABELS, UNIT_PURPOSE_LABELS, kind_choices)
from ..versioning import VersionedForm
from ..forms import ConfirmForm  # noqa: F401  (the one shared form, used by this area's views)


def _negative(valuelist) -> bool:
    try:
        return bool(valuelist) and str(valuelist[0]).strip() != "" and parse_decimal(valuelist[0]) < 0
    except ValueError:
        return False


class AreaField(WanField):
    """An area in m² (≥ 0, two decimals)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, places=2, maximum=Decimal("10000000"), **kwargs)

    def process_formdata(self, valuelist):
        if _negative(valuelist):
            self.raw_text, self.data = valuelist[0], None
            raise ValueError(_l("The area may not be negative."))
        super().process_formdata(valuelist)


class RentField(CountField):
    """A monthly rent in whole yuan (≥ 0)."""

    def process_formdata(self, valuelist):
        if _negative(valuelist):
            self.raw_text, self.data = valuelist[0], None
            raise ValueError(_l("The rent may not be negative."))
        super().process_formdata(valuelist)


def _choices(labels: dict, blank=None):
    items = list(labels.items())
    return ([("", blank)] if blank is not None else []) + items


def coerce_int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def kind_field_name(name: str) -> str:
    return f"attr_{name}"


def all_kind_fields():
    """Each kind-specific field once, with the kinds that have it (the form shows it for those)."""
    found: dict[str, tuple] = {}
    for kind in KINDS.values():
        for spec in kind.fields:
            if spec.name in found:
                found[spec.name] = (found[spec.name][0], found[spec.name][1] + (kind.code,))
            else:
                found[spec.name] = (spec, (kind.code,))
    return list(found.values())


class PlatformForm(VersionedForm, FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=30)])
    name = StringField(_l("Platform name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=kind_choices)
    level = SelectField(_l("Level"), choices=lambda: _choices(LEVEL_LABELS))
    host_id = SelectField(_l("Host organisation"), coerce=coerce_int_or_none, validate_choice=True)
    operating_since = DateField(_l("Operating since"), validators=[Optional()])
    area_m2 = AreaField(_l("Declared floor area (m²)"))
    stations = CountField(_l("Declared stations"))
    status = SelectField(_l("Status"), choices=lambda: _choices(STATUS_LABELS))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save"))


def build_platform_form(*, with_recognition: bool, admin: bool, formdata=None, **kwargs) -> PlatformForm:
    """The platform form with a field for every kind-specific field (shown for its kinds by platforms.js),
    the first recognition when registering, and the fields a manager may not change removed."""

    class _Form(PlatformForm):
        pass

    for spec, kinds in all_kind_fields():
        if spec.type == "count":
            field = CountField(spec.label, description=spec.description)
        elif spec.type == "date":
            field = DateField(spec.label, validators=[Optional()], description=spec.description)
        else:
            field = StringField(spec.label, validators=[Optional(), Length(max=300)], description=spec.description)
        field.kwargs.setdefault("render_kw", {})["data-kinds"] = " ".join(kinds)
        setattr(_Form, kind_field_name(spec.name), field)
    if with_recognition:
        _Form.recognized_on = DateField(_l("Recognised on"), validators=[Optional()])
        _Form.issuing_body = StringField(_l("Issuing body"), validators=[Optional(), Length(max=200)])
        _Form.document_no = StringField(_l("Document number"), validators=[Optional(), Length(max=100)])
        _Form.expires_on = DateField(_l("Recognition expires on"), validators=[Optional()])
    form = _Form(formdata=formdata, **kwargs) if formdata is not None else _Form(**kwargs)
    if not admin:
        del form.status
        if not with_recognition:
            for name in ("code", "kind", "level", "host_id"):
                del form[name]
    return form


class PlatformFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=lambda: [("", _l("All kinds"))] + kind_choices(), validators=[Optional()])
    level = SelectField(_l("Level"), choices=lambda: _choices(LEVEL_LABELS, _l("All levels")), validators=[Optional()])
    status = SelectField(_l("Status"), choices=lambda: _choices(STATUS_LABELS, _l("All statuses")),
                         validators=[Optional()])
    expiring = BooleanField(_l("Expiring within 90 days"))


class RecognitionForm(FlaskForm):
    level = SelectField(_l("Level"), choices=lambda: _choices(LEVEL_LABELS))
    recognized_on = DateField(_l("Recognised on"), validators=[DataRequired()])
    issuing_body = StringField(_l("Issuing body"), validators=[DataRequired(), Length(max=200)])
    document_no = StringField(_l("Document number"), validators=[Optional(), Length(max=100)])
    expires_on = DateField(_l("Expires on"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Add recognition"))


class ManagersForm(FlaskForm):
    managers = SelectMultipleField(_l("Managers"), coerce=int)
    submit = SubmitField(_l("Save"))


class UnitForm(VersionedForm, FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Unit name"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=lambda: _choices(UNIT_KIND_LABELS))
    purpose = SelectField(_l("Use"), choices=lambda: _choices(UNIT_PURPOSE_LABELS))
    area_m2 = AreaField(_l("Area (m²)"), validators=[DataRequired(message=_l("Enter the area."))])
    monthly_rent = RentField(_l("Monthly rent (yuan)"))
    floor = StringField(_l("Floor"), validators=[Optional(), Length(max=20)])
    bookable = BooleanField(_l("May be booked"))
    is_active = BooleanField(_l("In use"), default=True)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class TenancyForm(FlaskForm):
    organisation_id = SelectField(_l("Company"), coerce=coerce_int_or_none, validate_choice=False)
    new_company_name = StringField(_l("Or a new company: name"), validators=[Optional(), Length(max=200)])
    new_company_credit_code = StringField(_l("New company: unified social credit code"),
                                          validators=[Optional(), Length(max=30)],
                                          description=_l("Leave empty for a founding team not yet registered."))
    units = SelectMultipleField(_l("Units"), coerce=int, validate_choice=False)
    starts_on = DateField(_l("From"), validators=[DataRequired()])
    ends_on = DateField(_l("To (inclusive; empty: until further notice)"), validators=[Optional()])
    monthly_rent = RentField(_l("Monthly rent agreed (yuan)"))
    contract_no = StringField(_l("Contract number"), validators=[Optional(), Length(max=60)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Let"))


class EndTenancyForm(VersionedForm, FlaskForm):
    ends_on = DateField(_l("Last day"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Save"))


class ExpertForm(VersionedForm, FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=lambda: _choices(EXPERT_KIND_LABELS))
    academy = SelectField(_l("Academy"), choices=lambda: _choices(ACADEMY_LABELS, "—"))
    retired = BooleanField(_l("Retired (senior academician)"))
    title = StringField(_l("Title"), validators=[Optional(), Length(max=100)])
    affiliation = StringField(_l("Affiliation"), validators=[Optional(), Length(max=200)])
    field = StringField(_l("Field"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class ResidencyForm(FlaskForm):
    expert_id = SelectField(_l("Expert"), coerce=coerce_int_or_none, validate_choice=False)
    new_expert_name = StringField(_l("Or a new expert: name"), validators=[Optional(), Length(max=100)])
    new_expert_kind = SelectField(_l("New expert: kind"), choices=lambda: _choices(EXPERT_KIND_LABELS))
    new_expert_academy = SelectField(_l("New expert: academy"), choices=lambda: _choices(ACADEMY_LABELS, "—"))
    new_expert_retired = BooleanField(_l("New expert: retired"))
    new_expert_affiliation = StringField(_l("New expert: affiliation"), validators=[Optional(), Length(max=200)])
    new_expert_field = StringField(_l("New expert: field"), validators=[Optional(), Length(max=200)])
    starts_on = DateField(_l("Agreement from"), validators=[DataRequired()])
    ends_on = DateField(_l("Agreement to"), validators=[Optional()])
    agreement_no = StringField(_l("Agreement number"), validators=[Optional(), Length(max=60)])
    min_onsite_days = CountField(_l("Agreed minimum of on-site days a year"), maximum=366,
                                 description=_l("Default 90 days a year (about three months on site)."))
    research_topic = StringField(_l("Research topic"), validators=[Optional(), Length(max=300)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class ResidencyEditForm(VersionedForm, FlaskForm):
    starts_on = DateField(_l("Agreement from"), validators=[DataRequired()])
    ends_on = DateField(_l("Agreement to"), validators=[Optional()])
    agreement_no = StringField(_l("Agreement number"), validators=[Optional(), Length(max=60)])
    min_onsite_days = CountField(_l("Agreed minimum of on-site days a year"), maximum=366)
    research_topic = StringField(_l("Research topic"), validators=[Optional(), Length(max=300)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class OnsiteDaysForm(FlaskForm):
    first_day = DateField(_l("First day on site"), validators=[DataRequired()])
    last_day = DateField(_l("Last day on site (empty: one day)"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Log on-site days"))


class ResidencyRecordForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=lambda: _choices(RECORD_KIND_LABELS))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    occurred_on = DateField(_l("Date"), validators=[DataRequired()])
    people = CountField(_l("Talents trained"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Add"))


class ExpertFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional()])
    kind = SelectField(_l("Kind"), choices=lambda: _choices(EXPERT_KIND_LABELS, _l("All kinds")),
                       validators=[Optional()])


