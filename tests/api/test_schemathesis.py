"""Schemathesis, a tool nobody here wrote, reads ``/api/v1/openapi.json`` of the live app and sends generated
requests (valid and invalid) to every documented operation with the tokens of three roles: no answer may be a
5xx, every answer must match its documented schema and content type, and every status code must be one the
description lists (issue 20)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler

from incubator import clock, create_app
from incubator.extensions import db
from incubator.periods import Period
from tests.conftest import base_config

CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance")
# Examples per operation and phase: with the three roles this keeps the run near half a minute on 2 cores.
MAX_EXAMPLES = 12
SEED = 20


def schemathesis_command() -> list[str]:
    beside_python = Path(sys.executable).with_name("schemathesis")
    found = str(beside_python) if beside_python.exists() else shutil.which("schemathesis")
    assert found, "schemathesis is a test dependency (pyproject.toml [test])"
    return [found]


class QuietHandler(WSGIRequestHandler):
    """No access-log line per generated request (thousands of them)."""

    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture
def api_server(database_url, tmp_path):
    """The app on a loopback port in a thread, with a rate limit the generated requests do not reach (the
    limit itself is tested in ``test_rate_limit.py``; a 429 is documented, but would hide the operations)."""
    from werkzeug.serving import make_server

    server_app = create_app({**base_config(database_url, tmp_path), "API_RATE_LIMIT": "100000 per minute"})
    server = make_server("127.0.0.1", 0, server_app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with server_app.app_context():
        db.engine.dispose()


@pytest.fixture
def richer_zone(app, api_zone):
    """The API zone plus a target, a cohort, a talent and a published evaluation version, so that every list
    has rows and every detail endpoint has something to find."""
    from incubator.evaluation.services import publish
    from incubator.outcomes.models import Target
    from incubator.partnerships.models import Talent
    from tests import factories as f

    target = Target(year=2026, scope="ZONE", indicator="REVENUE")
    target.value = Decimal("5000")
    db.session.add(target)
    f.cohort(api_zone.agreements[0], 2025, 40, completed=38, hired=20, completed_on=date(2026, 6, 30))
    db.session.add(Talent(name="张教授团队", category="team", members=4, joined_on=date(2026, 3, 1),
                          company_id=api_zone.companies[0].id, institution_id=api_zone.partner.id))
    clock.freeze(datetime(2026, 8, 1, 2, tzinfo=timezone.utc))  # 2026Q2 has ended: it can be published
    publish(Period.parse("2026Q2"), api_zone.users["admin"], note="first")
    clock.freeze(None)
    db.session.commit()
    return api_zone


@pytest.mark.slow
@pytest.mark.parametrize("role", ["admin", "manager", "founder"])
def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(richer_zone, api_server, tmp_path, role):
    command = [
        *schemathesis_command(), "run", f"{api_server}/api/v1/openapi.json",
        "--header", f"Authorization: Bearer {richer_zone.tokens[role]}",
        "--checks", ",".join(CHECKS),
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED),
        "--generation-database", "none", "--workers", "1", "--no-color",
        "--generation-with-security-parameters", "false",
        "--request-timeout", "30",
    ]
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"}
    result = subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert "No issues found" in result.stdout or " passed" in result.stdout, result.stdout[-5000:]
