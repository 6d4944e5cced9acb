"""Pages of the compliance area: scoping by URL and by form, validation that keeps input, audit, exports."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from incubator.audit.models import AuditEvent
from incubator.compliance.models import PlatformAnnualFacts, RuleSet
from incubator.extensions import db
from tests import factories

from .conftest import build_incubator
from .test_hightech import company
from tests.pages import page_text

pytestmark = pytest.mark.usefixtures("rule_sets")


def csv_cells(response) -> set[str]:
    """Every cell of a CSV response: a platform code is compared whole, never as part of another value."""
    return {cell for row in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))) for cell in row}


@pytest.fixture
def zone(app, login_as):
    """Two incubators, a manager for each, an admin and a founder of a tenant of the first."""
    first, companies = build_incubator(tenants=3, graduates=1, with_patent_applications=1, with_valid_ip=1, financed=1,
                                       code="A1")
    second, others = build_incubator(tenants=2, graduates=0, with_patent_applications=0, with_valid_ip=0, financed=0,
                                     code="B1")
    manager_client, manager = login_as("manager")
    other_client, other = login_as("manager")
    first.managers.append(manager)
    second.managers.append(other)
    db.session.commit()
    admin_client, _ = login_as("admin")
    founder_client, _ = login_as("startup", organisation_id=companies[0].id)
    return {"first": first, "second": second, "companies": companies, "others": others,
            "manager": manager_client, "other": other_client, "admin": admin_client, "founder": founder_client}


def test_gap_page_shows_values_thresholds_and_distances(zone):
    html = zone["manager"].get(f"/compliance/platforms/{zone['first'].id}?year=2025").get_data(as_text=True)
    assert "At least 50 tenant startups" in html and "47 more tenants" in html
    assert "History by year" in html


def test_gap_pages_are_scoped_to_the_managers_platforms(zone):
    first, second = zone["first"].id, zone["second"].id
    assert zone["manager"].get(f"/compliance/platforms/{second}").status_code == 404
    assert zone["manager"].get(f"/compliance/platforms/{second}/facts/2025").status_code == 404
    assert zone["manager"].post(f"/compliance/platforms/{second}/facts/2025", data={}).status_code == 404
    assert zone["manager"].get(f"/compliance/torch/{second}/print").status_code == 404
    assert zone["founder"].get(f"/compliance/platforms/{first}").status_code == 403
    overview = page_text(zone["manager"].get("/compliance/?year=2025"))
    assert "A1" in overview and "B1" not in overview
    assert "B1" in page_text(zone["admin"].get("/compliance/?year=2025"))


def facts_form(**overrides):
    from incubator.compliance.models import FACT_AREA_FIELDS, FACT_COUNT_FIELDS, FACT_MONEY_FIELDS

    data = {name: "0" for name in FACT_COUNT_FIELDS + FACT_MONEY_FIELDS + FACT_AREA_FIELDS}
    data["area_total_m2"] = ""
    data.update(overrides)
    return data


def test_manager_enters_annual_facts_in_wan_stored_as_yuan_and_audited(zone):
    platform = zone["first"]
    response = zone["manager"].post(f"/compliance/platforms/{platform.id}/facts/2026", data=facts_form(
        mentors="７", service_staff="2", income_total="1,234.5678", income_services="100", profit="-12.5",
        area_tenant_m2="800.25"))
    assert response.status_code == 302, response.get_data(as_text=True)
    facts = db.session.scalar(select(PlatformAnnualFacts).where(PlatformAnnualFacts.platform_id == platform.id,
                                                                PlatformAnnualFacts.year == 2026))
    assert facts.mentors == 7 and facts.income_total == 12_345_678 and facts.profit == -125_000
    assert facts.area_tenant_m2 == Decimal("800.25")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "annual_facts_created",
                                                      AuditEvent.entity_id == str(facts.id))) is not None


def test_invalid_facts_keep_the_input_and_save_nothing(zone):
    platform = zone["first"]
    response = zone["manager"].post(f"/compliance/platforms/{platform.id}/facts/2026", data=facts_form(
        mentors="many", income_total="1.23456", full_time_staff="2", professional_staff="3"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="many"' in html and "Enter a whole number." in html and "Use at most 4 decimal places." in html
    assert db.session.scalar(select(PlatformAnnualFacts).where(PlatformAnnualFacts.year == 2026)) is None


def test_income_by_source_may_not_exceed_the_total(zone):
    response = zone["admin"].post(f"/compliance/platforms/{zone['second'].id}/facts/2026", data=facts_form(
        income_total="10", income_services="8", income_property="3"))
    assert "at least the sum of the income by source" in response.get_data(as_text=True)


def test_future_years_cannot_be_entered(zone):
    assert zone["admin"].get(f"/compliance/platforms/{zone['first'].id}/facts/2027").status_code == 404


def test_admin_edits_a_threshold_and_the_gap_follows(zone, app):
    rule_set = db.session.scalar(select(RuleSet).where(RuleSet.code == "national_incubator_2018"))
    criterion = next(c for c in rule_set.criteria if c.code == "tenants")
    url = f"/compliance/rule-sets/{rule_set.id}/criteria/{criterion.id}"
    assert zone["manager"].get(url).status_code == 403
    response = zone["admin"].post(url, data={"code": "tenants", "name_zh": "在孵企业不少于3家", "name_en": "At least 3",
                                             "computation": "tenant_count", "comparison": ">=", "threshold": "3",
                                             "group_code": "", "sort_order": "40"})
    assert response.status_code == 302
    db.session.expire_all()
    assert next(c for c in rule_set.criteria if c.code == "tenants").threshold == 3
    html = zone["manager"].get(f"/compliance/platforms/{zone['first'].id}?year=2025").get_data(as_text=True)
    assert "47 more tenants" not in html
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "criterion_updated")) is not None


def test_criterion_form_refuses_a_computation_of_the_wrong_subject_and_keeps_input(zone):
    rule_set = db.session.scalar(select(RuleSet).where(RuleSet.code == "national_incubator_2018"))
    response = zone["admin"].post(f"/compliance/rule-sets/{rule_set.id}/criteria/new", data={
        "code": "Bad Code", "name_zh": "x", "name_en": "x", "computation": "is_high_tech", "comparison": ">=",
        "threshold": "abc", "group_code": "", "sort_order": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'value="abc"' in html and "Use lower-case letters" in html


def test_admin_copies_a_rule_set_for_a_province(zone):
    rule_set = db.session.scalar(select(RuleSet).where(RuleSet.code == "national_maker_space_filing"))
    response = zone["admin"].post(f"/compliance/rule-sets/{rule_set.id}/copy", data={
        "code": "zhejiang_maker_space", "name_zh": "浙江省众创空间", "name_en": "Zhejiang maker space", "region": "浙江",
        "source_document": "浙江省众创空间管理办法", "effective_on": "2022-01-01"})
    assert response.status_code == 302
    copy = db.session.scalar(select(RuleSet).where(RuleSet.code == "zhejiang_maker_space"))
    assert copy.region == "浙江" and len(copy.criteria) == len(rule_set.criteria)
    again = zone["admin"].post(f"/compliance/rule-sets/{rule_set.id}/copy", data={
        "code": "zhejiang_maker_space", "name_zh": "重复", "name_en": "dup", "source_document": "x",
        "effective_on": "2022-01-01"})
    assert "already exists" in again.get_data(as_text=True)
    assert zone["manager"].get("/compliance/rule-sets").status_code == 403


def test_admin_deletes_a_criterion_after_confirmation(zone):
    rule_set = db.session.scalar(select(RuleSet).where(RuleSet.code == "national_maker_space_filing"))
    criterion_id, code = rule_set.criteria[0].id, rule_set.criteria[0].code
    response = zone["admin"].post(f"/compliance/rule-sets/{rule_set.id}/criteria/{criterion_id}/delete")
    assert response.status_code == 302
    db.session.expire_all()
    assert code not in [c.code for c in db.session.get(RuleSet, rule_set.id).criteria]
    other = db.session.scalar(select(RuleSet).where(RuleSet.code == "national_incubator_2018"))
    assert zone["admin"].post(f"/compliance/rule-sets/{other.id}/criteria/{other.criteria[0].id + 10000}/delete"
                              ).status_code == 404


def test_high_tech_list_is_scoped_and_company_page_too(zone):
    ready = company(name="就绪科技")
    factories.incubation(ready, zone["first"], date(2024, 1, 1))
    stranger = company(name="外区企业")
    db.session.commit()
    html = zone["manager"].get("/compliance/high-tech").get_data(as_text=True)
    assert "就绪科技" in html and "外区企业" not in html
    assert zone["manager"].get(f"/compliance/companies/{stranger.id}").status_code == 404
    assert zone["manager"].get(f"/compliance/companies/{ready.id}").status_code == 200
    assert zone["founder"].get(f"/compliance/companies/{ready.id}").status_code == 404
    own = zone["founder"].get(f"/compliance/companies/{zone['companies'][0].id}")
    assert own.status_code == 200 and "Tech-based SME pre-check" in own.get_data(as_text=True)
    assert "外区企业" in zone["admin"].get("/compliance/high-tech?show=all").get_data(as_text=True)


def test_torch_exports_only_the_managers_platforms(zone):
    csv_response = zone["manager"].get("/compliance/torch/export.csv?year=2025&lang=en")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    cells = csv_cells(csv_response)
    assert "A1" in cells and "B1" not in cells
    xlsx = zone["admin"].get("/compliance/torch/export.xlsx?year=2025")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    statistics = openpyxl.load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    assert statistics.auto_filter.ref.startswith("A1:") and statistics.page_setup.orientation == "landscape"
    assert "2025" in statistics.oddHeader.left.text
    assert zone["admin"].get("/compliance/torch/export.pdf").status_code == 404
    single = zone["admin"].get(f"/compliance/torch/export.csv?year=2025&platform={zone['second'].id}")
    assert "B1" in csv_cells(single) and "A1" not in csv_cells(single)
    # Per platform: year, platform code and language in the name; the Chinese name in RFC 5987 filename*.
    chinese = zone["admin"].get(f"/compliance/torch/export.csv?year=2025&platform={zone['second'].id}&lang=zh")
    assert chinese.headers["Content-Disposition"] == (
        'attachment; filename="torch-statistics_2025_B1_zh.csv"; '
        "filename*=UTF-8''%E7%81%AB%E7%82%AC%E7%BB%9F%E8%AE%A1_2025_B1_zh.csv")  # 火炬统计_2025_B1_zh.csv
    english = zone["admin"].get(f"/compliance/torch/export.csv?year=2025&platform={zone['second'].id}&lang=en")
    assert english.headers["Content-Disposition"] == 'attachment; filename="torch-statistics_2025_B1_en.csv"'
    assert zone["manager"].get(f"/compliance/torch/export.csv?platform={zone['second'].id}").status_code == 404
    page = zone["manager"].get("/compliance/torch?year=2025").get_data(as_text=True)
    assert "Cross-checks before export" in page
    printable = zone["manager"].get(f"/compliance/torch/{zone['first'].id}/print?year=2025").get_data(as_text=True)
    assert "Seal of the operator" in printable and "Prepared by" in printable


def test_overview_uses_a_fixed_number_of_queries(app, login_as, count_queries):
    client, _ = login_as("admin")
    for n in range(2):
        build_incubator(tenants=2, graduates=0, with_patent_applications=0, with_valid_ip=0, financed=0, code=f"X{n}")
    with count_queries() as few:
        assert client.get("/compliance/?year=2025").status_code == 200
    for n in range(4):
        build_incubator(tenants=2, graduates=0, with_patent_applications=0, with_valid_ip=0, financed=0, code=f"Y{n}")
    with count_queries() as many:
        assert client.get("/compliance/?year=2025").status_code == 200
    page_statements = [[s for s in counter.statements if "user_sessions" not in s] for counter in (few, many)]
    assert len(page_statements[0]) == len(page_statements[1]) <= 16


def test_a_new_year_form_starts_from_zeros_and_an_existing_one_shows_wan(zone):
    platform = zone["first"]
    html = zone["manager"].get(f"/compliance/platforms/{platform.id}/facts/2026").get_data(as_text=True)
    import re
    assert re.search(r'<input[^>]*id="mentors"[^>]*value="0"', html)
    assert re.search(r'<input[^>]*id="area_total_m2"[^>]*value=""', html)
    from incubator.compliance.services import save_facts
    save_facts(platform, 2024, {"income_total": 12_345_678, "area_offices_m2": Decimal("120.50")})
    db.session.commit()
    html = zone["manager"].get(f"/compliance/platforms/{platform.id}/facts/2024").get_data(as_text=True)
    assert 'value="1234.5678"' in html and 'value="120.5"' in html
