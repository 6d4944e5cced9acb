"""Database plumbing shared by every area: engine settings, column types and money conversion."""
from __future__ import annotations

import contextvars
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import BigInteger, DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from . import clock

# Whether the transaction about to begin may write. SQLite takes the write lock at BEGIN IMMEDIATE,
# so concurrent writers queue on busy_timeout instead of failing when a read lock cannot be upgraded.
# Safe requests (GET, HEAD) read with a deferred BEGIN and leave the writers alone.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Pragmas on every connection and BEGIN IMMEDIATE for writing transactions."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own would be deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and returned aware, the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    """Column default: the clock's now in UTC (a callable, evaluated per row)."""
    return clock.utcnow()


class Timestamped:
    """Model mixin: ``created_at``, when the row was added (UTC, from the clock, per row)."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Versioned:
    """Model mixin: the edit lock. SQLAlchemy increments ``version`` on every UPDATE and refuses one that
    finds another version in the row (``StaleDataError``); forms carry it to detect edit conflicts
    (``incubator/versioning.py``). Not for a published version number (``EvaluationSnapshot.version``)."""

    version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}


class Yuan(TypeDecorator):
    """Money as an exact integer number of yuan (万元 × 10,000)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise TypeError(f"money must be an int of yuan, got {type(value).__name__}")
        if isinstance(value, Decimal):
            if value != value.to_integral_value():
                raise ValueError("money must be a whole number of yuan")
            value = int(value)
        return value


YUAN_PER_WAN = Decimal(10_000)
WAN_QUANTUM = Decimal("0.0001")


class MoneyError(ValueError):
    """An amount that cannot be stored exactly as whole yuan."""


def wan_to_yuan(amount_wan) -> int:
    """Convert an amount in 万元 (Decimal, int or text) to whole yuan; more than 4 decimals is an error."""
    try:
        value = amount_wan if isinstance(amount_wan, Decimal) else Decimal(str(amount_wan).strip())
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError("not a number") from exc
    if not value.is_finite():
        raise MoneyError("not a finite number")
    yuan = value * YUAN_PER_WAN
    if yuan != yuan.to_integral_value():
        raise MoneyError("more than 4 decimal places")
    return int(yuan)


def yuan_to_wan(yuan: int | None) -> Decimal | None:
    """Whole yuan as an exact Decimal amount in 万元 (4 decimal places)."""
    if yuan is None:
        return None
    return (Decimal(int(yuan)) / YUAN_PER_WAN).quantize(WAN_QUANTUM)


def round_half_up(value: Decimal, places: int) -> Decimal:
    """Round half away from zero to ``places`` decimals; a result of zero loses its sign."""
    quantum = Decimal(1).scaleb(-places)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded == 0 else rounded


def render_migration_type(type_, obj, autogen_context):
    """Autogenerate renders our column types as their plain SQLAlchemy type, so migrations stand alone."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False
