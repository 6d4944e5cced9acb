"""Databases of the security suite: a seeded demo zone shared by a module, and a scratch database to restore
into (an empty SQLite file, or a fresh PostgreSQL database)."""
from __future__ import annotations

import shutil
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from incubator import create_app
from incubator.extensions import db
from tests.conftest import PASSWORD, POSTGRES_URL, IsolatedClient, base_config, restore_first_zone

SCRATCH_DATABASE = "incubator_security_restore"


@contextmanager
def seeded_zone_app(name: str, migrated_database, tmp_path_factory, scale: float):
    """An app on a copy of the migrated database seeded with the demo zone at ``scale``, inside its app
    context, for a module of walks that must not pay the seeding per test. On PostgreSQL the shared test
    database is emptied afterwards, as the per-test fixture expects."""
    tmp = tmp_path_factory.mktemp(name)
    if POSTGRES_URL:
        url = POSTGRES_URL
    else:
        path = tmp / f"{name}.sqlite3"
        shutil.copyfile(migrated_database, path)
        url = f"sqlite:///{path}"
    app = create_app({**base_config(url, tmp), "DEMO_PASSWORD": PASSWORD})
    app.test_client_class = IsolatedClient
    with app.app_context():
        from incubator.seed import run_seeders

        run_seeders(scale=scale)
        db.session.commit()
        yield app
        db.session.remove()
        if POSTGRES_URL:
            with db.engine.begin() as connection:
                names = connection.execute(text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )).scalars().all()
                connection.execute(text("TRUNCATE {} RESTART IDENTITY CASCADE".format(
                    ", ".join(f'"{name}"' for name in names))))
                restore_first_zone(connection)
        db.engine.dispose()


@contextmanager
def scratch_postgres_database(name: str):
    """A fresh, empty PostgreSQL database ``name`` on the test server (its URL), dropped afterwards."""
    admin = create_engine(make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT",
                          poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def scratch_url(tmp_path):
    """The URL of an empty database (no tables at all)."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    with scratch_postgres_database(SCRATCH_DATABASE) as url:
        yield url


@pytest.fixture
def scratch_app(scratch_url, tmp_path):
    """A second app on the scratch database with its own, empty upload folder."""
    target = tmp_path / "restored"
    target.mkdir()
    app = create_app({**base_config(scratch_url, target), "UPLOAD_FOLDER": str(target / "uploads")})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def zone_industries(app):
    """The industry list ``flask init`` installs: organisations cannot be imported without one."""
    from incubator.organisations.services import ensure_default_industries

    ensure_default_industries()
    db.session.commit()
