"""Database plumbing: SQLite connection settings, concurrent writers, exact money, rounding and the clock."""
from __future__ import annotations

import threading
import time
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import StatementError

from incubator import clock
from incubator.auth.models import LoginThrottle
from incubator.database import MoneyError, round_half_up, wan_to_yuan, yuan_to_wan
from incubator.extensions import db

from .conftest import POSTGRES_URL

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite connection settings")


@sqlite_only
def test_every_sqlite_connection_has_wal_busy_timeout_full_sync_and_foreign_keys(app):
    for _ in range(2):  # a fresh pooled connection gets the same settings
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == app.config["SQLITE_BUSY_TIMEOUT_MS"]
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


@sqlite_only
def test_foreign_keys_are_enforced_on_sqlite(app):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        db.session.execute(text("INSERT INTO notifications (user_id, created_at, kind, subject, body) "
                                "VALUES (999, '2026-01-01 00:00:00', 'info', 's', '')"))
        db.session.flush()
    db.session.rollback()


def _read_then_write(app, key: str, start: threading.Barrier, errors: list) -> None:
    """One writer: read, think a little, then write — the pattern that deadlocks with a deferred BEGIN."""
    with app.app_context():
        try:
            start.wait(timeout=5)
            db.session.scalar(select(func.count()).select_from(LoginThrottle))
            time.sleep(0.3)
            db.session.add(LoginThrottle(key=key, failures=1))
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - the test reports whatever went wrong
            errors.append(error)
            db.session.rollback()
        finally:
            db.session.remove()


def test_two_writers_at_the_same_time_both_succeed(app):
    start = threading.Barrier(2)
    errors: list = []
    threads = [threading.Thread(target=_read_then_write, args=(app, f"key-{n}", start, errors)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert db.session.scalar(select(func.count()).select_from(LoginThrottle)) == 2


@sqlite_only
def test_a_deferred_begin_would_fail_where_begin_immediate_waits(app):
    """The control experiment: without BEGIN IMMEDIATE the same two writers hit "database is locked"."""
    from incubator.database import write_intent

    def deferred(*args):
        write_intent.set(False)
        _read_then_write(*args)

    start = threading.Barrier(2)
    errors: list = []
    threads = [threading.Thread(target=deferred, args=(app, f"key-{n}", start, errors)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(errors) == 1 and "locked" in str(errors[0])


# --- money ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("wan, yuan", [
    ("0", 0), ("1", 10_000), ("12.5", 125_000), ("0.0001", 1), ("1234567.8912", 12_345_678_912),
    (Decimal("3.1400"), 31_400), (7, 70_000), ("-2.5", -25_000),
])
def test_wan_to_yuan_is_exact(wan, yuan):
    assert wan_to_yuan(wan) == yuan
    assert isinstance(wan_to_yuan(wan), int)


@pytest.mark.parametrize("bad", ["0.00001", "1.23456", "abc", "", "NaN", "Infinity"])
def test_wan_to_yuan_refuses_more_than_four_decimals_and_non_numbers(bad):
    with pytest.raises(MoneyError):
        wan_to_yuan(bad)


def test_yuan_to_wan_gives_an_exact_four_place_decimal():
    assert yuan_to_wan(125_000) == Decimal("12.5000")
    assert str(yuan_to_wan(1)) == "0.0001"
    assert str(yuan_to_wan(12_345_678_912)) == "1234567.8912"
    assert yuan_to_wan(None) is None
    assert yuan_to_wan(wan_to_yuan("98765.4321")) == Decimal("98765.4321")


def test_money_sums_exactly_in_the_database(app):
    from tests import factories

    company = factories.organisation()
    reports = [factories.report(company, f"2026Q{q}", revenue=wan_to_yuan("0.1") if q % 2 else wan_to_yuan("0.2"))
               for q in (1, 2, 3)]
    db.session.commit()
    from incubator.startups.models import QuarterlyReport

    total = db.session.scalar(select(func.sum(QuarterlyReport.revenue)))
    assert len(reports) == 3
    assert total == 4_000 and yuan_to_wan(total) == Decimal("0.4000")


@pytest.mark.parametrize("value", [1.5, 0.1, "12", True])
def test_yuan_column_refuses_floats_text_and_booleans(app, value):
    from tests import factories

    company = factories.organisation()
    db.session.commit()
    with pytest.raises(StatementError) as caught:
        factories.report(company, "2026Q1", revenue=value)
    assert isinstance(caught.value.orig, TypeError)
    assert "money must be an int of yuan" in str(caught.value.orig)
    db.session.rollback()


def test_yuan_column_refuses_fractional_decimal_but_accepts_whole_decimal(app):
    from tests import factories

    company = factories.organisation()
    db.session.commit()
    with pytest.raises(StatementError, match="whole number of yuan"):
        factories.report(company, "2026Q1", revenue=Decimal("1.5"))
    db.session.rollback()
    company = factories.organisation()
    stored = factories.report(company, "2026Q2", revenue=Decimal("15"))
    db.session.commit()
    db.session.expire_all()
    assert stored.revenue == 15


@pytest.mark.parametrize("value, places, expected", [
    ("2.5", 0, "3"), ("3.5", 0, "4"), ("-2.5", 0, "-3"), ("1.005", 2, "1.01"), ("-1.005", 2, "-1.01"),
    ("0.0049", 2, "0.00"), ("-0.0049", 2, "0.00"), ("0", 1, "0.0"), ("-0.04", 1, "0.0"), ("12.3449", 3, "12.345"),
])
def test_round_half_up_rounds_half_away_from_zero_and_zero_has_no_sign(value, places, expected):
    result = round_half_up(Decimal(value), places)
    assert str(result) == expected
    assert not result.is_signed() or result != 0


# --- the clock --------------------------------------------------------------------------------------

def test_clock_freeze_sets_now_today_and_utcnow_in_the_zone(app):
    clock.freeze(datetime(2026, 3, 31, 23, 30))  # naive: read as zone time (Asia/Shanghai)
    assert clock.now().isoformat() == "2026-03-31T23:30:00+08:00"
    assert clock.today() == date(2026, 3, 31)
    assert clock.utcnow() == datetime(2026, 3, 31, 15, 30, tzinfo=timezone.utc)
    clock.freeze(datetime(2026, 3, 31, 16, 30, tzinfo=timezone.utc))  # already the next day in Shanghai
    assert clock.today() == date(2026, 4, 1)
    clock.freeze(None)
    assert abs((clock.utcnow() - datetime.now(timezone.utc)).total_seconds()) < 5


def test_timestamps_round_trip_as_aware_utc(app, make_user):
    clock.freeze(datetime(2026, 7, 1, 9, 0))
    user = make_user("admin")
    db.session.expire_all()
    assert user.created_at == datetime(2026, 7, 1, 1, 0, tzinfo=timezone.utc)
