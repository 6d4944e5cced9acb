"""Forms every area shares."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class ConfirmForm(FlaskForm):
    """An empty form: a button whose POST carries the CSRF token (actions and deletions that confirm)."""

    submit = SubmitField(_l("Confirm"))
