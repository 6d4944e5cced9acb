"""The API reads exactly what the web shows the token's owner: by id, by filter and by cursor (issue 20)."""
from __future__ import annotations

import pytest

from incubator.api.views import encode_cursor


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_a_founder_reads_only_their_company_by_list_id_filter_and_cursor(api_zone, api_get):
    token = api_zone.tokens["founder"]
    mine, other = api_zone.companies
    assert ids(api_get(token, "/api/v1/organisations")) == [mine.id]
    assert api_get(token, f"/api/v1/organisations/{other.id}").status_code == 404
    assert api_get(token, f"/api/v1/organisations/{mine.id}").get_json()["name"] == "甲公司"
    reports = api_get(token, "/api/v1/reports").get_json()["items"]
    assert {item["organisation_id"] for item in reports} == {mine.id}
    assert len(reports) == 3  # their own draft-or-submitted report too, as on their reports page
    other_report = next(r for r in api_zone.reports if r.organisation_id == other.id)
    assert api_get(token, f"/api/v1/reports/{other_report.id}").status_code == 404
    # Filters name the other company or its platform: still nothing of it.
    assert ids(api_get(token, "/api/v1/reports", organisation=other.id)) == []
    assert ids(api_get(token, "/api/v1/reports", platform=api_zone.platforms[1].id)) == []
    # A cursor made to start before the other company's rows does not widen the scope.
    forged = encode_cursor("reports", 0)
    assert {item["organisation_id"] for item in api_get(token, "/api/v1/reports", cursor=forged).get_json()["items"]} \
        == {mine.id}
    assert ids(api_get(token, "/api/v1/tech-transfers")) == []  # deals are staff's, as in the web
    assert api_get(token, "/api/v1/platforms").get_json()["total"] == 0


def test_a_manager_reads_their_platform_and_its_companies_only(api_zone, api_get):
    token = api_zone.tokens["manager"]
    a, b = api_zone.platforms
    assert ids(api_get(token, "/api/v1/platforms")) == [a.id]
    assert api_get(token, f"/api/v1/platforms/{b.id}").status_code == 404
    body = api_get(token, f"/api/v1/platforms/{a.id}").get_json()
    assert [m["id"] for m in body["managers"]] == [api_zone.users["manager"].id]
    verified = api_get(token, "/api/v1/reports", platform=a.id, status="verified").get_json()
    assert verified["total"] == 2
    assert {r["organisation_id"] for r in verified["items"]} == {api_zone.companies[0].id}
    assert verified["items"][0]["revenue_wan"] == "123.4500" and verified["items"][0]["revenue_yuan"] == 1234500
    deals = api_get(token, "/api/v1/tech-transfers").get_json()["items"]
    assert [d["recipient_id"] for d in deals] == [api_zone.companies[0].id]


def test_a_partner_reads_their_institutions_agreements(api_zone, api_get):
    token = api_zone.tokens["partner"]
    assert ids(api_get(token, "/api/v1/partnerships")) == sorted(a.id for a in api_zone.agreements)
    assert ids(api_get(token, "/api/v1/organisations")) == []
    assert ids(api_get(token, "/api/v1/reports")) == []


@pytest.mark.parametrize("role", ["manager", "founder", "partner"])
def test_the_evaluation_is_the_administrators_as_in_the_web(api_zone, api_get, role):
    assert api_get(api_zone.tokens[role], "/api/v1/evaluations/2026Q1").status_code == 403
    assert api_get(api_zone.tokens[role], "/api/v1/evaluation-versions").status_code == 403


def test_an_admin_pulls_a_whole_periods_evaluation(api_zone, api_get):
    token = api_zone.tokens["admin"]
    body = api_get(token, "/api/v1/evaluations/2026Q2", live="true").get_json()
    assert body["period"] == "2026Q2" and body["published"] is False and body["version"] is None
    revenue = next(r for r in body["zone"]["results"] if r["indicator"] == "REVENUE")
    assert revenue["period_value"] == "246.9000" and revenue["ytd_value"] == "493.8000"
    assert [p["code"] for p in body["platforms"]] == ["PA", "PB"]
    companies = api_get(token, "/api/v1/evaluations/2026Q2/companies", limit=1)
    first = companies.get_json()
    assert first["total"] == 2 and len(first["items"]) == 1
    second = api_get(token, "/api/v1/evaluations/2026Q2/companies", limit=1, cursor=first["next_cursor"]).get_json()
    assert second["next_cursor"] is None
    names = [first["items"][0]["name"], second["items"][0]["name"]]
    assert sorted(names) == ["乙公司", "甲公司"]
    assert second["items"][0]["values"]["REVENUE"] == ["123.4500", "246.9000"]
    assert api_get(token, "/api/v1/evaluations/2026Q5").status_code == 404
    assert api_get(token, "/api/v1/evaluations/2026Q2", version=3).status_code == 404


def test_a_token_limited_to_one_area_reads_only_that_area(api_zone, api_get, app):
    from incubator.api.tokens import create_token
    from incubator.extensions import db

    _row, token = create_token(api_zone.users["admin"], "reports only", area="startups")
    db.session.commit()
    assert api_get(token, "/api/v1/reports").status_code == 200
    assert api_get(token, "/api/v1/platforms").status_code == 403
    assert api_get(token, "/api/v1/evaluations/2026Q2").status_code == 403


def test_a_list_takes_the_same_number_of_queries_whatever_its_length(app, api_zone, api_get, count_queries):
    from datetime import date

    from incubator.extensions import db
    from tests import factories as f

    token = api_zone.tokens["admin"]
    counts = {}
    for path in ("/api/v1/platforms", "/api/v1/reports", "/api/v1/partnerships", "/api/v1/organisations",
                 "/api/v1/incubations", "/api/v1/training-cohorts"):
        with count_queries() as before:
            assert api_get(token, path).status_code == 200
        counts[path] = before.count
    for n in range(6):
        platform = f.platform()
        company = f.organisation()
        f.incubation(company, platform, date(2025, 3, 1))
        f.report(company, "2026Q1")
        agreement = f.partnership(api_zone.partner, platform_id=platform.id)
        f.cohort(agreement, 2025 + n % 2, 10)
    db.session.commit()
    for path, count in counts.items():
        with count_queries() as after:
            assert api_get(token, path).status_code == 200
        assert after.count == count, path
