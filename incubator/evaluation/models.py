"""Published evaluations: a frozen, versioned snapshot per publication, never changed afterwards."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..zones.models import default_zone_id

SECTIONS = ("company", "deal", "quality", "anomaly")


class EvaluationSnapshot(db.Model):
    """One published version of a period's evaluation: values, targets, weights, who and when.

    ``summary`` holds the zone and platform results, the weights and targets (exact decimals as text);
    the long lists (companies, deals, data quality) are rows of ``EvaluationSnapshotRow``.
    """

    __tablename__ = "evaluation_snapshots"
    __table_args__ = (UniqueConstraint("zone_id", "period", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True, default=default_zone_id)
    period: Mapped[str] = mapped_column(String(6), index=True)
    version: Mapped[int] = mapped_column()
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_by_email: Mapped[str | None] = mapped_column(String(254))
    zone_name_zh: Mapped[str] = mapped_column(String(200))
    zone_name_en: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[dict] = mapped_column(JSON)
    company_count: Mapped[int] = mapped_column(default=0)
    note: Mapped[str | None] = mapped_column(String(500))
    # The anomaly flags of its verified reports are frozen with it (section ``anomaly``); versions published
    # before the checks existed have none and export exactly as they did.
    anomalies_frozen: Mapped[bool] = mapped_column(default=False, server_default=false())

    published_by = relationship("User")


class EvaluationSnapshotRow(db.Model):
    """A line of a snapshot's long lists, in export order (``seq``) within its section."""

    __tablename__ = "evaluation_snapshot_rows"
    __table_args__ = (Index("ix_evaluation_snapshot_rows_order", "snapshot_id", "section", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("evaluation_snapshots.id", ondelete="CASCADE"))
    section: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column()
    data: Mapped[list] = mapped_column(JSON)
