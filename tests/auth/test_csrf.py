"""CSRF: every form post needs the token; a missing one gets a localized 400 and changes nothing."""
from __future__ import annotations

import pytest

from ..conftest import PASSWORD, csrf_token_from

@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


@pytest.mark.parametrize("language, message", [
    ("en", "This form has expired or was not sent from this site."),
    ("zh", "表单已过期或并非从本站提交"),
])
def test_a_post_without_csrf_token_is_refused_with_a_localized_400(client, make_user, language, message):
    user = make_user("admin")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                           headers={"Accept-Language": language})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302


def test_a_post_with_the_csrf_token_is_accepted(client, make_user):
    user = make_user("admin")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_csrf_protects_logged_in_actions_too(app, client, make_user):
    user = make_user("admin")
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/home").status_code == 200  # still logged in
