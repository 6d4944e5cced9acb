"""Adding zones and regions (flush, never commit: the command or request commits)."""
from __future__ import annotations

from sqlalchemy import select

from ..audit import services as audit
from ..extensions import db
from .models import REGION_LEVELS, Region, Zone, _first_zone_id


class ZoneError(ValueError):
    """A zone or region that cannot be added as asked (the message says why)."""


def first_zone() -> Zone:
    """The deployment's first zone (made when the database has none yet)."""
    return db.session.get(Zone, _first_zone_id(db.session.connection()))


def zone_by_code(code: str) -> Zone | None:
    return db.session.scalar(select(Zone).where(Zone.code == code.strip().upper()))


def region_by_code(code: str) -> Region | None:
    return db.session.scalar(select(Region).where(Region.code == code.strip().upper()))


def _checked_code(code: str, model) -> str:
    code = (code or "").strip().upper()
    if not code or len(code) > 30:
        raise ZoneError("a code has 1 to 30 characters")
    if db.session.scalar(select(model.id).where(model.code == code)) is not None:
        raise ZoneError(f"the code {code} is taken")
    return code


def create_region(code: str, name_zh: str, name_en: str, level: str, parent: Region | None = None) -> Region:
    if level not in REGION_LEVELS:
        raise ZoneError(f"a region is one of {', '.join(REGION_LEVELS)}")
    if level == "province" and parent is not None:
        raise ZoneError("a province has no region above it")
    if level == "city" and parent is not None and parent.level != "province":
        raise ZoneError("a city belongs to a province")
    region = Region(code=_checked_code(code, Region), name_zh=name_zh.strip(), name_en=(name_en or name_zh).strip(),
                    level=level, parent=parent)
    db.session.add(region)
    db.session.flush()
    audit.record("create", region, after=audit.snapshot(region))
    return region


def create_zone(code: str, name_zh: str, name_en: str, region: Region | None = None) -> Zone:
    """A new zone with a copy of the reference data ``flask init`` installs (its own default review rubric;
    the industries and official rule sets are the deployment's, installed when missing)."""
    from ..reference import install_reference_data

    zone = Zone(code=_checked_code(code, Zone), name_zh=name_zh.strip(), name_en=(name_en or name_zh).strip(),
                region=region)
    db.session.add(zone)
    db.session.flush()
    audit.record("create", zone, after=audit.snapshot(zone))
    install_reference_data(zone)
    return zone


def region_zone_ids(region_id: int):
    """A SELECT of the ids of the zones in the region ``region_id`` and in the regions below it (a province's
    cities). Two levels are all the tree has (city under province)."""
    from sqlalchemy import or_

    cities = select(Region.id).where(Region.parent_id == region_id)
    return select(Zone.id).where(or_(Zone.region_id == region_id, Zone.region_id.in_(cities)))


def acting_tenant_name(lang: str) -> str | None:
    """The name the pages and a published evaluation carry for the acting user: their zone's own name, their
    region's for a region's staff; None for the deployment's first zone (and outside a request): the settings'
    ``ZONE_NAME_*`` then, so a one-zone install reads as before. Remembered for the request."""
    from flask import g, has_app_context

    from ..access import _acting_user

    user = _acting_user()
    if user is None:
        return None
    key = (getattr(user, "id", None), user.zone_id, user.region_id)
    remembered = g.get("tenant_names") if has_app_context() else None
    if remembered is None or remembered[0] != key:
        names = None
        if user.region_id is not None:
            region = db.session.get(Region, user.region_id)
            names = (region.name_zh, region.name_en) if region else None
        elif user.zone_id is not None and user.zone_id != _first_zone_id(db.session.connection()):
            zone = db.session.get(Zone, user.zone_id)
            names = (zone.name_zh, zone.name_en) if zone else None
        remembered = (key, names)
        if has_app_context():
            g.tenant_names = remembered
    names = remembered[1]
    if names is None:
        return None
    return (names[0] or names[1]) if lang == "zh" else (names[1] or names[0])
