"""In a real browser: an admin records an order-based training agreement with a cohort and a tech-transfer
deal; the partner contact of the university reports the cohort's figures; the institution page shows them."""
from __future__ import annotations

import pytest

from incubator.extensions import db
from incubator.organisations.credit_code import make as make_credit_code

from .. import factories
from .journeys import log_in, open_from_menu

pytestmark = pytest.mark.browser


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
    open_from_menu(page, "Agreements")
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
    assert "12.50" in page.inner_text("#contract-value")

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
    open_from_menu(page, "Institutions")
    page.click("text=南京浏览器大学")
    assert page.inner_text("#sum-agreements") == "1"
    assert page.inner_text("#sum-trained") == "38 / 40"
    assert page.inner_text("#sum-hired") == "25"
    assert "ZH-WEB-001" in page.inner_text("#institution-deals")
    assert "HZ-WEB-001" in page.inner_text("#institution-agreements")
    assert "30.00" in page.inner_text("#sum-deals")


def test_manager_records_an_agreement_of_their_platform_with_a_cohort_and_a_deal(live_server, page, make_user):
    from datetime import date

    from incubator.platforms.models import platform_managers

    university = factories.organisation(kind="institute", name="江苏浏览器研究院",
                                        code=make_credit_code("12329988000000002"))
    hub = factories.platform(code="WEB-INC", name="浏览器孵化器")
    elsewhere = factories.platform(code="WEB-OTHER", name="别人的众创空间")
    tenant = factories.organisation(kind="startup", name="在孵浏览器公司")
    factories.incubation(tenant, hub, date(2025, 1, 1))
    outsider = factories.organisation(kind="startup", name="园外公司")
    manager = make_user("manager", email="manager@journey.cn")
    db.session.execute(platform_managers.insert().values(platform_id=hub.id, user_id=manager.id))
    elsewhere_name, outsider_name = elsewhere.name, outsider.name
    db.session.commit()
    db.session.close()  # hold no transaction: the live server writes to the same database
    base = live_server.url

    log_in(page, base, "manager@journey.cn")
    page.goto(f"{base}/partnerships/new")
    platforms = page.locator("#platform_id option").all_inner_texts()
    assert any("浏览器孵化器" in text for text in platforms)
    assert not any(elsewhere_name in text for text in platforms)
    assert outsider_name not in " ".join(page.locator("#company_id option").all_inner_texts())
    page.fill("#reference", "HZ-MGR-001")
    page.fill("#title", "孵化器订单班")
    page.select_option("#partner_id", label="江苏浏览器研究院")
    page.select_option("#kind", "talent_training")
    page.fill("#starts_on", "2025-09-01")
    # The zone itself is not a manager's to sign for: a clear message, the input kept.
    page.click("#submit")
    page.wait_for_selector("text=As a platform manager")
    assert page.input_value("#title") == "孵化器订单班"
    page.select_option("#platform_id", label="WEB-INC 浏览器孵化器")
    page.click("#submit")
    page.wait_for_selector("text=Agreement HZ-MGR-001 recorded.")

    page.click("#new-cohort")
    page.fill("#cohort_year", "2025")
    page.fill("#enrolled", "20")
    page.fill("#completed", "18")
    page.fill("#hired_in_zone", "6")
    page.fill("#completed_on", "2026-06-30")
    page.click("#submit")
    page.wait_for_selector("text=Cohort 2025 recorded.")

    page.goto(f"{base}/partnerships/deals/new")
    recipients = " ".join(page.locator("#recipient_id option").all_inner_texts())
    assert "在孵浏览器公司" in recipients and outsider_name not in recipients
    page.fill("#reference", "ZH-MGR-001")
    page.fill("#title", "孵化器成果许可")
    page.select_option("#kind", "patent_assignment")
    page.select_option("#source_id", label="江苏浏览器研究院")
    page.select_option("#recipient_id", label="在孵浏览器公司")
    page.fill("#deal_date", "2026-02-01")
    page.fill("#value", "8.5")
    page.click("#submit")
    page.wait_for_selector("text=Deal ZH-MGR-001 recorded.")

    page.goto(f"{base}/partnerships/institutions")
    page.click("text=江苏浏览器研究院")
    assert page.inner_text("#sum-hired") == "6"
    assert "ZH-MGR-001" in page.inner_text("#institution-deals")
