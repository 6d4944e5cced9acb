"""The picture test: every role's home, a list, a record and a dashboard, in both languages, on a laptop
(1366×768) and a phone (390×844). Each page is saved under ``test-artifacts/screens/`` for a person to
look at, and checked for what a person would stumble over first: a page that scrolls sideways, and a
user menu or language switch (on the phone: the menu toggle) outside the screen.

One live server, one seeded demo zone (a tenth of it) and one browser context serve every picture.
"""
from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from incubator import clock
from incubator.extensions import db
from incubator.seed import run_seeders

from ..conftest import ROOT

pytestmark = pytest.mark.browser

SCREENS = ROOT / "test-artifacts" / "screens"
PASSWORD = "picture-test-pass"
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}
# The three pictures README shows, in Chinese at 1366×768 (the screen, not the whole page): (role, page name)
# -> file name. Every run writes them to test-artifacts/screens/readme/; `make screens` copies them into
# docs/screens/, so that an ordinary run never changes committed files.
DOC_PICTURES = {("admin", "dashboard"): "admin-dashboard-zh.png", ("startup", "record"): "founder-report-zh.png",
                ("manager", "record"): "manager-calendar-zh.png"}
README_SCREENS = SCREENS / "readme"


def _pages(server_app) -> dict[str, tuple[str, dict[str, str]]]:
    """Each demo account's pages: role -> (email, {name: path}), ids looked up in the seeded zone."""
    from incubator.auth.models import User
    from incubator.bookings.models import BookableResource
    from incubator.organisations.models import Organisation
    from incubator.partnerships.models import Partnership
    from incubator.startups import services as startups
    from incubator.startups.models import ReviewAssignment

    with server_app.app_context():
        founder = db.session.scalar(select(User).where(User.email == "founder@demo.zone"))
        reviewer = db.session.scalar(select(User).where(User.email == "reviewer@demo.zone"))
        organisation = db.session.scalar(select(Organisation.id).order_by(Organisation.id))
        manager = db.session.scalar(select(User).where(User.email == "manager@demo.zone"))
        # A resource of the manager's own platforms: its calendar shows the form to book a slot for a company.
        resource = db.session.scalar(select(BookableResource.id).where(
            BookableResource.platform_id.in_([p.id for p in manager.managed_platforms]), BookableResource.status == "available")
            .order_by(BookableResource.id)) or db.session.scalar(select(BookableResource.id).order_by(BookableResource.id))
        # Its next open day, so the calendar shows free slots to click rather than a day already past.
        weekdays = db.session.get(BookableResource, resource).weekdays
        open_day = next(day for day in (clock.today() + timedelta(days=n) for n in range(1, 8))
                        if day.isoweekday() in weekdays)
        agreement = db.session.scalar(select(Partnership.id).order_by(Partnership.id))
        assignment = db.session.scalar(select(ReviewAssignment.id).where(ReviewAssignment.reviewer_id == reviewer.id)
                                       .order_by(ReviewAssignment.id))
        period = str(startups.due_period())
        return {
            "admin": ("admin@demo.zone", {"home": "/home", "list": "/organisations",
                                          "record": f"/organisations/{organisation}",
                                          "dashboard": "/outcomes/dashboard"}),
            "manager": ("manager@demo.zone", {"home": "/home", "list": "/applications",
                                              "record": f"/bookings/resources/{resource}?day={open_day.isoformat()}",
                                              "dashboard": "/outcomes/dashboard"}),
            "reviewer": ("reviewer@demo.zone", {"home": "/home", "list": "/reviews",
                                                "record": f"/reviews/{assignment}" if assignment else "/bookings/"}),
            "startup": ("founder@demo.zone", {"home": "/home", "list": "/reports", "record": f"/reports/{period}",
                                              "dashboard": f"/outcomes/companies/{founder.organisation_id}"}),
            "partner": ("partner@demo.zone", {"home": "/home", "list": "/partnerships/",
                                              "record": f"/partnerships/{agreement}"}),
        }


# The outermost elements reaching past the window's right edge, named as a person finds them in the page.
WIDE_ELEMENTS = """() => {
  const wide = [...document.querySelectorAll("body *")].filter((el) => el.getBoundingClientRect().right > innerWidth + 1);
  return wide.filter((el) => !wide.includes(el.parentElement)).slice(0, 3)
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : ""));
}"""


def _visible(page, selector: str, width: int, height: int) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["x"] >= 0 and box["y"] >= 0 and \
        box["x"] + box["width"] <= width and box["y"] + box["height"] <= height


def _log_in(page, base: str, email: str, language: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.click(f"button[data-lang={language}]")  # picked on the login page: it wins over the stored choice
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(f"{base}/home")


@pytest.mark.slow
def test_every_role_sees_pages_that_fit_the_screen(live_server, browser):
    live_server.config["DEMO_PASSWORD"] = PASSWORD
    with live_server.app_context():
        run_seeders(2026, scale=0.1)
        db.session.commit()
    pages = _pages(live_server)
    if SCREENS.exists():
        shutil.rmtree(SCREENS)
    README_SCREENS.mkdir(parents=True)
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    try:
        for role, (email, paths) in pages.items():
            for language in ("zh", "en"):
                page.set_viewport_size({"width": 1366, "height": 768})
                _log_in(page, live_server.url, email, language)
                assert page.locator("html").get_attribute("lang") == ("zh-CN" if language == "zh" else "en")
                for size, (width, height) in SIZES.items():
                    page.set_viewport_size({"width": width, "height": height})
                    for name, path in paths.items():
                        response = page.goto(f"{live_server.url}{path}")
                        where = f"{role} {language} {size} {name} {path}"
                        if response is None or response.status != 200:
                            problems.append(f"{where}: status {response and response.status}")
                            continue
                        shot = SCREENS / f"{role}-{name}-{language}-{size}.png"
                        page.screenshot(path=str(shot), full_page=True)
                        if language == "zh" and size == "laptop" and (role, name) in DOC_PICTURES:
                            page.screenshot(path=str(README_SCREENS / DOC_PICTURES[role, name]))
                        scroll_width, inner_width = page.evaluate(
                            "[document.documentElement.scrollWidth, window.innerWidth]")
                        if scroll_width > inner_width:
                            problems.append(f"{where}: {scroll_width} px wide in a {inner_width} px window, "
                                            f"past the edge: {', '.join(page.evaluate(WIDE_ELEMENTS))}")
                        needed = ["#user-menu", "#language-switch"] + (["#menu-toggle"] if size == "phone" else [])
                        for selector in needed:
                            if not _visible(page, selector, width, height):
                                problems.append(f"{where}: {selector} is not on the screen")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
