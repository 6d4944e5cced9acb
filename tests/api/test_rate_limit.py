"""Per-token rate limiting (Flask-Limiter; in-memory storage here, Redis with REDIS_URL)."""
from __future__ import annotations

import pytest

from incubator import create_app
from incubator.extensions import db
from tests.conftest import base_config


@pytest.fixture
def config_overrides():
    return {"API_RATE_LIMIT": "3 per minute"}


def test_a_token_over_its_rate_limit_gets_429_with_retry_after(app, api_zone, api_get):
    token = api_zone.tokens["manager"]
    answers = [api_get(token, "/api/v1/platforms").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = api_get(token, "/api/v1/platforms")
    assert limited.mimetype == "application/problem+json" and 1 <= int(limited.headers["Retry-After"]) <= 60
    assert api_get(api_zone.tokens["founder"], "/api/v1/organisations").status_code == 200  # per token


def test_the_limit_counts_every_endpoint_of_a_token_together(app, api_zone, api_get):
    """One allowance per token for the whole API, not one per endpoint (26 endpoints would give 26 times)."""
    token = api_zone.tokens["manager"]
    answers = [api_get(token, path).status_code
               for path in ("/api/v1/platforms", "/api/v1/reports", "/api/v1/indicators", "/api/v1/organisations")]
    assert answers == [200, 200, 200, 429]


def test_each_app_counts_in_its_own_storage_whatever_apps_are_built_after_it(app, api_zone, api_get, tmp_path):
    """Building a second app (the suite builds many) must not swap the first app's counters for the second's
    storage: it once did (one module-level limiter), and an app whose Redis was down broke every other app."""
    token = api_zone.tokens["manager"]
    assert [api_get(token, "/api/v1/platforms").status_code for _ in range(3)] == [200, 200, 200]
    settings = base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "other")
    create_app({**settings, "REDIS_URL": "redis://127.0.0.1:1/0", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})
    other = create_app({**settings, "API_RATE_LIMIT": "3 per minute"})
    # The first app still counts in memory (a 429, not a refused Redis connection nor a fresh allowance) ...
    assert api_get(token, "/api/v1/platforms").status_code == 429
    # ... and the other app's allowance is its own.
    try:
        with other.test_client() as other_client:
            answer = other_client.get("/api/v1/platforms", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200
    finally:
        with other.app_context():
            db.engine.dispose()
