"""Demo targets: this year's targets are last year's figures plus 10 %, for the zone and each platform."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from incubator import clock
from incubator.extensions import db
from incubator.outcomes import services
from incubator.outcomes.seed import seed_targets
from incubator.seed import SeedContext
from tests import factories


def test_demo_targets_follow_last_years_figures(app):
    clock.freeze(datetime(2026, 5, 1, 9, 0))
    where = factories.platform("P1")
    company = factories.organisation()
    factories.incubation(company, where, date(2025, 1, 1))
    for quarter in (1, 2, 3, 4):
        factories.report(company, f"2025Q{quarter}", revenue=250_000, employees=10, rd_staff=2)
    db.session.commit()
    seed_targets(SeedContext(rng=None))
    db.session.commit()
    targets = services.approved_targets(2026)
    assert targets["ZONE"]["REVENUE"] == Decimal("110")  # 100 万元 last year, +10 %
    assert targets["ZONE"]["EMPLOYEES"] == Decimal("11")
    assert targets[where.id]["STARTUPS_INCUBATING"] == Decimal("2")  # 1 × 1.1, rounded up to a whole number
    assert services.weights_for(2026)["REVENUE"] == Decimal(2)
    seed_targets(SeedContext(rng=None))  # running again adds nothing
    db.session.commit()
    assert services.approved_targets(2026) == targets
