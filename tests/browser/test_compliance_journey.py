"""In a real browser: a manager opens a platform's recognition gap page, then the high-tech candidates list."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from incubator import clock
from incubator.extensions import db

from .journeys import log_in, open_from_menu


@pytest.mark.browser
def test_manager_sees_the_gap_page_and_the_high_tech_candidates(app, live_server, page, make_user):
    from incubator.compliance.services import install_default_rule_sets
    from tests import factories
    from tests.compliance.conftest import build_incubator
    from tests.compliance.test_hightech import company

    clock.freeze(datetime(2026, 6, 30, 10, 0))
    install_default_rule_sets()
    manager = make_user("manager", email="manager@example.cn", name="孙经理")
    platform, _ = build_incubator(tenants=37, with_patent_applications=19, with_valid_ip=12, financed=4, code="GAP1")
    platform.managers.append(manager)
    candidate = company(name="候选科技有限公司", ip=False)  # the 38th tenant
    factories.incubation(candidate, platform, date(2024, 1, 1))
    db.session.commit()
    platform_id = platform.id
    db.session.close()  # the server thread reads and writes; this session holds no transaction meanwhile

    log_in(page, live_server.url, "manager@example.cn")

    open_from_menu(page, "Recognition")
    page.wait_for_url("**/compliance/")
    page.click("#overview >> text=GAP1")
    page.wait_for_url(f"**/compliance/platforms/{platform_id}?year=2026")
    page.fill("#year", "2025")
    page.click("button:has-text('Show')")
    page.wait_for_url(f"**/compliance/platforms/{platform_id}?year=2025")
    table = page.locator("table[data-rule-set=national_incubator_2018]")
    tenants = table.locator("tr[data-criterion=tenants]")
    assert tenants.locator("[data-value]").inner_text() == "38"
    assert tenants.locator("[data-distance]").inner_text() == "12 more tenants"
    assert tenants.locator("[data-met=no]").count() == 1
    assert table.locator("tr[data-criterion=area] [data-met=yes]").count() == 1
    specialised = page.locator("table[data-rule-set=national_incubator_2018_specialised] tr[data-criterion=tenants]")
    assert specialised.locator("[data-met=yes]").count() == 1  # 38 ≥ 30 for a specialised incubator
    assert page.locator("#history").is_visible()

    page.click("#compliance-subnav >> text=High-tech readiness")
    page.wait_for_url("**/compliance/high-tech**")
    row = page.locator("#high-tech tr", has_text="候选科技有限公司")
    assert row.is_visible()
    assert "One requirement short" in row.inner_text()
    assert "Valid intellectual property held" in row.inner_text()
    row.locator("a", has_text="候选科技有限公司").click()
    page.wait_for_url("**/compliance/companies/**")
    assert page.locator("#super-deduction [data-deduction]").inner_text() == "50.00"
