"""In a real browser: an admin records an order-based training agreement with a cohort and a tech-transfer
deal; the partner contact of the university reports the cohort's figures; the institution page shows them."""
from __future__ import annotations

import pytest

from incubator.extensions import db
from incubator.organisations.credit_code import make as make_credit_code

from .. import factories
from ..conftest import PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(f"{base}/home")


def test_admin_records_agreement_cohort_and_deal_and_partner_reports_figures(live_server, page, make_user):
    university = factories.organisation(kind="university", name="南京浏览器大学",
                                        code=make_credit_code("12329988000000001"))
    company = factories.organisation(kind="startup", name="浏览器智造有限公司")
    db.session.commit()
    make_user("admin", email="admin@journey.cn")
    make_user("partner", email="liu@journey.cn", organisation_id=university.id)
    base = live_server.url

    # The admin records the agreement, signed by a zone company.
    log_in(page, base, "admin@journey.cn")
    page.click("text=Agreements")
    page.click("#new-agreement")
    page.fill("#reference", "HZ-WEB-001")
    page.fill("#title", "智能制造订单班培养协议")
    page.select_option("#partner_id", label="南京浏览器大学")
    page.select_option("#kind", "talent_training")
    page.select_option("#company_id", label="浏览器智造有限公司")
    page.fill("#starts_on", "2024-09-01")
    page.fill("#ends_on", "2027-08-31")
    page.fill("#contract_value", "１２.５")
    page.click("#submit")
    page.wait_for_selector("text=Agreement HZ-WEB-001 recorded.")
    assert "12.5000" in page.inner_text("#contract-value")

    # ... a training cohort under it ...
    page.click("#new-cohort")
    page.fill("#cohort_year", "2025")
    page.fill("#enrolled", "40")
    page.click("#submit")
    page.wait_for_selector("text=Cohort 2025 recorded.")
    assert "Awaiting figures" in page.inner_text("#cohorts")

    # ... and a tech-transfer deal from the same university; a wrong amount first.
    page.goto(f"{base}/partnerships/deals/new")
    page.fill("#reference", "ZH-WEB-001")
    page.fill("#title", "工业机器人视觉定位算法")
    page.select_option("#kind", "licence")
    page.select_option("#source_id", label="南京浏览器大学")
    page.select_option("#recipient_id", label="浏览器智造有限公司")
    page.fill("#deal_date", "2026-03-10")
    page.fill("#value", "-3")
    page.fill("#patents", "ZL202110123456.7")
    page.click("#submit")
    page.wait_for_selector("text=The amount may not be negative.")
    assert page.input_value("#title") == "工业机器人视觉定位算法"
    page.fill("#value", "30")
    page.click("#submit")
    page.wait_for_selector("text=Deal ZH-WEB-001 recorded.")
    assert "ZL202110123456.7" in page.inner_text("#deals")

    # The partner contact sees the cohort awaiting figures and reports them (a wrong figure first).
    log_in(page, base, "liu@journey.cn")
    panel = page.locator("#partner-panel")
    assert "HZ-WEB-001" in panel.inner_text()
    panel.locator("text=cohort 2025").click()
    page.fill("#completed", "38")
    page.fill("#hired_in_zone", "39")
    page.fill("#completed_on", "2026-07-01")
    page.click("#submit")
    page.wait_for_selector("text=Hired by zone companies (39) may not exceed completed (38).")
    page.fill("#hired_in_zone", "25")
    page.click("#submit")
    page.wait_for_selector("text=Figures of cohort 2025 saved.")
    row = page.locator("tr[data-cohort='2025']").inner_text()
    assert "38" in row and "25" in row
    # Nothing else is theirs to see.
    assert page.goto(f"{base}/partnerships/deals").status == 403

    # The institution page shows the agreement, the trained students hired and the deal.
    log_in(page, base, "admin@journey.cn")
    page.click("text=Institutions")
    page.click("text=南京浏览器大学")
    assert page.inner_text("#sum-agreements") == "1"
    assert page.inner_text("#sum-trained") == "38 / 40"
    assert page.inner_text("#sum-hired") == "25"
    assert "ZH-WEB-001" in page.inner_text("#institution-deals")
    assert "HZ-WEB-001" in page.inner_text("#institution-agreements")
    assert "30.0000" in page.inner_text("#sum-deals")
