"""Innovation platforms and the managers assigned to them (spaces, experts and the rest: see this area)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Numeric, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

PLATFORM_KINDS = ("maker_space", "incubator", "key_lab", "engineering_center", "academician_workstation",
                  "rd_institution")
PLATFORM_LEVELS = ("national", "provincial", "municipal", "county")
PLATFORM_STATUSES = ("active", "suspended", "closed")

platform_managers = Table(
    "platform_managers",
    db.metadata,
    Column("platform_id", ForeignKey("platforms.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Platform(db.Model):
    __tablename__ = "platforms"
    __table_args__ = (
        CheckConstraint("kind IN ('maker_space','incubator','key_lab','engineering_center',"
                        "'academician_workstation','rd_institution')", name="kind"),
        CheckConstraint("level IN ('national','provincial','municipal','county')", name="level"),
        CheckConstraint("status IN ('active','suspended','closed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    host = relationship("Organisation", lazy="joined")
    managers = relationship("User", secondary=platform_managers, lazy="selectin",
                            backref="managed_platforms")
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Platform {self.code}>"
