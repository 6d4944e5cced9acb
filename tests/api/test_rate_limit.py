"""Per-token rate limiting (Flask-Limiter; in-memory storage here, Redis with REDIS_URL)."""
from __future__ import annotations

import pytest


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
