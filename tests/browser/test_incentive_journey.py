"""In a real browser: a founder claims an R&D subsidy, the platform's manager recommends it, an admin
approves it and records the payment; the company's ledger and the policy's export show it."""
from __future__ import annotations

import io

from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import insert

from incubator import clock
from incubator.extensions import db
from incubator.incentives.models import Policy
from incubator.platforms.models import platform_managers

from .. import factories
from .journeys import log_in

pytestmark = pytest.mark.browser


def test_founder_claims_manager_recommends_admin_approves_and_pays(live_server, page, make_user):
    clock.freeze(datetime(2026, 11, 29, 10, 0))
    incubator = factories.platform(code="P-WEB", name="浏览器孵化器")
    company = factories.organisation(name="浏览器研发有限公司")
    factories.incubation(company, incubator, date(2024, 1, 1))
    for quarter in range(1, 5):
        factories.report(company, f"2025Q{quarter}", rd_expense=250_000)  # 1,000,000 yuan in 2025
    policy = Policy(name="研发投入后补助", year=2026, kind="rd_subsidy", basis="rd_expense_last_year",
                    reference_year=2025, rate_scaled=10 * 10_000, budget=3_000_000, cap=500_000,
                    conditions=["in_zone", "reports_complete"], allocation="pro_rata", status="open",
                    minimum_basis=0)
    db.session.add(policy)
    db.session.commit()
    make_user("startup", email="founder@web.cn", organisation_id=company.id)
    manager = make_user("manager", email="manager@web.cn")
    db.session.execute(insert(platform_managers).values(platform_id=incubator.id, user_id=manager.id))
    db.session.commit()
    make_user("admin", email="admin@web.cn")
    base = live_server.url

    # The founder sees the policy, the computed amount, and claims.
    log_in(page, base, "founder@web.cn")
    page.click("text=Incentives")
    page.click("text=研发投入后补助")
    page.click("a:has-text('Claim')")
    assert "100,000" in page.content()  # 1,000,000 × 10%
    page.click("#submit")
    page.wait_for_selector("text=Your claim has been submitted.")
    assert page.get_attribute("#claim-status", "data-status") == "submitted"
    claim_url = page.url

    # The platform's manager recommends it.
    log_in(page, base, "manager@web.cn")
    page.goto(claim_url)
    page.fill("#note", "材料齐全，建议支持")
    page.click("form[action$='/recommend'] [type=submit]")
    page.wait_for_selector("text=The claim has been updated.")
    assert page.get_attribute("#claim-status", "data-status") == "recommended"

    # The admin first tries another amount without a reason, then approves the computed one and pays.
    log_in(page, base, "admin@web.cn")
    page.goto(claim_url)
    page.fill("#amount", "9")
    page.click("form[action$='/approve'] [type=submit]")
    page.wait_for_selector("text=Give a reason for approving an amount different from the computed one.")
    page.fill("#amount", "10")
    page.click("form[action$='/approve'] [type=submit]")
    page.wait_for_selector("text=The claim has been updated.")
    assert "壹拾万元整" in page.inner_text("#approved")
    page.fill("#paid_on", "2026-11-20")
    page.fill("#voucher_no", "PZ-2026-0001")
    page.click("form[action$='/payment'] [type=submit]")
    page.wait_for_selector("#payment")
    assert "PZ-2026-0001" in page.inner_text("#payment")

    # The ledger and the export show the payment.
    page.goto(f"{base}/incentives/ledger/{company.id}")
    assert "PZ-2026-0001" in page.inner_text("#ledger")
    page.goto(f"{base}/incentives/{policy.id}")
    assert "10.00" in page.inner_text("#budget-consumed")
    with page.expect_download() as download_info:
        page.click("text=Export xlsx")
    with open(download_info.value.path(), "rb") as handle:
        workbook = openpyxl.load_workbook(io.BytesIO(handle.read()))
    row = [cell.value for cell in workbook.worksheets[0][2]]
    assert row[4] == "浏览器研发有限公司" and row[6] == "paid" and row[8] == 10 and row[10] == "PZ-2026-0001"
