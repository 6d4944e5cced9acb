"""A manager books a free slot of a resource's calendar for a company in one step, within the booking rules
and their own scope; founders and other managers cannot use that door to book for someone else."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from incubator import clock
from incubator.audit.models import AuditEvent
from incubator.bookings import services
from incubator.bookings.models import Booking
from incubator.extensions import db
from incubator.platforms.models import Tenancy

from .. import factories
from .conftest import MONDAY, at, make_resource
from .test_views import TUESDAY, client_for


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def company_form(organisation_id, day=TUESDAY, start="10:00", end="11:00", purpose="路演"):
    return {"organisation_id": str(organisation_id), "day": day.isoformat(), "start": start, "end": end,
            "purpose": purpose}


def test_the_free_slot_link_opens_the_form_with_the_slot_and_company_filled_in(app, world):
    client = client_for(app, world.manager)
    calendar = client.get(f"/bookings/resources/{world.instrument.id}?day={TUESDAY.isoformat()}")
    page = calendar.get_data(as_text=True)
    link = re.search(r'<a class="d-block p-1 text-decoration-none slot-free" href="([^"]+)"[^>]*data-start="10:00"',
                     page).group(1).replace("&amp;", "&")
    assert link.endswith("#book") and "start=10:00" in link
    # Without JavaScript the link is the form: the same page, the slot filled in.
    form_page = client.get(link.split("#")[0] + f"&company={world.company_b.id}").get_data(as_text=True)
    assert 'id="booking-form"' in form_page
    assert re.search(r'<input[^>]*name="start"[^>]*value="10:00"', form_page)
    assert re.search(r'<input[^>]*name="end"[^>]*value="11:00"', form_page)
    assert re.search(rf'<option selected value="{world.company_b.id}">乙公司</option>', form_page)
    # Only the companies of the manager's platforms are offered.
    options = re.findall(r'<option[^>]*value="(\d+)"', form_page.split('name="organisation_id"')[1].split("</select>")[0])
    assert sorted(int(v) for v in options) == sorted([world.company_a.id, world.company_b.id])


def test_a_manager_books_a_free_slot_for_a_company_in_one_step(app, world):
    client = client_for(app, world.manager)
    response = client.post(f"/bookings/resources/{world.instrument.id}/book-for",
                           data=company_form(world.company_b.id))
    assert response.status_code == 302
    assert f"company={world.company_b.id}" in response.headers["Location"]
    booking = db.session.scalar(select(Booking))
    assert (booking.organisation_id, booking.user_id, booking.status, booking.rate, booking.price) == \
        (world.company_b.id, world.manager.id, "confirmed", "tenant", 20)
    assert services.as_local(booking.starts_at) == at(TUESDAY, 10)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "booking_created"))
    assert event.actor_id == world.manager.id and event.after["organisation_id"] == world.company_b.id
    # The company's founder sees it as theirs.
    founder = client_for(app, world.founder_b)
    assert founder.get(f"/bookings/{booking.id}").status_code == 200


def test_an_approval_resource_is_booked_confirmed_by_its_manager(app, world):
    world.room.requires_approval = True
    db.session.commit()
    client = client_for(app, world.manager)
    assert client.post(f"/bookings/resources/{world.room.id}/book-for",
                       data=company_form(world.company_a.id, start="09:00", end="09:30")).status_code == 302
    assert db.session.scalar(select(Booking.status)) == "confirmed"


def test_a_refused_company_booking_says_why_and_keeps_what_was_typed(app, world):
    services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    client = client_for(app, world.manager)
    cases = [
        (company_form(world.company_b.id, start="10:00", end="12:00", purpose="已占用"), "already booked"),
        (company_form(world.company_b.id, start="18:00", end="19:00", purpose="太晚"), "Outside opening hours"),
        (company_form(world.company_b.id, day=MONDAY + timedelta(days=5), purpose="周六"), "closed on that day"),
        (company_form("", purpose="没选公司"), "Choose a company."),
    ]
    for data, message in cases:
        response = client.post(f"/bookings/resources/{world.instrument.id}/book-for", data=data)
        assert response.status_code == 422, message
        page = response.get_data(as_text=True)
        assert message in page
        assert page.count(message) == 1, f"{message} shown more than once"
        assert f'value="{data["purpose"]}"' in page and f'value="{data["end"]}"' in page
    assert _count() == 1


def test_a_company_over_its_quota_is_refused_for_the_manager_too(app, world):
    services.book(world.instrument, world.founder_a, at(TUESDAY, 9), at(TUESDAY, 12))
    db.session.commit()
    client = client_for(app, world.manager)
    response = client.post(f"/bookings/resources/{world.instrument.id}/book-for",
                           data=company_form(world.company_a.id, start="13:00", end="14:00"))
    assert response.status_code == 422 and "at most 3 hours a day" in response.get_data(as_text=True)
    assert _count() == 1


def test_a_manager_cannot_book_for_a_company_outside_their_scope(app, world):
    stranger = factories.organisation(name="丙公司", registered_in_zone=True)
    factories.incubation(stranger, world.other_platform, date(2025, 1, 1))
    former = factories.organisation(name="丁公司", registered_in_zone=True)
    db.session.add(Tenancy(platform_id=world.platform.id, organisation_id=former.id, starts_on=date(2025, 1, 1),
                           ends_on=date(2025, 12, 31)))
    world.instrument.audience = "public"  # the audience would let anyone book: the scope still says no
    db.session.commit()
    client = client_for(app, world.manager)
    for company in (stranger, former):
        response = client.post(f"/bookings/resources/{world.instrument.id}/book-for", data=company_form(company.id))
        assert response.status_code == 422
        assert "only for companies incubating or renting on your platforms" in response.get_data(as_text=True)
    assert client.post(f"/bookings/resources/{world.instrument.id}/book-for",
                       data=company_form(999999)).status_code == 422
    assert _count() == 0


def test_a_manager_of_another_platform_cannot_book_its_resources(app, world):
    client = client_for(app, world.other_manager)
    assert client.post(f"/bookings/resources/{world.instrument.id}/book-for",
                       data=company_form(world.company_a.id)).status_code == 404
    page = client.get(f"/bookings/resources/{world.instrument.id}").get_data(as_text=True)
    assert 'id="booking-form"' not in page
    assert _count() == 0


def test_founders_cannot_book_for_another_company(app, world):
    founder = client_for(app, world.founder_a)
    assert founder.post(f"/bookings/resources/{world.instrument.id}/book-for",
                        data=company_form(world.company_b.id)).status_code == 403
    # The founder's own form ignores a company slipped into it: the booking is their company's.
    assert founder.post(f"/bookings/resources/{world.instrument.id}/book",
                        data=company_form(world.company_b.id)).status_code == 302
    assert db.session.scalars(select(Booking.organisation_id)).all() == [world.company_a.id]
    assert 'name="organisation_id"' not in founder.get(f"/bookings/resources/{world.instrument.id}").get_data(
        as_text=True)


def test_company_booking_on_an_empty_zone(app, make_user):
    """From an empty database after migrations: one platform, its manager, one tenant, one resource."""
    clock.freeze(datetime(2026, 3, 2, 8, 0))
    platform = factories.platform(kind="incubator", name="孵化器")
    company = factories.organisation(name="新公司")
    db.session.add(Tenancy(platform_id=platform.id, organisation_id=company.id, starts_on=date(2026, 1, 1)))
    resource = make_resource(platform, name="路演厅", opens_at=time(9, 0), closes_at=time(18, 0))
    manager = make_user("manager", name="经理")
    platform.managers.append(manager)
    db.session.commit()
    client = client_for(app, manager)
    assert client.post(f"/bookings/resources/{resource.id}/book-for",
                       data=company_form(company.id)).status_code == 302
    assert db.session.execute(select(Booking.organisation_id, Booking.status)).all() == [(company.id, "confirmed")]


def test_a_manager_posting_the_founders_form_is_refused_with_the_page_intact(app, world):
    client = client_for(app, world.manager)
    response = client.post(f"/bookings/resources/{world.instrument.id}/book", data=company_form(world.company_a.id))
    assert response.status_code == 422
    assert "managers book for a company from the calendar" in response.get_data(as_text=True)
    assert _count() == 0
