"""The form that makes a personal API token (My account)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange

from .tokens import AREAS, DEFAULT_DAYS, MAX_DAYS


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=100)],
                       description=_l("What the token is for, e.g. the province's platform."))
    days = IntegerField(_l("Valid for (days)"), default=DEFAULT_DAYS,
                        validators=[InputRequired(), NumberRange(1, MAX_DAYS)])
    area = SelectField(_l("Limited to"), default="")
    submit = SubmitField(_l("Create token"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.area.choices = [("", _l("Everything I may read"))] + [(key, label) for key, label in AREAS.items()]
