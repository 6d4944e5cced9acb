"""Incentive policies (政策奖补) as data, and the claims made under them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, UTCDateTime, Versioned, Yuan, utcnow
from ..extensions import db

POLICY_KINDS = ("rd_subsidy", "rent_relief", "talent_award", "platform_award", "tech_transfer_award")
POLICY_STATUSES = ("open", "closed")
ALLOCATIONS = ("pro_rata", "ranked")
CLAIM_STATUSES = ("submitted", "recommended", "approved", "rejected", "paid")


class Policy(Timestamped, Versioned, db.Model):
    """A support policy of one year: a basis, a rate or fixed amounts, a cap, a budget and conditions."""

    __tablename__ = "incentive_policies"
    __table_args__ = (
        CheckConstraint("kind IN ('rd_subsidy','rent_relief','talent_award','platform_award',"
                        "'tech_transfer_award')", name="kind"),
        CheckConstraint("status IN ('open','closed')", name="status"),
        CheckConstraint("allocation IN ('pro_rata','ranked')", name="allocation"),
        CheckConstraint("budget >= 0", name="budget_not_negative"),
        UniqueConstraint("name", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(30))
    basis: Mapped[str] = mapped_column(String(40))  # a key of incentives.rules.BASES
    reference_year: Mapped[int] = mapped_column()  # the year whose data the basis reads (usually year - 1)
    rate_scaled: Mapped[int | None] = mapped_column(BigInteger)  # percent × 10,000 (12.5% -> 125000)
    fixed_amounts: Mapped[dict | None] = mapped_column(JSON)  # level or category -> whole yuan
    minimum_basis: Mapped[int] = mapped_column(Yuan, default=0)  # the basis must reach this (yuan)
    cap: Mapped[int | None] = mapped_column(Yuan)  # at most this per beneficiary (yuan)
    budget: Mapped[int] = mapped_column(Yuan)
    conditions: Mapped[list | None] = mapped_column(JSON)  # keys of incentives.rules.CONDITIONS
    allocation: Mapped[str] = mapped_column(String(20), default="pro_rata")
    required_documents: Mapped[str | None] = mapped_column(Text)  # one per line, shown to claimants
    status: Mapped[str] = mapped_column(String(20), default="open")
    description: Mapped[str | None] = mapped_column(Text)


class Claim(Timestamped, Versioned, db.Model):
    """A beneficiary's claim under a policy: computed, recommended, approved or rejected, paid."""

    __tablename__ = "incentive_claims"
    __table_args__ = (
        UniqueConstraint("policy_id", "beneficiary_key"),
        CheckConstraint("status IN ('submitted','recommended','approved','rejected','paid')", name="status"),
        CheckConstraint("computed_amount >= 0", name="computed_not_negative"),
        Index("ix_incentive_claims_organisation", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("incentive_policies.id", ondelete="CASCADE"), index=True)
    beneficiary_key: Mapped[str] = mapped_column(String(40))  # "org:12", "platform:3", "talent:7"
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))  # who is paid
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"))
    talent_id: Mapped[int | None] = mapped_column(ForeignKey("talents.id"))
    computed_amount: Mapped[int] = mapped_column(Yuan)  # before any budget allocation
    explanation: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recommended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recommendation_note: Mapped[str | None] = mapped_column(Text)
    approved_amount: Mapped[int | None] = mapped_column(Yuan)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_amount: Mapped[int | None] = mapped_column(Yuan)
    voucher_no: Mapped[str | None] = mapped_column(String(60))

    policy = relationship("Policy", lazy="joined")
    organisation = relationship("Organisation", lazy="joined")
    platform = relationship("Platform", lazy="joined")
    talent = relationship("Talent", lazy="joined")


class ClaimDocument(db.Model):
    __tablename__ = "incentive_claim_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("incentive_claims.id", ondelete="CASCADE"), index=True)
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"), unique=True)
    title: Mapped[str | None] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stored_file = relationship("StoredFile", lazy="joined")
