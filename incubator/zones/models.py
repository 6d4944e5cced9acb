"""Zones (the tenants of a deployment) and the regions above them (a city, a province: a tree)."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, insert, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, utcnow
from ..extensions import db

REGION_LEVELS = ("city", "province")
# The zone a database has before anyone adds another: what 0022_zones makes of a one-zone install, and what
# the first write makes when a database has no zone yet (a test that emptied every table).
FIRST_ZONE = {"code": "ZONE", "name_zh": "示范开发区", "name_en": "Demonstration Development Zone"}


class Region(Timestamped, db.Model):
    __tablename__ = "regions"
    __table_args__ = (CheckConstraint("level IN ('city','province')", name="level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)

    parent = relationship("Region", remote_side=[id])

    def __repr__(self) -> str:
        return f"<Region {self.code}>"


class Zone(Timestamped, db.Model):
    __tablename__ = "zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)

    region = relationship("Region")

    def __repr__(self) -> str:
        return f"<Zone {self.code}>"


def _first_zone_id(connection) -> int:
    """The deployment's first zone, made when there is none (so a one-zone install never has to ask).

    Remembered for the application context (a seed writes thousands of rows); only an id read back from the
    database is remembered, never one just inserted, which a rollback could take away again."""
    from flask import g, has_app_context

    cached = g.get("first_zone_id") if has_app_context() else None
    if cached is not None:
        return cached
    zones = Zone.__table__
    zone_id = connection.scalar(select(zones.c.id).order_by(zones.c.id).limit(1))
    if zone_id is None:
        return connection.execute(insert(zones).values(**FIRST_ZONE, created_at=utcnow())).inserted_primary_key[0]
    if has_app_context():
        g.first_zone_id = zone_id
    return zone_id


def forget_first_zone() -> None:
    """After every row was deleted (``seed-demo --force``) the remembered first zone is gone."""
    from flask import g, has_app_context

    if has_app_context():
        g.pop("first_zone_id", None)
        g.pop("acting_zone_id", None)


def _acting_zone_id(connection) -> int | None:
    """The zone of the signed-in user, when a request has already loaded one (a region's staff have none).

    Read from the connection, not the user object: inside a flush an expired attribute must not load."""
    from flask import g, has_request_context
    from sqlalchemy import inspect

    if not has_request_context():
        return None
    user = g.get("_login_user")
    identity = inspect(user).identity if user is not None and getattr(user, "is_authenticated", False) else None
    if not identity:
        return None
    remembered = g.get("acting_zone_id")
    if remembered is not None and remembered[0] == identity[0]:
        return remembered[1]
    users = db.metadata.tables["users"]
    zone_id = connection.scalar(select(users.c.zone_id).where(users.c.id == identity[0]))
    g.acting_zone_id = (identity[0], zone_id)
    return zone_id


def default_zone_id(context) -> int:
    """Column default of ``zone_id`` on rows not tied to a platform: the acting user's zone, else the first."""
    return _acting_zone_id(context.connection) or _first_zone_id(context.connection)


def zone_of_platform(context) -> int:
    """Column default of ``zone_id`` on rows of a platform (an incubation, a platform's rubric): its zone."""
    from ..platforms.models import Platform

    platform_id = context.get_current_parameters().get("platform_id")
    if platform_id is not None:
        zone_id = context.connection.scalar(select(Platform.__table__.c.zone_id)
                                            .where(Platform.__table__.c.id == platform_id))
        if zone_id is not None:
            return zone_id
    return default_zone_id(context)
