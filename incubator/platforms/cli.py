"""Command-line parts of the platforms area: recognition alerts and binding managers to platforms."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from . import services


@click.command("send-recognition-alerts")
@with_appcontext
def send_recognition_alerts_command() -> None:
    """Notify admins and managers of recognitions expiring within 90 days (once per platform and expiry)."""
    sent = services.send_recognition_alerts()
    db.session.commit()
    click.echo(f"recognition alerts sent: {sent}")


def bind_platforms(user, codes) -> None:
    """``create-user --role manager --platform CODE`` (repeatable): assign the platforms to the manager."""
    from ..auth.services import AccountError

    if user.role != "manager":
        raise AccountError("--platform applies to managers only")
    for code in codes:
        platform = services.platform_by_code(code)
        if platform is None:
            raise AccountError(f"no platform has the code {code}")
        services.assign_manager(platform, user)
