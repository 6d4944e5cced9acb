"""Every revision of the migration chain can be upgraded to head from a seeded database, and head can be
downgraded to it again, without losing or changing a row of the tables both revisions have.

One seeded database per engine (the demo seed, then one row in each table the seed leaves empty) walks
down the chain: for each revision (newest first) it is downgraded to that revision, every table's row count
and checksum (rows ordered by primary key, hashed) is recorded, then it is upgraded to head and compared,
downgraded to the revision again and compared again. The revisions come from alembic's ScriptDirectory,
so a new migration is covered without touching this test."""
from __future__ import annotations

import hashlib
import time
from datetime import date, datetime

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, Integer, MetaData, Numeric, String, Text,
                        create_engine, func, inspect, select, text)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from incubator import create_app
from incubator.extensions import db
from tests.conftest import MIGRATIONS, POSTGRES_URL, base_config

from .conftest import scratch_postgres_database

# ScriptDirectory walks from head to base; the chain is linear (one head).
CHAIN = [script.revision for script in reversed(list(ScriptDirectory(str(MIGRATIONS)).walk_revisions()))]
BUDGET_SECONDS = 120  # measured: see the report printed with -s; keeps a runaway migration visible


def test_the_chain_is_one_line_from_the_foundation():
    scripts = ScriptDirectory(str(MIGRATIONS))
    assert len(scripts.get_heads()) == 1
    assert CHAIN[0] == "0001_foundation" and len(CHAIN) == len(set(CHAIN)) >= 11


# --- snapshots ---------------------------------------------------------------------------------------

def table_snapshot(connection) -> dict[str, dict]:
    """{table: {"columns": [...], "rows": [tuple, ...]}} with rows ordered by primary key."""
    inspector = inspect(connection)
    result = {}
    for name in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        columns = [column["name"] for column in inspector.get_columns(name)]
        key = inspector.get_pk_constraint(name).get("constrained_columns") or columns
        quoted = ", ".join(f'"{column}"' for column in columns)
        order = ", ".join(f'"{column}"' for column in key)
        rows = connection.execute(text(f'SELECT {quoted} FROM "{name}" ORDER BY {order}')).all()
        result[name] = {"columns": columns, "rows": [tuple(row) for row in rows]}
    return result


def checksum(table: dict, columns: list[str]) -> str:
    positions = [table["columns"].index(column) for column in columns]
    digest = hashlib.sha256()
    for row in table["rows"]:
        digest.update(repr(tuple(row[position] for position in positions)).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def differences(before: dict, after: dict, what: str) -> list[str]:
    """The tables both snapshots have that lost or changed rows in their common columns."""
    found = []
    for name in sorted(set(before) & set(after)):
        common = [column for column in before[name]["columns"] if column in after[name]["columns"]]
        old, new = before[name], after[name]
        if len(old["rows"]) != len(new["rows"]):
            found.append(f"{what}: {name} had {len(old['rows'])} rows, now {len(new['rows'])}")
        elif checksum(old, common) != checksum(new, common):
            found.append(f"{what}: {name} rows changed in columns {common}")
    return found


# --- a database with rows in every table ------------------------------------------------------------

def _value_for(column, connection, metadata):
    """A plain valid value for a NOT NULL column of a table the seed leaves empty."""
    for foreign_key in column.foreign_keys:
        target = foreign_key.column
        return connection.scalar(select(func.min(target)))
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, (Integer, Numeric, Float)):
        return 1
    if isinstance(kind, DateTime):
        return datetime(2026, 1, 2, 3, 4, 5)
    if isinstance(kind, Date):
        return date(2026, 1, 2)
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, (String, Text)):
        allowed = _allowed_by_check(column)
        if allowed:
            return allowed
        length = getattr(kind, "length", None) or 40
        return f"row-{column.name}"[:length]
    return None


def _allowed_by_check(column) -> str | None:
    """The first value a CHECK of the column's table lists for it (``status IN ('a', ...)``; PostgreSQL
    reflects it as ``status = ANY (ARRAY['a', ...])``), if there is one."""
    import re

    from sqlalchemy import CheckConstraint

    for constraint in column.table.constraints:
        text = str(constraint.sqltext) if isinstance(constraint, CheckConstraint) else ""
        if re.search(rf"\b{column.name}\b", text) and re.search(r"\b(IN|ANY)\b", text, re.I):
            literal = re.search(r"'([^']*)'", text)
            if literal:
                return literal.group(1)
    return None


def fill_empty_tables(url: str) -> list[str]:
    """One row in every table the demo seed leaves empty (values valid for its constraints)."""
    engine = create_engine(url, poolclass=NullPool)
    filled = []
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.begin() as connection:
            for table in metadata.sorted_tables:
                if table.name == "alembic_version" or connection.scalar(select(func.count()).select_from(table)):
                    continue
                row = {}
                for column in table.columns:
                    if column.primary_key and isinstance(column.type, Integer) and not column.foreign_keys:
                        continue  # autoincrement
                    value = _value_for(column, connection, metadata)
                    if value is not None or column.server_default is None:
                        row[column.name] = value
                connection.execute(table.insert().values(**row))
                filled.append(table.name)
    finally:
        engine.dispose()
    return filled


def seeded_database(url: str, tmp_path) -> None:
    from incubator.seed import run_seeders

    app = create_app(base_config(url, tmp_path))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="heads")
        run_seeders(2026, scale=0.3)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    fill_empty_tables(url)


# --- the walk -----------------------------------------------------------------------------------------

# Revisions that change rows on purpose on the way up, and the tables they change: upgrading from below them
# is expected to alter those tables (the way back down must still restore them exactly).
DATA_MIGRATIONS = {"0016_zone_reference_data": {"industries"}}  # the defaults renamed as zones name them


def intended_data_change(revision: str, problem: str) -> bool:
    return any(CHAIN.index(revision) < CHAIN.index(data_revision)
               and any(problem.startswith(f"{revision} -> head: {table} ") for table in tables)
               for data_revision, tables in DATA_MIGRATIONS.items())

def walk_the_chain(url: str, tmp_path) -> tuple[list[str], dict]:
    problems: list[str] = []
    timings: dict[str, float] = {}
    started = time.monotonic()
    seeded_database(url, tmp_path)
    timings["seed"] = time.monotonic() - started
    engine = create_engine(url, poolclass=NullPool)
    app = create_app(base_config(url, tmp_path))
    try:
        with app.app_context(), engine.connect() as connection:
            def snapshot():
                connection.rollback()  # a fresh transaction sees what the migration committed
                taken = table_snapshot(connection)
                connection.rollback()
                return taken

            head = snapshot()
            empty = [name for name, table in head.items() if not table["rows"]]
            assert not empty, f"tables without rows: the walk would prove nothing about them: {empty}"
            for revision in reversed(CHAIN[:-1]):
                step = time.monotonic()
                downgrade(directory=str(MIGRATIONS), revision=revision)
                db.engine.dispose()
                at_revision = snapshot()
                assert at_revision, f"no tables at {revision}"
                # every table of that revision still has rows (the walk goes down, tables are never refilled)
                empty = [name for name, table in at_revision.items() if not table["rows"]]
                if empty:
                    problems.append(f"{revision}: empty tables after the downgrade from above: {empty}")
                upgrade(directory=str(MIGRATIONS), revision="heads")
                db.engine.dispose()
                problems += [problem for problem in differences(at_revision, snapshot(), f"{revision} -> head")
                             if not intended_data_change(revision, problem)]
                downgrade(directory=str(MIGRATIONS), revision=revision)
                db.engine.dispose()
                problems += differences(at_revision, snapshot(), f"{revision} -> head -> {revision}")
                timings[revision] = time.monotonic() - step
            # back at head after the whole walk: the audit trail is still append-only
            upgrade(directory=str(MIGRATIONS), revision="heads")
            db.engine.dispose()
            connection.rollback()
            try:
                connection.execute(text("UPDATE audit_events SET action = 'rewritten'"))
            except Exception as error:  # noqa: BLE001 - the trigger's refusal, whatever the driver calls it
                assert "append-only" in str(error)
            else:
                problems.append("audit_events accepts an UPDATE after the walk: its trigger was lost")
            connection.rollback()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        engine.dispose()
    timings["total"] = time.monotonic() - started
    return problems, timings


def _report(engine_name: str, timings: dict) -> None:
    print(f"\nmigration history on {engine_name}: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))


@pytest.mark.skipif(bool(POSTGRES_URL), reason="the SQLite half (the PostgreSQL run does the other)")
def test_every_revision_upgrades_and_downgrades_a_seeded_sqlite_database_without_losing_rows(tmp_path):
    problems, timings = walk_the_chain(f"sqlite:///{tmp_path / 'history.sqlite3'}", tmp_path)
    _report("SQLite", timings)
    assert problems == []
    assert timings["total"] < BUDGET_SECONDS


@pytest.fixture
def scratch_postgres():
    with scratch_postgres_database(f"{make_url(POSTGRES_URL).database}_history") as url:
        yield url


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL (the PostgreSQL run)")
def test_every_revision_upgrades_and_downgrades_a_seeded_postgresql_database_without_losing_rows(
        scratch_postgres, tmp_path):
    problems, timings = walk_the_chain(scratch_postgres, tmp_path)
    _report("PostgreSQL", timings)
    assert problems == []
    assert timings["total"] < BUDGET_SECONDS


def test_the_comparison_notices_a_lost_row_and_a_changed_value_but_not_a_new_column():
    before = {"t": {"columns": ["id", "name"], "rows": [(1, "a"), (2, "b")]}}
    assert differences(before, {"t": {"columns": ["id", "name", "added"], "rows": [(1, "a", 0), (2, "b", 0)]}},
                       "up") == []
    assert differences(before, {"t": {"columns": ["id", "name"], "rows": [(1, "a")]}}, "up") == [
        "up: t had 2 rows, now 1"]
    assert differences(before, {"t": {"columns": ["id", "name"], "rows": [(1, "a"), (2, "B")]}}, "up") == [
        "up: t rows changed in columns ['id', 'name']"]
