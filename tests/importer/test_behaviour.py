"""All or nothing without --partial, --partial, --dry-run, upserts with audit events and exit statuses."""
from __future__ import annotations

from datetime import date

import pytest
import xlsxwriter
from openpyxl import Workbook
from sqlalchemy import func, select

from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.organisations.models import Organisation
from incubator.startups.models import QuarterlyReport

from .. import factories

C1, C2 = factories.credit_code(401), factories.credit_code(402)
HEADER = ["credit_code", "name", "kind"]
REPORT_HEADER = ["credit_code", "period", "revenue", "rd_expense", "employees", "rd_staff"]


def organisations() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


def test_any_error_without_partial_changes_nothing(app, run_import, sheet):
    path = sheet([HEADER, [C1, "甲公司", "startup"], [C2, "乙公司", "startup"], ["X", "丙", "startup"]], fmt="csv-utf8")
    result = run_import("organizations", path)
    assert result.exit_code == 1
    assert result.summary == "created 0, updated 0, unchanged 0, rejected 1"
    assert organisations() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.source == "import")) == 0


def test_partial_loads_the_valid_rows_and_reports_the_bad_ones(app, run_import, sheet):
    path = sheet([HEADER, [C1, "甲公司", "startup"], ["X", "丙", "startup"], [C2, "乙公司", "startup"]], fmt="csv-utf8")
    result = run_import("organizations", path, "--partial")
    assert result.problems == ["row 3, column credit_code: A credit code has 18 characters; this one has 1."]
    assert result.summary == "created 2, updated 0, unchanged 0, rejected 1"
    assert result.exit_code == 1
    assert organisations() == 2


def test_dry_run_reports_what_would_happen_and_changes_nothing(app, run_import, sheet):
    factories.organisation("startup", name="旧名", code=C1)
    db.session.commit()
    path = sheet([HEADER, [C1, "新名", "startup"], [C2, "乙公司", "startup"]], fmt="csv-utf8")
    result = run_import("organizations", path, "--dry-run")
    assert result.summary == "created 1, updated 1, unchanged 0, rejected 0"
    assert result.exit_code == 0
    db.session.expire_all()
    assert organisations() == 1
    assert db.session.scalar(select(Organisation.name)) == "旧名"
    bad = sheet([HEADER, [C2, "", "startup"]], fmt="csv-utf8", name="bad")
    assert run_import("organizations", bad, "--dry-run").exit_code == 1


def test_update_is_an_upsert_on_the_key_audited_with_file_and_row(app, run_import, sheet):
    org = factories.organisation("startup", name="旧名", code=C1)
    db.session.commit()
    path = sheet([HEADER, [C2, "乙公司", "enterprise"], [C1, "新名", "startup"]], fmt="xlsx", name="orgs")
    result = run_import("organizations", path)
    assert result.summary == "created 1, updated 1, unchanged 0, rejected 0"
    db.session.expire_all()
    stored = db.session.get(Organisation, org.id)
    assert (stored.name, stored.name_sort, stored.version) == ("新名", "xin ming", 2)
    update = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    assert update.entity_type == "organisations" and update.entity_id == str(org.id)
    assert update.before == {"name": "旧名", "name_sort": "ceshi gongsi " + org.name.removeprefix("测试公司")} or \
        update.before["name"] == "旧名"
    assert update.after["name"] == "新名"
    assert (update.source, update.source_detail) == ("import", "orgs.xlsx row 3")
    create = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "create"))
    assert create.source_detail == "orgs.xlsx row 2" and create.after["credit_code"] == C2


def test_imported_report_replaces_the_stored_one_whatever_its_state(app, run_import, sheet):
    company = factories.organisation("startup", code=C1)
    stored = factories.report(company, "2026Q3", status="returned", revenue=10_000, employees=3)
    stored.returned_reason = "missing figures"
    db.session.commit()
    version = stored.version
    path = sheet([REPORT_HEADER, [C1, "2026Q3", 2, 1, 4, 1]], fmt="csv-utf8-sig", name="q3")
    result = run_import("reports", path)
    assert result.summary == "created 0, updated 1, unchanged 0, rejected 0"
    db.session.expire_all()
    report = db.session.get(QuarterlyReport, stored.id)
    assert (report.status, report.revenue, report.rd_expense, report.employees, report.version) == \
        ("verified", 20_000, 10_000, 4, version + 1)
    assert report.returned_reason is None and report.verified_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "quarterly_reports"))
    assert event.before["revenue"] == 10_000 and event.before["status"] == "returned"
    assert event.after["revenue"] == 20_000 and event.source_detail == "q3.csv row 2"
    again = run_import("reports", path)
    assert again.summary == "created 0, updated 0, unchanged 1, rejected 0"


def test_a_stored_submitted_report_with_the_same_figures_is_updated_to_verified(app, run_import, sheet):
    company = factories.organisation("startup", code=C1)
    factories.report(company, "2026Q2", status="submitted", revenue=20_000, rd_expense=10_000, employees=4,
                     rd_staff=1)
    db.session.commit()
    path = sheet([REPORT_HEADER, [C1, "2026Q2", 2, 1, 4, 1]], fmt="csv-utf8")
    assert run_import("reports", path).summary == "created 0, updated 1, unchanged 0, rejected 0"


def test_exit_statuses(app, run_import, sheet):
    good = sheet([HEADER, [C1, "甲", "startup"]], fmt="csv-utf8", name="good")
    bad = sheet([HEADER, [C2, "", "startup"]], fmt="csv-utf8", name="bad")
    unusable = sheet([["credit_code", "name"], [C2, "乙"]], fmt="csv-utf8", name="unusable")
    assert run_import("organizations", good).exit_code == 0
    assert run_import("organizations", bad).exit_code == 1
    assert run_import("organizations", bad, "--partial").exit_code == 1
    result = run_import("organizations", unusable)
    assert result.exit_code == 2
    assert result.summary == "created 0, updated 0, unchanged 0, rejected 0"


def test_empty_file_with_only_a_header_loads_nothing_and_succeeds(app, run_import, sheet):
    result = run_import("organizations", sheet([HEADER], fmt="csv-utf8"))
    assert (result.exit_code, result.summary) == (0, "created 0, updated 0, unchanged 0, rejected 0")


# --- reading xlsx -------------------------------------------------------------------------------------

@pytest.fixture
def company(app):
    item = factories.organisation("startup", code=C1)
    db.session.commit()
    return item


def test_formula_cells_are_read_as_their_cached_values(company, run_import, tmp_path):
    path = tmp_path / "reports.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("reports")
    sheet.write_row(0, 0, REPORT_HEADER)
    sheet.write_row(1, 0, [C1, "2026Q3"])
    sheet.write_formula(1, 2, "=1000+234.5", None, 1234.5)
    sheet.write_number(1, 3, 1)
    sheet.write_formula(1, 4, "=2*5", None, 10)
    sheet.write_formula(1, 5, "=C2*0", None, 0)
    workbook.close()
    result = run_import("reports", path)
    assert result.summary == "created 1, updated 0, unchanged 0, rejected 0", result.output
    report = db.session.scalar(select(QuarterlyReport))
    assert (report.revenue, report.employees, report.rd_staff) == (12_345_000, 10, 0)


def test_a_formula_cell_without_a_cached_value_is_an_error_for_its_row(company, run_import, tmp_path):
    path = tmp_path / "reports.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(REPORT_HEADER)
    sheet.append([C1, "2026Q2", 5, 1, 3, 1])
    sheet.append([C1, "2026Q3", "=C2*2", 1, 3, 1])  # openpyxl stores formulas without a computed value
    workbook.save(path)
    result = run_import("reports", path, "--partial")
    assert result.problems == ["row 3, column revenue: This formula cell has no computed value: open the file "
                               "in Excel, let it calculate and save it again."]
    assert result.summary == "created 1, updated 0, unchanged 0, rejected 1"


def test_numeric_date_and_text_cells_of_a_workbook(company, run_import, tmp_path):
    path = tmp_path / "many.xlsx"
    workbook = Workbook()
    first = workbook.active
    first.title = "notes"
    first.append(["this sheet is not read"])
    sheet = workbook.create_sheet("incubations")
    sheet.append(["credit_code", "platform_code", "admitted_on", "status", "ended_on"])
    sheet.append([C1, 7, date(2025, 3, 1), "GRADUATED", "2025-12-31"])
    factories.platform(code="7")
    db.session.commit()
    workbook.save(path)
    result = run_import("incubations", path)
    assert result.summary == "created 1, updated 0, unchanged 0, rejected 0", result.output


def test_a_stored_binary_number_is_read_as_its_shortest_decimal(company, run_import, sheet):
    path = sheet([REPORT_HEADER, [C1, "2026Q3", 81.09999999999999, 0.1 + 0.2, 3, 1]], fmt="xlsx")
    assert run_import("reports", path).exit_code == 0
    report = db.session.scalar(select(QuarterlyReport))
    assert (report.revenue, report.rd_expense) == (811_000, 3_000)


def test_the_number_of_statements_does_not_grow_with_the_rows(app, run_import, sheet, count_queries):
    companies = [factories.organisation("startup", code=factories.credit_code(900 + n)) for n in range(40)]
    db.session.commit()

    def statements(rows: int, name: str, period: str) -> int:
        lines = [REPORT_HEADER] + [[company.credit_code, period, 1, 1, 5, 1] for company in companies[:rows]]
        path = sheet(lines, fmt="csv-utf8", name=name)
        with count_queries() as counter:
            result = run_import("reports", path)
        assert result.summary == f"created {rows}, updated 0, unchanged 0, rejected 0"
        return counter.count

    assert statements(3, "few", "2026Q2") == statements(40, "many", "2026Q3")
