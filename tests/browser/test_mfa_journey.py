"""In a real browser: a manager turns on two-step verification by scanning (here: reading) the key shown on
the account page and typing the app's code, keeps the recovery codes, logs out, and logs in again with
the password and a code; a wrong code is refused with a message."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from incubator import clock
from incubator.auth import totp
from incubator.auth.services import create_user
from incubator.extensions import db

pytestmark = pytest.mark.browser

PASSWORD = "browser-journey-pass"
# The live server runs in this process, so the frozen clock is the server's clock too.
T0 = datetime(2026, 5, 4, 1, 0, 0, tzinfo=timezone.utc)


def test_enrol_with_the_code_of_the_shown_key_log_out_and_log_in_with_a_code(live_server, page):
    base = live_server.url
    with live_server.app_context():
        create_user("wang.fang@example.cn", "manager", PASSWORD, name="Wang Fang", locale="en")
        db.session.commit()
    clock.freeze(T0)

    page.goto(f"{base}/login")
    page.fill("input[name=email]", "wang.fang@example.cn")
    page.fill("input[name=password]", PASSWORD)
    page.click("form input[type=submit]")
    page.wait_for_url(f"{base}/home")

    page.goto(f"{base}/account")
    page.get_by_role("button", name="Set up two-step verification").click()
    page.wait_for_url(f"{base}/account/mfa")
    assert page.locator("svg.segno").is_visible()  # the QR code, drawn by the server into the page
    secret = page.locator("#mfa-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)

    page.fill("input[name=code]", "000000" if totp.code_at(secret, T0) != "000000" else "111111")
    page.click("form input[type=submit][value='Turn on two-step verification']")
    page.wait_for_selector("text=This code is not correct.")

    page.fill("input[name=code]", totp.code_at(secret, T0))
    page.click("form input[type=submit][value='Turn on two-step verification']")
    page.wait_for_selector("text=Your recovery codes")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes)
    page.click("text=I have saved them")
    page.wait_for_url(f"{base}/account")
    assert "Recovery codes left: 10 of 10." in page.locator("#two-step").inner_text()
    assert secret not in page.content()

    page.click("#user-menu")
    page.click("#logout")
    page.wait_for_url(f"{base}/login")

    clock.freeze(T0 + timedelta(seconds=60))
    page.fill("input[name=email]", "wang.fang@example.cn")
    page.fill("input[name=password]", PASSWORD)
    page.click("form input[type=submit]")
    page.wait_for_url(f"{base}/login/verify")
    page.goto(f"{base}/home")
    assert page.url.startswith(f"{base}/login")  # not logged in before the code

    page.goto(f"{base}/login/verify")
    page.fill("input[name=code]", totp.code_at(secret, T0 + timedelta(seconds=60)))
    page.click("form input[type=submit]")
    page.wait_for_url(f"{base}/home")
    assert page.locator("#user-menu").inner_text() == "Wang Fang"
