"""In a real browser: log in through the form, switch the language, read Chinese, log out."""
from __future__ import annotations

import pytest

from incubator.auth.services import create_user
from incubator.extensions import db

pytestmark = pytest.mark.browser

PASSWORD = "browser-journey-pass"


def make_account(server_app, email: str, role: str = "manager", locale: str | None = "en") -> None:
    with server_app.app_context():
        create_user(email, role, PASSWORD, name="Li Ming", locale=locale)
        db.session.commit()


def test_log_in_switch_language_and_log_out(live_server, page):
    make_account(live_server, "li.ming@example.cn")
    page.goto(f"{live_server.url}/login")
    page.fill("input[name=email]", "li.ming@example.cn")
    page.fill("input[name=password]", PASSWORD)
    page.click("form input[type=submit], form button[type=submit]:not([data-lang])")
    page.wait_for_url(f"{live_server.url}/home")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#user-menu").inner_text() == "Li Ming"

    page.click("button[data-lang=zh]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "首页" in page.locator("nav").inner_text()

    page.reload()  # remembered for the user
    assert page.locator("html").get_attribute("lang") == "zh-CN"

    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_url(f"{live_server.url}/login")
    assert "登录" in page.locator("h1").inner_text()
    page.goto(f"{live_server.url}/home")
    assert page.url.startswith(f"{live_server.url}/login")


def test_a_wrong_password_shows_the_message_and_keeps_the_address(live_server, page):
    make_account(live_server, "li.ming@example.cn")
    page.goto(f"{live_server.url}/login")
    page.click("button[data-lang=en]")
    page.fill("input[name=email]", "li.ming@example.cn")
    page.fill("input[name=password]", "not-the-password")
    page.click("form input[type=submit], form button[type=submit]:not([data-lang])")
    page.wait_for_load_state()
    assert "Invalid e-mail address or password." in page.locator(".alert").inner_text()
    assert page.input_value("input[name=email]") == "li.ming@example.cn"
