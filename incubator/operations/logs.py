"""Structured (JSON, one object a line) logs of security events: logins and logouts, failed logins,
refused access of logged-in users (403/404) and server errors. Passwords, tokens and secrets are never
written: records carry only the fields named here, and any extra field whose name looks secret is dropped.
"""
from __future__ import annotations

import json
import logging
import re
import sys

from flask import g, has_request_context, request
from flask_login import current_user, user_logged_in, user_logged_out
from werkzeug.exceptions import HTTPException

from .. import clock

SECRET_NAME = re.compile(r"pass|token|secret|csrf|cookie|session|authori", re.I)
STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

security_log = logging.getLogger("incubator.security")


class JSONFormatter(logging.Formatter):
    """A log record as one JSON object: time (UTC), level, logger, message, request and extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": clock.utcnow().isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in STANDARD or key.startswith("_") or SECRET_NAME.search(key):
                continue
            entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if has_request_context():
            entry.setdefault("method", request.method)
            entry.setdefault("path", request.path)
            entry.setdefault("ip", request.remote_addr)
            user = getattr(g, "_login_user", None)
            if user is not None and getattr(user, "is_authenticated", False):
                entry.setdefault("user_id", user.id)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def install_json_handler(app) -> None:
    """Replace Flask's plain handler on the app logger by one writing JSON to stderr (``LOG_JSON``)."""
    from flask.logging import default_handler

    logger = app.logger
    logger.removeHandler(default_handler)
    for handler in [h for h in logger.handlers if getattr(h, "incubator_json", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter())
    handler.incubator_json = True
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)


def init_app(app) -> None:
    if app.config.get("LOG_JSON", True):
        install_json_handler(app)

    def logged_in(sender, user, **_):
        security_log.info("login", extra={"event": "login", "user_id": user.id, "role": user.role})

    def logged_out(sender, user, **_):
        if user is not None and getattr(user, "is_authenticated", False):
            security_log.info("logout", extra={"event": "logout", "user_id": user.id})

    user_logged_in.connect(logged_in, app, weak=False)
    user_logged_out.connect(logged_out, app, weak=False)

    @app.after_request
    def log_security_events(response):
        if request.endpoint == "auth.login" and request.method == "POST" and response.status_code != 302:
            # The e-mail typed (bounded), never the password. Reading the form of a refused (e.g. too
            # large) request raises again: then the e-mail is left out.
            try:
                email = (request.form.get("email") or "")[:254]
            except HTTPException:
                email = None
            security_log.warning("login failed", extra={
                "event": "login_failed", "email": email, "status": response.status_code})
        elif response.status_code in (403, 404) and current_user and current_user.is_authenticated:
            security_log.warning("access refused", extra={
                "event": "access_refused", "status": response.status_code, "user_id": current_user.id})
        return response

    from flask import got_request_exception

    def server_error(sender, exception, **_):
        security_log.error("server error", extra={"event": "server_error",
                                                  "error_type": type(exception).__name__})

    got_request_exception.connect(server_error, app, weak=False)
