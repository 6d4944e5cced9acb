"""High-tech readiness: the sales bands, the boundaries, candidates, the super-deduction and the tech SME pre-check."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from incubator.compliance import hightech
from incubator.extensions import db
from tests import factories

from .conftest import add_ip


def company(revenue_per_year=10_000_000, rd_total=1_500_000, employees=20, rd_staff=2, founded=date(2025, 6, 30),
            ip=True, **values):
    """Verified Q4 reports for 2023–2025 (the clock stands in June 2026), R&D spread over the years."""
    org = factories.organisation(founded_on=founded, **values)
    shares = [rd_total // 3, rd_total // 3, rd_total - 2 * (rd_total // 3)]
    for year, rd in zip((2023, 2024, 2025), shares):
        factories.report(org, f"{year}Q4", revenue=revenue_per_year, rd_expense=rd, employees=employees,
                         rd_staff=rd_staff)
    if ip:
        add_ip(org, kind="invention_patent", status="granted", filed_on=date(2022, 1, 1), granted_on=date(2024, 1, 1))
    db.session.commit()
    return org


def readiness(org):
    from sqlalchemy import select
    from incubator.organisations.models import Organisation

    return hightech.readiness_for(select(Organisation.id).where(Organisation.id == org.id))[0]


def test_required_ratio_by_last_years_sales_band():
    assert hightech.required_rd_ratio(0) == 5
    assert hightech.required_rd_ratio(50_000_000) == 5
    assert hightech.required_rd_ratio(50_000_001) == 4
    assert hightech.required_rd_ratio(200_000_000) == 4
    assert hightech.required_rd_ratio(200_000_001) == 3


def test_a_company_exactly_at_every_requirement_is_eligible(app):
    item = readiness(company())
    checks = {c.code: c for c in item.checks}
    assert all(c.met for c in checks.values()), [(c.code, c.gap) for c in item.checks]
    assert checks["rd_ratio"].value == "5.00%" and checks["rd_staff"].value == "10.00%"
    assert item.eligible and item.candidate


def test_one_yuan_short_of_the_ratio_shows_the_distance(app):
    item = readiness(company(rd_total=1_499_999))
    checks = {c.code: c for c in item.checks}
    assert not checks["rd_ratio"].met
    assert checks["rd_ratio"].gap == "0.0001 (10,000 CNY) more R&D expenditure over the three years"
    assert item.candidate and not item.eligible


def test_the_band_follows_last_years_sales(app):
    item = readiness(company(revenue_per_year=60_000_000, rd_total=7_200_000))  # 4% of 180 M
    assert item.required_ratio == 4 and {c.code: c for c in item.checks}["rd_ratio"].met


def test_staff_registration_and_ip_shortfalls(app):
    item = readiness(company(employees=25, rd_staff=2, founded=date(2025, 7, 1), ip=False))
    checks = {c.code: c for c in item.checks}
    assert checks["rd_staff"].gap == "1 more R&D staff member"
    assert checks["registered"].gap == "eligible from 2026-07-01"
    assert not checks["valid_ip"].met
    assert item.unmet == 3 and not item.candidate


def test_candidates_exclude_recognised_companies_and_those_far_off(app):
    ready = company(name="甲公司")
    close = company(name="乙公司", ip=False)
    far = company(name="丙公司", ip=False, rd_staff=0)
    recognised = company(name="丁公司", high_tech_cert_no="GR2024", high_tech_valid_from=date(2024, 1, 1),
                         high_tech_valid_until=date(2026, 12, 31))
    items = hightech.readiness_for(None)
    names = [item.organisation.name for item in hightech.candidates(items)]
    assert names == ["甲公司", "乙公司"]
    assert far.id and recognised.id and ready.id and close.id


def test_super_deduction_is_last_years_expensed_rd_exactly(app):
    item = readiness(company(rd_total=1_800_001))
    assert item.last_year_rd == 600_001 and item.super_deduction == 600_001
    assert item.tax_effect == Decimal("150000.25")


def test_tech_sme_precheck_at_its_limits(app):
    at_limit = readiness(company(revenue_per_year=200_000_000, rd_total=24_000_000, employees=500, rd_staff=50))
    over = readiness(company(revenue_per_year=200_000_000, rd_total=24_000_000, employees=501, rd_staff=51))
    assert at_limit.tech_sme and not over.tech_sme


def test_readiness_uses_a_fixed_number_of_queries(app, count_queries):
    for _ in range(2):
        company()
    with count_queries() as few:
        assert len(hightech.readiness_for(None)) == 2
    for _ in range(6):
        company()
    with count_queries() as many:
        assert len(hightech.readiness_for(None)) == 8
    assert few.count == many.count <= 5
