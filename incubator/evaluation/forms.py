"""Forms of the evaluation area."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional


class PublishForm(FlaskForm):
    note = StringField(_l("Note (what changed)"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Publish"))
