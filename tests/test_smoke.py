"""The app starts on a migrated database and its core records can be stored."""
from datetime import date

from incubator.extensions import db

from . import factories


def test_home_redirects_anonymous_visitor_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")


def test_core_records_round_trip_with_exact_money(app):
    company = factories.organisation()
    where = factories.platform()
    factories.incubation(company, where, date(2026, 1, 5))
    stored = factories.report(company, "2026Q1", revenue=1_234_567, rd_expense=1)
    db.session.commit()
    db.session.expire_all()
    assert stored.revenue == 1_234_567
    assert stored.quarter_end == date(2026, 3, 31)
