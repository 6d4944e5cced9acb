"""Forms of the outcomes area: a year's targets of one scope, and a year's weights (one field per indicator)."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField

from ..versioning import VersionedForm
from ..fields import CountField, WanField
from . import catalogue


def _target_field(indicator: catalogue.Indicator):
    label = f"{indicator.zh} / {indicator.en}"
    if indicator.places == 0:
        return CountField(label)
    return WanField(label, maximum=Decimal("1000000000"))


def targets_form_class():
    """A form with one optional target field per catalogue indicator (empty = no target)."""

    class TargetsForm(VersionedForm, FlaskForm):
        submit = SubmitField(_l("Save targets"))

    for indicator in catalogue.CATALOGUE:
        setattr(TargetsForm, indicator.code, _target_field(indicator))
    return TargetsForm


def weights_form_class():
    class WeightsForm(FlaskForm):
        submit = SubmitField(_l("Save weights"))

        def validate(self, extra_validators=None):
            if not super().validate(extra_validators):
                return False
            if not any((getattr(self, i.code).data or 0) > 0 for i in catalogue.CATALOGUE):
                self.form_errors.append(_l("At least one weight must be above zero."))
                return False
            return True

    for indicator in catalogue.CATALOGUE:
        setattr(WeightsForm, indicator.code, WanField(f"{indicator.zh} / {indicator.en}", maximum=Decimal(1000)))
    return WeightsForm


class CopyForm(FlaskForm):
    submit = SubmitField(_l("Copy last year's targets"))
