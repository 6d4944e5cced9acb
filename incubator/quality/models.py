"""The quality area's records: an admin's settings of each check, and the founders' notes on flags."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import Timestamped, UTCDateTime, utcnow
from ..extensions import db


class AnomalySetting(db.Model):
    """A check switched off or given other thresholds (no row: the registry's defaults, switched on)."""

    __tablename__ = "anomaly_settings"

    check_code: Mapped[str] = mapped_column(String(30), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)  # {key: exact decimal as text}
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AnomalyNote(Timestamped, db.Model):
    """The founder's explanation of one flag of their report (a check on a figure), kept with the report."""

    __tablename__ = "anomaly_notes"
    __table_args__ = (UniqueConstraint("report_id", "check_code", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("quarterly_reports.id", ondelete="CASCADE"), index=True)
    check_code: Mapped[str] = mapped_column(String(30))
    indicator: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
