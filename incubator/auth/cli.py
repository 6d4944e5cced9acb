"""``flask create-user``: accounts from the command line."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from ..extensions import db
from .models import ROLES
from .services import AccountError, create_user

# Later areas bind an account to what it works on (--platform, --company, --institution).
USER_BINDERS: dict[str, object] = {}
EXTRA_OPTIONS: list = []


def register_user_binding(name: str, option, binder) -> None:
    """Add a ``create-user`` option (a ``click.option`` decorator) and ``binder(user, value)`` for it."""
    if name not in USER_BINDERS:
        EXTRA_OPTIONS.append(option)
        USER_BINDERS[name] = binder


def read_password() -> str:
    """From standard input when it is not a terminal (scripts), otherwise prompted twice."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def build_create_user_command() -> click.Command:
    @click.command("create-user")
    @click.argument("email")
    @click.option("--role", required=True, type=click.Choice(ROLES))
    @click.option("--name", default=None, help="Display name (default: the part of the e-mail before @).")
    @click.option("--locale", type=click.Choice(["zh", "en"]), default=None)
    @with_appcontext
    def create_user_command(email, role, name, locale, **bindings):
        """Create an account; the password is read from standard input or prompted."""
        password = read_password()
        with force_locale("en"):  # the commands speak English
            _create(email, role, name, locale, password, bindings)

    def _create(email, role, name, locale, password, bindings):
        try:
            user = create_user(email, role, password, name=name, locale=locale, source="cli")
            for option, value in bindings.items():
                if value:
                    USER_BINDERS[option](user, value)
        except AccountError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
        db.session.commit()
        click.echo(f"created {role} {user.email}")

    for option in EXTRA_OPTIONS:
        create_user_command = option(create_user_command)
    return create_user_command
