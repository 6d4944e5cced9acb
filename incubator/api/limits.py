"""Per-token rate limiting of the API (Flask-Limiter).

With ``REDIS_URL`` set the counters live in Redis and hold across every process and host; without it they
live in each process's memory: with several gunicorn workers each worker counts on its own, so a token gets
up to (workers × the limit). The limit is ``API_RATE_LIMIT`` (default ``600 per minute``).
"""
from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter

from .tokens import hash_token


def rate_key() -> str:
    """A token is limited by its hash (any string sent counts on its own), requests without one by address."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + hash_token(token.strip())[:32]
    return "address:" + (request.remote_addr or "unknown")


limiter = Limiter(key_func=rate_key, headers_enabled=True)


def configure(app) -> None:
    app.config.setdefault("API_RATE_LIMIT", "600 per minute")
    # An explicit storage: Flask-Limiter warns when it has to pick the in-memory one itself.
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)


def api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]
