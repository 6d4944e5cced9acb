"""Demo data: resources of every kind on the seeded platforms, trainings, a block and a month of bookings."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from incubator import clock
from incubator.bookings.models import BookableResource, Booking, BookingBlock, BookingSlot, BookingTraining
from incubator.bookings.seed import seed_bookings
from incubator.extensions import db
from incubator.seed import SeedContext

from .. import factories
from .conftest import NOW


def test_seeder_makes_rooms_desks_and_equipment_with_a_month_of_bookings_and_no_overlap(app, make_user):
    clock.freeze(NOW)
    lab = factories.platform(code="LAB", kind="key_lab")
    space = factories.platform(code="SPACE", kind="maker_space")
    founders = []
    for index in range(4):
        company = factories.organisation(name=f"演示公司{index}", registered_in_zone=True)
        factories.incubation(company, lab if index % 2 else space, date(2025, 1, 1))
        founders.append(company)
    db.session.commit()
    for company in founders:
        make_user("startup", organisation_id=company.id)
    context = SeedContext(rng=random.Random(7), made={"platforms": {"LAB": lab, "SPACE": space}})
    seed_bookings(context)
    db.session.commit()
    kinds = dict(db.session.execute(select(BookableResource.kind, func.count()).group_by(BookableResource.kind)).all())
    assert set(kinds) == {"room", "desk", "equipment"}
    assert db.session.scalar(select(func.count()).select_from(BookingTraining)) > 0
    assert db.session.scalar(select(func.count()).select_from(BookingBlock)) == 1
    starts = list(db.session.scalars(select(Booking.starts_at)))
    assert len(starts) > 20
    assert min(starts) < clock.utcnow() - timedelta(days=7) and max(starts) > clock.utcnow() + timedelta(days=7)
    # Every active booking holds its slot rows (and the unique constraint held while seeding).
    active_minutes = sum((b.ends_at - b.starts_at).total_seconds() / 60 for b in db.session.scalars(
        select(Booking).where(Booking.status.in_(("pending", "confirmed")))))
    booked_rows = db.session.scalar(select(func.count()).select_from(BookingSlot).where(BookingSlot.booking_id.is_not(None)))
    assert booked_rows * 15 == active_minutes
