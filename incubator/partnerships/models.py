"""Agreements with universities and institutes, order-based training cohorts, tech-transfer deals."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, UTCDateTime, Versioned, Yuan, utcnow
from ..extensions import db

PARTNERSHIP_KINDS = ("joint_lab", "joint_rd", "talent_training", "internship_base", "tech_service")
DEAL_KINDS = ("patent_assignment", "licence", "joint_development", "equity")


class Partnership(Timestamped, Versioned, db.Model):
    """An agreement between a university or institute and the zone, a platform or a company."""

    __tablename__ = "partnerships"
    __table_args__ = (
        CheckConstraint("kind IN ('joint_lab','joint_rd','talent_training','internship_base','tech_service')",
                        name="kind"),
        CheckConstraint("NOT (company_id IS NOT NULL AND platform_id IS NOT NULL)", name="one_zone_side"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(300))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"), index=True)
    contract_value: Mapped[int] = mapped_column(Yuan, default=0)
    description: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)  # API sync (0019_api)

    partner = relationship("Organisation", foreign_keys=[partner_id], lazy="joined")
    company = relationship("Organisation", foreign_keys=[company_id], lazy="joined")
    platform = relationship("Platform", lazy="joined")


class TrainingCohort(Versioned, db.Model):
    """One year's class of an order-based training agreement (订单式人才培养)."""

    __tablename__ = "training_cohorts"
    __table_args__ = (
        UniqueConstraint("partnership_id", "cohort_year"),
        CheckConstraint("hired_in_zone <= completed AND completed <= enrolled", name="hired_completed_enrolled"),
        CheckConstraint("hired_in_zone >= 0", name="hired_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"))
    cohort_year: Mapped[int] = mapped_column()
    enrolled: Mapped[int] = mapped_column(default=0)
    completed: Mapped[int] = mapped_column(default=0)
    hired_in_zone: Mapped[int] = mapped_column(default=0)
    completed_on: Mapped[date | None] = mapped_column(Date, index=True)
    # When the outcome figures (completed, hired) were last reported; none means "awaiting figures".
    figures_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)  # API sync (0019_api)

    partnership = relationship("Partnership", lazy="joined")


class TechTransferDeal(Timestamped, Versioned, db.Model):
    """A research result moved into use (科技成果转化)."""

    __tablename__ = "tech_transfer_deals"
    __table_args__ = (
        CheckConstraint("kind IN ('patent_assignment','licence','joint_development','equity')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    deal_date: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    value: Mapped[int] = mapped_column(Yuan, default=0)
    patents: Mapped[str | None] = mapped_column(Text)  # the patent numbers involved, one per line
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)  # API sync (0019_api)

    source = relationship("Organisation", foreign_keys=[source_id], lazy="joined")
    recipient = relationship("Organisation", foreign_keys=[recipient_id], lazy="joined")


# --- added by the partnerships area (migration 0006_partnerships) ----------------------------------

DELIVERABLE_STATUSES = ("planned", "in_progress", "delivered", "cancelled")
TALENT_CATEGORIES = ("academician", "national", "provincial", "doctoral", "team")


class Deliverable(Versioned, db.Model):
    """Something an agreement promises, with a due date and a status the partner keeps up to date."""

    __tablename__ = "partnership_deliverables"
    __table_args__ = (
        CheckConstraint("status IN ('planned','in_progress','delivered','cancelled')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    delivered_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    partnership = relationship("Partnership", lazy="raise")


class InstitutionContact(Timestamped, db.Model):
    """A person the zone deals with at a university or institute."""

    __tablename__ = "institution_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))


class Talent(Timestamped, Versioned, db.Model):
    """A high-level talent or team brought into the zone, with the company or platform they joined."""

    __tablename__ = "talents"
    __table_args__ = (
        CheckConstraint("category IN ('academician','national','provincial','doctoral','team')", name="category"),
        CheckConstraint("(company_id IS NULL) <> (platform_id IS NULL)", name="one_host"),
        CheckConstraint("members >= 1", name="members_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    members: Mapped[int] = mapped_column(default=1)  # persons in a team, 1 for an individual
    field: Mapped[str | None] = mapped_column(String(200))
    joined_on: Mapped[date] = mapped_column(Date, index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)  # API sync (0019_api)

    company = relationship("Organisation", foreign_keys=[company_id], lazy="joined")
    platform = relationship("Platform", lazy="joined")
    institution = relationship("Organisation", foreign_keys=[institution_id], lazy="joined")


class PartnershipAttachment(db.Model):
    """A file kept with an agreement (the signed agreement, annexes); the bytes live in ``incubator.uploads``."""

    __tablename__ = "partnership_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)
    title: Mapped[str | None] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stored_file = relationship("StoredFile", lazy="joined")
