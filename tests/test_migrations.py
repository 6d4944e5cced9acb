"""The schema comes only from the migrations: they build an empty database on both engines, come down
to nothing and go up again, and they match the models exactly."""
from __future__ import annotations

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from incubator import create_app
from incubator.extensions import db

from .conftest import MIGRATIONS, POSTGRES_URL, base_config

CORE_TABLES = {"users", "user_sessions", "login_throttles", "password_reset_tokens", "audit_events",
               "notifications", "organisations", "platforms", "platform_managers", "incubations",
               "quarterly_reports", "partnerships", "targets"}


def tables_of(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def up_down_up(url: str, tmp_path) -> None:
    app = create_app(base_config(url, tmp_path))
    with app.app_context():
        upgrade(directory=str(MIGRATIONS), revision="heads")
        built = tables_of(url)
        assert CORE_TABLES <= built
        assert set(db.metadata.tables) <= built, "a model has no migration"
        downgrade(directory=str(MIGRATIONS), revision="base")
        assert tables_of(url) == set()
        upgrade(directory=str(MIGRATIONS), revision="heads")
        assert tables_of(url) == built
        db.engine.dispose()


@pytest.mark.skipif(bool(POSTGRES_URL), reason="the SQLite half (the PostgreSQL run does the other)")
def test_migrations_build_remove_and_rebuild_an_empty_sqlite_database(tmp_path):
    up_down_up(f"sqlite:///{tmp_path / 'fresh.sqlite3'}", tmp_path)


@pytest.mark.skipif(not POSTGRES_URL, reason="needs TEST_DATABASE_URL (the PostgreSQL run)")
def test_migrations_build_remove_and_rebuild_an_empty_postgresql_database(tmp_path):
    server = make_url(POSTGRES_URL)
    name = f"{server.database}_mig"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        up_down_up(url, tmp_path)
        engine = create_engine(url)
        with engine.connect() as connection:  # no enum type or function outlives the downgrade
            leftovers = connection.execute(text(
                "SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                "WHERE n.nspname = 'public' AND t.typtype = 'e'")).scalars().all()
        engine.dispose()
        assert leftovers == []
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_models_match_the_migrated_schema(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_audit_triggers_survive_a_full_migration(app):
    from sqlalchemy.exc import DBAPIError

    from incubator.audit import services as audit

    audit.record("probe", entity_type="test", entity_id=1)
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE audit_events SET action = 'x'"))
    db.session.rollback()
