"""Incubations (a company's stay in a platform) and quarterly reports (applications etc.: see this area)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, Yuan, utcnow
from ..extensions import db
from ..periods import Period

INCUBATION_STATUSES = ("incubating", "graduated", "exited")
REPORT_STATUSES = ("draft", "submitted", "verified", "returned")

# The figures of a quarterly report, in the order of the ``reports`` import kind.
# Money is whole yuan (shown and entered in 万元); flows are the quarter's own, stocks are at quarter end.
REPORT_MONEY_FIELDS = ("revenue", "rd_expense", "tech_contract_value", "financing", "tax_paid")
REPORT_COUNT_FIELDS = ("employees", "rd_staff", "invention_patents_filed", "invention_patents_granted",
                       "other_ip_granted", "graduates_hired")
REPORT_FIGURES = ("revenue", "rd_expense", "employees", "rd_staff", "invention_patents_filed",
                  "invention_patents_granted", "other_ip_granted", "tech_contract_value", "financing",
                  "tax_paid", "graduates_hired")


class Incubation(db.Model):
    __tablename__ = "incubations"
    __table_args__ = (
        UniqueConstraint("organisation_id", "platform_id", "admitted_on"),
        CheckConstraint("status IN ('incubating','graduated','exited')", name="status"),
        CheckConstraint("ended_on IS NULL OR ended_on >= admitted_on", name="ended_after_admitted"),
        Index("ix_incubations_platform_admitted", "platform_id", "admitted_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    admitted_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="incubating")
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organisation = relationship("Organisation", lazy="joined")
    platform = relationship("Platform", lazy="joined")
    __mapper_args__ = {"version_id_col": version}

    def covers(self, day: date) -> bool:
        """Whether the company was incubating here on ``day`` (an incubation covers its end date)."""
        return self.admitted_on <= day and (self.ended_on is None or self.ended_on >= day)


class QuarterlyReport(db.Model):
    __tablename__ = "quarterly_reports"
    __table_args__ = (
        UniqueConstraint("organisation_id", "period"),
        CheckConstraint("status IN ('draft','submitted','verified','returned')", name="status"),
        CheckConstraint("rd_staff <= employees", name="rd_staff_within_employees"),
        Index("ix_quarterly_reports_period_status", "period", "status"),
        Index("ix_quarterly_reports_quarter_end", "quarter_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    period: Mapped[str] = mapped_column(String(6))  # 2026Q3
    year: Mapped[int] = mapped_column()
    quarter: Mapped[int] = mapped_column()
    quarter_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft")

    revenue: Mapped[int] = mapped_column(Yuan, default=0)
    rd_expense: Mapped[int] = mapped_column(Yuan, default=0)
    employees: Mapped[int] = mapped_column(default=0)
    rd_staff: Mapped[int] = mapped_column(default=0)
    invention_patents_filed: Mapped[int] = mapped_column(default=0)
    invention_patents_granted: Mapped[int] = mapped_column(default=0)
    other_ip_granted: Mapped[int] = mapped_column(default=0)
    tech_contract_value: Mapped[int] = mapped_column(Yuan, default=0)
    financing: Mapped[int] = mapped_column(Yuan, default=0)
    tax_paid: Mapped[int] = mapped_column(Yuan, default=0)
    graduates_hired: Mapped[int] = mapped_column(default=0)

    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    returned_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organisation = relationship("Organisation", lazy="joined")
    __mapper_args__ = {"version_id_col": version}

    def set_period(self, period: Period) -> None:
        self.period, self.year, self.quarter, self.quarter_end = str(period), period.year, period.quarter, period.end

    @property
    def period_obj(self) -> Period:
        return Period(self.year, self.quarter)
