"""Torch statistics: 千元 exactly from yuan, tenant sums, cross-check warnings, safe files, fixed queries."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from incubator.compliance import torch
from incubator.compliance.services import save_facts
from incubator.extensions import db
from tests import factories

YEAR = 2025


def incubator_with_tenants(code="T1", name=None):
    platform = factories.platform(code=code, name=name or f"孵化器{code}", kind="incubator", area_m2=Decimal("5000"))
    a, b = factories.organisation(), factories.organisation()
    factories.incubation(a, platform, date(2024, 1, 1))
    factories.incubation(b, platform, date(2024, 1, 1))
    factories.report(a, "2025Q1", revenue=1_000_001, rd_expense=100_000, employees=3, rd_staff=1, financing=500_000)
    factories.report(a, "2025Q4", revenue=0, employees=4, rd_staff=1, graduates_hired=2)
    factories.report(b, "2025Q2", revenue=2_000_000, rd_expense=50_001, employees=6, rd_staff=2)
    factories.report(b, "2025Q3", status="submitted", revenue=9_000_000)  # not verified: ignored
    save_facts(platform, YEAR, {"income_total": 1_234_567, "income_services": 234_567, "income_property": 1_000_000,
                                "full_time_staff": 5, "teams_signed_in": 5, "team_members": 3})
    db.session.commit()
    return platform


def test_money_is_in_thousands_of_cny_exactly(app):
    assert torch.yuan_to_thousands(1_234_567) == Decimal("1234.567")
    assert torch.yuan_to_thousands(1) == Decimal("0.001")
    assert torch.yuan_to_thousands(-50_000) == Decimal("-50.000")
    row = torch.torch_rows([incubator_with_tenants()], YEAR)[0]
    assert row.values["income_total"] == Decimal("1234.567")
    assert row.values["tenants_revenue"] == Decimal("3000.001")  # 1,000,001 + 2,000,000 yuan; unverified ignored
    assert row.values["tenants_rd"] == Decimal("150.001")
    assert row.values["tenants_venture_capital"] == Decimal("500.000")
    assert row.values["tenants"] == 2 and row.values["tenants_jobs"] == 10  # latest verified quarter of each
    assert row.values["tenants_graduates_hired"] == 2 and row.values["tenants_financed"] == 1
    assert row.values["tenants_rd_intensity"] == Decimal("5.00")


def test_cross_checks_list_warnings_before_export(app):
    row = torch.torch_rows([incubator_with_tenants()], YEAR)[0]
    assert any("5 teams signed in but only 3 team members" in w for w in row.warnings)
    bare = factories.platform(code="T9", kind="maker_space")
    org = factories.organisation()
    factories.incubation(org, bare, date(2024, 1, 1))
    db.session.commit()
    warnings = torch.torch_rows([bare], YEAR)[0].warnings
    assert any("No annual figures were entered for 2025" in w for w in warnings)
    assert any("1 tenants report only 0 employees" in w for w in warnings)
    assert any("1 tenants have no verified report" in w for w in warnings)


def test_csv_has_units_in_headers_and_exact_thousands(app):
    rows = torch.torch_rows([incubator_with_tenants(name="=HYPERLINK(1)")], YEAR)
    text = torch.torch_csv(rows, "en").decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, data = table[0], table[1]
    record = dict(zip(header, data))
    assert record["Operator income, total (千元)"] == "1234.567"
    assert record["Tenants' revenue (千元)"] == "3000.001"
    assert record["Platform name"] == "'=HYPERLINK(1)"  # never a formula
    zh = list(csv.reader(io.StringIO(torch.torch_csv(rows, "zh").decode("utf-8").lstrip("\ufeff"))))[0]
    assert "总收入（千元）" in zh


def test_xlsx_writes_numbers_and_a_warnings_sheet(app):
    rows = torch.torch_rows([incubator_with_tenants()], YEAR)
    book = load_workbook(io.BytesIO(torch.torch_xlsx(rows, "en", YEAR)))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    values = [cell.value for cell in sheet[2]]
    income = values[header.index("Operator income, total (千元)")]
    assert isinstance(income, float) and Decimal(str(income)) == Decimal("1234.567")
    assert book.worksheets[1].max_row >= 2  # the warnings


def test_torch_rows_use_a_fixed_number_of_queries(app, count_queries):
    for n in range(2):
        incubator_with_tenants(f"Q{n}")
    with count_queries() as few:
        assert len(torch.torch_rows(torch.torch_platforms(None), YEAR)) == 2
    for n in range(4):
        incubator_with_tenants(f"R{n}")
    with count_queries() as many:
        assert len(torch.torch_rows(torch.torch_platforms(None), YEAR)) == 6
    assert few.count == many.count
