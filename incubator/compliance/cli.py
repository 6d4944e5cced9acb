"""Commands: ``refresh-compliance-alerts`` (evaluate, record changes, notify) and ``install-rule-sets``."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db


@click.command("refresh-compliance-alerts")
@click.option("--year", type=int, default=None, help="The year to evaluate (default: this year).")
@with_appcontext
def refresh_alerts_command(year: int | None) -> None:
    """Evaluate every criterion, graduation rule and high-tech requirement; alert and notify on changes."""
    from .alerts import refresh

    summary = refresh(year)
    db.session.commit()
    click.echo(f"checked {summary.checked}, new alerts {summary.alerts}, people notified {summary.notified}")


@click.command("install-rule-sets")
@with_appcontext
def install_rule_sets_command() -> None:
    """Install the official rule sets that are missing (existing ones, possibly edited, are kept)."""
    from .services import install_default_rule_sets

    added = install_default_rule_sets()
    db.session.commit()
    click.echo(f"installed {added} rule sets")
