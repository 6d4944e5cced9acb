"""Agreements with universities and institutes, order-based training cohorts, tech-transfer deals."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, Yuan, utcnow
from ..extensions import db

PARTNERSHIP_KINDS = ("joint_lab", "joint_rd", "talent_training", "internship_base", "tech_service")
DEAL_KINDS = ("patent_assignment", "licence", "joint_development", "equity")


class Partnership(db.Model):
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    partner = relationship("Organisation", foreign_keys=[partner_id], lazy="joined")
    company = relationship("Organisation", foreign_keys=[company_id], lazy="joined")
    platform = relationship("Platform", lazy="joined")
    __mapper_args__ = {"version_id_col": version}


class TrainingCohort(db.Model):
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
    version: Mapped[int] = mapped_column(default=1)

    partnership = relationship("Partnership", lazy="joined")
    __mapper_args__ = {"version_id_col": version}


class TechTransferDeal(db.Model):
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    source = relationship("Organisation", foreign_keys=[source_id], lazy="joined")
    recipient = relationship("Organisation", foreign_keys=[recipient_id], lazy="joined")
    __mapper_args__ = {"version_id_col": version}
