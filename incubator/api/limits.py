"""Per-token rate limiting of the API (Flask-Limiter).

With ``REDIS_URL`` set the counters live in Redis and hold across every process and host; without it they
live in each process's memory: with several gunicorn workers each worker counts on its own, so a token gets
up to (workers × the limit). The limit is ``API_RATE_LIMIT`` (default ``600 per minute``).

Every app gets a limiter of its own (``current_limiter()``): Flask-Limiter keeps the storage, the strategy
and its switches on the ``Limiter`` object and ``init_app`` replaces them, so one module-level limiter
shared by several apps in a process (the test suite builds many) counted every app's requests in the
storage of the app built last: an app whose Redis was down broke the API of every other app.
"""
from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter

from .tokens import hash_token

EXTENSION_KEY = "incubator_api_limiter"


def rate_key() -> str:
    """A token is limited by its hash (any string sent counts on its own), requests without one by address."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + hash_token(token.strip())[:32]
    return "address:" + (request.remote_addr or "unknown")


def configure(app, blueprint) -> Limiter:
    """Give ``app`` its own limiter and one allowance per token for the whole API ``blueprint``."""
    app.config.setdefault("API_RATE_LIMIT", "600 per minute")
    # An explicit storage: Flask-Limiter warns when it has to pick the in-memory one itself.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter = Limiter(key_func=rate_key, headers_enabled=True)
    limiter.init_app(app)
    # A plain limit on a blueprint counts each endpoint apart; a shared one counts them together. The
    # limiter keeps it by the blueprint's name, so the module-level blueprint carries nothing between apps.
    limiter.shared_limit(api_limit, scope="api", key_func=rate_key)(blueprint)
    app.extensions[EXTENSION_KEY] = limiter
    return limiter


def current_limiter() -> Limiter:
    return current_app.extensions[EXTENSION_KEY]


def api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]
