"""A throw-away Redis for the job tests: ``REDIS_TEST_URL`` when given, else a redis-server this session
starts on a free loopback port (``.ci/redis.sh``; ``make test`` installs the Debian package)."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    if os.environ.get("REDIS_TEST_URL"):
        yield os.environ["REDIS_TEST_URL"]
        return
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is missing: `make system-packages` installs it (or set REDIS_TEST_URL)")
    folder, port = tmp_path_factory.mktemp("redis"), free_port()
    subprocess.run(["bash", str(ROOT / ".ci" / "redis.sh"), "start", str(folder), str(port)], check=True,
                   capture_output=True)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        subprocess.run(["bash", str(ROOT / ".ci" / "redis.sh"), "stop", str(folder), str(port)], check=False)


@pytest.fixture
def redis_settings(redis_server):
    """Settings of a test in Redis mode: its own queue, so tests never see each other's jobs."""
    return {"REDIS_URL": redis_server, "JOB_QUEUE_NAME": f"test-{uuid.uuid4().hex[:12]}"}


@pytest.fixture
def worker_writes(app):
    """For tests whose worker is another process: on PostgreSQL the suite empties after each test only the
    tables this process wrote (it watches its own statements), so name every table once with a statement
    that changes nothing, and the worker's rows are cleaned up too."""
    yield
    from sqlalchemy import text

    from incubator.extensions import db

    if db.engine.dialect.name == "postgresql":
        db.session.rollback()
        for table in db.metadata.sorted_tables:
            db.session.execute(text(f'DELETE FROM "{table.name}" WHERE 1 = 0'))
        db.session.commit()
