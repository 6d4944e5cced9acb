"""A scratch database to restore into: an empty SQLite file, or a fresh PostgreSQL database."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from incubator import create_app
from incubator.extensions import db
from tests.conftest import POSTGRES_URL, base_config

SCRATCH_DATABASE = "incubator_security_restore"


def _admin_engine():
    return create_engine(make_url(POSTGRES_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")


@pytest.fixture
def scratch_url(tmp_path):
    """The URL of an empty database (no tables at all)."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    engine = _admin_engine()
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH_DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{SCRATCH_DATABASE}"'))
    yield make_url(POSTGRES_URL).set(database=SCRATCH_DATABASE).render_as_string(hide_password=False)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH_DATABASE}" WITH (FORCE)'))
    engine.dispose()


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
