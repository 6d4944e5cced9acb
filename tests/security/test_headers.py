"""Headers and cookies (ASVS V3/V14): CSP without inline script, framing refused, nosniff, referrer policy,
HSTS only over HTTPS, session cookie HttpOnly + SameSite=Lax (+ Secure in production), Vary: Cookie."""
from __future__ import annotations

import re

import pytest

from incubator.config import ProductionConfig

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def _directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize("path", ["/login", "/does-not-exist", "/healthz"])
def test_every_answer_has_the_security_headers(client, path):
    response = client.get(path)
    directives = _directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert not any("'unsafe-inline'" in values or "'unsafe-eval'" in values for values in directives.values())
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "strict-origin-when-cross-origin", "no-referrer"}
    assert "Cookie" in response.vary


def test_logged_in_pages_have_no_inline_script_or_event_handlers(login_as):
    client, _ = login_as("admin")
    for path in ["/home", "/admin/users", "/admin/audit/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html), path
        assert not EVENT_HANDLER.search(html), path
        assert "Cookie" in response.vary


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    hsts = secure.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000


def test_the_session_cookie_is_http_only_same_site_lax_and_not_secure_in_development(client, make_user):
    user = make_user("manager")
    response = client.post("/login", data={"email": user.email, "password": "correct-horse-battery"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_production_settings_make_the_session_cookie_secure():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_HTTPONLY is True
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == "Lax"


@pytest.mark.parametrize("config_overrides", [{"ENV_NAME": "production"}])
def test_in_production_the_session_cookie_is_sent_only_over_https(app, client, make_user):
    assert app.config["SESSION_COOKIE_SECURE"] is True
    user = make_user("manager")
    response = client.post("/login", data={"email": user.email, "password": "correct-horse-battery"},
                           base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
