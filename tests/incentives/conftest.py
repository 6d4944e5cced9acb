"""A hand-built zone for the incentive rules: every figure below is checked by hand in the tests."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from incubator import clock
from incubator.extensions import db
from incubator.incentives.models import Policy
from incubator.partnerships.models import Talent
from incubator.platforms.models import Recognition, Tenancy

from .. import factories

WAN = 10_000


@pytest.fixture
def zone(app):
    """Three companies incubating in one platform, an outsider, an institution, a talent, a recognition."""
    clock.freeze(datetime(2026, 11, 29, 10, 0))
    incubator = factories.platform(code="P-INC", kind="incubator", level="provincial")
    alpha = factories.organisation(name="Alpha 科技")
    beta = factories.organisation(name="Beta 智能")
    gamma = factories.organisation(name="Gamma 材料")
    outsider = factories.organisation(name="Outsider 公司")  # not incubating, not registered in the zone
    university = factories.organisation(kind="university", name="示范大学")
    for company in (alpha, beta, gamma):
        factories.incubation(company, incubator, date(2024, 3, 1))
    # R&D expense in yuan: alpha 2025 = 4 × 300,000 = 1,200,000; 2024 = 4 × 200,000 = 800,000
    for quarter in range(1, 5):
        factories.report(alpha, f"2025Q{quarter}", rd_expense=300_000, revenue=2_000_000)
        factories.report(alpha, f"2024Q{quarter}", rd_expense=200_000)
        factories.report(beta, f"2025Q{quarter}", rd_expense=500_000)  # 2,000,000 in 2025, nothing in 2024
        factories.report(outsider, f"2025Q{quarter}", rd_expense=1_000_000)
    # gamma: only three verified quarters and one returned report -> fails both report conditions
    for quarter in range(1, 4):
        factories.report(gamma, f"2025Q{quarter}", rd_expense=100_000)
    factories.report(gamma, "2025Q4", status="returned", rd_expense=100_000)
    # after: 2026 reports for the effect comparison
    factories.report(alpha, "2026Q1", rd_expense=600_000)
    factories.report(beta, "2026Q1", rd_expense=500_000)
    db.session.add(Tenancy(platform_id=incubator.id, organisation_id=alpha.id, starts_on=date(2025, 11, 15),
                           ends_on=date(2026, 6, 30), monthly_rent=3_000))
    db.session.add(Recognition(platform_id=incubator.id, level="municipal", recognized_on=date(2022, 5, 1),
                               issuing_body="市科技局"))
    db.session.add(Recognition(platform_id=incubator.id, level="provincial", recognized_on=date(2025, 9, 1),
                               issuing_body="省科技厅"))
    db.session.add(Talent(name="王院士团队", category="team", members=5, joined_on=date(2025, 4, 1),
                          company_id=beta.id))
    factories.deal(university, alpha, date(2025, 6, 1), value=2_000_000)
    factories.deal(university, alpha, date(2025, 8, 1), value=1_000_000)
    incubator.host_id = university.id
    db.session.commit()
    return {"platform": incubator, "alpha": alpha, "beta": beta, "gamma": gamma, "outsider": outsider,
            "university": university}


def make_policy(**values) -> Policy:
    defaults = dict(name="研发补助", year=2026, kind="rd_subsidy", basis="rd_expense_last_year", reference_year=2025,
                    rate_scaled=10 * 10_000, budget=1_000 * WAN, conditions=[], allocation="pro_rata", status="open",
                    minimum_basis=0)
    defaults.update(values)
    policy = Policy(**defaults)
    db.session.add(policy)
    db.session.commit()
    return policy


@pytest.fixture
def config_overrides():
    """Service messages outside a request use the default locale: English here, so tests read them."""
    return {"BABEL_DEFAULT_LOCALE": "en"}
