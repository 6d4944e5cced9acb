"""Every rule of the import spec is reported as ``row N, column C: message`` on the right row and column."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from incubator.extensions import db
from incubator.outcomes.catalogue import CATALOGUE
from incubator.startups.models import QuarterlyReport

from .. import factories

C1 = factories.credit_code(301)
UNIVERSITY = factories.credit_code(302)
UNKNOWN = factories.credit_code(399)
REPORT_HEADER = ["credit_code", "period", "revenue", "rd_expense", "employees", "rd_staff"]


@pytest.fixture
def refs(app):
    company = factories.organisation("startup", code=C1)
    university = factories.organisation("university", code=UNIVERSITY)
    platform = factories.platform(code="P001")
    factories.partnership(university, kind="joint_rd", reference="AG-RD")
    factories.partnership(university, kind="talent_training", reference="AG-T")
    db.session.commit()
    return {"company": company, "platform": platform}


def reports_count() -> int:
    return db.session.scalar(select(func.count()).select_from(QuarterlyReport))


# --- unusable files: exit 2, nothing read -----------------------------------------------------------

@pytest.mark.parametrize("header, line", [
    (["credit_code", "period", "revenue", "rd_expense"],
     "row 1, column employees: This required column is missing (header 期末从业人员 or employees)."),
    ([*REPORT_HEADER, "employees", "bogus"][:5] + ["bogus"],
     "row 1, column bogus: This column is not one of the columns of reports."),
    (["credit_code", "period", "revenue", "rd_expense", "employees", "营业收入"],
     "row 1, column revenue: This column is given twice."),
])
def test_header_problems_make_the_file_unusable(refs, run_import, sheet, header, line):
    path = sheet([header, [C1, "2026Q3", 1, 1, 1, 1]], fmt="csv-utf8")
    result = run_import("reports", path)
    assert line in result.problems
    assert result.summary == "created 0, updated 0, unchanged 0, rejected 0"
    assert result.exit_code == 2
    assert reports_count() == 0


def test_blank_header_over_data_makes_the_file_unusable_but_over_an_empty_column_is_ignored(refs, run_import, sheet):
    bad = sheet([["credit_code", "period", "", "revenue", "rd_expense", "employees"],
                 [C1, "2026Q3", "", 1, 1, 1], [C1, "2026Q2", "oops", 1, 1, 1]], fmt="csv-utf8", name="bad")
    result = run_import("reports", bad)
    assert result.problems == ["row 1, column C: A column without a header holds data (row 3)."]
    assert result.exit_code == 2
    assert reports_count() == 0

    fine = sheet([["credit_code", "period", "", "revenue", "rd_expense", "employees"],
                  [C1, "2026Q3", "", 1, 1, 1]], fmt="xlsx", name="fine")
    assert run_import("reports", fine).exit_code == 0
    assert reports_count() == 1


def test_headers_match_by_key_or_chinese_name_ignoring_case_spaces_and_order(refs, run_import, sheet):
    path = sheet([[" EMPLOYEES ", "营业收入 ", "Credit_Code", "报告期", "RD_expense"], [5, 1, C1, "2026Q3", 1]],
                 fmt="csv-utf8")
    result = run_import("reports", path)
    assert result.summary == "created 1, updated 0, unchanged 0, rejected 0"


def test_a_file_that_is_not_a_spreadsheet_is_unusable(refs, run_import, tmp_path):
    broken = tmp_path / "reports.xlsx"
    broken.write_bytes(b"not a zip file")
    result = run_import("reports", broken)
    assert result.problems == ["row 1, column -: The file cannot be read: use an .xlsx workbook or a .csv file."]
    assert result.exit_code == 2
    other = tmp_path / "reports.txt"
    other.write_text("credit_code\n")
    assert run_import("reports", other).exit_code == 2


# --- cell rules: exit 1, the row and column named ----------------------------------------------------

@pytest.mark.parametrize("cell, column, message", [
    (("revenue", "-1"), "revenue", "An amount may not be negative."),
    (("revenue", "1.23456"), "revenue", "Use at most 4 decimal places."),
    (("revenue", "12万"), "revenue", "Enter a number, for example 1,234.5."),
    (("employees", "3.5"), "employees", "Enter a whole number."),
    (("employees", "-2"), "employees", "The number may not be negative."),
    (("period", "2026Q5"), "period", "Enter a quarter such as 2026Q3."),
    (("period", "2027Q1"), "period",
     "The quarter 2027Q1 has not ended yet: a report is for an ended quarter (the current one is 2026Q4)."),
    (("period", "2026Q4"), "period",
     "The quarter 2026Q4 has not ended yet: a report is for an ended quarter (the current one is 2026Q4)."),
    (("revenue", "12,5"), "revenue", "Commas may only separate groups of three digits, as in 1,234.5."),
    (("revenue", "1e5"), "revenue", "Write the number in full, without an exponent (not 1e5 but 100000)."),
    (("employees", "1,00"), "employees", "Commas may only separate groups of three digits, as in 1,234.5."),
    (("credit_code", C1[:17] + ("0" if C1[17] != "0" else "1")), "credit_code",
     f"Character 18 ({'0' if C1[17] != '0' else '1'}) is not the check character of this credit code "
     f"(expected {C1[17]})."),
    (("credit_code", UNKNOWN), "credit_code",
     "No organisation has this credit code: import it with the organizations first."),
    (("rd_expense", ""), "rd_expense", "A value is required."),
    (("rd_staff", "9"), "rd_staff", "R&D staff may not exceed the employees."),
])
def test_report_cell_rules_name_the_row_and_column(refs, run_import, sheet, cell, column, message):
    good = {"credit_code": C1, "period": "2026Q2", "revenue": "10", "rd_expense": "1", "employees": "5",
            "rd_staff": "2"}
    bad = dict(good, period="2026Q3")
    bad[cell[0]] = cell[1]
    path = sheet([REPORT_HEADER, list(good.values()), list(bad.values())], fmt="csv-utf8")
    result = run_import("reports", path)
    assert result.problems == [f"row 3, column {column}: {message}"]
    assert result.summary == "created 0, updated 0, unchanged 0, rejected 1"
    assert result.exit_code == 1
    assert reports_count() == 0


def test_a_key_given_twice_is_an_error_on_its_second_row(refs, run_import, sheet):
    path = sheet([REPORT_HEADER, [C1, "2026Q3", 1, 1, 5, 1], [C1, "2026Q2", 1, 1, 5, 1],
                  [C1.lower(), "2026-q3", 2, 2, 5, 1]], fmt="xlsx")
    result = run_import("reports", path)
    assert result.problems == [
        "row 4, column credit_code: The same credit_code + period appears on an earlier row of this file."]
    assert result.exit_code == 1


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(refs, run_import, sheet):
    path = sheet([REPORT_HEADER, [C1, "2026Q1", 1, 1, 5, 1], [None] * 6, ["", "", "", "", "", ""],
                  [C1, "2026Q2", -1, 1, 5, 1]], fmt="xlsx")
    result = run_import("reports", path)
    assert result.problems == ["row 5, column revenue: An amount may not be negative."]


def test_several_problems_of_one_row_are_all_reported_in_column_order(refs, run_import, sheet):
    path = sheet([REPORT_HEADER, [UNKNOWN, "2027Q1", "-5", "x", "1.5", ""]], fmt="csv-utf8")
    assert run_import("reports", path).problems == [
        "row 2, column credit_code: No organisation has this credit code: import it with the organizations first.",
        "row 2, column period: The quarter 2027Q1 has not ended yet: a report is for an ended quarter (the "
        "current one is 2026Q4).",
        "row 2, column revenue: An amount may not be negative.",
        "row 2, column rd_expense: Enter a number, for example 1,234.5.",
        "row 2, column employees: Enter a whole number.",
    ]


@pytest.mark.parametrize("row, line", [
    ([C1, "P001", "2025-01-01", "graduated", ""],
     "row 2, column ended_on: A graduated or exited incubation needs its end date."),
    ([C1, "P001", "2025-01-01", "incubating", "2025-06-01"],
     "row 2, column ended_on: An incubation still incubating has no end date."),
    ([C1, "P001", "2025-01-01", "exited", "2024-12-31"],
     "row 2, column ended_on: The end date is before the admission date."),
    ([C1, "P404", "2025-01-01", "", ""],
     "row 2, column platform_code: No platform has this code: import it with the platforms first."),
    ([C1, "P001", "2025-01/01", "", ""],
     "row 2, column admitted_on: Enter a date as YYYY-MM-DD, for example 2026-03-31 (2026/3/31, 2026.3.31 and "
     "2026年3月31日 are read too)."),
    ([C1, "P001", "2025-02-30", "", ""], "row 2, column admitted_on: There is no such date."),
    ([C1, "P001", "2025-01-01", "paused", ""],
     "row 2, column status: “paused” is not one of the accepted values: Incubating (incubating), "
     "Graduated (graduated), Exited (exited)."),
])
def test_incubation_rules(refs, run_import, sheet, row, line):
    path = sheet([["credit_code", "platform_code", "admitted_on", "status", "ended_on"], row], fmt="csv-utf8")
    assert run_import("incubations", path).problems == [line]


@pytest.mark.parametrize("row, line", [
    (["2026", "ZONE", "NOT_AN_INDICATOR", "1"],
     "row 2, column indicator: “NOT_AN_INDICATOR” is not one of the accepted values: Operating revenue "
     "(REVENUE), R&D expenditure (RD_EXPENSE), R&D intensity (RD_INTENSITY), Employees at period end (EMPLOYEES), "
     "R&D staff (RD_STAFF), R&D staff share (RD_STAFF_SHARE), Invention patent applications "
     "(INVENTION_PATENTS_FILED), Invention patent grants (INVENTION_PATENTS_GRANTED), Utility models, designs, "
     "software copyrights granted (OTHER_IP_GRANTED), Technology contract turnover (TECH_CONTRACT_VALUE), Equity "
     "financing (FINANCING), Taxes paid (TAX_PAID), " + ", ".join(
         f"{indicator.en} ({indicator.code})" for indicator in CATALOGUE[12:]) + "."),
    (["2026", "ZONE", "STARTUPS_ADMITTED", "2.5"],
     "row 2, column target: This indicator is counted in whole numbers."),
    (["2026", "ZONE", "REVENUE", "-1"], "row 2, column target: A target may not be negative."),
    (["2026", "ZONE", "REVENUE", "1.00001"], "row 2, column target: Use at most 4 decimal places."),
    (["2026", "P404", "REVENUE", "1"],
     "row 2, column scope: “P404” is neither the zone (ZONE, 开发区, 园区) nor a platform's code; use one of: "
     "ZONE, P001."),
    (["26", "ZONE", "REVENUE", "1"], "row 2, column year: Enter a year such as 2026."),
])
def test_target_rules(refs, run_import, sheet, row, line):
    path = sheet([["year", "scope", "indicator", "target"], row], fmt="csv-utf8")
    assert run_import("targets", path).problems == [line]


@pytest.mark.parametrize("row, line", [
    (["TT-1", "2026-01-01", "成果", "licence", C1, C1, ""],
     "row 2, column source_credit_code: The source must be a university or institute."),
    (["TT-1", "2026-01-01", "成果", "licence", UNIVERSITY, UNIVERSITY, ""],
     "row 2, column recipient_credit_code: The recipient must be a startup or enterprise."),
    (["TT-1", "2026-01-01", "成果", "gift", UNIVERSITY, C1, ""],
     "row 2, column kind: “gift” is not one of the accepted values: Patent assignment (patent_assignment), "
     "Licence (licence), Joint development (joint_development), Equity investment of a result (equity)."),
    (["TT-1", "2026-01-01", "成果", "licence", UNIVERSITY, C1, "-3"],
     "row 2, column value: An amount may not be negative."),
])
def test_tech_transfer_rules(refs, run_import, sheet, row, line):
    path = sheet([["reference", "date", "title", "kind", "source_credit_code", "recipient_credit_code", "value"],
                  row], fmt="csv-utf8")
    assert run_import("tech_transfers", path).problems == [line]


@pytest.mark.parametrize("row, line", [
    (["AG-1", C1, "joint_rd", "协议", "2025-01-01", "", "", "", ""],
     "row 2, column partner_credit_code: The partner must be a university or institute."),
    (["AG-1", UNIVERSITY, "joint_rd", "协议", "2025-01-01", "", C1, "P001", ""],
     "row 2, column platform_code: Give a company or a platform, not both."),
    (["AG-1", UNIVERSITY, "joint_rd", "协议", "2025-01-01", "2024-12-31", "", "", ""],
     "row 2, column ends_on: The end date is before the start date."),
    (["AG-1", UNIVERSITY, "joint_rd", "协议", "2025-01-01", "", UNIVERSITY, "", ""],
     "row 2, column company_credit_code: The company must be a startup or enterprise."),
])
def test_partnership_rules(refs, run_import, sheet, row, line):
    path = sheet([["reference", "partner_credit_code", "kind", "title", "starts_on", "ends_on",
                   "company_credit_code", "platform_code", "contract_value"], row], fmt="csv-utf8")
    assert run_import("partnerships", path).problems == [line]


@pytest.mark.parametrize("row, line", [
    (["AG-RD", "2025", "10", "", "", ""],
     "row 2, column partnership_reference: This partnership is not a talent_training agreement."),
    (["AG-NONE", "2025", "10", "", "", ""],
     "row 2, column partnership_reference: No partnership has this reference: import it first."),
    (["AG-T", "2025", "10", "11", "", ""], "row 2, column completed: More completed than enrolled."),
    (["AG-T", "2025", "10", "8", "9", ""], "row 2, column hired_in_zone: More hired in the zone than completed."),
])
def test_training_rules(refs, run_import, sheet, row, line):
    path = sheet([["partnership_reference", "cohort_year", "enrolled", "completed", "hired_in_zone",
                   "completed_on"], row], fmt="csv-utf8")
    assert run_import("training", path).problems == [line]


def test_organisation_rules(refs, run_import, sheet):
    path = sheet([["credit_code", "name", "kind", "industry", "founded_on"],
                  ["91320500000000000", "甲", "startup", "", ""],
                  [factories.credit_code(310), "", "startup", "", ""],
                  [factories.credit_code(311), "乙", "company", "no such industry", "2024-01-01"]], fmt="csv-utf8")
    assert run_import("organizations", path).problems == [
        "row 2, column credit_code: A credit code has 18 characters; this one has 17.",
        "row 3, column name: A value is required.",
        "row 4, column kind: “company” is not one of the accepted values: Startup (startup), Enterprise "
        "(enterprise), University (university), Research institute (institute).",
        "row 4, column industry: The industry “no such industry” is not on the zone's list; use one of: High-end "
        "equipment manufacturing, Electronic information, New energy and new materials, Artificial intelligence, "
        "Big data, Biomedicine, Integrated circuits, Modern agriculture, Other.",
    ]


def test_platform_rules(refs, run_import, sheet):
    path = sheet([["code", "name", "kind", "level", "host_credit_code", "recognized_on", "expires_on", "area_m2",
                   "stations"],
                  ["P9", "平台", "maker_space", "galactic", UNKNOWN, "2025-01-01", "2024-01-01", "1.234", "-1"]],
                 fmt="csv-utf8")
    assert run_import("platforms", path).problems == [
        "row 2, column level: “galactic” is not one of the accepted values: National (national), Provincial "
        "(provincial), Municipal (municipal), County (county).",
        "row 2, column host_credit_code: No organisation has this credit code: import it with the organizations "
        "first.",
        "row 2, column expires_on: The expiry date is before the recognition date.",
        "row 2, column area_m2: Use at most 2 decimal places.",
        "row 2, column stations: The number may not be negative.",
    ]


def test_cli_messages_in_chinese_keep_the_line_format(refs, run_import, sheet):
    path = sheet([REPORT_HEADER, [C1, "2026Q3", "-1", 1, 5, 1]], fmt="csv-utf8")
    result = run_import("reports", path, "--lang", "zh")
    assert result.problems == ["row 2, column revenue: 金额不能为负数。"]
    assert result.summary == "created 0, updated 0, unchanged 0, rejected 1"


def test_the_zone_scope_is_read_by_code_or_as_the_interface_names_the_zone(refs, run_import, sheet, app):
    from incubator.outcomes.models import Target

    app.config["ZONE_NAME_ZH"] = "云溪经济开发区"
    path = sheet([["year", "scope", "indicator", "target"], ["2026", "zone", "REVENUE", "1"],
                  ["2026", "开发区", "RD_EXPENSE", "2"], ["2026", " 园区 ", "期末从业人员", "3"],
                  ["2026", "云溪经济开发区", "TAX_PAID", "4"], ["2026", "p001", "REVENUE", "5"]], fmt="csv-utf8")
    result = run_import("targets", path, "--partial", "--lang", "zh")
    assert result.problems == [
        "row 6, column scope: “p001”既不是开发区（ZONE、开发区、园区）也不是平台编号；可用：ZONE、P001。"]
    assert result.summary == "created 4, updated 0, unchanged 0, rejected 1"
    db.session.remove()
    assert db.session.execute(select(Target.scope, Target.indicator, Target.platform_id)
                              .order_by(Target.indicator)).all() == [
        ("ZONE", "EMPLOYEES", None), ("ZONE", "RD_EXPENSE", None), ("ZONE", "REVENUE", None),
        ("ZONE", "TAX_PAID", None)]


@pytest.mark.parametrize("typed, read", [
    ("2025-03-01", date(2025, 3, 1)), ("2025/3/1", date(2025, 3, 1)), ("2025.3.1", date(2025, 3, 1)),
    ("2025年3月1日", date(2025, 3, 1)), (" 2025 年 3 月 1 日 ", date(2025, 3, 1)), ("２０２５年３月１日", date(2025, 3, 1)),
    ("2025/03/01", date(2025, 3, 1)), (datetime(2025, 3, 1, 0, 0), date(2025, 3, 1)),
])
def test_dates_are_read_as_chinese_offices_write_them(typed, read):
    from incubator.importer.values import day

    assert day(typed) == read


@pytest.mark.parametrize("typed, message", [
    ("2025/3.1", "Enter a date as YYYY-MM-DD"),  # one separator throughout, never a guess
    ("2025-3-1日", "Enter a date as YYYY-MM-DD"),
    ("1/3/2025", "Enter a date as YYYY-MM-DD"),
    ("2025年2月30日", "There is no such date."),
    ("2025.13.1", "There is no such date."),
])
def test_a_date_written_otherwise_is_refused_with_the_forms_accepted(app, typed, message):
    from flask_babel import force_locale

    from incubator.importer.values import CellError, day

    with pytest.raises(CellError) as refused:
        day(typed)
    with force_locale("en"):
        assert str(refused.value.message).startswith(message)


def test_an_industry_no_longer_in_use_is_refused_as_the_form_refuses_it(refs, run_import, sheet):
    """The organisation form offers only the industries in use; the import obeys the same list."""
    from incubator.organisations.models import Industry

    db.session.scalars(select(Industry).where(Industry.code == "modern_agriculture")).one().is_active = False
    db.session.commit()
    path = sheet([["统一社会信用代码", "名称", "类别", "行业"],
                  [factories.credit_code(312), "甲农业", "初创企业", "现代农业"]], fmt="csv-gb18030")
    result = run_import("organizations", path)
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.startswith("row 2, column industry: The industry “现代农业” is not on the zone's list")
    assert "Modern agriculture" not in problem and "High-end equipment manufacturing" in problem
