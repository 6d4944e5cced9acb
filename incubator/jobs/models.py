"""Job state (who, what, progress, result, error) shared by every web process and worker, and the marks that
make each scheduled run happen once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import Timestamped, UTCDateTime
from ..extensions import db

JOB_STATES = ("queued", "running", "finished", "failed", "cancelled")


class Job(Timestamped, db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued','running','finished','failed','cancelled')", name="status"),
        Index("ix_jobs_user_created", "user_id", "created_at"),
        Index("ix_jobs_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(40), default="")
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)  # an English message id, shown translated
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", lazy="raise_on_sql")

    @property
    def percent(self) -> int:
        if self.status == "finished":
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0


class ScheduleMark(Timestamped, db.Model):
    """One row per thing a schedule did once (a day's run, a reminder for a deadline and a company): the
    unique key is what keeps two schedulers running at the same moment from doing it twice."""

    __tablename__ = "schedule_marks"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
