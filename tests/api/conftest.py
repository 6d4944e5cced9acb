"""A small zone of two platforms, two companies and a partner institution, with a token for each role."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from incubator.api.tokens import create_token
from incubator.extensions import db
from tests import factories as f


@dataclass
class ApiZone:
    platforms: list = field(default_factory=list)
    companies: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    partner: object = None
    agreements: list = field(default_factory=list)
    deals: list = field(default_factory=list)


@pytest.fixture
def api_zone(app, make_user):
    """Platform A (manager ``manager``) incubates company A (founder ``founder``); platform B (``manager_b``)
    incubates company B (``founder_b``); ``partner`` is the contact of institution U, which has an agreement
    with each company. Each user has a token, committed."""
    zone = ApiZone()
    a, b = f.platform(code="PA", name="甲平台"), f.platform(code="PB", name="乙平台")
    company_a, company_b = f.organisation(name="甲公司"), f.organisation(name="乙公司")
    university = f.organisation(kind="university", name="某大学")
    f.incubation(company_a, a, date(2025, 1, 1))
    f.incubation(company_b, b, date(2025, 1, 1))
    for company in (company_a, company_b):
        for period in ("2026Q1", "2026Q2"):
            zone.reports.append(f.report(company, period, revenue=1_234_500, employees=7))
    zone.reports.append(f.report(company_a, "2026Q3", status="submitted", revenue=10_000))
    zone.agreements = [f.partnership(university, company_id=company_a.id),
                       f.partnership(university, company_id=company_b.id)]
    zone.deals = [f.deal(university, company_a, date(2026, 2, 1), value=50_000),
                  f.deal(university, company_b, date(2026, 3, 1), value=70_000)]
    zone.platforms, zone.companies, zone.partner = [a, b], [company_a, company_b], university
    zone.users = {
        "admin": make_user("admin"),
        "manager": make_user("manager"),
        "manager_b": make_user("manager"),
        "founder": make_user("startup", organisation_id=company_a.id),
        "founder_b": make_user("startup", organisation_id=company_b.id),
        "partner": make_user("partner", organisation_id=university.id),
    }
    a.managers.append(zone.users["manager"])
    b.managers.append(zone.users["manager_b"])
    for name, user in zone.users.items():
        zone.tokens[name] = create_token(user, f"{name} script")[1]
    db.session.commit()
    return zone


@pytest.fixture
def api_get(client):
    """``api_get(token, "/api/v1/...", **query)`` sends a GET with the bearer header."""
    def get(token, path, **query):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.get(path, query_string=query, headers=headers)
    return get
