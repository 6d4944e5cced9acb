"""Recognition rule sets and their criteria, platforms' annual facts, and the last evaluated state for alerts."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, UTCDateTime, Versioned, Yuan, utcnow
from ..extensions import db

SCALE = Decimal(10_000)  # thresholds are stored × 10,000: exact to 4 decimals on both databases
COMPARISONS = (">=", "<=", "==")
RULE_SUBJECTS = ("incubator", "maker_space", "academician_workstation", "company")
ALERT_KINDS = ("criterion_met", "criterion_lost", "graduation_eligible", "high_tech_eligible")


class RuleSet(Timestamped, Versioned, db.Model):
    """A versioned set of official criteria (a recognition's rules, or the graduation rules of tenants).

    A province's variant, or a new edition of the rules, is a copy with other numbers: a new row whose
    ``based_on`` names the rule set it was copied from.
    """

    __tablename__ = "compliance_rule_sets"
    __table_args__ = (
        CheckConstraint("subject IN ('incubator','maker_space','academician_workstation','company')",
                        name="subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(30))  # a platform kind, or "company" (graduation)
    region: Mapped[str | None] = mapped_column(String(100))  # empty: national
    source_document: Mapped[str] = mapped_column(String(300))
    effective_on: Mapped[date] = mapped_column(Date)
    is_active: Mapped[bool] = mapped_column(default=True)
    notes: Mapped[str | None] = mapped_column(Text)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("compliance_rule_sets.id", ondelete="SET NULL"))

    criteria = relationship("Criterion", back_populates="rule_set", order_by="Criterion.sort_order, Criterion.id",
                            cascade="all, delete-orphan", lazy="selectin")
    based_on = relationship("RuleSet", remote_side=[id], lazy="joined", join_depth=1)

    def __repr__(self) -> str:
        return f"<RuleSet {self.code}>"


class Criterion(db.Model):
    """One rule: a computation's current value compared with a threshold.

    Criteria of a rule set that share a ``group_code`` form an "any of" group: the group is met when one
    of them is met (e.g. ≥ 50 % of tenants with patent applications or ≥ 30 % holding valid IP).
    """

    __tablename__ = "compliance_criteria"
    __table_args__ = (
        UniqueConstraint("rule_set_id", "code"),
        CheckConstraint("comparison IN ('>=','<=','==')", name="comparison"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("compliance_rule_sets.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    computation: Mapped[str] = mapped_column(String(60))  # a key of compliance.computations.COMPUTATIONS
    comparison: Mapped[str] = mapped_column(String(2), default=">=")
    threshold_scaled: Mapped[int] = mapped_column(BigInteger)
    group_code: Mapped[str | None] = mapped_column(String(60))
    sort_order: Mapped[int] = mapped_column(default=100)

    rule_set = relationship("RuleSet", back_populates="criteria")

    @property
    def threshold(self) -> Decimal:
        return Decimal(self.threshold_scaled) / SCALE

    @threshold.setter
    def threshold(self, value) -> None:
        scaled = Decimal(value) * SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError("more than 4 decimal places")
        self.threshold_scaled = int(scaled)


# Figures of a platform's year that none of our other records hold; entered by its managers each year.
FACT_COUNT_FIELDS = (
    "full_time_staff", "professional_staff", "staff_with_degree", "returnee_staff", "service_staff", "mentors",
    "events_held", "teams_signed_in", "team_members", "new_companies_registered", "teams_financed",
    "founders_students", "founders_researchers", "founders_returnees",
)
FACT_AREA_FIELDS = ("area_total_m2", "area_offices_m2", "area_tenant_m2", "area_public_service_m2")
FACT_MONEY_FIELDS = (
    "income_total", "income_services", "income_property", "income_investment", "profit", "taxes",
    "subsidies_received", "incubation_fund", "tenant_subsidies",
)


class PlatformAnnualFacts(Versioned, db.Model):
    """What a platform's managers report for one year: staff, mentors, events, teams, areas, operator income."""

    __tablename__ = "platform_annual_facts"
    __table_args__ = (
        UniqueConstraint("platform_id", "year"),
        CheckConstraint("year BETWEEN 1990 AND 2100", name="year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column()

    full_time_staff: Mapped[int] = mapped_column(default=0)
    professional_staff: Mapped[int] = mapped_column(default=0)
    staff_with_degree: Mapped[int] = mapped_column(default=0)
    returnee_staff: Mapped[int] = mapped_column(default=0)
    service_staff: Mapped[int] = mapped_column(default=0)
    mentors: Mapped[int] = mapped_column(default=0)
    events_held: Mapped[int] = mapped_column(default=0)
    teams_signed_in: Mapped[int] = mapped_column(default=0)
    team_members: Mapped[int] = mapped_column(default=0)
    new_companies_registered: Mapped[int] = mapped_column(default=0)
    teams_financed: Mapped[int] = mapped_column(default=0)
    founders_students: Mapped[int] = mapped_column(default=0)
    founders_researchers: Mapped[int] = mapped_column(default=0)
    founders_returnees: Mapped[int] = mapped_column(default=0)

    # Areas: an empty total means the platform's declared area; tenant and public-service space count only
    # for a platform without space units (otherwise they come from its units and tenancies).
    area_total_m2: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    area_offices_m2: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    area_tenant_m2: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    area_public_service_m2: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))

    income_total: Mapped[int] = mapped_column(Yuan, default=0)
    income_services: Mapped[int] = mapped_column(Yuan, default=0)
    income_property: Mapped[int] = mapped_column(Yuan, default=0)
    income_investment: Mapped[int] = mapped_column(Yuan, default=0)
    profit: Mapped[int] = mapped_column(Yuan, default=0)  # may be negative (a loss)
    taxes: Mapped[int] = mapped_column(Yuan, default=0)
    subsidies_received: Mapped[int] = mapped_column(Yuan, default=0)
    incubation_fund: Mapped[int] = mapped_column(Yuan, default=0)
    tenant_subsidies: Mapped[int] = mapped_column(Yuan, default=0)

    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    platform = relationship("Platform", lazy="joined")


class ComplianceState(db.Model):
    """The last evaluated outcome of one check for one subject, so that "newly met" and "newly lost" are real.

    ``subject_type`` is ``platform`` or ``company``; ``check_key`` is ``<rule set code>:<criterion code>``,
    ``graduation:<rule set code>`` or ``high_tech``.
    """

    __tablename__ = "compliance_states"
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "check_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column()
    check_key: Mapped[str] = mapped_column(String(130))
    met: Mapped[bool] = mapped_column()
    evaluated_year: Mapped[int] = mapped_column()
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ComplianceAlert(Timestamped, db.Model):
    """A change found by the last refresh: a criterion newly met or lost, a company newly eligible."""

    __tablename__ = "compliance_alerts"
    __table_args__ = (
        CheckConstraint("kind IN ('criterion_met','criterion_lost','graduation_eligible','high_tech_eligible')",
                        name="kind"),
        Index("ix_compliance_alerts_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                        index=True)
    rule_set_id: Mapped[int | None] = mapped_column(ForeignKey("compliance_rule_sets.id", ondelete="CASCADE"))
    criterion_code: Mapped[str | None] = mapped_column(String(60))
    details: Mapped[dict | None] = mapped_column(JSON)  # names and values at the time, for the message
    year: Mapped[int] = mapped_column()

    platform = relationship("Platform", lazy="joined")
    organisation = relationship("Organisation", lazy="joined")
    rule_set = relationship("RuleSet", lazy="joined")
