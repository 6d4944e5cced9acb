"""The booking rules, on the services: every refusal leaves nothing saved."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from incubator import clock
from incubator.bookings import services
from incubator.bookings.models import Booking, BookingBlock, BookingSlot
from incubator.bookings.services import BookingError
from incubator.extensions import db
from incubator.platforms.models import Tenancy

from .. import factories
from .conftest import MONDAY, at

TUESDAY = MONDAY + timedelta(days=1)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def refused(fn, *args, match: str, **kwargs):
    """Call a service expecting a refusal; roll back as the view does and check nothing was kept."""
    before = (count(Booking), count(BookingSlot))
    with pytest.raises(BookingError, match=match):
        fn(*args, **kwargs)
    db.session.rollback()
    assert (count(Booking), count(BookingSlot)) == before


def test_tenant_books_a_free_slot_with_one_slot_row_per_quarter_hour_and_the_tenant_price(world):
    booking = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 12), "样品切割")
    db.session.commit()
    assert booking.status == "confirmed"
    assert booking.organisation_id == world.company_a.id
    assert booking.rate == "tenant" and booking.price == 40  # 2 h × 20 yuan
    assert count(BookingSlot) == 8


def test_overlapping_booking_is_refused_and_nothing_saved(world):
    services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 12))
    db.session.commit()
    refused(services.book, world.instrument, world.founder_b, at(TUESDAY, 11), at(TUESDAY, 13),
            match="already booked")


def test_adjacent_booking_is_accepted(world):
    services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    services.book(world.instrument, world.founder_b, at(TUESDAY, 11), at(TUESDAY, 12))
    db.session.commit()
    assert count(Booking) == 2


def test_past_slot_is_refused(world):
    clock.freeze(at(TUESDAY, 11, 30))
    refused(services.book, world.instrument, world.founder_a, at(TUESDAY, 11), at(TUESDAY, 12),
            match="already passed")


@pytest.mark.parametrize("start,end,message", [
    ((8, 0), (9, 0), "Outside opening hours"),
    ((17, 0), (19, 0), "Outside opening hours"),
    ((10, 30), (11, 30), "slots of 60 minutes"),
    ((11, 0), (10, 0), "end must be after"),
])
def test_times_outside_the_opening_hours_or_off_the_slot_grid_are_refused(world, start, end, message):
    refused(services.book, world.instrument, world.founder_a, at(TUESDAY, *start), at(TUESDAY, *end),
            match=message)


def test_closed_day_is_refused(world):
    saturday = MONDAY + timedelta(days=5)
    refused(services.book, world.instrument, world.founder_a, at(saturday, 10), at(saturday, 11), match="closed")


@pytest.mark.parametrize("status,message", [("maintenance", "under maintenance"), ("retired", "retired")])
def test_resource_not_available_is_refused(world, status, message):
    world.instrument.status = status
    db.session.commit()
    refused(services.book, world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11), match=message)


def test_company_without_tenancy_or_incubation_is_refused_on_a_tenants_only_resource(world, make_user):
    stranger_company = factories.organisation(name="丙公司", registered_in_zone=True)
    db.session.commit()
    stranger = make_user("startup", organisation_id=stranger_company.id)
    refused(services.book, world.instrument, stranger, at(TUESDAY, 10), at(TUESDAY, 11), match="tenancy or incubation")


def test_booking_after_the_tenancy_ends_is_refused(world):
    tenancy = db.session.scalar(select(Tenancy).where(Tenancy.organisation_id == world.company_b.id))
    tenancy.ends_on = MONDAY + timedelta(days=3)
    db.session.commit()
    services.book(world.instrument, world.founder_b, at(MONDAY + timedelta(days=3), 10),
                  at(MONDAY + timedelta(days=3), 11))  # last day of the tenancy: fine
    db.session.commit()
    friday = MONDAY + timedelta(days=4)
    refused(services.book, world.instrument, world.founder_b, at(friday, 10), at(friday, 11),
            match="tenancy or incubation")


def test_zone_audience_admits_any_zone_company_at_the_tenant_price_and_refuses_others(world, make_user):
    world.instrument.audience = "zone"
    zone_company = factories.organisation(name="区内公司", registered_in_zone=True)
    far_company = factories.organisation(name="区外公司", registered_in_zone=False)
    db.session.commit()
    zone_user = make_user("startup", organisation_id=zone_company.id)
    far_user = make_user("startup", organisation_id=far_company.id)
    booking = services.book(world.instrument, zone_user, at(TUESDAY, 10), at(TUESDAY, 11))
    assert booking.rate == "tenant" and booking.price == 20
    db.session.commit()
    refused(services.book, world.instrument, far_user, at(TUESDAY, 12), at(TUESDAY, 13), match="companies of the zone")
    refused(services.book, world.instrument, world.outsider, at(TUESDAY, 12), at(TUESDAY, 13),
            match="companies of the zone")


def test_public_audience_lets_an_outside_user_book_at_the_outsider_price(world):
    world.room.audience = "public"
    db.session.commit()
    booking = services.book(world.room, world.outsider, at(TUESDAY, 14), at(TUESDAY, 15, 30))
    db.session.commit()
    assert booking.rate == "outsider" and booking.organisation_id is None
    assert booking.price == 150  # 1.5 h × 100 yuan
    tenant_booking = services.book(world.room, world.founder_a, at(TUESDAY, 16), at(TUESDAY, 17))
    assert tenant_booking.rate == "tenant" and tenant_booking.price == 0


def test_managers_do_not_book_they_block(world):
    refused(services.book, world.instrument, world.manager, at(TUESDAY, 10), at(TUESDAY, 11), match="block time")


def test_training_gated_equipment_needs_a_valid_training(world):
    world.instrument.requires_training = True
    db.session.commit()
    refused(services.book, world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11), match="trained")
    services.record_training(world.instrument, world.founder_a, MONDAY - timedelta(days=30), MONDAY + timedelta(days=1))
    db.session.commit()
    services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    # The training is personal: a colleague of the same company is not trained.
    refused(services.book, world.instrument, world.colleague_a, at(TUESDAY, 12), at(TUESDAY, 13), match="trained")
    # After it expires, no more bookings.
    wednesday = MONDAY + timedelta(days=2)
    refused(services.book, world.instrument, world.founder_a, at(wednesday, 10), at(wednesday, 11), match="trained")


def test_training_dates_are_checked(world):
    with pytest.raises(BookingError, match="expire before"):
        services.record_training(world.instrument, world.founder_a, MONDAY, MONDAY - timedelta(days=1))
    with pytest.raises(BookingError, match="future"):
        services.record_training(world.instrument, world.founder_a, MONDAY + timedelta(days=1), None)


def test_recording_a_training_again_renews_it(world):
    services.record_training(world.instrument, world.founder_a, MONDAY - timedelta(days=400), MONDAY - timedelta(days=35))
    services.record_training(world.instrument, world.founder_a, MONDAY, None)
    db.session.commit()
    trainings = services.trainings_of(world.instrument)
    assert len(trainings) == 1 and trainings[0].expires_on is None


def test_daily_quota_counts_every_user_of_the_company(world):
    services.book(world.instrument, world.founder_a, at(TUESDAY, 9), at(TUESDAY, 11))
    db.session.commit()
    refused(services.book, world.instrument, world.colleague_a, at(TUESDAY, 14), at(TUESDAY, 16),
            match="at most 3 hours a day")
    services.book(world.instrument, world.colleague_a, at(TUESDAY, 14), at(TUESDAY, 15))  # exactly 3 h
    services.book(world.instrument, world.founder_b, at(TUESDAY, 15), at(TUESDAY, 18))  # another company
    db.session.commit()


def test_weekly_quota_is_refused_beyond_the_limit_and_resets_next_week(world):
    services.book(world.instrument, world.founder_a, at(TUESDAY, 9), at(TUESDAY, 12))
    services.book(world.instrument, world.founder_a, at(TUESDAY + timedelta(days=1), 9),
                  at(TUESDAY + timedelta(days=1), 11))
    db.session.commit()
    thursday = MONDAY + timedelta(days=3)
    refused(services.book, world.instrument, world.founder_a, at(thursday, 9), at(thursday, 10),
            match="at most 5 hours a week")
    next_monday = MONDAY + timedelta(days=7)
    services.book(world.instrument, world.founder_a, at(next_monday, 9), at(next_monday, 10))


def test_cancelled_bookings_do_not_count_towards_the_quota(world):
    first = services.book(world.instrument, world.founder_a, at(TUESDAY, 9), at(TUESDAY, 12))
    db.session.commit()
    services.cancel_booking(first, world.founder_a)
    services.book(world.instrument, world.founder_a, at(TUESDAY, 13), at(TUESDAY, 16))
    db.session.commit()


def test_cancel_before_the_deadline_frees_the_slots_for_others(world):
    booking = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    services.cancel_booking(booking, world.colleague_a)  # same company
    db.session.commit()
    assert booking.status == "cancelled" and count(BookingSlot) == 0
    services.book(world.instrument, world.founder_b, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()


def test_cancel_after_the_deadline_is_refused_but_the_manager_may_with_a_reason(world):
    booking = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    clock.freeze(at(MONDAY, 11))  # 23 h before: deadline (24 h) passed
    with pytest.raises(BookingError, match="up to 24 hours"):
        services.cancel_booking(booking, world.founder_a)
    db.session.rollback()
    with pytest.raises(BookingError, match="Give a reason"):
        services.cancel_booking(booking, world.manager)
    db.session.rollback()
    services.cancel_booking(booking, world.manager, "设备故障")
    db.session.commit()
    assert booking.status == "cancelled"


def test_change_moves_the_slots_and_keeps_the_booking_when_the_new_time_is_taken(world):
    mine = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    services.book(world.instrument, world.founder_b, at(TUESDAY, 14), at(TUESDAY, 15))
    db.session.commit()
    services.change_booking(mine, world.founder_a, at(TUESDAY, 12), at(TUESDAY, 13, 0))
    db.session.commit()
    assert services.as_local(mine.starts_at).hour == 12
    starts = set(db.session.scalars(select(BookingSlot.slot_start).where(BookingSlot.booking_id == mine.id)))
    assert min(starts) == at(TUESDAY, 12) and len(starts) == 4
    with pytest.raises(BookingError, match="already booked"):
        services.change_booking(mine, world.founder_a, at(TUESDAY, 14), at(TUESDAY, 15))
    db.session.rollback()
    db.session.expire_all()
    assert services.as_local(mine.starts_at).hour == 12
    assert count(BookingSlot) == 8


def test_change_to_a_slot_overlapping_its_own_time_is_allowed(world):
    mine = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 12))
    db.session.commit()
    services.change_booking(mine, world.founder_a, at(TUESDAY, 11), at(TUESDAY, 13))
    db.session.commit()
    assert count(BookingSlot) == 8


def test_approval_holds_the_slot_then_confirms_or_releases_it(world):
    world.instrument.requires_approval = True
    db.session.commit()
    first = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    second = services.book(world.instrument, world.founder_b, at(TUESDAY, 12), at(TUESDAY, 13))
    db.session.commit()
    assert first.status == second.status == "pending"
    refused(services.book, world.instrument, world.founder_b, at(TUESDAY, 10), at(TUESDAY, 11), match="already booked")
    services.decide(first, world.manager, approve=True)
    with pytest.raises(BookingError, match="reason"):
        services.decide(second, world.manager, approve=False)
    services.decide(second, world.manager, approve=False, note="当天有检修")
    db.session.commit()
    assert first.status == "confirmed" and second.status == "rejected"
    assert count(BookingSlot) == 4  # only the approved booking holds slots
    with pytest.raises(BookingError, match="Only a pending"):
        services.decide(first, world.manager, approve=False, note="x")


def test_block_plan_lists_clashing_bookings_and_confirming_cancels_them(world):
    kept = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    later = services.book(world.instrument, world.founder_b, at(MONDAY + timedelta(days=14), 10),
                          at(MONDAY + timedelta(days=14), 11))
    db.session.commit()
    plan = services.plan_blocks([world.instrument], TUESDAY, TUESDAY + timedelta(days=6), set(range(1, 8)), None, None)
    assert [b.id for b in plan.clashes] == [kept.id]
    assert plan.count == 7
    services.create_blocks([world.instrument], plan, "maintenance", "年度保养", cancel_clashing=True)
    db.session.commit()
    assert kept.status == "cancelled" and later.status == "confirmed"
    assert db.session.scalar(select(func.count()).select_from(BookingSlot).where(BookingSlot.block_id.is_not(None))) \
        == 7 * 24 * 4
    refused(services.book, world.instrument, world.founder_b, at(TUESDAY + timedelta(days=1), 10),
            at(TUESDAY + timedelta(days=1), 11), match="blocked")


def test_block_without_cancelling_keeps_the_bookings_and_covers_the_rest(world):
    kept = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    plan = services.plan_blocks([world.instrument], TUESDAY, TUESDAY, {TUESDAY.isoweekday()},
                                services.time(9, 0), services.time(12, 0))
    services.create_blocks([world.instrument], plan, "course", "安全培训课", cancel_clashing=False)
    db.session.commit()
    assert kept.status == "confirmed"
    holders = dict(db.session.execute(select(BookingSlot.slot_start, BookingSlot.block_id)).all())
    assert holders[at(TUESDAY, 10)] is None and holders[at(TUESDAY, 9)] is not None


def test_recurring_block_over_months_takes_only_the_chosen_weekdays_and_hours(world):
    plan = services.plan_blocks([world.instrument, world.room], MONDAY, MONDAY + timedelta(days=89), {3},
                                services.time(14, 0), services.time(16, 0))
    assert plan.count == 2 * 13  # 13 Wednesdays in 90 days, two resources
    series, cancelled = services.create_blocks([world.instrument, world.room], plan, "course", "每周创客课", True)
    db.session.commit()
    assert cancelled == [] and count(BookingBlock) == 26
    assert services.delete_block_series(series, services.managed_resources(world.manager)) == 26
    db.session.commit()
    assert count(BookingSlot) == 0


@pytest.mark.parametrize("args,message", [
    ((MONDAY + timedelta(days=5), MONDAY, {1}, None, None), "last day"),
    ((MONDAY, MONDAY + timedelta(days=400), {1}, None, None), "at most a year"),
    ((MONDAY, MONDAY + timedelta(days=3), set(), None, None), "weekday"),
    ((MONDAY, MONDAY, {2}, None, None), "No chosen weekday"),
    ((MONDAY, MONDAY, {1}, services.time(10, 0), None), "both times"),
    ((MONDAY, MONDAY, {1}, services.time(10, 0), services.time(9, 0)), "end after"),
    ((MONDAY, MONDAY, {1}, services.time(10, 10), services.time(11, 0)), "quarter hour"),
])
def test_bad_block_plans_are_refused(world, args, message):
    with pytest.raises(BookingError, match=message):
        services.plan_blocks([world.instrument], *args)


def test_bulk_hours_change_several_resources_and_refuse_hours_off_the_slot_grid(world):
    services.set_hours_bulk([world.instrument, world.room], opens_at=services.time(10, 0),
                            closes_at=services.time(16, 0), open_days="123456", status=None)
    db.session.commit()
    assert world.instrument.opens_at == services.time(10, 0) and world.room.open_days == "123456"
    with pytest.raises(BookingError, match="whole number of slots"):
        services.set_hours_bulk([world.instrument], opens_at=services.time(10, 30), closes_at=None, open_days=None,
                                status=None)


def test_the_database_refuses_a_second_row_for_the_same_slot(world):
    from sqlalchemy.exc import IntegrityError

    booking = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    db.session.add(BookingSlot(resource_id=world.instrument.id, slot_start=at(TUESDAY, 10), booking_id=booking.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_clash_missed_by_the_check_is_still_refused_by_the_constraint_with_a_clear_message(world, monkeypatch):
    services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    monkeypatch.setattr(services, "_clashing_holder", lambda *args, **kwargs: None)
    refused(services.book, world.instrument, world.founder_b, at(TUESDAY, 10), at(TUESDAY, 11), match="already booked")


def test_every_change_is_audited(world):
    from incubator.audit.models import AuditEvent

    booking = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    services.change_booking(booking, world.founder_a, at(TUESDAY, 11), at(TUESDAY, 12))
    services.cancel_booking(booking, world.founder_a)
    services.record_training(world.instrument, world.founder_b, MONDAY, None)
    db.session.commit()
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-4:] == ["booking_created", "booking_changed", "booking_cancelled", "booking_training_recorded"]


def test_bookers_and_managers_are_notified(world):
    from incubator.notifications.models import Notification

    world.instrument.requires_approval = True
    db.session.commit()
    booking = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    to_manager = db.session.scalars(select(Notification).where(Notification.user_id == world.manager.id)).all()
    assert any("Booking to approve: 激光切割机" in n.subject for n in to_manager)
    services.decide(booking, world.manager, approve=True)
    clock.freeze(at(MONDAY, 12))
    services.cancel_booking(booking, world.manager, "设备故障")
    db.session.commit()
    subjects = [n.subject for n in db.session.scalars(select(Notification).where(
        Notification.user_id == world.founder_a.id).order_by(Notification.id))]
    assert subjects == ["Your booking of 激光切割机 on 2026-03-03 10:00–11:00 was approved",
                        "Your booking of 激光切割机 on 2026-03-03 10:00–11:00 was cancelled"]
