"""Two platforms with a manager each, a founder's company on each, and four verified quarters of history
(a steady 100 万元 of revenue) before 2026Q3, the quarter filed. No reference data beyond these records."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest

from incubator import clock
from incubator.extensions import db
from tests import factories
from tests.locale import english_messages

WAN = 10_000
STEADY = {"revenue": 100 * WAN, "rd_expense": 10 * WAN, "employees": 10, "rd_staff": 2, "tax_paid": 3 * WAN}


@dataclass
class Zone:
    platform: object
    other: object
    manager: object
    other_manager: object
    company: object
    other_company: object
    founder: object
    other_founder: object


_english_messages = pytest.fixture(autouse=True, name="_english_messages")(english_messages)


@pytest.fixture
def zone(app, make_user):
    clock.freeze(datetime(2026, 10, 10, 9, 0))
    platform = factories.platform(code="INC-A", name="孵化器甲")
    other = factories.platform(code="INC-B", name="孵化器乙")
    company = factories.organisation(name="甲公司")
    other_company = factories.organisation(name="乙公司")
    factories.incubation(company, platform, date(2025, 1, 1))
    factories.incubation(other_company, other, date(2025, 1, 1))
    for org, step in ((company, 0), (other_company, 1)):
        for period in ("2025Q3", "2025Q4", "2026Q1", "2026Q2"):
            factories.report(org, period, **{**STEADY, "revenue": STEADY["revenue"] + step + len(period)})
    manager = make_user("manager", name="经理甲")
    other_manager = make_user("manager", name="经理乙")
    platform.managers.append(manager)
    other.managers.append(other_manager)
    founder = make_user("startup", organisation_id=company.id)
    other_founder = make_user("startup", organisation_id=other_company.id)
    db.session.commit()
    return Zone(platform, other, manager, other_manager, company, other_company, founder, other_founder)
