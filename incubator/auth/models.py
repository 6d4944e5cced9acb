"""Users, their server-side sessions, login throttling and password reset tokens."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy import func, select
from sqlalchemy.orm import Mapped, column_property, mapped_column

from ..database import Timestamped, UTCDateTime, utcnow
from ..extensions import db
from ..zones.models import Zone, default_zone_id

ROLES = ("admin", "manager", "reviewer", "startup", "partner")


class User(UserMixin, Timestamped, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin','manager','reviewer','startup','partner')", name="role"),
        CheckConstraint("zone_id IS NULL OR region_id IS NULL", name="one_zone_or_region"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The company of a founder, or the institution of a partner contact.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # Where the account works: one zone (everyone of a zone, as before zones), or a region (its staff read the
    # region's zones); never both. The zone's count of the deployment decides whether a zone's admin sees
    # everything (one zone) or their zone only, read with the user so scoping costs no query.
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), index=True, default=default_zone_id)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    deployment_zone_count: Mapped[int] = column_property(
        select(func.count()).select_from(Zone.__table__).scalar_subquery(), deferred=False)
    # Two-step verification: the TOTP secret sealed with a key derived from SECRET_KEY (set while
    # enrolling, switched on when ``mfa_enabled_at`` is set) and the last time step accepted (no replay).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    mfa_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mfa_last_step: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_enabled_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_enabled

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class UserSession(Timestamped, db.Model):
    """A browser session stored server-side; the cookie holds a random token whose hash is the key."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id", "user_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie token
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    data: Mapped[str] = mapped_column(Text, default="{}")
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))


class LoginThrottle(db.Model):
    """Failed logins per e-mail address, known or not, so a lock does not reveal whether an account exists."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the normalised e-mail
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordResetToken(Timestamped, db.Model):
    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RecoveryCode(Timestamped, db.Model):
    """A single-use recovery code for two-step verification; only its keyed hash is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PendingRegistration(Timestamped, db.Model):
    """A founder's registration waiting for its e-mail link: the account is created only when the owner of
    the mailbox opens the link and gives the password chosen, so registering never says whether an address
    has an account, and nobody can open an account on someone else's address."""

    __tablename__ = "pending_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the link's token
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(10))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
