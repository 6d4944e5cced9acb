"""Server-side sessions: a new identifier at login, and logout, disabling, a password change, an
administrator and the idle and absolute lifetimes all end sessions on the server."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from incubator import clock
from incubator.auth.models import User, UserSession
from incubator.extensions import db

from ..conftest import PASSWORD, AuthActions

COOKIE = "incubator_session"


def cookie_of(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def replay(app, token: str):
    """A fresh browser that presents a stolen or old cookie."""
    other = app.test_client()
    other.set_cookie(COOKIE, token)
    return other


def is_logged_in(client) -> bool:
    return client.get("/home").status_code == 200


def sessions_of(user) -> int:
    return db.session.scalar(select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id))


def test_session_identifier_changes_at_login(app, client, auth, make_user):
    user = make_user("manager")
    client.post("/language/en")  # an anonymous session with a cookie
    before = cookie_of(client)
    assert before
    auth.login(user)
    after = cookie_of(client)
    assert after and after != before
    assert not is_logged_in(replay(app, before))  # the pre-login identifier is worth nothing
    assert is_logged_in(replay(app, after))


def test_only_a_hash_of_the_cookie_is_stored(client, auth, make_user):
    import hashlib

    auth.login(make_user("manager"))
    token = cookie_of(client)
    ids = db.session.scalars(select(UserSession.id)).all()
    assert token not in ids
    assert hashlib.sha256(token.encode()).hexdigest() in ids


def test_logout_ends_the_session_on_the_server(app, client, auth, make_user):
    user = make_user("manager")
    auth.login(user)
    token = cookie_of(client)
    response = auth.logout()
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert sessions_of(user) == 0
    assert not is_logged_in(replay(app, token))
    assert not is_logged_in(client)


def test_logout_needs_a_post(client, auth, make_user):
    auth.login(make_user("manager"))
    assert client.get("/logout").status_code == 405
    assert is_logged_in(client)


def test_disabling_a_user_ends_their_sessions(app, login_as, make_user):
    admin, _ = login_as("admin")
    founder = make_user("startup")
    founder_client = app.test_client()
    AuthActions(founder_client).login(founder)
    assert is_logged_in(founder_client)
    response = admin.post(f"/admin/users/{founder.id}/enabled")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, founder.id).is_enabled is False
    assert sessions_of(founder) == 0
    assert not is_logged_in(founder_client)
    assert AuthActions(founder_client).login(founder).status_code == 200  # refused


def test_password_change_ends_other_sessions_but_keeps_the_current_one(app, make_user):
    user = make_user("startup")
    here, elsewhere = app.test_client(), app.test_client()
    AuthActions(here).login(user)
    AuthActions(elsewhere).login(user)
    elsewhere_token = cookie_of(elsewhere)
    response = here.post("/account/password", data={
        "current_password": PASSWORD, "password": "a-new-long-password", "confirm": "a-new-long-password"})
    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    assert not is_logged_in(replay(app, elsewhere_token))
    assert sessions_of(user) == 1
    fresh = app.test_client()
    assert AuthActions(fresh).login(user, "a-new-long-password").status_code == 302


def test_password_change_with_a_wrong_current_password_changes_nothing(app, make_user):
    user = make_user("startup")
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    AuthActions(client).login(user)
    old_hash = user.password_hash
    response = client.post("/account/password", data={
        "current_password": "not-it-at-all", "password": "a-new-long-password", "confirm": "a-new-long-password"})
    assert response.status_code == 200
    assert "The current password is not correct." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == old_hash


def test_a_user_can_end_their_other_sessions(app, make_user):
    user = make_user("partner")
    here, elsewhere = app.test_client(), app.test_client()
    AuthActions(here).login(user)
    AuthActions(elsewhere).login(user)
    assert here.post("/account/sessions/end-others").status_code == 302
    assert is_logged_in(here) and not is_logged_in(elsewhere)


def test_admin_ends_all_sessions_of_a_user(app, login_as, make_user):
    admin, _ = login_as("admin")
    user = make_user("reviewer")
    browsers = [app.test_client() for _ in range(2)]
    for browser in browsers:
        AuthActions(browser).login(user)
    assert sessions_of(user) == 2
    assert admin.post(f"/admin/users/{user.id}/sessions/end").status_code == 302
    assert sessions_of(user) == 0
    assert not any(is_logged_in(browser) for browser in browsers)
    assert is_logged_in(admin)


def test_changing_a_role_ends_the_sessions_of_that_user(app, login_as, make_user):
    admin, _ = login_as("admin")
    user = make_user("reviewer")
    browser = app.test_client()
    AuthActions(browser).login(user)
    admin.post(f"/admin/users/{user.id}", data={"name": user.name, "role": "partner", "locale": "en"})
    assert not is_logged_in(browser)


@pytest.fixture
def config_overrides():
    return {"SESSION_IDLE_MINUTES": 30, "SESSION_ABSOLUTE_HOURS": 2}


def test_an_idle_session_expires_and_activity_keeps_it_alive(client, auth, make_user):
    start = datetime(2026, 6, 1, 9, 0)
    clock.freeze(start)
    auth.login(make_user("manager"))
    clock.freeze(start + timedelta(minutes=25))
    assert is_logged_in(client)  # activity renews the idle limit
    clock.freeze(start + timedelta(minutes=50))
    assert is_logged_in(client)  # 25 minutes since the last request
    clock.freeze(start + timedelta(minutes=81))
    assert not is_logged_in(client)  # 31 minutes idle


def test_a_session_ends_at_its_absolute_lifetime_despite_activity(client, auth, make_user):
    start = datetime(2026, 6, 1, 9, 0)
    clock.freeze(start)
    auth.login(make_user("manager"))
    for minutes in (25, 50, 75, 100, 119):
        clock.freeze(start + timedelta(minutes=minutes))
        assert is_logged_in(client), minutes
    clock.freeze(start + timedelta(minutes=121))
    assert not is_logged_in(client)


def test_expired_sessions_are_purged_at_the_next_login(app, make_user):
    start = datetime(2026, 6, 1, 9, 0)
    clock.freeze(start)
    user = make_user("manager")
    AuthActions(app.test_client()).login(user)
    clock.freeze(start + timedelta(hours=3))
    AuthActions(app.test_client()).login(user)
    assert sessions_of(user) == 1


def test_a_session_is_shared_by_every_server_process(app, database_url, tmp_path, make_user):
    """Two app instances (two gunicorn workers) on one database agree about the session."""
    from incubator import create_app

    from ..conftest import base_config

    user = make_user("manager")
    client = app.test_client()
    AuthActions(client).login(user)
    other_app = create_app(base_config(database_url, tmp_path))
    other_worker = other_app.test_client()
    other_worker.set_cookie(COOKIE, cookie_of(client))
    try:
        assert other_worker.get("/home").status_code == 200
        client.post("/logout")
        assert other_worker.get("/home").status_code == 302
    finally:
        with other_app.app_context():
            db.engine.dispose()


def test_after_logout_the_login_page_keeps_the_users_language(app, make_user):
    client = app.test_client()
    AuthActions(client).login(make_user("manager", locale="zh"))
    response = client.post("/logout", follow_redirects=True, headers={"Accept-Language": "en"})
    assert '<html lang="zh-CN">' in response.get_data(as_text=True)
