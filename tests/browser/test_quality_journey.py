"""In a real browser, in Chinese and in English: a founder types a revenue far above the company's history and a
tax above revenue, reads the explained warnings, explains one and submits anyway; the manager reads the flags
beside the note, cannot verify without confirming the likely error, then confirms; the manager's list of
flagged reports, the admin's settings and the evaluation's sheet of flags. Screenshots of every screen in
both languages land in ``test-artifacts/screenshots/`` (for the README and the review)."""
from __future__ import annotations

import pytest

from incubator.extensions import db
from incubator.startups.models import QuarterlyReport

from ..quality.conftest import zone  # noqa: F401  (the fixture: two platforms, two companies, four quarters)
from .journeys import log_in

pytestmark = pytest.mark.browser

SCREENSHOTS = "test-artifacts/screenshots"
FIGURES = {"revenue": "1250", "rd_expense": "10", "employees": "10", "rd_staff": "2", "tax_paid": "1300"}


def switch_language(page, lang: str) -> None:
    with page.expect_navigation():
        page.click(f"button[data-lang={lang}]")
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")


def shoot_both(page, name: str, root) -> None:
    """A full-page screenshot in Chinese, then in English (the page stays in English)."""
    for lang in ("zh", "en"):
        switch_language(page, lang)
        page.screenshot(path=str(root / SCREENSHOTS / f"quality-{name}-{lang}.png"), full_page=True)


def test_founder_explains_a_warning_and_the_manager_confirms_the_likely_error(app, zone, live_server, page,  # noqa: F811
                                                                              make_user, pytestconfig):
    root = pytestconfig.rootpath
    (root / SCREENSHOTS).mkdir(parents=True, exist_ok=True)
    base = live_server.url
    make_user("admin", email="admin@quality.cn")
    founder, manager, company_id = zone.founder.email, zone.manager.email, zone.company.id
    db.session.remove()  # the test's own session holds no lock while the server writes (SQLite)

    # The founder, in Chinese: saves the figures, reads the warnings, explains the revenue, submits anyway.
    log_in(page, base, founder)
    switch_language(page, "zh")
    page.goto(f"{base}/reports/2026Q3")
    for name, value in FIGURES.items():
        page.fill(f"input[name={name}]", value)
    with page.expect_navigation():
        page.click("#report-form input[name=save]")
    warnings = page.locator("#anomaly-warnings")
    flags = sorted(warnings.locator("[data-flag]").evaluate_all("items => items.map(item => item.dataset.flag)"))
    assert flags == ["inconsistent-TAX_PAID", "jump-REVENUE", "jump-TAX_PAID"]
    revenue = warnings.locator("[data-flag=jump-REVENUE]").inner_text()
    assert "营业收入 1,250.00 万元，是该企业近四个季度中位数" in revenue
    assert "上缴税费 1,300.00 万元高于营业收入 1,250.00 万元。" in warnings.inner_text()
    page.fill("textarea[name=anomaly_note-jump-REVENUE]", "本季度交付了一笔大订单")
    page.screenshot(path=str(root / SCREENSHOTS / "quality-founder-form-zh.png"), full_page=True)
    with page.expect_navigation():
        page.click("#report-form input[name=submit]")
    with live_server.app_context():
        report = db.session.query(QuarterlyReport).filter_by(organisation_id=company_id, period="2026Q3").one()
        report_id, status = report.id, report.status
    assert status == "submitted"
    switch_language(page, "en")
    assert "1,250.00 (10,000 CNY) is 12.5 times the median" in page.inner_text("#anomaly-warnings")
    page.screenshot(path=str(root / SCREENSHOTS / "quality-founder-submitted-en.png"), full_page=True)

    # The manager: the flags beside the note; no verification without the confirmation of the likely error.
    log_in(page, base, manager)
    page.goto(f"{base}/reports/id/{report_id}")
    flags_card = page.locator("#anomaly-flags")
    assert "本季度交付了一笔大订单" in flags_card.locator("[data-flag=jump-REVENUE] [data-note]").inner_text()
    shoot_both(page, "manager-report", root)
    with page.expect_navigation():
        page.click("#verify")
    assert page.locator("#confirm-anomalies").is_visible()
    with live_server.app_context():
        assert db.session.get(QuarterlyReport, report_id).status == "submitted"
    page.check("#confirm-anomalies")
    with page.expect_navigation():
        page.click("#verify")
    with live_server.app_context():
        assert db.session.get(QuarterlyReport, report_id).status == "verified"

    # The manager's flagged reports of their platform.
    page.goto(f"{base}/quality/flags?period=2026Q3")
    assert page.locator(f"#flagged-reports tr[data-report='{report_id}']").count() == 1
    shoot_both(page, "flagged-reports", root)

    # The admin: the settings of the checks, and the evaluation's flags of the quarter.
    log_in(page, base, "admin@quality.cn")
    page.goto(f"{base}/quality/settings")
    assert page.locator("#check-jump input[name=jump-factor]").input_value() == "5"
    shoot_both(page, "settings", root)
    page.goto(f"{base}/evaluation/2026Q3")
    rows = page.locator("#anomaly-flags tbody tr")
    assert sorted(rows.evaluate_all("items => items.map(item => item.dataset.check + '-' + item.dataset.indicator)")) \
        == ["inconsistent-TAX_PAID", "jump-REVENUE", "jump-TAX_PAID"]
    shoot_both(page, "evaluation", root)
