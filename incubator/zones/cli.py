"""``flask create-region`` and ``flask create-zone``; ``create-user --zone/--region`` places an account."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from .models import REGION_LEVELS
from .services import ZoneError, create_region, create_zone, region_by_code, zone_by_code


def _region_or_fail(code: str | None):
    if not code:
        return None
    region = region_by_code(code)
    if region is None:
        raise click.ClickException(f"no region with the code {code}")
    return region


@click.command("create-region")
@click.argument("code")
@click.option("--name-zh", required=True)
@click.option("--name-en", default="", help="Default: the Chinese name.")
@click.option("--level", required=True, type=click.Choice(REGION_LEVELS))
@click.option("--parent", default=None, help="The code of the province a city belongs to.")
@with_appcontext
def create_region_command(code, name_zh, name_en, level, parent) -> None:
    """Add a region (a city or a province) above zones."""
    try:
        region = create_region(code, name_zh, name_en, level, _region_or_fail(parent))
    except ZoneError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"created {region.level} {region.code}")


@click.command("create-zone")
@click.argument("code")
@click.option("--name-zh", required=True)
@click.option("--name-en", default="", help="Default: the Chinese name.")
@click.option("--region", default=None, help="The code of the city or province the zone belongs to.")
@with_appcontext
def create_zone_command(code, name_zh, name_en, region) -> None:
    """Add a zone with a copy of the reference data ``init`` installs."""
    try:
        zone = create_zone(code, name_zh, name_en, _region_or_fail(region))
    except ZoneError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"created zone {zone.code}")


def _place_in_zone(user, code) -> None:
    from ..auth.services import AccountError

    zone = zone_by_code(code)
    if zone is None:
        raise AccountError(f"no zone with the code {code}")
    user.zone_id, user.region_id = zone.id, None
    db.session.flush()


def _place_in_region(user, code) -> None:
    from ..auth.services import AccountError

    region = region_by_code(code)
    if region is None:
        raise AccountError(f"no region with the code {code}")
    user.zone_id, user.region_id = None, region.id
    db.session.flush()


def init_app(app):
    from ..auth.cli import register_user_binding

    app.cli.add_command(create_region_command)
    app.cli.add_command(create_zone_command)
    register_user_binding("zone", click.option("--zone", default=None,
                                               help="The code of the zone the account works in (default: the first)."),
                          _place_in_zone)
    register_user_binding("region", click.option("--region", default=None,
                                                 help="The code of the region whose zones the account reads."),
                          _place_in_region)
