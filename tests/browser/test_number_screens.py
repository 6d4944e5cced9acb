"""Pictures of the figures: the zone dashboard and the evaluation page in both languages, on a laptop
(1366×768) and a phone (390×844), saved under ``test-artifacts/screens/`` for a person to look at.

Each page must fit the window (no sideways scrolling) and read its figures as people do: achievement as a
percentage, the status in the language's one word, amounts with 2 decimals.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from incubator import clock

from ..evaluation.conftest import build_hand_zone
from .journeys import PASSWORD
from .test_screens import WIDE_ELEMENTS

pytestmark = pytest.mark.browser

SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}
PAGES = {"dashboard": "/outcomes/dashboard?period=2026Q3", "evaluation": "/evaluation/2026Q3"}
STATUS = {"zh": "进度正常", "en": "On track"}


@pytest.mark.slow
def test_dashboard_and_evaluation_read_as_people_read_figures_on_laptop_and_phone(app, live_server, browser,
                                                                                  make_user):
    clock.freeze(datetime(2026, 10, 10, 9, 0))
    build_hand_zone()
    make_user("admin", email="admin@numbers.cn")
    SCREENS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems = []
    try:
        for lang in ("zh", "en"):
            page.context.clear_cookies()
            page.goto(f"{base}/login")
            page.click(f"button[data-lang={lang}]")
            page.fill("#email", "admin@numbers.cn")
            page.fill("#password", PASSWORD)
            page.click("#submit")
            page.wait_for_url(f"{base}/home")
            for size, (width, height) in SIZES.items():
                page.set_viewport_size({"width": width, "height": height})
                for name, path in PAGES.items():
                    page.goto(f"{base}{path}")
                    where = f"{name} {lang} {size}"
                    revenue = page.inner_text("#summary-table tr[data-indicator='REVENUE']")
                    for expected in ("800.00", "80.0%", "75.0%", STATUS[lang]):
                        if expected not in revenue:
                            problems.append(f"{where}: {expected!r} not in the revenue row {revenue!r}")
                    page.screenshot(path=str(SCREENS / f"numbers-{name}-{lang}-{size}.png"), full_page=True)
                    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
                    if scroll_width > inner_width:
                        problems.append(f"{where}: {scroll_width} px wide in a {inner_width} px window, past the "
                                        f"edge: {', '.join(page.evaluate(WIDE_ELEMENTS))}")
    finally:
        context.close()
    assert not problems, problems
