"""Forms of the compliance area: a platform's annual facts, rule sets and criteria."""
from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..versioning import VersionedForm
from ..fields import CountField, WanField, required_if_empty
from .computations import computation_choices
from .models import COMPARISONS, FACT_AREA_FIELDS, FACT_COUNT_FIELDS, FACT_MONEY_FIELDS
from ..forms import ConfirmForm  # noqa: F401  (the one shared form, used by this area's views)

CODE_PATTERN = re.compile(r"^[a-z0-9_]+$")


def check_code(form, field):
    if field.data and not CODE_PATTERN.match(field.data):
        raise ValidationError(_l("Use lower-case letters, digits and underscores only."))


FACT_LABELS = {
    "full_time_staff": _l("Full-time staff"), "professional_staff": _l("of which professionally trained"),
    "staff_with_degree": _l("of which with a college degree or higher"),
    "returnee_staff": _l("of which returned from study abroad"), "service_staff": _l("Service staff"),
    "mentors": _l("Startup mentors"), "events_held": _l("Events held"),
    "teams_signed_in": _l("Teams or companies signed in"), "team_members": _l("Members of those teams"),
    "new_companies_registered": _l("New companies registered"), "teams_financed": _l("Teams financed"),
    "founders_students": _l("Founders who are students"), "founders_researchers": _l("Founders who are researchers"),
    "founders_returnees": _l("Founders returned from abroad"),
    "area_total_m2": _l("Floor area, total (m²)"), "area_offices_m2": _l("Offices of the operator (m²)"),
    "area_tenant_m2": _l("Tenant space (m²)"), "area_public_service_m2": _l("Public service space (m²)"),
    "income_total": _l("Operator income, total (10,000 CNY)"), "income_services": _l("of which from services (10,000 CNY)"),
    "income_property": _l("of which from property (10,000 CNY)"),
    "income_investment": _l("of which from investment (10,000 CNY)"), "profit": _l("Profit (10,000 CNY)"),
    "taxes": _l("Taxes paid (10,000 CNY)"), "subsidies_received": _l("Subsidies received (10,000 CNY)"),
    "incubation_fund": _l("Incubation fund (10,000 CNY)"),
    "tenant_subsidies": _l("Subsidies received by tenants (10,000 CNY)"),
}
FACT_SECTIONS = (
    (_l("Staff and mentors"), ("full_time_staff", "professional_staff", "staff_with_degree", "returnee_staff",
                               "service_staff", "mentors")),
    (_l("Activity of the year"), ("events_held", "teams_signed_in", "team_members", "new_companies_registered",
                                  "teams_financed", "founders_students", "founders_researchers", "founders_returnees")),
    (_l("Floor area"), FACT_AREA_FIELDS),
    (_l("Operator's finances"), FACT_MONEY_FIELDS),
)


class AnnualFactsForm(VersionedForm, FlaskForm):
    """Counts are whole numbers, areas m² with 2 decimals, money in 万元 with up to 4 decimals."""

    submit = SubmitField(_l("Save"))

    @classmethod
    def build(cls, **kwargs):
        class Form(cls):
            pass

        for name in FACT_COUNT_FIELDS:
            setattr(Form, name, CountField(FACT_LABELS[name], validators=[required_if_empty()], maximum=1_000_000))
        for name in FACT_AREA_FIELDS:
            validators = [Optional()] if name == "area_total_m2" else [required_if_empty()]
            description = _l("Leave empty to use the platform's declared area.") if name == "area_total_m2" else (
                _l("Used only when the platform has no space units.") if name in ("area_tenant_m2",
                                                                               "area_public_service_m2") else "")
            setattr(Form, name, WanField(FACT_LABELS[name], validators=validators, places=2,
                                         maximum=Decimal("10000000"), description=description))
        for name in FACT_MONEY_FIELDS:
            setattr(Form, name, WanField(FACT_LABELS[name], validators=[required_if_empty()],
                                         allow_negative=(name == "profit")))
        return Form(**kwargs)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not ok:
            return False
        parts = sum((getattr(self, name).data or 0) for name in ("income_services", "income_property",
                                                                 "income_investment"))
        if parts > self.income_total.data:
            self.income_total.errors.append(_l("The total must be at least the sum of the income by source."))
            return False
        for name in ("professional_staff", "staff_with_degree", "returnee_staff"):
            if getattr(self, name).data > self.full_time_staff.data:
                getattr(self, name).errors.append(_l("Cannot exceed the full-time staff."))
                return False
        return True


class RuleSetForm(VersionedForm, FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=60), check_code])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=200)])
    region = StringField(_l("Province or region (empty: national)"), validators=[Optional(), Length(max=100)])
    source_document = StringField(_l("Source document"), validators=[DataRequired(), Length(max=300)])
    effective_on = DateField(_l("Effective from"), validators=[DataRequired(message=_l("Enter a date."))])
    is_active = BooleanField(_l("Active (applied on the gap pages)"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    submit = SubmitField(_l("Save"))


class CopyRuleSetForm(FlaskForm):
    code = StringField(_l("Code of the copy"), validators=[DataRequired(), Length(max=60), check_code])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=200)])
    region = StringField(_l("Province or region (empty: national)"), validators=[Optional(), Length(max=100)])
    source_document = StringField(_l("Source document"), validators=[DataRequired(), Length(max=300)])
    effective_on = DateField(_l("Effective from"), validators=[DataRequired(message=_l("Enter a date."))])
    submit = SubmitField(_l("Copy"))


COMPARISON_LABELS = {">=": _l("at least (≥)"), "<=": _l("at most (≤)"), "==": _l("exactly (=)")}


class CriterionForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=60), check_code])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=200)])
    computation = SelectField(_l("Computed as"), validators=[DataRequired()])
    comparison = SelectField(_l("Comparison"), choices=[(key, COMPARISON_LABELS[key]) for key in COMPARISONS])
    threshold = WanField(_l("Threshold"), validators=[required_if_empty()], maximum=Decimal("100000000"),
                         description=_l("In the computation's unit: %, m², years, 10,000 CNY, a count …"))
    group_code = StringField(_l("“Any of” group"), validators=[Optional(), Length(max=60), check_code],
                             description=_l("Criteria with the same group code: meeting one of them suffices."))
    sort_order = CountField(_l("Order"), validators=[required_if_empty()], maximum=100000)
    submit = SubmitField(_l("Save"))

    def __init__(self, subject: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.computation.choices = computation_choices(subject)


