"""A small world for the scope tests, built in each test from the empty migrated database (factories only)."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from incubator import clock
from incubator.extensions import db
from incubator.platforms.models import Tenancy
from tests import factories

TODAY = datetime(2026, 8, 20, 10, 0)


@pytest.fixture
def world(app, make_user):
    """Platforms A and B with a manager each, and companies:

    ``elsewhere`` incubated on B now; ``former`` incubated on A until 2025-06-30, then on B (its 2025Q1 report
    is A's, its 2026Q1 report B's); ``free`` on record with no incubation or tenancy; ``ex_tenant`` rented on A
    until 2025-12-31 and nothing since.
    """
    clock.freeze(TODAY)
    a, b = factories.platform(code="PA"), factories.platform(code="PB")
    elsewhere, former = factories.organisation(name="别处在孵公司"), factories.organisation(name="曾在孵公司")
    free, ex_tenant = factories.organisation(name="自由公司"), factories.organisation(name="曾租户公司")
    factories.incubation(elsewhere, b, date(2025, 1, 1))
    factories.incubation(former, a, date(2024, 1, 1), status="exited", ended_on=date(2025, 6, 30))
    factories.incubation(former, b, date(2025, 7, 1))
    db.session.add(Tenancy(platform_id=a.id, organisation_id=ex_tenant.id, starts_on=date(2025, 1, 1),
                           ends_on=date(2025, 12, 31)))
    factories.report(elsewhere, "2026Q1", revenue=1_000_000, rd_expense=0, employees=10)
    factories.report(former, "2025Q1", revenue=2_000_000, rd_expense=0, employees=10)
    factories.report(former, "2026Q1", revenue=3_000_000, rd_expense=0, employees=10)
    db.session.commit()
    manager_a, manager_b = make_user("manager"), make_user("manager")
    a.managers.append(manager_a)
    b.managers.append(manager_b)
    db.session.commit()
    return {"a": a, "b": b, "elsewhere": elsewhere, "former": former, "free": free, "ex_tenant": ex_tenant,
            "manager_a": manager_a, "manager_b": manager_b}
