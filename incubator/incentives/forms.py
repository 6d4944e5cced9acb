"""Forms of the incentives area."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..versioning import VersionedForm
from ..fields import WanField
from .rules import BASES, CONDITIONS, LEVEL_RANK, TALENT_CATEGORIES


def kind_labels():
    return {
        "rd_subsidy": _l("R&D subsidy"), "rent_relief": _l("Rent relief for startups"),
        "talent_award": _l("Talent award"), "platform_award": _l("Platform recognition award"),
        "tech_transfer_award": _l("Tech-transfer award"),
    }


def level_labels():
    return {"national": _l("National level"), "provincial": _l("Provincial level"),
            "municipal": _l("Municipal level"), "county": _l("County level")}


def category_labels():
    return {"academician": _l("Academician"), "national": _l("National talent programme"),
            "provincial": _l("Provincial talent programme"), "doctoral": _l("Doctoral talent"),
            "team": _l("Talent team")}


def status_labels():
    return {"submitted": _l("Submitted"), "recommended": _l("Recommended"), "approved": _l("Approved"),
            "rejected": _l("Rejected"), "paid": _l("Paid"), "open": _l("Open"), "closed": _l("Closed")}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PolicyForm(VersionedForm, FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    kind = SelectField(_l("Kind"), choices=lambda: list(kind_labels().items()))
    basis = SelectField(_l("Basis"), choices=lambda: [(key, basis.label) for key, basis in BASES.items()])
    reference_year = IntegerField(_l("Reference year (whose data the basis reads)"),
                                  validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    rate = WanField(_l("Rate, in percent of the basis"), places=4, maximum=1000,
                    description=_l("For bases measured in money, e.g. 10 for 10%."))
    level_national = WanField(_l("National level (10,000 CNY)"))
    level_provincial = WanField(_l("Provincial level (10,000 CNY)"))
    level_municipal = WanField(_l("Municipal level (10,000 CNY)"))
    level_county = WanField(_l("County level (10,000 CNY)"))
    talent_academician = WanField(_l("Academician (10,000 CNY)"))
    talent_national = WanField(_l("National talent programme (10,000 CNY)"))
    talent_provincial = WanField(_l("Provincial talent programme (10,000 CNY)"))
    talent_doctoral = WanField(_l("Doctoral talent (10,000 CNY)"))
    talent_team = WanField(_l("Talent team (10,000 CNY)"))
    minimum_basis = WanField(_l("Minimum of the basis (10,000 CNY)"),
                             description=_l("Beneficiaries whose basis is below this get nothing."))
    cap = WanField(_l("Cap per beneficiary (10,000 CNY)"), description=_l("Leave empty for no cap."))
    budget = WanField(_l("Total budget (10,000 CNY)"), validators=[DataRequired()])
    conditions = MultiCheckboxField(_l("Conditions"), choices=lambda: [(k, c.label) for k, c in CONDITIONS.items()])
    allocation = SelectField(_l("When the amounts exceed the budget"),
                             choices=lambda: [("pro_rata", _l("Share the budget pro rata")),
                                              ("ranked", _l("Rank by amount and pay in order"))])
    required_documents = TextAreaField(_l("Documents a claim needs (one per line)"),
                                       validators=[Optional(), Length(max=2000)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save"))

    def values(self) -> dict:
        """The policy's attributes as typed (money in yuan, the rate scaled by 10,000), for ``apply_policy``."""
        from ..database import wan_to_yuan

        return {
            "name": self.name.data.strip(), "year": self.year.data, "kind": self.kind.data, "basis": self.basis.data,
            "reference_year": self.reference_year.data,
            "rate_scaled": int(self.rate.data * 10_000) if self.rate.data is not None else None,
            "fixed_amounts": self.fixed_amounts() or None,
            "minimum_basis": wan_to_yuan(self.minimum_basis.data or 0),
            "cap": wan_to_yuan(self.cap.data) if self.cap.data is not None else None,
            "budget": wan_to_yuan(self.budget.data),
            "conditions": list(self.conditions.data or []),
            "allocation": self.allocation.data,
            "required_documents": (self.required_documents.data or "").strip() or None,
            "description": self.description.data or None,
        }

    def fixed_amounts(self) -> dict[str, int]:
        from ..database import wan_to_yuan

        prefix = "level_" if self.basis.data == "new_recognition_level" else "talent_"
        keys = LEVEL_RANK if prefix == "level_" else TALENT_CATEGORIES
        return {key: wan_to_yuan(getattr(self, prefix + key).data) for key in keys
                if getattr(self, prefix + key).data is not None}

    def validate_basis(self, field):
        basis = BASES.get(field.data)
        if basis and self.kind.data not in basis.policy_kinds:
            raise ValidationError(_l("This basis does not suit a policy of this kind."))

    def validate_rate(self, field):
        basis = BASES.get(self.basis.data)
        if basis and basis.mode == "rate" and not field.data:
            raise ValidationError(_l("Give the rate (percent of the basis) for this basis."))

    def validate_reference_year(self, field):
        if self.year.data and field.data and field.data > self.year.data:
            raise ValidationError(_l("The reference year may not come after the policy's year."))


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Recommend"))


class ApproveForm(FlaskForm):
    amount = WanField(_l("Approved amount (10,000 CNY)"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (required when the amount differs from the computed one)"),
                           validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Approve"))


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the rejection"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Reject"))


class PaymentForm(FlaskForm):
    paid_on = DateField(_l("Paid on"), validators=[DataRequired()])
    amount = WanField(_l("Amount paid (10,000 CNY)"), validators=[DataRequired()])
    voucher_no = StringField(_l("Voucher number"), validators=[DataRequired(), Length(max=60)])
    submit = SubmitField(_l("Record the payment"))


class ClaimForm(FlaskForm):
    beneficiary = SelectField(_l("Beneficiary"), validators=[DataRequired()])
    submit = SubmitField(_l("Submit the claim"))

