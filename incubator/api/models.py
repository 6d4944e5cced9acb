"""Personal API tokens (only their SHA-256 is stored) and the deletions feed of the synchronised resources."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..database import Timestamped, UTCDateTime, utcnow
from ..extensions import db


class ApiToken(Timestamped, db.Model):
    """A token a user made for scripts; it acts with its owner's scope, optionally limited to one area."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, shown in lists so the owner can tell tokens apart (not a secret:
    # far too short to guess the rest from).
    prefix: Mapped[str] = mapped_column(String(12))
    area: Mapped[str | None] = mapped_column(String(30))  # None: every area the owner may read
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user = relationship(User, foreign_keys=[user_id], lazy="joined")

    def is_active_at(self, moment: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > moment


class DeletedRecord(db.Model):
    """That a record of a synchronised resource was deleted (the ``/api/v1/deletions`` feed)."""

    __tablename__ = "api_deletions"
    __table_args__ = (Index("ix_api_deletions_deleted_at", "deleted_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column()
    # Whose the record was, so the feed is scoped like the records were (no foreign keys: the rows are gone).
    company_id: Mapped[int | None] = mapped_column()
    platform_id: Mapped[int | None] = mapped_column()
    partner_id: Mapped[int | None] = mapped_column()
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
