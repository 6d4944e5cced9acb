"""Registration of founders and password reset by e-mail."""
from __future__ import annotations

import email
import email.policy
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from incubator import clock
from incubator.auth.models import PasswordResetToken, User
from incubator.extensions import db

from ..conftest import PASSWORD, AuthActions

SAME_ANSWER = "If an account uses this address, we have sent it a link to set a new password."


def outbox(app) -> list[email.message.EmailMessage]:
    folder = Path(app.config["MAIL_OUTBOX"])
    if not folder.exists():
        return []
    return [email.message_from_bytes(path.read_bytes(), _class=email.message.EmailMessage,
                                     policy=email.policy.default) for path in sorted(folder.glob("*.eml"))]


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


# --- registration -----------------------------------------------------------------------------------

# Registering through the e-mail link: tests/auth/test_registration.py.

@pytest.mark.parametrize("data, message", [
    ({"name": "", "email": "a@b.cn", "password": "long-enough-pass", "confirm": "long-enough-pass"},
     "This field is required."),
    ({"name": "X", "email": "not-an-address", "password": "long-enough-pass", "confirm": "long-enough-pass"},
     "Invalid email address."),
    ({"name": "X", "email": "a@b.cn", "password": "short", "confirm": "short"},
     "The password must have at least 10 characters."),
    ({"name": "X", "email": "a@b.cn", "password": "long-enough-pass", "confirm": "other-long-pass"},
     "The passwords differ."),
    ({"name": "N" * 101, "email": "a@b.cn", "password": "long-enough-pass", "confirm": "long-enough-pass"},
     "Field cannot be longer than 100 characters."),
])
def test_registration_refuses_bad_input_and_keeps_what_was_typed(client, data, message):
    response = client.post("/register", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    if data["email"]:
        assert f'value="{data["email"]}"' in page
    assert user_count() == 0


# --- password reset ---------------------------------------------------------------------------------

def reset_link_from(message) -> str:
    body = message.get_content()
    match = re.search(r"http://localhost(/password/reset/\S+)", body)
    assert match, body
    return match.group(1)


def test_forgot_password_gives_the_same_answer_for_unknown_addresses_and_mails_only_real_ones(app, client, make_user):
    user = make_user("startup", email="real@example.cn")
    unknown = client.post("/password/forgot", data={"email": "ghost@example.cn"}, follow_redirects=True)
    assert SAME_ANSWER in unknown.get_data(as_text=True)
    assert outbox(app) == []
    known = client.post("/password/forgot", data={"email": "real@example.cn"}, follow_redirects=True)
    assert SAME_ANSWER in known.get_data(as_text=True)
    mails = outbox(app)
    assert len(mails) == 1 and mails[0]["To"] == user.email
    assert "/password/reset/" in mails[0].get_content()


def test_no_reset_mail_for_a_disabled_account(app, client, make_user):
    make_user("startup", email="off@example.cn", is_enabled=False)
    response = client.post("/password/forgot", data={"email": "off@example.cn"}, follow_redirects=True)
    assert SAME_ANSWER in response.get_data(as_text=True)
    assert outbox(app) == []


def test_the_reset_mail_is_in_the_users_language(app, client, make_user):
    make_user("startup", email="zh@example.cn", locale="zh", name="张伟")
    client.post("/password/forgot", data={"email": "zh@example.cn"})
    body = outbox(app)[0].get_content()
    assert "张伟" in body and "Someone asked" not in body


def test_a_reset_token_sets_a_new_password_once_and_ends_sessions(app, client, make_user):
    user = make_user("startup", email="real@example.cn")
    logged_in = app.test_client()
    AuthActions(logged_in).login(user)
    client.post("/password/forgot", data={"email": "real@example.cn"})
    link = reset_link_from(outbox(app)[0])
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": "brand-new-password", "confirm": "brand-new-password"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert AuthActions(app.test_client()).login(user, "brand-new-password").status_code == 302
    assert AuthActions(app.test_client()).login(user, PASSWORD).status_code == 200
    assert logged_in.get("/home").status_code == 302  # the old session ended
    again = client.post(link, data={"password": "another-new-pass", "confirm": "another-new-pass"},
                        follow_redirects=True)
    assert "This reset link is invalid or has expired" in again.get_data(as_text=True)
    assert AuthActions(app.test_client()).login(user, "another-new-pass").status_code == 200


def test_a_reset_token_expires(app, client, make_user):
    start = datetime(2026, 4, 1, 10, 0)
    clock.freeze(start)
    user = make_user("startup", email="real@example.cn")
    client.post("/password/forgot", data={"email": "real@example.cn"})
    link = reset_link_from(outbox(app)[0])
    clock.freeze(start + timedelta(hours=app.config["PASSWORD_RESET_HOURS"], minutes=1))
    response = client.post(link, data={"password": "brand-new-password", "confirm": "brand-new-password"})
    assert response.status_code == 302 and response.headers["Location"] == "/password/forgot"
    assert AuthActions(app.test_client()).login(user, PASSWORD).status_code == 302


def test_only_a_hash_of_the_reset_token_is_stored(app, client, make_user):
    make_user("startup", email="real@example.cn")
    client.post("/password/forgot", data={"email": "real@example.cn"})
    token = reset_link_from(outbox(app)[0]).rsplit("/", 1)[1]
    stored = db.session.scalars(select(PasswordResetToken.token_hash)).all()
    assert len(stored) == 1 and token not in stored


def test_a_weak_new_password_is_refused_and_the_token_stays_usable(app, client, make_user):
    make_user("startup", email="real@example.cn")
    client.post("/password/forgot", data={"email": "real@example.cn"})
    link = reset_link_from(outbox(app)[0])
    response = client.post(link, data={"password": "short", "confirm": "short"})
    assert response.status_code == 200
    assert "The password must have at least 10 characters." in response.get_data(as_text=True)
    assert client.get(link).status_code == 200
