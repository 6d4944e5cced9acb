"""In a real browser: the manager records who is trained on a laser cutter; a trained tenant books it by
clicking free slots; a second tenant's overlapping booking is refused; the manager blocks the week for
maintenance, sees the clashing booking listed, confirms, and the tenant's booking is cancelled."""
from __future__ import annotations

from datetime import timedelta

import pytest

from incubator.auth.models import User

from incubator.bookings.models import Booking
from incubator.database import write_intent
from incubator.extensions import db

from ..bookings.conftest import MONDAY  # noqa: F401  (the world fixture comes from there)
from ..bookings.conftest import world  # noqa: F401
from ..conftest import ROOT
from .journeys import log_in

pytestmark = pytest.mark.browser
TUESDAY = MONDAY + timedelta(days=1)


def test_trained_tenant_books_instrument_second_is_refused_and_manager_blocks_the_week(live_server, page, world):
    world.instrument.requires_training = True
    db.session.commit()
    base = live_server.url
    instrument_url = f"{base}/bookings/resources/{world.instrument.id}"
    for user in (world.manager, world.founder_a, world.founder_b):
        _ = user.email, user.name
    db.session.close()
    # The test reads without taking SQLite's write lock, so the live server can write meanwhile.
    token = write_intent.set(False)
    try:
        journey(page, base, instrument_url, world)
    finally:
        write_intent.reset(token)


def count_bookings() -> int:
    try:
        return db.session.query(Booking).count()
    finally:
        db.session.close()


def journey(page, base, instrument_url, world):

    # Before any training, the tenant is refused.
    log_in(page, base, world.founder_a.email)
    page.goto(f"{instrument_url}?day={TUESDAY.isoformat()}")
    page.click("a.slot-free[data-start='10:00']")
    page.click("#book-submit")
    page.wait_for_selector("text=may only be booked by users trained on it")

    # The manager records the training of both tenants.
    log_in(page, base, world.manager.email)
    page.goto(instrument_url)
    page.click("#trainings-link")
    for user in (world.founder_a, world.founder_b):
        page.fill("#email", user.email)
        page.fill("#completed_on", (MONDAY - timedelta(days=10)).isoformat())
        page.fill("#expires_on", (MONDAY + timedelta(days=355)).isoformat())
        page.click("#submit")
        page.wait_for_selector(f"text=Training of {user.name} recorded.")
    assert world.founder_b.email in page.inner_text("#trainings")

    # The first tenant picks 10:00 and extends to 12:00 by clicking the free slots, then books.
    log_in(page, base, world.founder_a.email)
    page.goto(f"{instrument_url}?day={TUESDAY.isoformat()}")
    page.click("a.slot-free[data-start='10:00']")
    page.click("a.slot-free[data-start='11:00']")
    assert page.input_value("#start") == "10:00" and page.input_value("#end") == "12:00"
    page.fill("#purpose", "外壳样件切割")
    page.click("#book-submit")
    page.wait_for_selector("text=Booked: 激光切割机")
    assert "confirmed" in page.inner_text("#booking-status")

    # The second tenant sees the slots taken; an overlapping booking typed by hand is refused.
    log_in(page, base, world.founder_b.email)
    page.goto(f"{instrument_url}?day={TUESDAY.isoformat()}")
    assert page.locator("#calendar td.slot-taken").count() == 2
    page.fill("#day", TUESDAY.isoformat())
    page.fill("#start", "11:00")
    page.fill("#end", "13:00")
    page.click("#book-submit")
    page.wait_for_selector(".booking-error")
    assert "This time is already booked" in page.inner_text(".booking-error")
    assert page.input_value("#end") == "13:00"
    assert count_bookings() == 1

    # The manager blocks the whole week for maintenance and sees the clashing booking before confirming.
    log_in(page, base, world.manager.email)
    page.goto(f"{base}/bookings/blocks/new")
    page.check("label:has-text('激光切割机') >> xpath=preceding-sibling::input")
    page.select_option("#kind", "maintenance")
    page.fill("#title", "更换激光管")
    page.fill("#first_day", MONDAY.isoformat())
    page.fill("#last_day", (MONDAY + timedelta(days=6)).isoformat())
    assert not page.is_checked("input[name=cancel_clashing]")  # never ticked for the manager
    page.check("input[name=cancel_clashing]")
    page.click("#preview-block")
    page.wait_for_selector("#clash-list")
    clashes = page.inner_text("#clash-list")
    assert "甲公司" in clashes and "10:00–12:00" in clashes
    # Creating without the second, explicit yes cancels nothing and asks for it beside the list.
    assert not page.is_checked("#confirm_cancel")
    page.click("#confirm-block")
    page.wait_for_selector("text=Confirm that the 1 bookings listed are to be cancelled")
    assert "甲公司" in page.inner_text("#clash-list")
    assert db.session.query(Booking).one().status == "confirmed"
    db.session.close()
    page.check("#confirm_cancel")
    page.click("#confirm-block")
    page.wait_for_selector("text=7 blocks created; 1 bookings cancelled.")
    page.goto(f"{instrument_url}?view=week&day={TUESDAY.isoformat()}")
    assert page.locator("#calendar td.slot-blocked").count() == 5 * 9
    assert db.session.query(Booking).one().status == "cancelled"
    db.session.close()


SCREENS = ROOT / "test-artifacts" / "screens"


def test_manager_books_a_free_slot_for_a_company_from_the_calendar(live_server, page, world):
    """One click on a free slot fills the manager's form, the company is chosen, one click books; the pictures
    of the form (both languages, laptop and phone) are saved for a person to look at and fit the screen."""
    base = live_server.url
    instrument_url = f"{base}/bookings/resources/{world.instrument.id}"
    manager_id, manager_email = world.manager.id, world.manager.email
    company_b_id = world.company_b.id
    db.session.close()
    token = write_intent.set(False)
    try:
        log_in(page, base, manager_email)
        page.goto(f"{instrument_url}?day={TUESDAY.isoformat()}")
        page.click("a.slot-free[data-start='14:00']")
        assert (page.input_value("#day"), page.input_value("#start"), page.input_value("#end")) == \
            (TUESDAY.isoformat(), "14:00", "15:00")
        page.select_option("#organisation_id", str(company_b_id))
        page.fill("#purpose", "客户演示")
        page.click("#book-submit")
        page.wait_for_selector("text=Booked for 乙公司: 激光切割机")
        slot = page.locator("#calendar td.slot-taken")
        assert slot.count() == 1 and "乙公司" in slot.inner_text()
        booking = db.session.query(Booking).one()
        assert (booking.organisation_id, booking.user_id, booking.status) == (company_b_id, manager_id, "confirmed")
        db.session.close()
        # The next free slot keeps the company chosen: booking again is one click on the slot and one on "book".
        assert page.input_value("#organisation_id") == str(company_b_id)

        SCREENS.mkdir(parents=True, exist_ok=True)
        problems = []
        for language in ("zh", "en"):
            db.session.get(User, manager_id).locale = language
            db.session.commit()
            log_in(page, base, manager_email)
            for size, (width, height) in {"laptop": (1366, 768), "phone": (390, 844)}.items():
                page.set_viewport_size({"width": width, "height": height})
                page.goto(f"{instrument_url}?day={TUESDAY.isoformat()}&start=16:00&end=17:00"
                          f"&company={company_b_id}#book")
                page.screenshot(path=str(SCREENS / f"flows-manager-calendar-{language}-{size}.png"), full_page=True)
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                if scroll_width > width:
                    problems.append(f"{language} {size}: {scroll_width} px wide")
        page.set_viewport_size({"width": 1366, "height": 768})
        assert not problems, problems
    finally:
        write_intent.reset(token)
        db.session.close()
