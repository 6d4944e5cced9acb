"""Structured security logs: JSON lines for logins, failed logins, refused access and server errors,
without passwords or tokens."""
from __future__ import annotations

import json

import pytest

from incubator.operations.logs import JSONFormatter

SECRET = "Wr0ng-but-secret-passphrase"


def _events(lines, name):
    return [line for line in lines if line.get("event") == name]


def test_the_app_logger_writes_json(app):
    assert any(isinstance(handler.formatter, JSONFormatter) for handler in app.logger.handlers)


def test_a_failed_login_is_logged_without_the_password(client, make_user, log_lines):
    user = make_user("manager")
    client.post("/login", data={"email": user.email, "password": SECRET})
    failed = _events(log_lines(), "login_failed")
    assert len(failed) == 1
    assert failed[0]["email"] == user.email and failed[0]["path"] == "/login" and failed[0]["level"] == "WARNING"
    assert SECRET not in json.dumps(log_lines())


def test_a_successful_login_and_logout_are_logged(client, make_user, log_lines):
    user = make_user("manager")
    assert client.post("/login", data={"email": user.email, "password": "correct-horse-battery"}).status_code == 302
    client.post("/logout")
    lines = log_lines()
    assert [e["user_id"] for e in _events(lines, "login")] == [user.id]
    assert [e["user_id"] for e in _events(lines, "logout")] == [user.id]
    assert "correct-horse-battery" not in json.dumps(lines)


def test_refused_access_of_a_logged_in_user_is_logged(login_as, client, log_lines):
    manager, user = login_as("manager")
    assert manager.get("/admin/users").status_code in (403, 404)
    assert manager.get("/no-such-page").status_code == 404
    refused = _events(log_lines(), "access_refused")
    assert [(e["path"], e["user_id"]) for e in refused][-1] == ("/no-such-page", user.id)
    assert len(refused) == 2
    client.get("/no-such-page")  # anonymous: not a refusal of a user
    assert len(_events(log_lines(), "access_refused")) == 2


@pytest.mark.own_app
def test_a_server_error_is_logged_with_its_type(app, client, log_lines):
    def boom():
        raise RuntimeError("kaput")

    app.add_url_rule("/test-boom", "test_boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/test-boom").status_code == 500
    errors = _events(log_lines(), "server_error")
    assert errors and errors[0]["error_type"] == "RuntimeError" and errors[0]["path"] == "/test-boom"


def test_fields_named_like_secrets_are_dropped(app, log_lines):
    app.logger.info("reset link sent", extra={"event": "reset", "token": "abc123", "password": "x", "email": "a@b.cn"})
    line = _events(log_lines(), "reset")[0]
    assert "token" not in line and "password" not in line and line["email"] == "a@b.cn"
