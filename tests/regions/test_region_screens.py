"""The region page in both languages on a laptop (1366×768) and a phone (390×844): it fits the window and
reads the region's revenue as the zone pages do; pictures under ``test-artifacts/screens/``."""
from __future__ import annotations

from pathlib import Path

import pytest

from ..browser.journeys import PASSWORD
from ..browser.test_screens import WIDE_ELEMENTS
from .conftest import build_region

pytestmark = pytest.mark.browser

SCREENS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screens"
SIZES = {"laptop": (1366, 768), "phone": (390, 844)}
TITLE = {"zh": "江苏省 · 区域考核评价 2026Q3", "en": "Jiangsu · Region evaluation 2026Q3"}


@pytest.mark.slow
def test_the_region_page_fits_a_laptop_and_a_phone_in_both_languages(app, live_server, browser, make_user):
    build_region(app, make_user)
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
            page.fill("#email", "staff@js.cn")
            page.fill("#password", PASSWORD)
            page.click("#submit")
            page.wait_for_url(f"{base}/home")
            for size, (width, height) in SIZES.items():
                page.set_viewport_size({"width": width, "height": height})
                page.goto(f"{base}/region/2026Q3")
                where = f"region {lang} {size}"
                if page.inner_text("h1").strip() != TITLE[lang]:
                    problems.append(f"{where}: title {page.inner_text('h1')!r}")
                revenue = page.inner_text("#region-summary tr[data-indicator='REVENUE'] td[data-value='ytd']")
                if revenue.strip() != "400.00":  # 100 万 of zone A, 300 万 of zone B
                    problems.append(f"{where}: revenue {revenue!r}")
                page.screenshot(path=str(SCREENS / f"region-{lang}-{size}.png"), full_page=True)
                scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
                if scroll_width > inner_width:
                    problems.append(f"{where}: {scroll_width} px wide in a {inner_width} px window: "
                                    f"{', '.join(page.evaluate(WIDE_ELEMENTS))}")
    finally:
        context.close()
    assert not problems, problems
