"""Bookable resources of a platform (rooms, desks, equipment), trainings, bookings, blocks and slot rows.

A booking or a block holds one ``BookingSlot`` row per 15-minute unit it covers. The rows are unique on
(resource, slot start), so the database itself refuses a second booking of a taken slot, even when two
requests arrive at the same moment. Slots use a fixed unit whatever a resource's slot length, so a later
change of slot length or opening hours can never let two bookings overlap.
"""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, Time,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, UTCDateTime, Versioned, Yuan
from ..extensions import db

RESOURCE_KINDS = ("room", "desk", "equipment")
SPACE_KINDS = ("room", "desk")  # kinds that are a platform's space unit
RESOURCE_STATUSES = ("available", "maintenance", "retired")
AUDIENCES = ("tenants", "zone", "public")
BOOKING_STATUSES = ("pending", "confirmed", "cancelled", "rejected")
ACTIVE_BOOKING_STATUSES = ("pending", "confirmed")
RATES = ("tenant", "outsider")
BLOCK_KINDS = ("maintenance", "course", "closed")
SLOT_UNIT_MINUTES = 15


class BookableResource(Timestamped, Versioned, db.Model):
    """A room, desk or instrument that users book by the slot."""

    __tablename__ = "booking_resources"
    __table_args__ = (
        CheckConstraint("kind IN ('room','desk','equipment')", name="kind"),
        CheckConstraint("status IN ('available','maintenance','retired')", name="status"),
        CheckConstraint("audience IN ('tenants','zone','public')", name="audience"),
        CheckConstraint("(kind = 'equipment') = (space_unit_id IS NULL)", name="space_unit_for_rooms_and_desks"),
        CheckConstraint("slot_minutes > 0 AND slot_minutes % 15 = 0", name="slot_minutes_unit"),
        CheckConstraint("opens_at < closes_at", name="opens_before_closing"),
        CheckConstraint("price_tenant >= 0 AND price_outsider >= 0", name="prices_not_negative"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        Index("ix_booking_resources_platform_kind", "platform_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    kind: Mapped[str] = mapped_column(String(20))
    space_unit_id: Mapped[int | None] = mapped_column(ForeignKey("space_units.id"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    capacity: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20), default="available")
    opens_at: Mapped[time] = mapped_column(Time, default=time(8, 0))
    closes_at: Mapped[time] = mapped_column(Time, default=time(20, 0))
    open_days: Mapped[str] = mapped_column(String(7), default="12345")  # ISO weekdays, 1 = Monday
    slot_minutes: Mapped[int] = mapped_column(default=60)
    price_tenant: Mapped[int] = mapped_column(Yuan, default=0)  # whole yuan per hour
    price_outsider: Mapped[int] = mapped_column(Yuan, default=0)
    audience: Mapped[str] = mapped_column(String(20), default="tenants")
    max_hours_per_day: Mapped[int | None] = mapped_column()  # per company, None = no limit
    max_hours_per_week: Mapped[int | None] = mapped_column()
    cancel_deadline_hours: Mapped[int] = mapped_column(default=24)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_training: Mapped[bool] = mapped_column(Boolean, default=False)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))  # incubator.uploads

    platform = relationship("Platform", lazy="joined")
    space_unit = relationship("SpaceUnit", lazy="joined")
    photo = relationship("StoredFile", lazy="select")

    @property
    def weekdays(self) -> set[int]:
        return {int(char) for char in self.open_days if char.isdigit()}

    def __repr__(self) -> str:
        return f"<BookableResource {self.id} {self.kind} {self.name}>"


class BookingTraining(Timestamped, Versioned, db.Model):
    """A user's completed training on a training-gated resource, valid until ``expires_on`` (if any)."""

    __tablename__ = "booking_trainings"
    __table_args__ = (
        UniqueConstraint("resource_id", "user_id"),
        CheckConstraint("expires_on IS NULL OR expires_on >= completed_on", name="expires_after_completion"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("booking_resources.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    completed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    resource = relationship(BookableResource, lazy="joined")

    def valid_on(self, day: date) -> bool:
        return self.completed_on <= day and (self.expires_on is None or self.expires_on >= day)


class Booking(Timestamped, Versioned, db.Model):
    """One booking of a resource by a user for a company (or for themselves as an outside user)."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("status IN ('pending','confirmed','cancelled','rejected')", name="status"),
        CheckConstraint("rate IN ('tenant','outsider')", name="rate"),
        CheckConstraint("starts_at < ends_at", name="starts_before_end"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        Index("ix_bookings_resource_starts", "resource_id", "starts_at"),
        Index("ix_bookings_organisation_starts", "organisation_id", "starts_at"),
        Index("ix_bookings_user_starts", "user_id", "starts_at"),
        Index("ix_bookings_status_starts", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("booking_resources.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    rate: Mapped[str] = mapped_column(String(20), default="tenant")
    price: Mapped[int] = mapped_column(Yuan, default=0)  # whole yuan for the whole booking
    purpose: Mapped[str | None] = mapped_column(String(300))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    resource = relationship(BookableResource, lazy="joined")
    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    organisation = relationship("Organisation", lazy="joined")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_BOOKING_STATUSES

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class BookingBlock(Timestamped, db.Model):
    """Time a manager takes out of booking: maintenance, a course, a closure. Bulk blocks share a series."""

    __tablename__ = "booking_blocks"
    __table_args__ = (
        CheckConstraint("kind IN ('maintenance','course','closed')", name="kind"),
        CheckConstraint("starts_at < ends_at", name="starts_before_end"),
        Index("ix_booking_blocks_resource_starts", "resource_id", "starts_at"),
        Index("ix_booking_blocks_series", "series"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("booking_resources.id"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    series: Mapped[str] = mapped_column(String(32))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    resource = relationship(BookableResource, lazy="joined")


class BookingSlot(db.Model):
    """One taken 15-minute unit of a resource, held by a booking or a block (never both, never two)."""

    __tablename__ = "booking_slots"
    __table_args__ = (
        UniqueConstraint("resource_id", "slot_start"),
        CheckConstraint("(booking_id IS NULL) <> (block_id IS NULL)", name="one_holder"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("booking_resources.id"))
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    block_id: Mapped[int | None] = mapped_column(ForeignKey("booking_blocks.id", ondelete="CASCADE"), index=True)
