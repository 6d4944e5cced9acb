"""``flask create-api-token EMAIL --name NAME``: a token for scripts, printed alone on the last line."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import func, select

from ..extensions import db
from .tokens import AREAS, DEFAULT_DAYS, MAX_DAYS, TokenError, create_token


@click.command("create-api-token")
@click.argument("email")
@click.option("--name", required=True, help="What the token is for (shown in the token lists).")
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=DEFAULT_DAYS, show_default=True,
              help="Days until it expires.")
@click.option("--area", type=click.Choice(sorted(AREAS)), default=None, help="Limit the token to one area.")
@with_appcontext
def create_api_token_command(email, name, days, area):
    """Create a personal API token for the account EMAIL (shown once: only its hash is kept)."""
    from ..auth.models import User

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no account {email}")
    with force_locale("en"):  # the commands speak English
        try:
            row, token = create_token(user, name, days=days, area=area)
        except TokenError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"token {row.id} for {user.email} ({user.role}), expires {row.expires_at:%Y-%m-%d}; "
               "it is shown only now:")
    click.echo(token)
