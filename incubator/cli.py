"""Command-line commands registered on the app: ``init``, ``seed-demo`` and ``create-user``."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from .extensions import db
from .seed import clear_database, database_is_empty, run_seeders


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Install the reference data a zone needs (industries, official rule sets, ...); safe to run again."""
    from .reference import install_reference_data

    installed = install_reference_data()
    db.session.commit()
    click.echo(f"installed: {installed.summary()}")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Delete all data first, then seed.")
@click.option("--if-empty", is_flag=True, help="Seed only an empty database; otherwise do nothing (exit 0).")
@click.option("--seed", default=2026, show_default=True, help="Random seed, for a reproducible zone.")
@click.option("--scale", default=1.0, show_default=True, type=click.FloatRange(0.05, 1.0),
              help="Size of the zone: 1 is the full demo, 0.3 about a third of the companies and records.")
@with_appcontext
def seed_demo(force: bool, if_empty: bool, seed: int, scale: float) -> None:
    """Fill the database with a living demo zone and print the demo accounts' passwords once."""
    if not database_is_empty():
        if if_empty:
            click.echo("The database already has data; demo seeding skipped.")
            return
        if not force:
            raise click.ClickException("The database is not empty; use --force to delete everything and reseed.")
        clear_database()
    context = run_seeders(seed, scale=scale)
    db.session.commit()
    click.echo("Demo accounts (the passwords are shown only now):")
    for email, password in context.passwords.items():
        click.echo(f"  {email:<32} {password}")


def init_app(app):
    from .auth.cli import build_create_user_command

    app.cli.add_command(init_command)
    app.cli.add_command(seed_demo)
    app.cli.add_command(build_create_user_command())
