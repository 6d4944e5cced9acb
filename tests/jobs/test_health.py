"""/healthz reports the queue as fields and answers 200 for the web even when Redis is unreachable."""
from __future__ import annotations

import pytest


def test_healthz_in_process_reports_the_mode_and_the_queued_jobs(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "queue": "in-process", "jobs_queued": 0}


@pytest.mark.parametrize("config_overrides", [{"REDIS_URL": "redis://127.0.0.1:1/0"}])
def test_healthz_answers_200_while_redis_is_down(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    health = response.get_json()
    assert (health["status"], health["queue"], health["queue_reachable"], health["workers"],
            health["worker_last_heartbeat"]) == ("ok", "redis", False, 0, None)
