"""Lists and home panels use a fixed number of SQL statements whatever the number of rows."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from incubator import clock
from incubator.extensions import db
from incubator.startups import services as svc
from incubator.startups.models import ReviewAssignment
from tests import factories
from tests.conftest import AuthActions

from .conftest import fill_application


def logged_in(app, user):
    client = app.test_client()
    AuthActions(client).login(user)
    return client


def add_rows(zone, make_user, n: int, reviewer):
    for _ in range(n):
        founder = make_user("startup")
        application = svc.start_application(founder)
        fill_application(application, zone, documents=False)
        application.status = "submitted"
        application.organisation_id = factories.organisation().id
        db.session.flush()
        assignment = ReviewAssignment(application_id=application.id, reviewer_id=reviewer.id, status="submitted",
                                      weighted_score=700)
        db.session.add(assignment)
        company = db.session.get(type(application.organisation), application.organisation_id) \
            if application.organisation else factories.organisation()
        factories.incubation(company, zone.platform, date(2025, 1, 1))
        for period in ("2025Q3", "2025Q4", "2026Q1"):
            factories.report(company, period, status="submitted", revenue=1000)
    db.session.commit()


URLS = ["/applications", "/reports", "/reports?status=&q=", "/incubations", "/reports/missing?period=2026Q1",
        "/meetings", "/home"]


@pytest.mark.parametrize("url", URLS)
def test_manager_lists_have_a_fixed_number_of_queries(app, zone, make_user, count_queries, url):
    clock.freeze(datetime(2026, 4, 20, 9))
    add_rows(zone, make_user, 2, zone.reviewer)
    client = logged_in(app, zone.manager)
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    add_rows(zone, make_user, 6, zone.reviewer)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count, (few.statements, many.statements)


def test_reviewer_list_has_a_fixed_number_of_queries(app, zone, make_user, count_queries):
    add_rows(zone, make_user, 2, zone.reviewer)
    client = logged_in(app, zone.reviewer)
    client.get("/reviews")
    with count_queries() as few:
        client.get("/reviews")
    add_rows(zone, make_user, 5, zone.reviewer)
    with count_queries() as many:
        client.get("/reviews")
    assert many.count == few.count


def test_founder_reports_and_home_have_a_fixed_number_of_queries(app, zone, make_user, count_queries):
    clock.freeze(datetime(2026, 4, 20, 9))
    company = factories.organisation()
    founder = make_user("startup", organisation_id=company.id)
    factories.report(company, "2026Q1")
    db.session.commit()
    client = logged_in(app, founder)
    client.get("/reports")
    client.get("/home")
    counts = []
    for extra in (["2025Q4"], ["2025Q1", "2025Q2", "2025Q3"]):
        for period in extra:
            factories.report(company, period)
        db.session.commit()
        with count_queries() as counter:
            assert client.get("/reports").status_code == 200
            assert client.get("/home").status_code == 200
        counts.append(counter.statements)
    assert len(counts[0]) == len(counts[1])
