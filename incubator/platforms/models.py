"""Innovation platforms and the managers assigned to them (spaces, experts and the rest: see this area)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, CheckConstraint, Column, Date, ForeignKey, Index, Numeric, String, Table, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, UTCDateTime, Versioned, Yuan, utcnow
from ..extensions import db
from ..zones.models import default_zone_id
from .kinds import KINDS

# The kinds come from their registry (kinds.py); a new kind also needs a migration widening the check below.
PLATFORM_KINDS = tuple(KINDS)
PLATFORM_LEVELS = ("national", "provincial", "municipal", "county")
PLATFORM_STATUSES = ("active", "suspended", "closed")

platform_managers = Table(
    "platform_managers",
    db.metadata,
    Column("platform_id", ForeignKey("platforms.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Platform(Timestamped, Versioned, db.Model):
    __tablename__ = "platforms"
    __table_args__ = (
        CheckConstraint("kind IN (" + ",".join(f"'{kind}'" for kind in PLATFORM_KINDS) + ")", name="kind"),
        CheckConstraint("level IN ('national','provincial','municipal','county')", name="level"),
        CheckConstraint("status IN ('active','suspended','closed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)  # unique in the deployment, not only the zone
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True, default=default_zone_id)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20))  # the current level: that of the latest recognition
    host_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    operating_since: Mapped[date | None] = mapped_column(Date)
    recognized_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    area_m2: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    stations: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="active")
    description: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)  # API sync (0019_api)
    # Values of the kind-specific fields (see ``kinds.py``), by field name; added by 0004_platforms.
    attributes: Mapped[dict | None] = mapped_column(JSON, default=dict)

    host = relationship("Organisation", lazy="joined")
    managers = relationship("User", secondary=platform_managers, lazy="selectin",
                            backref="managed_platforms")

    def __repr__(self) -> str:
        return f"<Platform {self.code}>"


# --- recognition history ----------------------------------------------------------------------------


class Recognition(Timestamped, db.Model):
    """One recognition (认定/备案) of a platform; the latest sets the platform's level and expiry."""

    __tablename__ = "platform_recognitions"
    __table_args__ = (
        CheckConstraint("level IN ('national','provincial','municipal','county')", name="level"),
        CheckConstraint("expires_on IS NULL OR expires_on > recognized_on", name="expires_after_recognized"),
        Index("ix_platform_recognitions_platform_date", "platform_id", "recognized_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(20))
    recognized_on: Mapped[date] = mapped_column(Date)
    issuing_body: Mapped[str] = mapped_column(String(200))
    document_no: Mapped[str | None] = mapped_column(String(100))
    expires_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    platform = relationship("Platform", backref="recognitions")


class RecognitionAlert(db.Model):
    """That the expiry alert for one platform's recognition expiring on a date has been sent (once)."""

    __tablename__ = "platform_recognition_alerts"
    __table_args__ = (UniqueConstraint("platform_id", "expires_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    expires_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipients: Mapped[int] = mapped_column(default=0)


# --- spaces and tenancies -----------------------------------------------------------------------------

UNIT_KINDS = ("room", "office", "desk", "workshop_bay", "lab_bench")
UNIT_PURPOSES = ("tenant", "public_service")

tenancy_units = Table(
    "tenancy_units",
    db.metadata,
    Column("tenancy_id", ForeignKey("tenancies.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("space_units.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class SpaceUnit(Timestamped, Versioned, db.Model):
    """A room, office, desk, workshop bay or lab bench of a platform (occupancy comes from tenancies)."""

    __tablename__ = "space_units"
    __table_args__ = (
        UniqueConstraint("platform_id", "code"),
        CheckConstraint("kind IN ('room','office','desk','workshop_bay','lab_bench')", name="kind"),
        CheckConstraint("purpose IN ('tenant','public_service')", name="purpose"),
        CheckConstraint("area_m2 >= 0", name="area_not_negative"),
        CheckConstraint("monthly_rent >= 0", name="rent_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20), default="tenant")  # tenant space or public service
    area_m2: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    monthly_rent: Mapped[int] = mapped_column(Yuan, default=0)  # whole yuan per month (list price)
    floor: Mapped[str | None] = mapped_column(String(20))
    bookable: Mapped[bool] = mapped_column(default=False)  # may be booked by the hour (a later issue)
    is_active: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str | None] = mapped_column(Text)

    platform = relationship("Platform", backref="units")

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}" if self.name else self.code


class Tenancy(Timestamped, Versioned, db.Model):
    """A company renting one or more units of a platform from ``starts_on`` to ``ends_on`` (inclusive)."""

    __tablename__ = "tenancies"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_starts"),
        CheckConstraint("monthly_rent >= 0", name="rent_not_negative"),
        Index("ix_tenancies_platform_dates", "platform_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)  # none: until further notice
    monthly_rent: Mapped[int] = mapped_column(Yuan, default=0)  # the rent agreed, whole yuan per month
    contract_no: Mapped[str | None] = mapped_column(String(60))
    notes: Mapped[str | None] = mapped_column(Text)

    platform = relationship("Platform")
    organisation = relationship("Organisation", lazy="joined")
    units = relationship(SpaceUnit, secondary=tenancy_units, lazy="selectin", order_by=SpaceUnit.code,
                         backref="tenancies")

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


# --- experts and residencies ----------------------------------------------------------------------

EXPERT_KINDS = ("academician", "professor", "mentor")
ACADEMIES = ("CAS", "CAE")
RESIDENCY_RECORD_KINDS = ("joint_project", "talent_trained")
DEFAULT_MIN_ONSITE_DAYS = 90


class Expert(Timestamped, Versioned, db.Model):
    """A person who works with platforms: an academician of CAS or CAE, a professor or a mentor."""

    __tablename__ = "experts"
    __table_args__ = (
        CheckConstraint("kind IN ('academician','professor','mentor')", name="kind"),
        CheckConstraint("academy IS NULL OR academy IN ('CAS','CAE')", name="academy"),
        Index("ix_experts_name_sort", "name_sort"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_sort: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(20))
    academy: Mapped[str | None] = mapped_column(String(3))  # academicians only
    retired: Mapped[bool] = mapped_column(default=False)  # a senior (资深) academician no longer serving
    title: Mapped[str | None] = mapped_column(String(100))
    affiliation: Mapped[str | None] = mapped_column(String(200))
    field: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    notes: Mapped[str | None] = mapped_column(Text)


class Residency(Timestamped, Versioned, db.Model):
    """An expert's agreement to work at a platform (an academician at a workstation) for a period."""

    __tablename__ = "residencies"
    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_starts"),
        CheckConstraint("min_onsite_days >= 0 AND min_onsite_days <= 366", name="min_onsite_days"),
        Index("ix_residencies_platform", "platform_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"))
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    agreement_no: Mapped[str | None] = mapped_column(String(60))
    min_onsite_days: Mapped[int] = mapped_column(default=DEFAULT_MIN_ONSITE_DAYS)  # agreed days a year
    research_topic: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)

    platform = relationship("Platform")
    expert = relationship(Expert, lazy="joined", backref="residencies")

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


class OnsiteDay(Timestamped, db.Model):
    """One day an expert spent on site under a residency (进站工作天数 counts these)."""

    __tablename__ = "onsite_days"
    __table_args__ = (UniqueConstraint("residency_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    residency_id: Mapped[int] = mapped_column(ForeignKey("residencies.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))


class ResidencyRecord(Timestamped, db.Model):
    """A joint project or talents trained under a residency (the workstation's log of results)."""

    __tablename__ = "residency_records"
    __table_args__ = (
        CheckConstraint("kind IN ('joint_project','talent_trained')", name="kind"),
        CheckConstraint("people >= 0", name="people_not_negative"),
        Index("ix_residency_records_residency", "residency_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    residency_id: Mapped[int] = mapped_column(ForeignKey("residencies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    occurred_on: Mapped[date] = mapped_column(Date)
    people: Mapped[int] = mapped_column(default=0)  # talents trained (0 for a project)
    notes: Mapped[str | None] = mapped_column(Text)
