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


@click.group("mfa")
def mfa_command():
    """Two-step verification: the keys that seal the authenticator secrets."""


@mfa_command.command("new-key")
def new_key_command():
    """Print a fresh random key for MFA_ENCRYPTION_KEYS (put it first in the list to rotate)."""
    from .totp import new_key

    click.echo(new_key())


@mfa_command.command("reseal")
@with_appcontext
def reseal_command():
    """Seal every stored authenticator secret under the first key of MFA_ENCRYPTION_KEYS.

    Run it after putting a new key first, before dropping the old one; it also moves secrets sealed before
    Fernet was used (which hang on SECRET_KEY) to the new keys.
    """
    from .mfa import reseal_all

    resealed, unreadable = reseal_all()
    db.session.commit()
    click.echo(f"{resealed} secret(s) re-sealed under the current key")
    if unreadable:
        click.echo(f"{len(unreadable)} secret(s) do not unseal with any key (user ids "
                   f"{', '.join(map(str, unreadable))}): reset their two-step verification", err=True)
        raise SystemExit(1)
