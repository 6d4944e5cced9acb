"""Incubations (a company's stay in a platform) and quarterly reports (applications etc.: see this area)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Date, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, UTCDateTime, Versioned, Yuan, utcnow
from ..extensions import db
from ..zones.models import zone_of_platform
from ..periods import Period
from ..uploads import StoredFile  # noqa: F401  (documents refer to it)

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


class Incubation(Timestamped, Versioned, db.Model):
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
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True, default=zone_of_platform)  # its platform's
    admitted_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="incubating")
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)  # API sync (0019_api)

    organisation = relationship("Organisation", lazy="joined")
    platform = relationship("Platform", lazy="joined")

    def covers(self, day: date) -> bool:
        """Whether the company was incubating here on ``day`` (an incubation covers its end date)."""
        return self.admitted_on <= day and (self.ended_on is None or self.ended_on >= day)


class QuarterlyReport(Timestamped, Versioned, db.Model):
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
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation = relationship("Organisation", lazy="joined")

    def set_period(self, period: Period) -> None:
        self.period, self.year, self.quarter, self.quarter_end = str(period), period.year, period.quarter, period.end

    @property
    def period_obj(self) -> Period:
        return Period(self.year, self.quarter)


# --- applications and their review ---------------------------------------------------------------

APPLICATION_STATUSES = ("draft", "submitted", "under_review", "returned", "admitted", "rejected", "withdrawn")
BINDING_STATUSES = ("none", "pending", "confirmed", "refused")
DOCUMENT_KINDS = ("business_licence", "business_plan", "pitch_deck", "legal_rep_id")
SPACE_KINDS = ("none", "desk", "office", "workshop")


class Application(Timestamped, Versioned, db.Model):
    """A founder's online application to a platform (a draft saved at every step until submitted)."""

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint("status IN ('draft','submitted','under_review','returned','admitted','rejected',"
                        "'withdrawn')", name="status"),
        CheckConstraint("binding_status IN ('none','pending','confirmed','refused')", name="binding_status"),
        CheckConstraint("space_kind IN ('none','desk','office','workshop')", name="space_kind"),
        CheckConstraint("funding_needed >= 0", name="funding_not_negative"),
        Index("ix_applications_platform_status", "platform_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # company facts
    company_name: Mapped[str | None] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    not_registered: Mapped[bool] = mapped_column(default=False)
    founded_on: Mapped[date | None] = mapped_column(Date)
    industry_id: Mapped[int | None] = mapped_column(ForeignKey("industries.id"))
    address: Mapped[str | None] = mapped_column(String(300))
    registered_in_zone: Mapped[bool] = mapped_column(default=False)
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    binding_status: Mapped[str] = mapped_column(String(20), default="none")
    # team, technology, market, funding, space
    team: Mapped[list | None] = mapped_column(JSON)
    technology: Mapped[str | None] = mapped_column(Text)
    ip_summary: Mapped[str | None] = mapped_column(Text)
    market: Mapped[str | None] = mapped_column(Text)
    business_model: Mapped[str | None] = mapped_column(Text)
    funding_needed: Mapped[int] = mapped_column(Yuan, default=0)
    funding_use: Mapped[str | None] = mapped_column(Text)
    space_kind: Mapped[str] = mapped_column(String(20), default="none")
    stations_wanted: Mapped[int] = mapped_column(default=0)
    space_note: Mapped[str | None] = mapped_column(Text)
    steps_done: Mapped[list | None] = mapped_column(JSON)
    pipl_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # decision
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    return_reason: Mapped[str | None] = mapped_column(Text)
    rule_override_reason: Mapped[str | None] = mapped_column(Text)
    incubation_id: Mapped[int | None] = mapped_column(ForeignKey("incubations.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    applicant = relationship("User", foreign_keys=[applicant_id], lazy="joined")
    platform = relationship("Platform", lazy="joined")
    organisation = relationship("Organisation", lazy="joined")
    industry = relationship("Industry", lazy="joined")
    documents = relationship("ApplicationDocument", lazy="selectin", back_populates="application",
                             order_by="ApplicationDocument.id")

    @property
    def display_name(self) -> str:
        return self.company_name or (self.organisation.name if self.organisation else "—")

    def document(self, kind: str):
        for item in self.documents:
            if item.kind == kind and item.file is not None and item.file.deleted_at is None:
                return item
        return None


class ApplicationDocument(Timestamped, db.Model):
    """One document of an application (the file itself is a ``StoredFile``)."""

    __tablename__ = "application_documents"
    __table_args__ = (
        CheckConstraint("kind IN ('business_licence','business_plan','pitch_deck','legal_rep_id')", name="kind"),
        UniqueConstraint("application_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))

    application = relationship("Application", back_populates="documents")
    file = relationship("StoredFile", lazy="joined")


class RubricCriterion(db.Model):
    """One criterion of a platform's review rubric (``platform_id`` None: the zone's default rubric)."""

    __tablename__ = "rubric_criteria"
    __table_args__ = (CheckConstraint("weight > 0 AND weight <= 100", name="weight"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id", ondelete="CASCADE"), index=True)
    # The zone whose default rubric it is, or its platform's zone.
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True, default=zone_of_platform)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    weight: Mapped[int] = mapped_column()  # percent
    sort_order: Mapped[int] = mapped_column(default=100)
    is_active: Mapped[bool] = mapped_column(default=True)


review_panel = Table(
    "review_panel",
    db.metadata,
    Column("meeting_id", ForeignKey("review_meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ReviewMeeting(Timestamped, db.Model):
    """A review meeting (评审会): a date, a panel of reviewers and applications scored in one sitting."""

    __tablename__ = "review_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    platform = relationship("Platform", lazy="joined")
    panel = relationship("User", secondary=review_panel, lazy="selectin")


class ReviewAssignment(Versioned, db.Model):
    """A reviewer's task on one application: their scores, comment and conflict-of-interest declaration."""

    __tablename__ = "review_assignments"
    __table_args__ = (
        UniqueConstraint("application_id", "reviewer_id"),
        CheckConstraint("status IN ('assigned','submitted','recused')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("review_meetings.id", ondelete="SET NULL"),
                                                   index=True)
    status: Mapped[str] = mapped_column(String(20), default="assigned")
    conflict_declared: Mapped[bool] = mapped_column(default=False)
    conflict_note: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    weighted_score: Mapped[int | None] = mapped_column()  # hundredths of a point, 0..1000
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application = relationship("Application", lazy="joined")
    reviewer = relationship("User", lazy="joined")
    meeting = relationship("ReviewMeeting", lazy="joined")
    scores = relationship("ReviewScore", lazy="selectin", cascade="all, delete-orphan")


class ReviewScore(db.Model):
    __tablename__ = "review_scores"
    __table_args__ = (
        UniqueConstraint("assignment_id", "criterion_id"),
        CheckConstraint("score >= 0 AND score <= 10", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("review_assignments.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criteria.id"))
    score: Mapped[int] = mapped_column()

    criterion = relationship("RubricCriterion", lazy="joined")


class GraduationCriteriaVersion(Timestamped, db.Model):
    """The zone's graduation criteria as data: each edit stores a new version (any one criterion suffices)."""

    __tablename__ = "graduation_criteria_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    criteria: Mapped[list] = mapped_column(JSON)  # [{"code", "kind", "threshold", "enabled"}]
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
