"""The demo data of the area: institutions, agreements of every kind, cohorts over three years, deals, talent."""
from __future__ import annotations

import random

from sqlalchemy import func, select

from incubator.extensions import db
from incubator.organisations import credit_code
from incubator.organisations.models import INSTITUTION_KINDS, Organisation
from incubator.partnerships.models import PARTNERSHIP_KINDS, Partnership, Talent, TechTransferDeal, TrainingCohort
from incubator.partnerships.seed import seed_partnerships
from incubator.seed import SeedContext


def test_seeder_makes_a_living_partnership_landscape(app, make_user):
    partner = make_user("partner", email="partner@demo.zone")
    context = SeedContext(rng=random.Random(2026), made={"users": {"partner@demo.zone": partner}})
    seed_partnerships(context)
    db.session.commit()
    institutions = list(db.session.scalars(select(Organisation).where(Organisation.kind.in_(INSTITUTION_KINDS))))
    assert len(institutions) >= 8
    assert all(credit_code.is_valid(org.credit_code) for org in institutions)
    assert db.session.scalar(select(func.count(Partnership.id))) >= 30
    assert set(db.session.scalars(select(Partnership.kind).distinct())) == set(PARTNERSHIP_KINDS)
    years = set(db.session.scalars(select(TrainingCohort.cohort_year).distinct()))
    assert len(years) >= 3
    assert db.session.scalar(select(func.count(TechTransferDeal.id))) >= 50
    assert db.session.scalar(select(func.count(Talent.id))) >= 10
    db.session.refresh(partner)
    assert partner.organisation_id in {org.id for org in institutions}
    own_cohorts = db.session.scalar(select(func.count(TrainingCohort.id)).join(Partnership)
                                    .where(Partnership.partner_id == partner.organisation_id))
    assert own_cohorts >= 1
