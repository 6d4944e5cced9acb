"""Annual targets per indicator and scope, and the indicator weights of each year."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, Versioned, utcnow
from ..extensions import db
from ..zones.models import default_zone_id, zone_of_platform

SCALE = Decimal(10_000)  # values are stored × 10,000: exact to 4 decimals on both databases
ZONE_SCOPE = "ZONE"
TARGET_STATUSES = ("approved", "proposed")


def to_scaled(value: Decimal) -> int:
    scaled = Decimal(value) * SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError("more than 4 decimal places")
    return int(scaled)


def from_scaled(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value) / SCALE


class Target(Versioned, db.Model):
    """An annual target: (year, scope, indicator, value); scope is ``ZONE`` or a platform's code."""

    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("zone_id", "year", "scope", "indicator"),
        CheckConstraint("value_scaled >= 0", name="not_negative"),
        CheckConstraint("status IN ('approved','proposed')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column()
    scope: Mapped[str] = mapped_column(String(30))  # "ZONE" or a platform code
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True, default=zone_of_platform)
    indicator: Mapped[str] = mapped_column(String(40))
    value_scaled: Mapped[int] = mapped_column(BigInteger)  # in the indicator's unit × 10,000
    status: Mapped[str] = mapped_column(String(20), default="approved")
    proposed_value_scaled: Mapped[int | None] = mapped_column(BigInteger)  # a manager's proposal awaiting approval
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    platform = relationship("Platform")

    @property
    def value(self) -> Decimal:
        return from_scaled(self.value_scaled)

    @value.setter
    def value(self, amount: Decimal) -> None:
        self.value_scaled = to_scaled(amount)


class IndicatorWeight(db.Model):
    """The weight of an indicator in a year's scores (the same for every scope; default 1)."""

    __tablename__ = "indicator_weights"
    __table_args__ = (UniqueConstraint("zone_id", "year", "indicator"),
                      CheckConstraint("weight_scaled >= 0", name="not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True, default=default_zone_id)
    year: Mapped[int] = mapped_column()
    indicator: Mapped[str] = mapped_column(String(40))
    weight_scaled: Mapped[int] = mapped_column(BigInteger, default=10_000)

    @property
    def weight(self) -> Decimal:
        return from_scaled(self.weight_scaled)
