"""Issue 15, hole 6: using a reset link, or any password change, voids every outstanding link of the user."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from incubator.auth.services import issue_reset_token, reset_password, set_password, valid_reset_token
from incubator.extensions import db

from ..conftest import PASSWORD, AuthActions
from .test_accounts import outbox, reset_link_from


def _request_link(app, client, address: str) -> str:
    before = len(outbox(app))
    client.post("/password/forgot", data={"email": address})
    mails = outbox(app)
    assert len(mails) == before + 1
    return reset_link_from(mails[-1])


def test_using_the_newer_link_voids_the_older_one(app, client, make_user):
    user = make_user("startup", email="real@example.cn")
    older = _request_link(app, client, "real@example.cn")
    newer = _request_link(app, client, "real@example.cn")
    assert client.post(newer, data={"password": "brand-new-password", "confirm": "brand-new-password"}
                       ).headers["Location"] == "/login"
    response = client.post(older, data={"password": "attackers-password", "confirm": "attackers-password"})
    assert response.headers["Location"] == "/password/forgot"
    assert AuthActions(app.test_client()).login(user, "attackers-password").status_code == 200
    assert AuthActions(app.test_client()).login(user, "brand-new-password").status_code == 302


def test_changing_the_password_voids_a_link_issued_before(app, client, make_user):
    user = make_user("startup", email="real@example.cn")
    link = _request_link(app, client, "real@example.cn")
    AuthActions(client).login(user)
    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                       "password": "brand-new-password",
                                                       "confirm": "brand-new-password"})
    assert response.status_code == 302
    stranger = app.test_client()
    assert stranger.get(link).headers["Location"] == "/password/forgot"
    stranger.post(link, data={"password": "attackers-password", "confirm": "attackers-password"})
    assert AuthActions(app.test_client()).login(user, "attackers-password").status_code == 200


def test_an_administrator_setting_the_password_voids_the_links(app, client, make_user, login_as):
    user = make_user("startup", email="real@example.cn")
    link = _request_link(app, client, "real@example.cn")
    admin, _ = login_as("admin")
    admin.post(f"/admin/users/{user.id}/password", data={"password": "set-by-the-office"})
    assert client.get(link).headers["Location"] == "/password/forgot"


# --- property: whatever the order of requests, uses and changes, only links issued since the last
# use or change work, and no other string ever does ------------------------------------------------

_ACTIONS = st.lists(st.one_of(
    st.just(("issue",)),
    st.tuples(st.just("use"), st.integers(min_value=0, max_value=5)),
    st.just(("change",)),
    st.tuples(st.just("forge"), st.integers(min_value=0, max_value=5),
              st.sampled_from(["cut", "upper", "append", "space", "other"])),
), min_size=1, max_size=8)


def _forged(token: str, how: str) -> str:
    return {"cut": token[:-1], "upper": token.swapcase(), "append": token + "A", "space": f" {token}",
            "other": token[::-1]}[how]


@pytest.fixture
def property_user(make_user):
    """One committed user for every example of the property (each example rolls its changes back)."""
    return make_user("startup", email="property@example.cn")


@settings(max_examples=60, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=_ACTIONS)
def test_property_only_links_issued_since_the_last_use_or_change_work(property_user, actions):
    user = property_user
    issued: list[str] = []
    live: set[str] = set()
    try:
        for action in actions:
            if action[0] == "issue":
                token = issue_reset_token(user)
                issued.append(token)
                live.add(token)
            elif action[0] == "change":
                set_password(user, "changed-password-1")
                live.clear()
            elif action[0] == "use" and issued:
                token = issued[action[1] % len(issued)]
                if token in live:
                    reset_password(token, "changed-password-2")
                    live.clear()
                else:
                    assert valid_reset_token(token) is None
            elif action[0] == "forge" and issued:
                forged = _forged(issued[action[1] % len(issued)], action[2])
                if forged not in issued:
                    assert valid_reset_token(forged) is None
            db.session.flush()
            for token in issued:
                assert (valid_reset_token(token) is not None) == (token in live), (actions, action)
    finally:
        db.session.rollback()
