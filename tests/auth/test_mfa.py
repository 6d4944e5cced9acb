"""Two-step verification: TOTP per RFC 6238, enrolment, login with a code or a recovery code, replay,
expiry of the pending step, throttling, the admin requirement, an administrator's reset, audit and logs."""
from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from incubator import clock
from incubator.audit.models import AuditEvent
from incubator.auth import totp
from incubator.auth.models import LoginThrottle, RecoveryCode, User, UserSession
from incubator.extensions import db
from incubator.notifications.models import Notification

from ..conftest import PASSWORD
from tests.pages import page_text

T0 = datetime(2026, 5, 4, 1, 0, 0, tzinfo=timezone.utc)  # the start of a 30-second step
WRONG = "This code is not correct or has already been used."


@pytest.fixture
def config_overrides():
    return {"LOGIN_MAX_FAILURES": 3, "LOGIN_LOCK_MINUTES": 15}


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(T0)


def at(seconds: float) -> None:
    clock.freeze(T0 + timedelta(seconds=seconds))


def code(secret: str, seconds: float = 0) -> str:
    return totp.code_at(secret, T0 + timedelta(seconds=seconds))


def english(app):
    """A new browser that reads English pages."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def actions(user: User | None = None) -> list[str]:
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if user is not None:
        query = query.where(AuditEvent.entity_type == "users", AuditEvent.entity_id == str(user.id))
    return list(db.session.scalars(query))


def start_enrolment(client) -> str:
    """Start set-up and read the key from the page, as a user would type it into the app."""
    assert client.post("/account/mfa/start").status_code == 302
    page = client.get("/account/mfa").get_data(as_text=True)
    grouped = re.search(r'id="mfa-secret">([A-Z2-7 ]+)<', page).group(1)
    return grouped.replace(" ", "")


def enrol(client) -> tuple[str, list[str]]:
    secret = start_enrolment(client)
    response = client.post("/account/mfa", data={"code": code(secret)})
    assert response.status_code == 200
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", response.get_data(as_text=True))
    return secret, codes


@pytest.fixture
def enrolled(app, make_user):
    """A manager with two-step verification on, logged out: (user, secret, recovery codes)."""
    user = make_user("manager", email="mfa.user@example.cn")
    client = english(app)
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    secret, codes = enrol(client)
    at(60)  # later steps: the enrolment code's step is used up
    return reload(user), secret, codes


def password_step(client, user: User):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


# --- TOTP itself ---------------------------------------------------------------------------------

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize("unix_time, expected", [
    (59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
    (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130"),
])
def test_totp_matches_the_rfc_6238_sha1_test_vectors(unix_time, expected):
    moment = datetime.fromtimestamp(unix_time, tz=timezone.utc)
    assert totp.code_at(RFC_SECRET, moment, digits=8) == expected
    assert totp.code_at(RFC_SECRET, moment) == expected[-6:]
    assert totp.code_at(RFC_SECRET, moment.replace(tzinfo=None)) == expected[-6:]  # a naive time is UTC


def test_a_code_is_accepted_one_step_either_side_and_not_further():
    now = datetime.fromtimestamp(1111111111, tz=timezone.utc)
    step = totp.time_step(now)
    for offset in (-1, 0, 1):
        assert totp.matching_step(RFC_SECRET, totp.code_of_step(RFC_SECRET, step + offset), now) == step + offset
    for offset in (-2, 2):
        assert totp.matching_step(RFC_SECRET, totp.code_of_step(RFC_SECRET, step + offset), now) is None
    assert totp.matching_step(RFC_SECRET, "12345", now) is None
    assert totp.matching_step(RFC_SECRET, "１２３４５６", now) is None  # full-width digits are not a code


def test_a_sealed_secret_reads_back_only_with_one_of_the_keys(app):
    sealed = totp.seal("JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in sealed and totp.unseal(sealed) == "JBSWY3DPEHPK3PXP"
    raw = bytearray(base64.urlsafe_b64decode(sealed))
    raw[30] ^= 0x01  # one bit of the cipher text flipped
    with pytest.raises(totp.SealError):
        totp.unseal(base64.urlsafe_b64encode(bytes(raw)).decode())
    app.config["MFA_ENCRYPTION_KEYS"] = [totp.new_key()]
    with pytest.raises(totp.SealError):
        totp.unseal(sealed)


# --- enrolment -----------------------------------------------------------------------------------

def test_enrolment_shows_a_qr_code_and_the_key_then_a_right_code_turns_it_on(login_as):
    client, user = login_as("startup")
    account = client.get("/account").get_data(as_text=True)
    assert "Two-step verification" in account and "Set up two-step verification" in account
    secret = start_enrolment(client)
    assert len(secret) == 32
    page = client.get("/account/mfa").get_data(as_text=True)
    assert "<svg" in page and 'class="segno"' in page  # the QR code is drawn in the page, nothing fetched
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert user.email not in svg and secret not in svg  # modules only, no text of the address
    assert "otpauth://totp/Incubator:" in page and f"secret={secret}" in page
    stored = reload(user)
    assert stored.mfa_enabled_at is None and secret not in (stored.totp_secret or "")  # sealed, not plain

    response = client.post("/account/mfa", data={"code": code(secret)})
    text = response.get_data(as_text=True)
    assert "Two-step verification is on." in text
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", text)
    assert len(set(codes)) == 10
    stored = reload(user)
    assert stored.mfa_enabled_at == T0 and stored.mfa_last_step == totp.time_step(T0)
    hashes = set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert len(hashes) == 10 and not hashes & set(codes) and not any(c.replace("-", "") in hashes for c in codes)
    # The key is never shown again once enrolment is confirmed.
    again = client.get("/account/mfa", follow_redirects=True).get_data(as_text=True)
    assert secret not in again and "Two-step verification is already on." in again
    assert "Recovery codes left: 10 of 10." in client.get("/account").get_data(as_text=True)
    assert actions(user)[-2:] == ["mfa_enrolment_started", "mfa_enabled"]


def test_a_wrong_code_at_enrolment_turns_nothing_on(login_as):
    client, user = login_as("reviewer")
    secret = start_enrolment(client)
    wrong = str((int(code(secret)) + 1) % 1_000_000).zfill(6)
    for typed in (wrong, "abc", code(secret, 90)):  # wrong, not a number, from three steps later
        response = client.post("/account/mfa", data={"code": typed})
        text = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "This code is not correct. Enter the 6-digit code your app shows now." in text
        assert f'value="{typed}"' in text  # what was typed stays
    assert reload(user).mfa_enabled_at is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    empty = client.post("/account/mfa", data={"code": ""}).get_data(as_text=True)
    assert "This field is required." in empty


def test_a_set_up_left_half_way_is_continued_with_the_same_key(login_as):
    client, _ = login_as("manager")
    secret = start_enrolment(client)
    account = client.get("/account").get_data(as_text=True)
    assert "Continue set-up" in account and 'href="/account/mfa"' in account
    assert secret in client.get("/account/mfa").get_data(as_text=True).replace(" ", "")


def test_starting_over_makes_a_new_key_and_the_old_one_stops_working(login_as):
    client, user = login_as("partner")
    first = start_enrolment(client)
    second = start_enrolment(client)
    assert first != second
    assert "not correct" in client.post("/account/mfa", data={"code": code(first)}).get_data(as_text=True)
    assert "Two-step verification is on." in client.post("/account/mfa", data={"code": code(second)}).get_data(
        as_text=True)


# --- logging in ----------------------------------------------------------------------------------

def test_login_with_mfa_asks_for_a_code_before_logging_in(app, enrolled, log_lines):
    user, secret, _ = enrolled
    client = english(app)
    response = password_step(client, user)
    assert response.status_code == 302 and response.headers["Location"] == "/login/verify"
    assert client.get("/home").status_code == 302  # not logged in yet
    pending_row = db.session.scalar(select(UserSession).where(UserSession.data.contains("mfa_pending")))
    assert pending_row is not None and pending_row.user_id is None
    pending_id = pending_row.id
    old_cookie = client.get_cookie("incubator_session").value

    page = client.get("/login/verify").get_data(as_text=True)
    assert "Enter the code from your authenticator app" in page
    done = client.post("/login/verify", data={"code": code(secret, 60)})
    assert done.status_code == 302 and done.headers["Location"] == "/home"
    assert client.get("/home").status_code == 200
    assert client.get_cookie("incubator_session").value != old_cookie  # a new session identifier
    db.session.expire_all()
    assert db.session.get(UserSession, pending_id) is None
    assert reload(user).last_login_at == T0 + timedelta(seconds=60)
    assert actions(user)[-2:] == ["login_password_accepted", "login_success"]
    events = [line["event"] for line in log_lines() if "event" in line]
    assert "mfa_challenge" in events and events[-1] == "login"
    assert secret not in json.dumps(log_lines()) and code(secret, 60) not in json.dumps(log_lines())


def test_login_keeps_the_page_asked_for_through_the_second_step(app, enrolled):
    user, secret, _ = enrolled
    client = english(app)
    client.post("/login?next=/account", data={"email": user.email, "password": PASSWORD})
    assert client.post("/login/verify", data={"code": code(secret, 60)}).headers["Location"] == "/account"


def test_a_code_is_not_accepted_twice_in_its_time_step(app, enrolled):
    user, secret, _ = enrolled
    first = english(app)
    password_step(first, user)
    assert first.post("/login/verify", data={"code": code(secret, 60)}).status_code == 302
    second = english(app)
    password_step(second, user)
    replay = second.post("/login/verify", data={"code": code(secret, 60)})
    assert replay.status_code == 200 and WRONG in replay.get_data(as_text=True)
    # An older code (the previous step, still inside the window) is refused too once a newer one was used.
    assert WRONG in second.post("/login/verify", data={"code": code(secret, 30)}).get_data(as_text=True)
    at(90)
    assert second.post("/login/verify", data={"code": code(secret, 90)}).status_code == 302


def test_a_recovery_code_logs_in_once(app, enrolled):
    user, _, codes = enrolled
    client = english(app)
    password_step(client, user)
    response = client.post("/login/verify", data={"code": codes[3].upper().replace("-", " ")}, follow_redirects=True)
    assert "You used a recovery code; 9 are left." in response.get_data(as_text=True)
    used = db.session.scalars(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))).all()
    assert len(used) == 1 and used[0].used_at == T0 + timedelta(seconds=60)
    client.post("/logout")

    again = english(app)
    password_step(again, user)
    assert WRONG in again.post("/login/verify", data={"code": codes[3]}).get_data(as_text=True)
    assert again.get("/home").status_code == 302
    assert "mfa_recovery_code_used" in actions(user)


def test_the_pending_step_expires_after_five_minutes(app, enrolled):
    user, secret, _ = enrolled
    client = english(app)
    password_step(client, user)
    at(60 + 5 * 60 + 1)
    response = client.post("/login/verify", data={"code": code(secret, 60 + 5 * 60 + 1)}, follow_redirects=True)
    assert "Your login has expired. Please log in again." in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_the_second_step_cannot_be_reached_without_the_password(client):
    response = client.get("/login/verify")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.post("/login/verify", data={"code": "123456"}).headers["Location"] == "/login"


def test_wrong_codes_count_toward_the_login_lock(app, enrolled):
    user, secret, _ = enrolled
    client = english(app)
    password_step(client, user)
    for _ in range(2):
        assert WRONG in client.post("/login/verify", data={"code": "000000"}).get_data(as_text=True)
    locked = client.post("/login/verify", data={"code": "000000"}, follow_redirects=True)
    assert "Too many failed attempts. Try again in 15 minutes." in locked.get_data(as_text=True)
    # The lock is the login's own: even the right password and code are refused now.
    relogin = password_step(english(app), user)
    assert relogin.status_code == 200 and "Too many failed attempts." in relogin.get_data(as_text=True)
    assert actions(user).count("mfa_failure") == 3 and "login_lockout" in actions(user)
    at(60 + 16 * 60)
    fresh = english(app)
    assert password_step(fresh, user).headers["Location"] == "/login/verify"
    assert fresh.post("/login/verify", data={"code": code(secret, 60 + 16 * 60)}).status_code == 302


def test_a_stale_copy_of_the_user_cannot_accept_the_same_code_twice(app, enrolled):
    """Two requests racing with one code: the step is claimed by one conditional UPDATE in the database."""
    from sqlalchemy.orm.attributes import set_committed_value

    from incubator.auth import mfa

    user, secret, _ = enrolled
    assert mfa.verify_second_factor(user, code(secret, 60)) == "totp"
    set_committed_value(user, "mfa_last_step", None)  # as another request read it before the first wrote
    assert mfa.verify_second_factor(user, code(secret, 60)) is None
    db.session.rollback()


def test_a_secret_whose_key_was_dropped_is_refused_not_an_error(app, enrolled):
    user, secret, _ = enrolled
    app.config["MFA_ENCRYPTION_KEYS"] = [totp.new_key()]
    client = english(app)
    password_step(client, user)
    response = client.post("/login/verify", data={"code": code(secret, 60)})
    assert response.status_code == 200 and WRONG in response.get_data(as_text=True)


def test_a_right_password_does_not_clear_the_failures_of_wrong_codes(app, enrolled):
    """Otherwise whoever knows the password could try codes for ever, re-entering it every few tries."""
    user, _, _ = enrolled
    client = english(app)
    for _ in range(3):
        password_step(client, user)
        client.post("/login/verify", data={"code": "000000"})
    assert db.session.scalar(select(LoginThrottle)).locked_until is not None


# --- account actions -----------------------------------------------------------------------------

def logged_in(app, user, secret, seconds=60):
    client = english(app)
    password_step(client, user)
    assert client.post("/login/verify", data={"code": code(secret, seconds)}).status_code == 302
    return client


def test_new_recovery_codes_with_the_password_void_the_old_set(app, enrolled):
    user, secret, old_codes = enrolled
    client = logged_in(app, user, secret)
    refused = client.post("/account/mfa/recovery-codes", data={"proof": "not-my-password"}, follow_redirects=True)
    assert "Neither your password nor a current code" in refused.get_data(as_text=True)
    response = client.post("/account/mfa/recovery-codes", data={"proof": PASSWORD})
    new_codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", response.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert "Your previous recovery codes no longer work." in response.get_data(as_text=True)
    client.post("/logout")
    other = english(app)
    password_step(other, user)
    assert WRONG in other.post("/login/verify", data={"code": old_codes[0]}).get_data(as_text=True)
    assert other.post("/login/verify", data={"code": new_codes[0]}).status_code == 302
    assert "mfa_recovery_codes_renewed" in actions(user)


def test_new_recovery_codes_with_a_current_code(app, enrolled):
    user, secret, _ = enrolled
    client = logged_in(app, user, secret)
    at(120)
    response = client.post("/account/mfa/recovery-codes", data={"proof": code(secret, 120)})
    assert len(re.findall(r"<li>[a-z2-9]{5}-[a-z2-9]{5}</li>", response.get_data(as_text=True))) == 10


def test_turning_mfa_off_needs_the_password_and_a_current_code(app, enrolled):
    user, secret, _ = enrolled
    client = logged_in(app, user, secret)
    at(120)
    no_password = client.post("/account/mfa/disable", data={"password": "nope-nope-nope", "code": code(secret, 120)},
                              follow_redirects=True)
    assert "The password is not correct: two-step verification stays on." in no_password.get_data(as_text=True)
    no_code = client.post("/account/mfa/disable", data={"password": PASSWORD, "code": "000000"},
                          follow_redirects=True)
    assert "The code is not correct: two-step verification stays on." in no_code.get_data(as_text=True)
    assert reload(user).mfa_enabled
    off = client.post("/account/mfa/disable", data={"password": PASSWORD, "code": code(secret, 120)},
                      follow_redirects=True)
    assert "Two-step verification is off." in off.get_data(as_text=True)
    stored = reload(user)
    assert stored.mfa_enabled_at is None and stored.totp_secret is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert actions(user)[-1] == "mfa_disabled"
    client.post("/logout")
    assert password_step(english(app), user).headers["Location"] == "/home"  # the password alone again


# --- REQUIRE_ADMIN_MFA ---------------------------------------------------------------------------

@pytest.mark.parametrize("config_overrides", [{"REQUIRE_ADMIN_MFA": True}])
def test_an_admin_without_mfa_reaches_only_enrolment_logout_and_language(app, login_as, make_user):
    admin, user = login_as("admin")
    for path in ("/home", "/admin/users", "/account", f"/admin/users/{user.id}"):
        response = admin.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/mfa", path
    assert admin.post("/admin/users/new", data={}).headers["Location"] == "/account/mfa"
    page = admin.get("/account/mfa").get_data(as_text=True)
    assert "Administrators must use two-step verification." in page
    assert admin.post("/language/en", data={"next": "/account/mfa"}).headers["Location"] == "/account/mfa"
    secret = start_enrolment(admin)
    assert "Two-step verification is on." in admin.post("/account/mfa", data={"code": code(secret)}).get_data(
        as_text=True)
    assert admin.get("/admin/users").status_code == 200
    # Other roles are not asked; logout stays open.
    manager, _ = login_as("manager")
    assert manager.get("/home").status_code == 200
    other_admin, _ = login_as("admin")
    assert other_admin.post("/logout").headers["Location"] == "/login"


def test_without_the_setting_an_admin_needs_no_mfa(login_as):
    admin, _ = login_as("admin")
    assert admin.get("/admin/users").status_code == 200


def test_production_requires_admin_mfa_and_development_and_tests_do_not():
    from incubator.config import DefaultConfig, ProductionConfig, TestingConfig

    assert ProductionConfig.REQUIRE_ADMIN_MFA is True
    assert DefaultConfig.REQUIRE_ADMIN_MFA is False and TestingConfig.REQUIRE_ADMIN_MFA is False


# --- an administrator's reset --------------------------------------------------------------------

def test_an_admin_reset_turns_mfa_off_ends_sessions_and_tells_the_user(app, enrolled, login_as, log_lines):
    user, secret, _ = enrolled
    user_client = logged_in(app, user, secret)
    assert user_client.get("/account").status_code == 200
    admin, admin_user = login_as("admin")
    listing = page_text(admin.get("/admin/users"))
    assert "Two-step" in listing
    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Reset two-step verification" in page and "recovery codes left: 10" in page
    response = admin.post(f"/admin/users/{user.id}/mfa/reset", follow_redirects=True)
    # Two sessions: the one of the enrolment and the one logged in with a code.
    assert "Two-step verification has been reset; 2 sessions have ended" in response.get_data(as_text=True)

    stored = reload(user)
    assert stored.mfa_enabled_at is None and stored.totp_secret is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert user_client.get("/account").status_code == 302  # the user's session has ended
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mfa_reset"))
    assert event.actor_id == admin_user.id and event.entity_id == str(user.id)
    assert event.after == {"mfa_enabled": False, "sessions_ended": 2}
    notice = db.session.scalar(select(Notification).where(Notification.user_id == user.id))
    assert notice.subject == "Two-step verification was reset on your account"
    assert [line["user_id"] for line in log_lines() if line.get("event") == "mfa_reset"] == [user.id]
    # The user logs in with the password alone and may set it up again.
    assert password_step(english(app), user).headers["Location"] == "/home"


def test_the_reset_needs_an_admin_and_an_existing_user(app, enrolled, login_as):
    user, _, _ = enrolled
    manager, _ = login_as("manager")
    assert manager.post(f"/admin/users/{user.id}/mfa/reset").status_code == 403
    admin, admin_user = login_as("admin")
    assert admin.post("/admin/users/99999/mfa/reset").status_code == 404
    assert reload(user).mfa_enabled
    refused = admin.post(f"/admin/users/{admin_user.id}/mfa/reset", follow_redirects=True)
    assert "Turn your own two-step verification off on your account page." in refused.get_data(as_text=True)


def test_every_mfa_change_is_audited_without_secrets_or_codes(app, enrolled):
    user, secret, codes = enrolled
    client = logged_in(app, user, secret)
    client.post("/account/mfa/recovery-codes", data={"proof": PASSWORD})
    everything = json.dumps([(e.action, e.before, e.after) for e in db.session.scalars(select(AuditEvent))])
    assert secret not in everything and not any(c in everything for c in codes)
    assert {"mfa_enrolment_started", "mfa_enabled", "login_password_accepted", "login_success",
            "mfa_recovery_codes_renewed"} <= set(actions(user))


def test_the_mfa_pages_are_in_chinese_for_a_chinese_reader(app, enrolled):
    user, _, _ = enrolled
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    password_step(client, user)
    page = client.get("/login/verify").get_data(as_text=True)
    assert "两步验证" in page and "Two-step verification" not in page
