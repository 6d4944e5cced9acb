"""Demo data: 100+ companies with two years of reports, applications in every state, reviews, a bound founder."""
from __future__ import annotations

import random

from sqlalchemy import func, select

from incubator import seed
from incubator.auth.models import User
from incubator.extensions import db
from incubator.startups.models import APPLICATION_STATUSES, Application, Incubation, QuarterlyReport, ReviewAssignment


def test_demo_data_of_the_startups_area(app):
    context = seed.SeedContext(rng=random.Random(7))
    for order, _name, seeder in seed._seeders:
        if order <= 39:
            seeder(context)
            db.session.flush()
    db.session.commit()
    companies = db.session.scalar(select(func.count(func.distinct(QuarterlyReport.organisation_id))))
    assert companies >= 85 and len(context.made["companies"]) >= 100
    periods = db.session.scalar(select(func.count(func.distinct(QuarterlyReport.period))))
    assert periods == 8
    statuses = dict(db.session.execute(select(QuarterlyReport.status, func.count()).group_by(QuarterlyReport.status)).all())
    assert statuses["verified"] > 10 * (statuses.get("submitted", 0) + statuses.get("returned", 0))
    assert {"submitted", "returned"} <= set(statuses)
    assert set(db.session.scalars(select(Application.status))) == set(APPLICATION_STATUSES)
    assert db.session.scalar(select(func.count()).select_from(ReviewAssignment)) >= 4
    founder = db.session.scalar(select(User).where(User.email == "founder@demo.zone"))
    assert db.session.scalar(select(func.count()).where(Incubation.organisation_id == founder.organisation_id)) == 1
    names = db.session.scalars(select(Application.company_name)).all()
    assert all("有限公司" in name for name in names)
