"""In a real browser: an administrator opens the zone dashboard (charts drawn under the strict CSP), drills down
to a platform and a company, then downloads the evaluation as the CSV zip and as the xlsx workbook."""
from __future__ import annotations

import zipfile
from datetime import datetime

import openpyxl
import pytest

from incubator import clock

from .journeys import log_in, open_from_menu
from ..evaluation.conftest import build_hand_zone
from ..evaluation.test_csv_export import COMPANIES, SUMMARY, text

pytestmark = pytest.mark.browser


def test_admin_opens_dashboard_drills_down_and_downloads_both_exports(app, live_server, page, make_user, tmp_path):
    clock.freeze(datetime(2026, 10, 10, 9, 0))
    zone = build_hand_zone()
    make_user("admin", email="admin@evaluation.cn")
    base = live_server.url
    problems = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("favicon.ico") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    log_in(page, base, "admin@evaluation.cn")

    # The zone dashboard: score, charts drawn by charts.js, the numbers as tables.
    open_from_menu(page, "Dashboard")
    page.goto(f"{base}/outcomes/dashboard?period=2026Q3")
    assert "101.5" in page.inner_text("#dashboard-score")
    page.wait_for_selector("#achievement-chart[data-ready='1'] canvas")
    page.wait_for_selector("#trend-chart[data-drawn='REVENUE'] canvas")
    page.select_option("#trend-indicator", "EMPLOYEES")
    page.wait_for_selector("#trend-chart[data-drawn='EMPLOYEES']")
    # The bars are labelled as the tables show figures: two decimals at most, digits grouped.
    labelled = page.evaluate("""() => {
        const option = window.echarts.getInstanceByDom(document.querySelector('#trend-chart')).getOption();
        return [option.series[0].label.formatter({value: 5060.6724}), option.tooltip[0].valueFormatter(12)];
    }""")
    assert labelled == ["5,060.67", "12"]
    assert "800.00" in page.inner_text("#summary-table tr[data-indicator='REVENUE']")

    # Drill down: platform INC01, then one of its companies.
    page.click("[data-drill='INC01']")
    page.wait_for_selector("#company-list")
    assert "INC01" in page.inner_text("#dashboard-title")
    assert "730.00" in page.inner_text("#summary-table tr[data-indicator='REVENUE']")
    page.click(f"[data-drill-company='{zone.codes[1]}']")
    page.wait_for_selector("#company-ytd")
    assert "600.00" in page.inner_text("#company-ytd tr[data-indicator='REVENUE']")
    page.wait_for_selector("#trend-chart[data-drawn='REVENUE'] canvas")

    # The evaluation page and both downloads.
    page.goto(f"{base}/evaluation/2026Q3")
    assert "Live figures, not published" in page.inner_text("#evaluation-state")
    with page.expect_download(timeout=60_000) as csv_download:  # a shared, busy test machine
        page.click("#export-csv", timeout=60_000)
    csv_path = tmp_path / csv_download.value.suggested_filename
    csv_download.value.save_as(csv_path)
    assert csv_path.name == "考核评价_2026Q3_实时_zh.zip"  # the Chinese CSV: period, version, language (RFC 5987)
    with zipfile.ZipFile(csv_path) as archive:
        assert text(archive.read("summary.csv")) == SUMMARY
        assert text(archive.read("companies.csv")) == COMPANIES

    with page.expect_download(timeout=60_000) as xlsx_download:
        page.click("#export-xlsx", timeout=60_000)
    xlsx_path = tmp_path / xlsx_download.value.suggested_filename
    xlsx_download.value.save_as(xlsx_path)
    book = openpyxl.load_workbook(xlsx_path)
    assert book.sheetnames[0] == "Cover"
    assert book["Zone"]["F2"].value == 800

    # Publishing from the page (confirmation accepted) makes version 1.
    page.on("dialog", lambda dialog: dialog.accept())
    page.fill("#note", "first publication")
    page.click("#publish")
    page.wait_for_selector("text=2026Q3 published as version 1.", timeout=60_000)
    assert "Published version 1" in page.inner_text("#evaluation-state")
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not problems, problems
