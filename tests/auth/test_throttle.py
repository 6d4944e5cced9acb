"""Issue 15, holes 5 and 8: the login throttle slows the attacker, not everyone, and also guards the
password checks of a logged-in session.

The suite sets ``LOGIN_FAILURE_DELAY_SECONDS`` to 0; these tests switch it on. The delay is a wait worked
out from the stored time of the last failure (an attempt that comes too soon is refused unchecked), and the
slow password hash is compared with no transaction open, so parallel failed logins never hold SQLite's
write lock. No test measures wall-clock time: they read the frozen clock, the transaction state and the
lock itself.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete

from incubator import clock
from incubator.auth import services
from incubator.auth.models import LoginThrottle, User
from incubator.extensions import db

from ..conftest import PASSWORD, AuthActions
from ..sqlite_locks import write_lock_is_free

T0 = datetime(2026, 5, 4, 1, 0, 0, tzinfo=timezone.utc)
INVALID = "Invalid e-mail address or password."
LOCKED = "Too many failed attempts."
MAX_FAILURES = 3
DELAY = 0.5


@pytest.fixture
def config_overrides():
    # A short busy timeout: a request that found the write lock held would fail within a second
    # ("database is locked") instead of waiting, so a regression shows as an error, not as slowness.
    return {"LOGIN_FAILURE_DELAY_SECONDS": DELAY, "LOGIN_MAX_FAILURES": MAX_FAILURES, "LOGIN_LOCK_MINUTES": 15,
            "SQLITE_BUSY_TIMEOUT_MS": 1000}


def at(seconds: float) -> None:
    clock.freeze(T0 + timedelta(seconds=seconds))


def text(response) -> str:
    return response.get_data(as_text=True)


def failures_of(email: str) -> int:
    db.session.expire_all()
    row = db.session.get(LoginThrottle, services._throttle_key(email))
    return row.failures if row else 0


# --- the wait after a failure --------------------------------------------------------------------

def test_an_attempt_too_soon_after_a_failure_is_refused_unchecked_and_not_counted(client, auth, make_user):
    at(0)
    user = make_user("admin")
    assert INVALID in text(auth.login(user, "wrong-password"))
    refused = auth.login(user)  # the right password, but at once
    assert "Please wait 1 second before you try again." in text(refused)
    assert client.get("/home").status_code == 302 and failures_of(user.email) == 1
    at(1)
    assert INVALID in text(auth.login(user, "wrong-password"))  # second failure: 2 × 0.5 s
    at(1.5)
    assert "Please wait 1 second" in text(auth.login(user))
    at(2)
    assert auth.login(user).headers["Location"] == "/home"
    assert failures_of(user.email) == 0


def test_the_wait_grows_with_the_failures_and_the_lock_follows(auth, make_user):
    at(0)
    user = make_user("admin")
    answers = []
    for second in (0, 1, 2, 3):  # after n failures the wait is n × 0.5 s: each attempt comes just in time
        at(second)
        answers.append(text(auth.login(user, "wrong-password")))
    assert [INVALID in a for a in answers] == [True, True, False, False]
    assert LOCKED in answers[2] and LOCKED in answers[3]


# --- no transaction, no lock, while the password is compared -------------------------------------

def _sqlite_path(app) -> str | None:
    url = db.engine.url
    return url.database if url.get_backend_name() == "sqlite" else None


@pytest.fixture
def observed_checks(app, monkeypatch):
    """Each password comparison notes whether its request had a transaction open and whether the write
    lock was free at that moment."""
    seen: list[tuple[bool, bool]] = []
    path = _sqlite_path(app)
    original = services.check_password_hash

    def observing(password_hash, password):
        seen.append((db.session().in_transaction(), write_lock_is_free(path) if path else True))
        return original(password_hash, password)

    monkeypatch.setattr(services, "check_password_hash", observing)
    return seen


@pytest.mark.parametrize("password", ["wrong-password", PASSWORD])
def test_a_login_compares_the_password_with_no_transaction_and_the_write_lock_free(app, make_user,
                                                                                   observed_checks, password):
    user = make_user("admin")
    AuthActions(app.test_client()).login(user, password)
    AuthActions(app.test_client()).login("nobody@example.cn", password)
    assert observed_checks == [(False, True), (False, True)]


def test_the_current_password_checks_run_with_no_transaction_either(app, make_user, observed_checks):
    user = make_user("manager")
    client = app.test_client()
    AuthActions(client).login(user)
    observed_checks.clear()
    client.post("/account/password", data={"current_password": "wrong-password", "password": "a-new-password-1",
                                           "confirm": "a-new-password-1"})
    assert observed_checks == [(False, True)]


def test_parallel_failed_logins_do_not_block_a_users_save_or_the_login_page(app, make_user, monkeypatch):
    """Attackers are held in the middle of their password check (the slowest step); meanwhile a logged-in
    user saves and a visitor opens the login page. Were the check inside a write transaction, SQLite's
    lock would be held and both would fail after the 1 s busy timeout."""
    at(0)
    user = make_user("manager", name="Before")
    member = app.test_client()
    AuthActions(member).login(user)
    member.get("/home")
    attackers = 4
    inside = threading.Semaphore(0)
    release = threading.Event()
    original = services.check_password_hash

    def held(password_hash, password):
        inside.release()
        assert release.wait(timeout=30), "the test never released the attackers"
        return original(password_hash, password)

    monkeypatch.setattr(services, "check_password_hash", held)
    answers: list[int] = []

    def attack(number: int):
        answers.append(app.test_client().post("/login", data={"email": f"random{number}@example.cn",
                                                              "password": "guess-guess-guess"}).status_code)

    threads = [threading.Thread(target=attack, args=(n,)) for n in range(attackers)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(attackers):
            assert inside.acquire(timeout=30), "an attacker did not reach the password check"
        saved = member.post("/account", data={"name": "After", "locale": "en"})
        login_page = app.test_client().get("/login")
        member_page = member.get("/account")
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=30)
    assert saved.status_code == 302 and login_page.status_code == 200 and member_page.status_code == 200
    assert answers == [200] * attackers
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "After"
    assert sorted(failures_of(f"random{n}@example.cn") for n in range(attackers)) == [1] * attackers


def test_parallel_failures_against_one_address_all_count(app, make_user, monkeypatch):
    """The failure count is increased under a row lock: parallel wrong guesses are never lost."""
    at(0)
    user = make_user("admin")
    start = threading.Barrier(3, timeout=30)
    original = services.check_password_hash

    def together(password_hash, password):
        start.wait()  # all three have read the count and pass the check at the same moment
        return original(password_hash, password)

    monkeypatch.setattr(services, "check_password_hash", together)
    email = user.email
    db.session.commit()  # the test's own read transaction must not hold SQLite's lock meanwhile
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(app.test_client().post(
        "/login", data={"email": email, "password": "wrong-password"}).status_code)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers == [200, 200, 200]
    db.session.expire_all()
    throttle = db.session.get(LoginThrottle, services._throttle_key(email))
    assert throttle.locked_until is not None  # the third failure locked the address


# --- hole 8: the password checks of a logged-in session ------------------------------------------

def _english(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _logged_in(app, user):
    client = _english(app)
    AuthActions(client).login(user)
    return client


def test_wrong_current_passwords_lock_the_address_and_end_the_session(app, make_user):
    user = make_user("manager")
    client = _logged_in(app, user)
    form = {"current_password": "wrong-password", "password": "a-new-password-1", "confirm": "a-new-password-1"}
    for second in range(MAX_FAILURES - 1):
        at(second * 10)
        page = client.post("/account/password", data=form)
        assert page.status_code == 200 and "The current password is not correct." in text(page)
    at(100)
    locked = client.post("/account/password", data=form)
    assert locked.headers["Location"] == "/login"
    assert client.get("/home").status_code == 302  # the session has ended
    assert LOCKED in text(AuthActions(_english(app)).login(user))  # and the right password is locked out


def test_a_current_password_check_is_refused_while_the_address_is_locked(app, make_user):
    at(0)
    user = make_user("manager")
    client = _logged_in(app, user)  # a session opened before the lock
    for second in range(MAX_FAILURES):
        at(second * 10)
        AuthActions(app.test_client()).login(user, "wrong-password")
    at(40)
    refused = client.post("/account/password", data={"current_password": PASSWORD, "password": "a-new-password-1",
                                                      "confirm": "a-new-password-1"})
    assert refused.headers["Location"] == "/login"
    db.session.expire_all()
    assert services.check_password_hash(db.session.get(User, user.id).password_hash, PASSWORD)


def test_the_password_check_of_turning_mfa_off_counts_toward_the_lock(app, make_user):
    from .test_mfa import code, enrol

    at(0)
    user = make_user("manager", email="mfa.throttle@example.cn")
    client = _logged_in(app, user)
    secret, _ = enrol(client)
    answers = []
    for attempt in range(MAX_FAILURES):
        at(60 + attempt * 10)
        answers.append(client.post("/account/mfa/disable",
                                   data={"password": "wrong-password", "code": code(secret, 60 + attempt * 10)}))
    assert [a.headers["Location"] for a in answers] == ["/account", "/account", "/login"]
    assert client.get("/home").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).mfa_enabled


def test_wrong_proofs_for_new_recovery_codes_count_toward_the_lock(app, make_user):
    from .test_mfa import enrol

    at(0)
    user = make_user("manager", email="mfa.codes@example.cn")
    client = _logged_in(app, user)
    enrol(client)
    locations = []
    for attempt in range(MAX_FAILURES):
        at(60 + attempt * 10)
        locations.append(client.post("/account/mfa/recovery-codes", data={"proof": "wrong-password"}
                                     ).headers["Location"])
    assert locations == ["/account", "/account", "/login"]


# --- property: the throttle follows its model whatever the order and timing of attempts ----------

_ATTEMPTS = st.lists(st.tuples(st.sampled_from([0, 0.5, 1, 1.5, 2, 3, 60, 15 * 60, 16 * 60]), st.booleans()),
                     min_size=1, max_size=12)


def _expected(state: dict, right: bool, now: float) -> str:
    """The throttle's rule, restated: lock, then wait, then the password."""
    if state["locked_until"] is not None and state["locked_until"] > now:
        return "locked"
    if state["failures"] and state["last"] + DELAY * min(state["failures"], 5) > now:
        return "wait"
    if right:
        state.update(failures=0, last=None, locked_until=None)
        return "ok"
    state["failures"] += 1
    state["last"] = now
    if state["failures"] >= MAX_FAILURES:
        state.update(failures=0, locked_until=now + 15 * 60)
        return "locked"
    return "invalid"


def _answer(result) -> str:
    if result.user is not None:
        return "ok"
    message = str(result.error)
    return "locked" if LOCKED in message else "wait" if "Please wait" in message else \
        "invalid" if message == INVALID else message


@pytest.fixture
def throttled_user(make_user):
    return make_user("admin", email="throttled@example.cn")


@settings(max_examples=50, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(attempts=_ATTEMPTS)
def test_property_the_throttle_follows_its_rule(app, throttled_user, attempts):
    db.session.execute(delete(LoginThrottle))
    db.session.commit()
    state = {"failures": 0, "last": None, "locked_until": None}
    now = 0.0
    with app.test_request_context("/login", method="POST", headers={"Accept-Language": "en"}):
        for advance, right in attempts:
            now += advance
            at(now)
            result = services.authenticate(throttled_user.email, PASSWORD if right else "wrong-password")
            db.session.commit()
            assert _answer(result) == _expected(state, right, now), (attempts, now)
