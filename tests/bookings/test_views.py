"""The bookings pages: forms keep what was typed, scoping answers 404, calendars, panels and lists."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from incubator.bookings import services
from incubator.bookings.models import BookableResource, Booking, BookingBlock, BookingTraining
from incubator.extensions import db

from ..conftest import AuthActions
from .conftest import MONDAY, at, make_resource

TUESDAY = MONDAY + timedelta(days=1)
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00"
       b"\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def client_for(app, user):
    client = app.test_client()
    assert AuthActions(client).login(user).status_code == 302
    return client


def book_form(day=TUESDAY, start="10:00", end="11:00", purpose="评审会"):
    return {"day": day.isoformat(), "start": start, "end": end, "purpose": purpose}


def test_tenant_books_through_the_form_and_sees_the_booking(app, world):
    client = client_for(app, world.founder_a)
    response = client.post(f"/bookings/resources/{world.instrument.id}/book", data=book_form())
    assert response.status_code == 302
    booking = db.session.scalar(select(Booking))
    assert response.headers["Location"].endswith(f"/bookings/{booking.id}")
    page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "激光切割机" in page and "评审会" in page


def test_refused_booking_shows_the_reason_and_keeps_the_input(app, world):
    services.book(world.instrument, world.founder_b, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    client = client_for(app, world.founder_a)
    response = client.post(f"/bookings/resources/{world.instrument.id}/book",
                           data=book_form(start="10:00", end="12:00", purpose="我的用途"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "already booked" in page
    assert 'value="我的用途"' in page and 'value="12:00"' in page
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1


def test_missing_fields_are_reported(app, world):
    client = client_for(app, world.founder_a)
    response = client.post(f"/bookings/resources/{world.instrument.id}/book", data={"day": "", "start": "", "end": ""})
    assert response.status_code == 422
    assert "Choose a day." in response.get_data(as_text=True)


def test_booking_pages_in_chinese_show_chinese_messages(app, world):
    world.founder_a.locale = "zh"
    services.book(world.instrument, world.founder_b, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    client = client_for(app, world.founder_a)
    page = client.post(f"/bookings/resources/{world.instrument.id}/book", data=book_form()).get_data(as_text=True)
    assert "已被预约" in page


def test_calendar_day_and_week_views_show_free_taken_own_and_blocked_slots(app, world):
    services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    services.book(world.instrument, world.founder_b, at(TUESDAY, 11), at(TUESDAY, 12))
    plan = services.plan_blocks([world.instrument], TUESDAY, TUESDAY, {2}, services.time(16, 0), services.time(18, 0))
    services.create_blocks([world.instrument], plan, "maintenance", "校准", cancel_clashing=True)
    db.session.commit()
    client = client_for(app, world.founder_a)
    day = client.get(f"/bookings/resources/{world.instrument.id}?day={TUESDAY.isoformat()}").get_data(as_text=True)
    assert day.count('class="d-block p-1 text-decoration-none slot-free"') == 9 - 4
    assert "Yours" in day and "Taken" in day and "校准" in day
    assert "乙公司" not in day  # tenants do not see who booked
    week = client.get(f"/bookings/resources/{world.instrument.id}?view=week&day={TUESDAY.isoformat()}")
    text = week.get_data(as_text=True)
    assert text.count("Closed") == 2  # Saturday and Sunday
    assert text.count("slot-free\"") == 5 * 9 - 4  # it is Monday 08:00: every weekday slot is free but four
    manager_view = client_for(app, world.manager).get(
        f"/bookings/resources/{world.instrument.id}?day={TUESDAY.isoformat()}").get_data(as_text=True)
    assert "乙公司" in manager_view


def test_a_tenant_cannot_see_change_or_cancel_another_companys_booking(app, world):
    other = services.book(world.instrument, world.founder_b, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    client = client_for(app, world.founder_a)
    assert client.get(f"/bookings/{other.id}").status_code == 404
    assert client.post(f"/bookings/{other.id}/cancel", data={}).status_code == 404
    assert client.post(f"/bookings/{other.id}/change", data=book_form(start="12:00", end="13:00")).status_code == 404
    db.session.refresh(other)
    assert other.status == "confirmed"


def test_a_colleague_of_the_same_company_may_cancel(app, world):
    booking = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    response = client_for(app, world.colleague_a).post(f"/bookings/{booking.id}/cancel", data={})
    assert response.status_code == 302
    db.session.refresh(booking)
    assert booking.status == "cancelled"


def test_change_through_the_form(app, world):
    booking = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    client = client_for(app, world.founder_a)
    response = client.post(f"/bookings/{booking.id}/change", data=book_form(start="14:00", end="15:00"))
    assert response.status_code == 302
    db.session.refresh(booking)
    assert services.as_local(booking.starts_at).hour == 14
    bad = client.post(f"/bookings/{booking.id}/change", data=book_form(start="19:00", end="20:00"))
    assert bad.status_code == 422 and "Outside opening hours" in bad.get_data(as_text=True)


def test_manager_of_another_platform_gets_404_everywhere(app, world):
    booking = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    services.record_training(world.instrument, world.founder_a, MONDAY, None)
    db.session.commit()
    training = db.session.scalar(select(BookingTraining))
    client = client_for(app, world.other_manager)
    rid = world.instrument.id
    assert client.get(f"/bookings/resources/{rid}/edit").status_code == 404
    assert client.post(f"/bookings/resources/{rid}/edit", data={"name": "x"}).status_code == 404
    assert client.get(f"/bookings/resources/{rid}/trainings").status_code == 404
    assert client.post(f"/bookings/trainings/{training.id}/remove").status_code == 404
    assert client.get(f"/bookings/{booking.id}").status_code == 404
    assert client.post(f"/bookings/{booking.id}/decide", data={"approve": "1"}).status_code == 404
    assert client.post(f"/bookings/{booking.id}/cancel", data={"reason": "x"}).status_code == 404
    assert client.get(f"/bookings/units?platform={world.platform.id}&kind=room").status_code == 404
    # Posted foreign ids in the bulk forms are refused, nothing blocked or changed.
    response = client.post("/bookings/blocks/new", data={
        "resources": [rid], "kind": "maintenance", "title": "x", "first_day": TUESDAY.isoformat(),
        "last_day": TUESDAY.isoformat(), "weekdays": ["2"], "confirm": "1", "submit": "1"})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(BookingBlock)) == 0
    response = client.post("/bookings/hours", data={"resources": [rid], "status": "retired"})
    db.session.refresh(world.instrument)
    assert world.instrument.status == "available"


def test_tenants_cannot_reach_manager_pages(app, world):
    client = client_for(app, world.founder_a)
    for path in ("/bookings/resources/new", f"/bookings/resources/{world.instrument.id}/edit",
                 f"/bookings/resources/{world.instrument.id}/trainings", "/bookings/blocks", "/bookings/blocks/new",
                 "/bookings/hours", "/bookings/use", "/bookings/approvals"):
        assert client.get(path).status_code in (403, 404), path


def test_manager_creates_a_room_from_a_space_unit_with_a_photo_and_the_unit_becomes_bookable(app, world):
    from incubator.platforms.models import SpaceUnit

    unit = SpaceUnit(platform_id=world.platform.id, code="MR-102", name="路演厅", kind="room", area_m2=80,
                     monthly_rent=0)
    db.session.add(unit)
    db.session.commit()
    client = client_for(app, world.manager)
    form = {"platform_id": world.platform.id, "kind": "room", "space_unit_id": unit.id, "name": "路演厅",
            "description": "可容纳80人", "capacity": "80", "status": "available", "opens_at": "08:00",
            "closes_at": "21:00", "open_days": ["1", "2", "3", "4", "5", "6"], "slot_minutes": "30",
            "price_tenant": "0", "price_outsider": "２００", "audience": "public", "max_hours_per_day": "4",
            "max_hours_per_week": "", "cancel_deadline_hours": "12", "requires_approval": "y",
            "photo": (io.BytesIO(PNG), "hall.png")}
    response = client.post("/bookings/resources/new", data=form, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    resource = db.session.scalar(select(BookableResource).where(BookableResource.name == "路演厅"))
    assert resource.price_outsider == 200 and resource.max_hours_per_week is None and resource.requires_approval
    assert resource.photo_id is not None
    db.session.refresh(unit)
    assert unit.bookable
    photo = client_for(app, world.founder_a).get(f"/bookings/resources/{resource.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/png" and photo.get_data() == PNG
    photo.close()


@pytest.mark.parametrize("changes,field_message", [
    ({"closes_at": "07:00"}, "Closing time must be after opening time."),
    ({"closes_at": "17:30", "slot_minutes": "60"}, "whole number of slots"),
    ({"price_tenant": "12.5"}, "Enter a whole number."),
    ({"open_days": []}, "Choose at least one opening day."),
    ({"max_hours_per_day": "6", "max_hours_per_week": "3"}, "weekly limit may not be below"),
    ({"kind": "room", "space_unit_id": "0"}, "space units of the right kind"),
])
def test_resource_form_refuses_bad_values_and_keeps_the_input(app, world, changes, field_message):
    client = client_for(app, world.manager)
    form = {"platform_id": world.platform.id, "kind": "equipment", "space_unit_id": "0", "name": "新设备",
            "capacity": "1", "status": "available", "opens_at": "09:00", "closes_at": "18:00",
            "open_days": ["1", "2"], "slot_minutes": "60", "price_tenant": "10", "price_outsider": "30",
            "audience": "tenants", "cancel_deadline_hours": "24"}
    form.update(changes)
    response = client.post("/bookings/resources/new", data=form)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_message in page and 'value="新设备"' in page
    assert db.session.scalar(select(func.count()).select_from(BookableResource)) == 2


def test_resource_form_refuses_a_foreign_platform(app, world):
    client = client_for(app, world.manager)
    response = client.post("/bookings/resources/new", data={"platform_id": world.other_platform.id, "kind": "equipment",
                                                           "name": "x", "capacity": "1"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(BookableResource)) == 2


def test_manager_records_a_training_by_email_and_unknown_emails_are_refused(app, world):
    world.instrument.requires_training = True
    db.session.commit()
    client = client_for(app, world.manager)
    url = f"/bookings/resources/{world.instrument.id}/trainings"
    bad = client.post(url, data={"email": "nobody@example.cn", "completed_on": MONDAY.isoformat()})
    assert "No user has this e-mail address" in bad.get_data(as_text=True)
    ok = client.post(url, data={"email": world.founder_a.email, "completed_on": MONDAY.isoformat(),
                                "expires_on": (MONDAY + timedelta(days=365)).isoformat()})
    assert ok.status_code == 302
    assert services.is_trained(world.instrument, world.founder_a.id, TUESDAY)


def test_approvals_page_approves_and_rejects(app, world):
    world.room.requires_approval = True
    db.session.commit()
    first = services.book(world.room, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    second = services.book(world.room, world.founder_b, at(TUESDAY, 12), at(TUESDAY, 13))
    db.session.commit()
    client = client_for(app, world.manager)
    page = client.get("/bookings/approvals").get_data(as_text=True)
    assert "甲公司" in page and "乙公司" in page
    client.post(f"/bookings/{first.id}/decide", data={"approve": "1", "next": "/bookings/approvals"})
    refused = client.post(f"/bookings/{second.id}/decide", data={"reject": "1"}, follow_redirects=True)
    assert "Give a reason for the rejection" in refused.get_data(as_text=True)
    client.post(f"/bookings/{second.id}/decide", data={"reject": "1", "note": "时间冲突"})
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.status, second.status) == ("confirmed", "rejected")


def test_block_form_lists_clashes_before_confirming_then_cancels_them(app, world):
    booking = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    client = client_for(app, world.manager)
    form = {"resources": [world.instrument.id], "kind": "maintenance", "title": "更换激光管",
            "first_day": MONDAY.isoformat(), "last_day": (MONDAY + timedelta(days=6)).isoformat(),
            "weekdays": [str(d) for d in range(1, 8)], "cancel_clashing": "y", "preview": "1"}
    preview = client.post("/bookings/blocks/new", data=form).get_data(as_text=True)
    assert "clash with the block" in preview and "甲公司" in preview
    db.session.refresh(booking)
    assert booking.status == "confirmed" and db.session.scalar(select(func.count()).select_from(BookingBlock)) == 0
    form.pop("preview")
    confirm = re.search(r'name="confirm" type="hidden" value="([0-9a-f]+)"', preview).group(1)
    changed = client.post("/bookings/blocks/new", data={**form, "last_day": (MONDAY + timedelta(days=13)).isoformat(),
                                                         "confirm": confirm, "submit": "1"})
    assert changed.status_code == 200 and "Check before confirming" in changed.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(BookingBlock)) == 0
    listed = re.search(r'name="listed_clashes" type="hidden" value="([0-9,]*)"', preview).group(1)
    assert listed == str(booking.id)
    # The first yes (the ticked box and "create") is not enough: the list is shown again with a second question.
    once = client.post("/bookings/blocks/new", data={**form, "confirm": confirm, "listed_clashes": listed,
                                                      "submit": "1"})
    assert once.status_code == 200
    again = once.get_data(as_text=True)
    assert "Confirm that the 1 bookings listed are to be cancelled" in again and "甲公司" in again
    box = re.search(r'<input[^>]*name="confirm_cancel"[^>]*>', again).group(0)
    assert "checked" not in box
    db.session.refresh(booking)
    assert booking.status == "confirmed" and db.session.scalar(select(func.count()).select_from(BookingBlock)) == 0
    confirmed = client.post("/bookings/blocks/new", data={**form, "confirm": confirm, "listed_clashes": listed,
                                                           "confirm_cancel": "y", "submit": "1"})
    assert confirmed.status_code == 302
    db.session.refresh(booking)
    assert booking.status == "cancelled"
    assert db.session.scalar(select(func.count()).select_from(BookingBlock)) == 7


def test_a_booking_made_after_the_check_is_never_cancelled_unseen(app, world):
    """The second yes is bound to the list shown: a new clashing booking sends the manager back to the list."""
    first = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    client = client_for(app, world.manager)
    form = {"resources": [world.instrument.id], "kind": "maintenance", "title": "更换激光管",
            "first_day": TUESDAY.isoformat(), "last_day": TUESDAY.isoformat(), "weekdays": ["2"],
            "cancel_clashing": "y", "preview": "1"}
    preview = client.post("/bookings/blocks/new", data=form).get_data(as_text=True)
    confirm = re.search(r'name="confirm" type="hidden" value="([0-9a-f]+)"', preview).group(1)
    listed = re.search(r'name="listed_clashes" type="hidden" value="([0-9,]*)"', preview).group(1)
    second = services.book(world.instrument, world.founder_b, at(TUESDAY, 14), at(TUESDAY, 15))
    db.session.commit()
    form.pop("preview")
    response = client.post("/bookings/blocks/new", data={**form, "confirm": confirm, "listed_clashes": listed,
                                                          "confirm_cancel": "y", "submit": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "changed since the check" in page and "乙公司" in page
    db.session.refresh(first)
    db.session.refresh(second)
    assert (first.status, second.status) == ("confirmed", "confirmed")
    assert db.session.scalar(select(func.count()).select_from(BookingBlock)) == 0


def test_the_block_form_leaves_clashing_bookings_alone_unless_asked(app, world):
    booking = services.book(world.instrument, world.founder_a, at(TUESDAY, 10), at(TUESDAY, 11))
    db.session.commit()
    client = client_for(app, world.manager)
    blank = client.get("/bookings/blocks/new").get_data(as_text=True)
    box = re.search(r'<input[^>]*name="cancel_clashing"[^>]*>', blank).group(0)
    assert "checked" not in box
    form = {"resources": [world.instrument.id], "kind": "maintenance", "title": "校准",
            "first_day": MONDAY.isoformat(), "last_day": TUESDAY.isoformat(), "weekdays": ["1", "2"],
            "preview": "1"}
    preview = client.post("/bookings/blocks/new", data=form).get_data(as_text=True)
    confirm = re.search(r'name="confirm" type="hidden" value="([0-9a-f]+)"', preview).group(1)
    form.pop("preview")
    assert client.post("/bookings/blocks/new", data={**form, "confirm": confirm, "submit": "1"}).status_code == 302
    db.session.refresh(booking)
    assert booking.status == "confirmed"


def test_bulk_hours_form_applies_to_the_chosen_resources(app, world):
    client = client_for(app, world.manager)
    response = client.post("/bookings/hours", data={"resources": [world.instrument.id, world.room.id],
                                                   "open_days": ["1", "2", "3"], "status": "maintenance"})
    assert response.status_code == 302
    db.session.refresh(world.room)
    assert world.room.open_days == "123" and world.room.status == "maintenance"
    empty = client.post("/bookings/hours", data={"resources": [world.instrument.id]})
    assert "Change at least one" in empty.get_data(as_text=True)


def test_home_panels_show_coming_bookings_and_the_managers_approvals_and_today(app, world):
    world.room.requires_approval = True
    db.session.commit()
    services.book(world.instrument, world.founder_a, at(MONDAY, 10), at(MONDAY, 11))
    services.book(world.room, world.founder_b, at(TUESDAY, 9), at(TUESDAY, 10))
    db.session.commit()
    tenant_home = client_for(app, world.founder_a).get("/home").get_data(as_text=True)
    assert "My coming bookings" in tenant_home and "激光切割机" in tenant_home
    manager_home = client_for(app, world.manager).get("/home").get_data(as_text=True)
    assert "Awaiting your approval" in manager_home and "乙公司" in manager_home
    assert "10:00–11:00 · 激光切割机 · 甲公司" in manager_home  # today's use
    other_home = client_for(app, world.other_manager).get("/home").get_data(as_text=True)
    assert "乙公司" not in other_home and "No booking today" in other_home


def _many(world, n: int, prefix: str):
    resources = [make_resource(world.platform, name=f"{prefix}{index}") for index in range(n)]
    db.session.commit()
    day = MONDAY + timedelta(days=7)
    for index, resource in enumerate(resources):
        services.book(resource, world.founder_a if index % 2 else world.founder_b, at(day, 9 + index % 8),
                      at(day, 10 + index % 8))
    db.session.commit()


@pytest.mark.parametrize("who,path", [("founder_a", "/bookings/"), ("manager", "/bookings/"),
                                      ("manager", "/bookings/list?scope=all"), ("founder_a", "/bookings/list"),
                                      ("manager", "/bookings/use?first_day=2026-03-01&last_day=2026-03-31"),
                                      ("manager", "/bookings/approvals"), ("manager", "/home"),
                                      ("founder_a", "/home")])
def test_lists_use_a_fixed_number_of_queries(app, world, count_queries, who, path):
    client = client_for(app, getattr(world, who))
    _many(world, 2, "甲")
    client.get(path)  # warm up
    with count_queries() as few:
        assert client.get(path).status_code == 200
    _many(world, 10, "乙")
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert many.count == few.count, (few.statements, many.statements)


def test_units_endpoint_lists_the_platforms_free_units_of_the_kind(app, world):
    from incubator.platforms.models import SpaceUnit

    db.session.add(SpaceUnit(platform_id=world.platform.id, code="HD-01", name="热桌1", kind="desk", area_m2=5,
                             monthly_rent=0))
    db.session.commit()
    client = client_for(app, world.manager)
    desks = client.get(f"/bookings/units?platform={world.platform.id}&kind=desk").get_json()["units"]
    assert [u["label"] for u in desks][1:] == ["HD-01 热桌1"]
    rooms = client.get(f"/bookings/units?platform={world.platform.id}&kind=room").get_json()["units"]
    assert len(rooms) == 1  # MR-101 is already the room resource: only "none" is offered
    own = client.get(f"/bookings/units?platform={world.platform.id}&kind=room&resource={world.room.id}").get_json()
    assert [u["label"] for u in own["units"]][1:] == ["MR-101 会议室A"]


def test_blocks_list_uses_a_fixed_number_of_queries(app, world, count_queries):
    client = client_for(app, world.manager)

    def block(n):
        for index in range(n):
            plan = services.plan_blocks([world.instrument], MONDAY + timedelta(days=7 * (index + 1)),
                                        MONDAY + timedelta(days=7 * (index + 1)), {1}, services.time(9, 0),
                                        services.time(10, 0))
            services.create_blocks([world.instrument], plan, "course", f"课程{n}-{index}", True)
        db.session.commit()

    block(1)
    client.get("/bookings/blocks")
    with count_queries() as few:
        client.get("/bookings/blocks")
    block(8)
    with count_queries() as many:
        page = client.get("/bookings/blocks").get_data(as_text=True)
    assert "课程8-7" in page and many.count == few.count


def test_resources_list_filters_by_platform_kind_and_search(app, world):
    make_resource(world.other_platform, name="扫描电镜")
    db.session.commit()
    client = client_for(app, world.founder_a)
    everything = client.get("/bookings/").get_data(as_text=True)
    assert "扫描电镜" in everything and "激光切割机" in everything
    only_lab = client.get(f"/bookings/?platform={world.other_platform.id}").get_data(as_text=True)
    assert "扫描电镜" in only_lab and "激光切割机" not in only_lab
    rooms = client.get("/bookings/?kind=room").get_data(as_text=True)
    assert "会议室A" in rooms and "激光切割机" not in rooms
    found = client.get("/bookings/?q=激光").get_data(as_text=True)
    assert "激光切割机" in found and "扫描电镜" not in found
    world.instrument.status = "retired"
    db.session.commit()
    assert "激光切割机" not in client.get("/bookings/").get_data(as_text=True)
    assert "激光切割机" in client_for(app, world.manager).get("/bookings/").get_data(as_text=True)
    assert client.get(f"/bookings/resources/{world.instrument.id}").status_code == 404
