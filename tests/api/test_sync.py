"""Pulling for synchronisation: cursor pages stable under inserts, updated_since, the deletions feed, problem
details, cookie-free answers, the rate limit, and an empty database (no seed)."""
from __future__ import annotations

from datetime import timedelta

from incubator import clock
from incubator.api.tokens import create_token
from incubator.extensions import db
from incubator.partnerships.services import delete_agreement
from tests import factories as f


def pull(api_get, token, path, **query):
    """Every page of a list, following next_cursor."""
    items, cursor = [], None
    while True:
        body = api_get(token, path, **query, **({"cursor": cursor} if cursor else {})).get_json()
        items.extend(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return items


def test_pages_stay_stable_when_records_are_added_between_them(app, api_zone, api_get):
    token = api_zone.tokens["admin"]
    first = api_get(token, "/api/v1/reports", limit=2).get_json()
    assert first["total"] == 5 and len(first["items"]) == 2
    newcomer = f.organisation()
    f.report(newcomer, "2026Q1")
    db.session.commit()
    rest = []
    cursor = first["next_cursor"]
    while cursor:
        body = api_get(token, "/api/v1/reports", limit=2, cursor=cursor).get_json()
        rest.extend(body["items"])
        cursor = body["next_cursor"]
    seen = [item["id"] for item in first["items"] + rest]
    assert seen == sorted(set(seen)) and len(seen) == 6  # no record twice, none skipped, the new one last


def test_an_incremental_pull_gets_what_changed_and_what_was_deleted(app, api_zone, api_get):
    token = api_zone.tokens["admin"]
    later = clock.utcnow() + timedelta(hours=1)  # after the zone was made
    since = later.isoformat()
    clock.freeze(later + timedelta(minutes=5))
    report = api_zone.reports[0]
    report.employees = 9
    delete_agreement(api_zone.agreements[1])
    db.session.commit()
    changed = pull(api_get, token, "/api/v1/reports", updated_since=since)
    assert [item["id"] for item in changed] == [report.id]
    deletions = api_get(token, "/api/v1/deletions", since=since).get_json()["items"]
    assert [(d["resource"], d["id"]) for d in deletions] == [("partnerships", api_zone.agreements[1].id)]
    # Scoped like the records were: the deleted agreement was company B's.
    assert api_get(api_zone.tokens["founder_b"], "/api/v1/deletions", since=since).status_code == 200
    assert api_get(api_zone.tokens["manager"], "/api/v1/deletions", since=since).get_json()["items"] == []
    assert len(api_get(api_zone.tokens["partner"], "/api/v1/deletions", since=since).get_json()["items"]) == 1


def test_errors_are_problem_details(app, api_zone, api_get):
    token = api_zone.tokens["admin"]
    cases = [
        (api_get(None, "/api/v1/platforms"), 401),
        (api_get(token, "/api/v1/platforms/999999"), 404),
        (api_get(token, "/api/v1/nothing-here"), 404),
        (api_get(token, "/api/v1/reports", limit=501), 400),
        (api_get(token, "/api/v1/reports", period="2026Q9"), 400),
        (api_get(token, "/api/v1/reports", cursor="not-a-cursor"), 400),
        (api_get(token, "/api/v1/reports", updated_since="2026-10-01T08:00:00"), 400),  # no time zone
        (api_get(api_zone.tokens["founder"], "/api/v1/evaluations/2026Q1"), 403),
    ]
    for response, status in cases:
        body = response.get_json()
        assert response.status_code == status and response.mimetype == "application/problem+json", body
        assert body["status"] == status and body["title"] and body["detail"]
    assert "limit" in api_get(token, "/api/v1/reports", limit=501).get_json()["errors"]
    posted = app.test_client().post("/api/v1/platforms", headers={"Authorization": f"Bearer {token}"})
    assert posted.status_code == 405 and posted.headers["Allow"] == "GET, HEAD"


def test_the_api_sets_no_cookie_and_ignores_a_logged_in_browsers(app, api_zone, login_as):
    client, _user = login_as("admin")
    response = client.get("/api/v1/platforms")  # the session cookie of a logged-in admin is not a token
    assert response.status_code == 401 and "Set-Cookie" not in response.headers
    ok = client.get("/api/v1/platforms", headers={"Authorization": f"Bearer {api_zone.tokens['admin']}"})
    assert ok.status_code == 200 and "Set-Cookie" not in ok.headers


def test_an_empty_zone_answers_empty_lists(app, make_user, api_get):
    """From the migrations alone (no seed, no reference data): every list is empty, the catalogue is there."""
    _row, token = create_token(make_user("admin"), "empty")
    db.session.commit()
    for name in ("platforms", "organisations", "incubations", "reports", "targets", "partnerships",
                 "training-cohorts", "tech-transfers", "talents", "evaluation-versions"):
        body = api_get(token, f"/api/v1/{name}").get_json()
        assert body == {"items": [], "next_cursor": None, "total": 0}, name
    assert api_get(token, "/api/v1/indicators").get_json()["total"] == 20
    evaluation = api_get(token, "/api/v1/evaluations/2026Q3").get_json()
    assert evaluation["published"] is False and evaluation["platforms"] == [] and evaluation["company_total"] == 0
    assert api_get(token, "/api/v1/deletions", since="2020-01-01T00:00:00Z").get_json()["items"] == []
    assert app.test_client().get("/api/v1/openapi.json").get_json()["openapi"] == "3.1.0"
    assert app.test_client().get("/api/v1/reference").status_code == 200
