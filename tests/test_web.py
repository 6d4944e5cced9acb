"""What every page shares: the money and date filters in the zone's time zone, headers, the menu by role."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from flask import render_template_string


@pytest.mark.parametrize("yuan, places, expected", [
    (12_345_000, 4, "1,234.5000"), (1, 4, "0.0001"), (0, 4, "0.0000"), (None, 4, ""), (12_300_000, 0, "1,230"),
    (-25_000, 2, "-2.50"), (12_355_000, 1, "1,235.5"), (-12_300_000, 0, "-1,230"), (12_345_000, None, "1,234.50"),
])
def test_wan_filter_shows_yuan_as_wan(app, yuan, places, expected):
    """Amounts that rounding leaves exact read as plain text (the hover case is in test_formatting)."""
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        template = "{{ v|wan }}" if places is None else "{{ v|wan(p) }}"
        assert render_template_string(template, v=yuan, p=places) == expected


def test_dates_and_times_are_shown_in_the_zones_time_zone(app):
    moment = datetime(2026, 3, 31, 16, 30, tzinfo=timezone.utc)  # 00:30 on 1 April in Shanghai
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        shown = render_template_string("{{ t|local_dt }}|{{ d|local_date }}|{{ n|number }}", t=moment,
                                       d=date(2026, 4, 1), n=1234567)
    assert shown == "1 Apr 2026, 00:30|1 Apr 2026|1,234,567"
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "zh"}):
        assert "2026年4月1日" in render_template_string("{{ d|local_date }}", d=date(2026, 4, 1))


def test_logged_in_pages_are_not_cached_and_vary_by_cookie_and_language(login_as, client):
    logged_in, _ = login_as("manager")
    response = logged_in.get("/home")
    assert response.headers["Cache-Control"] == "no-store"
    assert {"Cookie", "Accept-Language"} <= set(response.vary)
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")


def test_the_session_cookie_is_http_only_and_same_site(client, make_user):
    user = make_user("manager")
    response = client.post("/login", data={"email": user.email, "password": "correct-horse-battery"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("role, visible, hidden", [
    ("admin", ["/admin/users", "/admin/audit/"], []),
    ("manager", ["/home"], ["/admin/users", "/admin/audit/"]),
    ("startup", ["/home"], ["/admin/users", "/admin/audit/"]),
])
def test_the_menu_shows_what_the_role_may_open(login_as, role, visible, hidden):
    client, _ = login_as(role)
    page = client.get("/home").get_data(as_text=True)
    start = page.index('id="main-nav"')
    menu = page[start:page.index("</div>", start)]  # the grouped menu holds no <div>
    for href in visible:
        assert f'href="{href}"' in menu
    for href in hidden:
        assert f'href="{href}"' not in menu


def test_healthz_answers_ok(client):
    health = client.get("/healthz").get_json()
    assert (health["status"], health["queue"]) == ("ok", "in-process")  # the queue's fields: tests/jobs


def test_the_home_page_shows_the_panels_of_the_role(login_as):
    admin, _ = login_as("admin", locale="en")
    assert "Latest notifications" in admin.get("/home").get_data(as_text=True)
