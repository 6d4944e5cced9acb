"""Issue 15, hole 4: after login (and the language switch) the browser only goes to a path of this site."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from incubator.redirects import local_path
from tests.conftest import PASSWORD

SITE = "https://incubator.example/some/page"


def browser_resolves_to(target: str) -> str:
    """The host a browser reaches when told ``Location: target`` on SITE (WHATWG rules, simplified:
    tabs and line breaks vanish, C0 controls and spaces are trimmed, a backslash counts as a slash)."""
    cleaned = "".join(ch for ch in target if ch not in "\t\n\r").strip("".join(chr(c) for c in range(0x21)))
    return urlsplit(urljoin(SITE, cleaned.replace("\\", "/"))).hostname or ""


HOSTILE_NEXT = [
    "/%09/evil.example/phish", "/\t/evil.example/phish", "/\n/x", "/\r/x", "/\r\n/x", "//evil.example",
    "/\\evil.example", "\\\\evil.example", "/\\/evil.example", "https://evil.example/", "javascript:alert(1)",
    " //evil.example", "\t//evil.example", "/\t\\evil.example", "///evil.example", "http:/evil.example",
    "/x\\y", "evil.example", "", "/" + "a" * 3000,
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_follows_a_target_off_the_site(client, make_user, target):
    user = make_user("admin")
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert browser_resolves_to(location) == "incubator.example"
    if "\\" in target or target.startswith(("//", "\t", " ", "/\t", "/\n", "/\r")):
        assert location == "/home"


def test_login_keeps_a_good_target_with_its_query(client, make_user):
    user = make_user("admin")
    response = client.post("/login", query_string={"next": "/admin/users?q=a&role=admin"},
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/users?q=a&role=admin"


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\\evil.example", "//evil.example", "/\n/x"])
def test_the_language_switch_never_follows_a_target_off_the_site(client, target):
    response = client.post("/language/en", data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_language_switch_returns_to_the_page_it_came_from(client):
    assert client.post("/language/en", data={"next": "/login?x=1"}).headers["Location"] == "/login?x=1"


_PIECES = st.sampled_from(["/", "//", "\\", "\t", "\n", "\r", " ", "\x00", "\x7f", ":", "@", "?", "#", "%09",
                           "%2f", "evil.example", "http", "https:", "javascript:", "..", ".", "a", "é", "\u3000"])
_TARGETS = st.one_of(st.text(max_size=40), st.lists(_PIECES, max_size=8).map("".join))


@settings(max_examples=400, deadline=None, database=None, derandomize=True)
@given(_TARGETS)
@example("/\t/evil.example")
@example("/\\evil.example")
@example("/ok/page?x=1#y")
def test_property_an_accepted_target_stays_on_the_site(target):
    path = local_path(target)
    if path is None:
        return
    assert path.startswith("/") and not path.startswith("//")
    assert not any(ch in path for ch in "\\\t\r\n")
    assert browser_resolves_to(path) == "incubator.example"
    assert local_path(path) == path  # the normalisation is stable


@settings(max_examples=40, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=_TARGETS)
def test_property_the_language_switch_answers_a_redirect_on_the_site(client, target):
    response = client.post("/language/en", data={"next": target})
    assert response.status_code == 302
    assert browser_resolves_to(response.headers["Location"]) == "incubator.example"
