"""The evaluation's xlsx is for people and its CSV for machines: words instead of codes, a wide company
sheet, filters and print settings in the workbook; names that carry period, version and language."""
from __future__ import annotations

import csv
import io
import zipfile
from urllib.parse import unquote

import openpyxl
import pytest

from incubator.evaluation import exports, services
from incubator.outcomes.catalogue import REPORT_INDICATORS

from .test_csv_export import PERIOD

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(lang="zh"):
    buffer = io.BytesIO()
    exports.write_xlsx_export(services.live_evaluation(PERIOD), buffer, lang)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def column(sheet, header: str) -> list:
    headers = [cell.value for cell in sheet[1]]
    index = headers.index(header)
    return [row[index] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_the_chinese_workbook_shows_every_coded_value_as_its_chinese_word(hand_zone):
    book = workbook("zh")
    zone, platforms = book["开发区"], book["平台"]
    assert set(column(zone, "类型")) == {"流量", "存量", "比率"}
    assert column(zone, "状态")[0] == "进度正常"  # REVENUE: 80 % of the target at 75 % of the year
    assert set(column(zone, "状态")) - {None} <= {"进度正常", "有风险", "滞后"}
    assert {row[0]: (row[2], row[3]) for row in platforms.iter_rows(min_row=2, values_only=True)}["INC01"] == (
        "科技企业孵化器", "国家级")
    assert column(platforms, "指标")[0] == "营业收入"
    assert column(book["企业"], "指标")[:2] == ["营业收入", "研发经费支出"]
    assert "专利转让" in column(book["科技成果转化"], "转化方式")
    assert set(column(book["数据质量"], "问题")) == {"缺少报表", "报表未审核"}
    assert column(book["得分"], "等次")[0] == "A · 优秀"
    assert column(book["得分"], "范围类型")[:2] == ["开发区", "平台"]
    everything = {cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row}
    for code in ("flow", "on_track", "at_risk", "incubator", "national", "patent_assignment", "unverified_report",
                 "missing_report"):
        assert code not in everything, code


def test_the_english_workbook_shows_english_words(hand_zone):
    book = workbook("en")
    assert column(book["Zone"], "Status")[0] == "On track"
    assert column(book["Zone"], "Kind")[0] == "Flow"
    assert column(book["Platforms"], "Indicator")[0] == "Operating revenue"


def test_the_csv_keeps_the_codes_of_the_contract(hand_zone):
    buffer = io.BytesIO()
    exports.write_csv_export(services.live_evaluation(PERIOD), buffer, "zh")
    with zipfile.ZipFile(buffer) as archive:
        summary = list(csv.DictReader(io.StringIO(archive.read("summary.csv").decode("utf-8-sig"))))
        problems = {row["problem"] for row in csv.DictReader(
            io.StringIO(archive.read("data_quality.csv").decode("utf-8-sig")))}
    assert (summary[0]["kind"], summary[0]["status"], summary[0]["achievement"]) == ("flow", "on_track", "0.8000")
    assert problems == {"missing_report", "unverified_report"}


def test_achievement_reads_as_a_percentage_and_keeps_its_exact_ratio(hand_zone):
    zone = workbook("zh")["开发区"]
    achievement, expected = zone["J2"], zone["K2"]
    assert (achievement.value, achievement.number_format) == (0.8, "0.0%")
    assert (expected.value, expected.number_format) == (0.75, "0.0%")
    assert zone["F2"].number_format == "#,##0.0000"  # amounts exact in the export


def test_the_wide_company_sheet_has_one_row_per_company_and_the_indicators_as_columns(hand_zone):
    book = workbook("zh")
    wide, long = book["企业（年累计）"], book["企业"]
    headers = [cell.value for cell in wide[1]]
    assert headers[:3] == ["统一社会信用代码", "企业", "平台代码"]
    assert headers[3:] == [f"{indicator.zh} ({indicator.unit.zh})" for indicator in REPORT_INDICATORS]
    long_rows = list(long.iter_rows(min_row=2, values_only=True))
    wide_rows = list(wide.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in wide_rows] == sorted({row[0] for row in long_rows})
    assert len(long_rows) == len(wide_rows) * len(REPORT_INDICATORS)
    ytd = {(row[0], row[3]): row[5] for row in long_rows}
    for row in wide_rows:
        for indicator, value in zip(REPORT_INDICATORS, row[3:]):
            assert value == ytd[(row[0], indicator.zh)], (row[0], indicator.code)


def test_every_table_is_filtered_frozen_and_prints_one_page_wide_with_repeated_headers(hand_zone):
    book = workbook("zh")
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.page_setup.paperSize == 9  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        # One page wide (1 is the default, so a file may leave it out), as many pages long as it takes.
        assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0), sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        assert "示范开发区" in sheet.oddHeader.left.text and "2026Q3" in sheet.oddHeader.left.text
        assert sheet.freeze_panes == "A2", sheet.title
        if sheet.title != "封面":
            assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(sheet.max_column)}" \
                                            f"{sheet.max_row}", sheet.title


@pytest.mark.parametrize("query, expected", [
    ("export.xlsx?lang=zh", "考核评价_2026Q3_实时_zh.xlsx"),
    ("export.xlsx?lang=en", "evaluation_2026Q3_live_en.xlsx"),
    ("export.csv?lang=zh", "考核评价_2026Q3_实时_zh.zip"),
    ("export.csv?lang=en", "evaluation_2026Q3_live_en.zip"),
])
def test_each_export_is_named_by_period_version_and_language_and_survives_as_utf8(hand_zone, login_as, query,
                                                                                  expected):
    client, _admin = login_as("admin")
    response = client.get(f"/evaluation/2026Q3/{query}")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    if expected.isascii():
        assert disposition == f'attachment; filename="{expected}"'
    else:
        plain, encoded = disposition.split("; filename*=UTF-8''")
        assert unquote(encoded) == expected
        assert plain == f'attachment; filename="{expected.replace("考核评价", "evaluation").replace("实时", "live")}"'


def test_published_versions_and_the_pdf_carry_their_version_and_language(hand_zone, login_as):
    client, _admin = login_as("admin")
    client.post("/evaluation/2026Q3/publish", data={"note": ""})
    zh = client.get("/evaluation/2026Q3/export.xlsx?version=1&lang=zh").headers["Content-Disposition"]
    assert unquote(zh.split("''")[1]) == "考核评价_2026Q3_v1_zh.xlsx"
    client.post("/language/en")
    pdf = client.get("/evaluation/2026Q3/report.pdf?version=1").headers["Content-Disposition"]
    assert pdf == 'attachment; filename="evaluation_2026Q3_v1_en.pdf"'


@pytest.mark.parametrize("role", ["manager", "startup", "reviewer", "partner"])
def test_no_one_but_an_admin_downloads_the_evaluation(hand_zone, login_as, role):
    client, _user = login_as(role)
    for path in ("export.xlsx?lang=zh", "export.csv?lang=en", "report.pdf"):
        assert client.get(f"/evaluation/2026Q3/{path}").status_code in (403, 404), (role, path)


def test_an_empty_zone_exports_a_workbook_people_can_read(app, login_as):
    """From an empty database after migrations (no seed): every sheet is there, filtered, with headers only."""
    client, _admin = login_as("admin")
    response = client.get("/evaluation/2026Q3/export.xlsx?lang=zh")
    assert response.status_code == 200 and response.mimetype == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert "企业（年累计）" in book.sheetnames
    zone = book["开发区"]
    assert zone.max_row == 1 + 20 and set(column(zone, "状态")) == {None}  # catalogue rows, no targets
    assert book["企业（年累计）"].max_row == 1 and book["企业（年累计）"].auto_filter.ref == (
        f"A1:{openpyxl.utils.get_column_letter(3 + len(REPORT_INDICATORS))}1")
