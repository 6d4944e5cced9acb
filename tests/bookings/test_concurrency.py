"""Two requests for the same slot at the same moment: exactly one booking is saved, the other is refused
with a clear message. Real threads, each with its own app context, session and database connection."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from incubator.auth.models import User
from incubator.bookings import services
from incubator.bookings.models import BookableResource, Booking, BookingSlot
from incubator.extensions import db

from ..conftest import AuthActions
from .conftest import MONDAY, at

TUESDAY = MONDAY + timedelta(days=1)


def run_together(app, jobs):
    """Run each job(app) in its own thread, released together by a barrier; returns their results."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def runner(index, job):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results[index] = job()
            except Exception as error:  # reported to the test, which fails on it
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def book_job(resource_id: int, user_id: int, start, end):
    def job():
        resource = db.session.get(BookableResource, resource_id)
        user = db.session.get(User, user_id)
        try:
            booking = services.book(resource, user, start, end)
            db.session.commit()
            return ("booked", booking.id)
        except services.BookingError as error:
            db.session.rollback()
            return ("refused", str(error))

    return job


def saved_bookings() -> int:
    return db.session.scalar(select(func.count()).select_from(Booking))


def test_two_simultaneous_bookings_of_the_same_slot_save_exactly_one(app, world):
    ids = (world.instrument.id, world.founder_a.id, world.founder_b.id)
    db.session.commit()
    db.session.close()  # the test's own session holds no lock while the threads run
    results = run_together(app, [book_job(ids[0], ids[1], at(TUESDAY, 10), at(TUESDAY, 12)),
                                 book_job(ids[0], ids[2], at(TUESDAY, 11), at(TUESDAY, 13))])
    assert sorted(result[0] for result in results) == ["booked", "refused"], results
    refusal = next(result[1] for result in results if result[0] == "refused")
    assert "already booked" in refusal
    assert saved_bookings() == 1
    assert db.session.scalar(select(func.count()).select_from(BookingSlot)) == 8


def test_the_unique_slot_constraint_alone_refuses_the_second_of_two_simultaneous_bookings(app, world, monkeypatch):
    """Without the resource lock and the overlap check, the database constraint still decides."""
    monkeypatch.setattr(services, "_lock_resource", lambda resource: None)
    monkeypatch.setattr(services, "_clashing_holder", lambda *args, **kwargs: None)
    ids = (world.instrument.id, world.founder_a.id, world.founder_b.id)
    db.session.commit()
    db.session.close()
    results = run_together(app, [book_job(ids[0], ids[1], at(TUESDAY, 10), at(TUESDAY, 11)),
                                 book_job(ids[0], ids[2], at(TUESDAY, 10), at(TUESDAY, 11))])
    assert sorted(result[0] for result in results) == ["booked", "refused"], results
    assert "already booked" in next(result[1] for result in results if result[0] == "refused")
    assert saved_bookings() == 1


def test_two_simultaneous_http_requests_for_one_slot_book_it_once(app, world):
    clients = []
    for user in (world.founder_a, world.founder_b):
        client = app.test_client()
        assert AuthActions(client).login(user).status_code == 302
        clients.append(client)
    resource_id = world.instrument.id
    db.session.commit()
    db.session.close()
    form = {"day": TUESDAY.isoformat(), "start": "15:00", "end": "16:00", "purpose": "测试"}

    def post(client):
        return lambda: client.post(f"/bookings/resources/{resource_id}/book", data=form)

    responses = run_together(app, [post(clients[0]), post(clients[1])])
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [302, 422], responses
    refused = next(r for r in responses if r.status_code == 422)
    assert "already booked" in refused.get_data(as_text=True)
    assert saved_bookings() == 1
