"""Forms of the accounts area."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from .models import ROLES
from .services import find_user, password_problems
from ..forms import ConfirmForm  # noqa: F401  (the one shared form, used by this area's views)


def role_choices():
    labels = {
        "admin": _l("Administrator"), "manager": _l("Platform manager"), "reviewer": _l("Reviewer"),
        "startup": _l("Founder"), "partner": _l("Partner institution"),
    }
    return [(role, labels[role]) for role in ROLES]


def language_choices():
    return [("zh", "中文"), ("en", "English")]


class NewPasswordMixin:
    """Two password fields checked against the password rules."""

    def validate_password(self, field):
        email = getattr(getattr(self, "email", None), "data", None) or getattr(self, "_user_email", None)
        problems = password_problems(field.data or "", email)
        if problems:
            raise ValidationError(str(problems[0]))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    submit = SubmitField(_l("Log in"))


class RegistrationForm(NewPasswordMixin, FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
    submit = SubmitField(_l("Create my account"))
    # No check that the address is free: the answer would tell who has an account (see auth/registration.py).


class ConfirmRegistrationForm(FlaskForm):
    password = PasswordField(_l("The password you chose"), validators=[DataRequired(), Length(max=128)])
    submit = SubmitField(_l("Activate my account"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send me a reset link"))


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
    submit = SubmitField(_l("Set the new password"))


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=128)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(_l("Repeat the password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
    submit = SubmitField(_l("Change password"))


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    locale = SelectField(_l("Language"), choices=language_choices)
    submit = SubmitField(_l("Save"))


class UserCreateForm(NewPasswordMixin, FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), choices=role_choices)
    locale = SelectField(_l("Language"), choices=language_choices)
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=128)])
    submit = SubmitField(_l("Create user"))

    def validate_email(self, field):
        if find_user(field.data) is not None:
            raise ValidationError(_l("An account with this e-mail address already exists."))


class UserEditForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"), choices=role_choices)
    locale = SelectField(_l("Language"), choices=language_choices)
    submit = SubmitField(_l("Save"))


class AdminPasswordForm(NewPasswordMixin, FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)])
    submit = SubmitField(_l("Set password"))


class UserFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=lambda: [("", _l("All roles"))] + role_choices(), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=lambda: [("", _l("All")), ("enabled", _l("Enabled")), ("disabled", _l("Disabled"))])


_CODE_INPUT = {"autocomplete": "one-time-code", "inputmode": "numeric", "autocapitalize": "off",
               "spellcheck": "false"}


class MfaConfirmForm(FlaskForm):
    code = StringField(_l("6-digit code from your app"), validators=[DataRequired(), Length(max=20)],
                       render_kw=_CODE_INPUT)
    submit = SubmitField(_l("Turn on two-step verification"))


class MfaLoginForm(FlaskForm):
    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("The 6-digit code your authenticator app shows now, or one of your "
                                      "recovery codes."),
                       render_kw={**_CODE_INPUT, "inputmode": "text", "autofocus": True})
    submit = SubmitField(_l("Verify"))


class RecoveryCodesForm(FlaskForm):
    proof = PasswordField(_l("Your password or a current code"), validators=[DataRequired(), Length(max=128)],
                          render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Make new recovery codes"))


class MfaDisableForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)],
                       render_kw={**_CODE_INPUT, "inputmode": "text"})
    submit = SubmitField(_l("Turn off two-step verification"))
