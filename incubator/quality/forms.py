"""The settings form of one check: switched on, and one field per threshold of the registry."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField

from .checks import Check


def settings_form(check: Check, enabled: bool, params: dict, formdata=None):
    """A form for ``check`` filled with the settings in force (numbers are checked by the service)."""

    class CheckSettingsForm(FlaskForm):
        enabled = BooleanField(_l("Switched on"))
        submit = SubmitField(_l("Save"))

    for parameter in check.parameters:
        label = parameter.name() + (f" ({parameter.unit()})" if parameter.unit() else "")
        setattr(CheckSettingsForm, parameter.key, StringField(label))
    data = {"enabled": enabled, **{key: str(value) for key, value in params.items()}}
    return CheckSettingsForm(formdata=formdata, prefix=check.code, data=data)
