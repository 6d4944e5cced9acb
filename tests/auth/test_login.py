"""Logging in: success, the same answer for a wrong password and an unknown address, lockout, bad input."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from incubator import clock
from incubator.audit.models import AuditEvent
from incubator.auth.models import User
from incubator.extensions import db

from ..conftest import PASSWORD
from tests.pages import page_text

INVALID = "Invalid e-mail address or password."
LOCKED = "Too many failed attempts."


@pytest.fixture
def config_overrides():
    return {"LOGIN_MAX_FAILURES": 3, "LOGIN_LOCK_MINUTES": 15}


def test_login_with_the_right_password_opens_the_home_page(client, auth, make_user):
    user = make_user("manager", name="Li Ming")
    response = auth.login(user)
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    home = client.get("/home")
    assert home.status_code == 200
    assert "Li Ming" in home.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is not None


def test_login_ignores_case_and_spaces_in_the_address(client, make_user):
    make_user("admin", email="chen@zone.cn")
    response = client.post("/login", data={"email": "  Chen@Zone.CN ", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_and_unknown_address_get_the_same_message(client, auth, make_user):
    user = make_user("admin")
    wrong = auth.login(user, "not-the-password")
    unknown = auth.login("nobody@example.cn", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    wrong_text, unknown_text = wrong.get_data(as_text=True), unknown.get_data(as_text=True)
    assert INVALID in wrong_text and INVALID in unknown_text
    assert client.get("/home").status_code == 302


def test_the_address_typed_is_kept_after_a_failed_login(auth, make_user):
    user = make_user("admin")
    page = auth.login(user, "not-the-password").get_data(as_text=True)
    assert f'value="{user.email}"' in page


def test_lockout_after_repeated_failures_refuses_even_the_right_password(client, auth, make_user):
    clock.freeze(datetime(2026, 5, 4, 9, 0))
    user = make_user("admin")
    for _ in range(2):
        assert INVALID in auth.login(user, "wrong-password").get_data(as_text=True)
    third = page_text(auth.login(user, "wrong-password"))
    assert LOCKED in third and "15" in third
    refused = auth.login(user)
    assert refused.status_code == 200 and LOCKED in refused.get_data(as_text=True)
    assert client.get("/home").status_code == 302
    clock.freeze(datetime(2026, 5, 4, 9, 16))  # the lock has passed
    assert auth.login(user).status_code == 302


def test_unknown_addresses_lock_the_same_way_with_the_same_message(auth, make_user):
    clock.freeze(datetime(2026, 5, 4, 9, 0))
    known = make_user("admin", email="known@example.cn")
    answers = {}
    for email in ("known@example.cn", "ghost@example.cn"):
        texts = [auth.login(email, "wrong-password").get_data(as_text=True) for _ in range(4)]
        answers[email] = [LOCKED in text for text in texts]
    assert answers["known@example.cn"] == answers["ghost@example.cn"] == [False, False, True, True]
    assert known.id


def test_a_disabled_account_is_refused_with_a_clear_message(client, auth, make_user):
    user = make_user("startup", is_enabled=False)
    response = auth.login(user)
    assert response.status_code == 200
    assert "This account is disabled" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302


@pytest.mark.parametrize("data, message", [
    ({"email": "", "password": ""}, "This field is required."),
    ({"email": "a" * 250 + "@x.cn", "password": "whatever-it-is"}, "Field cannot be longer than 254 characters."),
    ({"email": "someone@example.cn", "password": "p" * 200}, "Field cannot be longer than 128 characters."),
])
def test_empty_or_overlong_login_fields_get_a_message_not_an_error(client, data, message):
    response = client.post("/login", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failure")).all()


def test_login_messages_are_in_chinese_for_a_chinese_browser(client, make_user):
    user = make_user("admin")
    response = client.post("/login", data={"email": user.email, "password": "wrong-password"},
                           headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    text = response.get_data(as_text=True)
    assert INVALID not in text
    assert "邮箱或密码错误" in text


def test_next_parameter_only_follows_local_paths(client, make_user):
    user = make_user("admin")
    response = client.post("/login?next=/admin/users", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/users"
    client.post("/logout")
    response = client.post("/login?next=//evil.example/x", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/home"


def test_a_logged_in_user_visiting_login_goes_home(client, auth, make_user):
    auth.login(make_user("admin"))
    assert client.get("/login").headers["Location"] == "/home"


def test_lock_time_shown_counts_down(auth, make_user):
    clock.freeze(datetime(2026, 5, 4, 9, 0))
    user = make_user("admin")
    for _ in range(3):
        auth.login(user, "wrong-password")
    clock.freeze(datetime(2026, 5, 4, 9, 0) + timedelta(minutes=10, seconds=5))
    assert "Try again in 5 minutes" in auth.login(user).get_data(as_text=True)
