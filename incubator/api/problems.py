"""Errors of the API as RFC 9457 problem details (``application/problem+json``), never HTML pages."""
from __future__ import annotations

import math
import time

import marshmallow as ma
from flask import current_app, json, request
from werkzeug.exceptions import HTTPException

from ..extensions import db

PROBLEM_TYPE = "about:blank"  # RFC 9457 §4.2.1: the title is then the HTTP status phrase
CONTENT_TYPE = "application/problem+json"
DETAILS = {
    400: "The request is not valid: see errors.",
    401: "A valid API token is needed in the Authorization header: Bearer <token>.",
    403: "This token may not read this resource.",
    404: "No such resource, or it is outside this token's scope.",
    405: "The API is read-only: only GET and HEAD are answered.",
    429: "Too many requests for this token: wait for Retry-After seconds.",
    500: "Something went wrong on our side.",
}


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details; ``errors`` lists what was wrong with each query parameter (400)."""

    type = ma.fields.String(metadata={"description": "A URI naming the problem type", "example": PROBLEM_TYPE})
    title = ma.fields.String(metadata={"description": "The HTTP status phrase", "example": "Not Found"})
    status = ma.fields.Integer(metadata={"description": "The HTTP status code", "example": 404})
    detail = ma.fields.String(metadata={"example": DETAILS[404]})
    instance = ma.fields.String(metadata={"description": "The path asked for", "example": "/api/v1/platforms/99"})
    errors = ma.fields.Dict(metadata={"description": "Per parameter: what is wrong with it (400 only)"})


def problem(status: int, detail: str | None = None, *, errors: dict | None = None, headers: dict | None = None,
            title: str | None = None):
    """A problem-details response."""
    from http import HTTPStatus

    body = {"type": PROBLEM_TYPE, "title": title or HTTPStatus(status).phrase, "status": status,
            "detail": detail or DETAILS.get(status, HTTPStatus(status).phrase), "instance": request.path}
    if errors:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body), status=status, mimetype=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def retry_after_seconds() -> int:
    """Seconds until the breached window of the current request's rate limit resets (at least 1)."""
    from .limits import current_limiter

    current = current_limiter().current_limit
    if current is None:
        return 1
    return max(1, math.ceil(current.reset_at - time.time()))


def handle_http_exception(error: HTTPException):
    db.session.rollback()
    code = error.code or 500
    if code == 429:
        return problem(429, headers={"Retry-After": str(retry_after_seconds())})
    if code == 405:
        return problem(405, headers={"Allow": "GET, HEAD"})
    errors = None
    data = getattr(error, "data", None)  # webargs' validation messages, by location then field
    if isinstance(data, dict) and "messages" in data:
        errors = {field: messages for location in data["messages"].values() for field, messages in location.items()}
    # A 400 without field errors (a bad cursor, a control character) says what was wrong.
    detail = error.description if code == 400 and not errors else DETAILS.get(code)
    headers = {"WWW-Authenticate": 'Bearer realm="api"'} if code == 401 else None
    return problem(code, detail, errors=errors, headers=headers)


def handle_server_error(error: Exception):
    db.session.rollback()
    if current_app.testing and not current_app.config.get("RENDER_SERVER_ERRORS"):
        raise error  # tests (and schemathesis) see the traceback
    current_app.logger.exception("unhandled API error on %s %s", request.method, request.path)
    return problem(500)
