"""The access walk with two zones and a region (issue 22, part 4).

A deployment of two zones in one city, built from the empty migrated database (the command line's reference
data, factories for the records): zone A has platform PA with a manager and a company with a founder; zone B
has platform ZBPLAT with its own companies, a tenancy, reports and an application. Zone A's administrator,
manager and founder walk every page they reach by links and GET forms (exports and import pages included):
no answer names a zone B record (platform code or name, a company's name or credit code, a contract number,
an account's e-mail). Then every URL zone B's administrator reached is requested by zone A's administrator:
refused or without zone B's records. The region's staff walk both zones without a server error.
"""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from incubator import clock
from incubator.extensions import db
from incubator.platforms.models import Tenancy
from incubator.startups.models import Application
from incubator.zones.models import Zone
from incubator.zones.services import create_region, create_zone
from tests import factories
from tests.conftest import AuthActions
from werkzeug.routing import IntegerConverter

from tests.crawl import crawlable_urls, response_text, walk

TODAY = datetime(2026, 8, 20, 10, 0)
ZONE_B_CONTRACT = "ZB-CONTRACT-7731"


def two_zone_deployment(runner, make_user) -> dict:
    assert runner.invoke(args=["init"]).exit_code == 0
    clock.freeze(TODAY)
    first = db.session.scalar(select(Zone).order_by(Zone.id))
    city = create_region("SZ", "苏州市", "Suzhou", "city")
    first.region = city
    second = create_zone("ZB", "乙开发区", "Zone Bee", city)
    pa = factories.platform(code="PA", name="甲区孵化平台")
    pb = factories.platform(code="ZBPLAT", name="乙区专属孵化器", zone_id=second.id)
    ours = factories.organisation(name="甲区在孵科技公司")
    theirs = factories.organisation(name="乙区专属科技公司")
    tenant = factories.organisation(name="乙区专属租户公司")
    applicant = factories.organisation(name="乙区专属申请公司")
    factories.incubation(ours, pa, date(2025, 1, 1))
    factories.incubation(theirs, pb, date(2025, 1, 1))
    db.session.add(Tenancy(platform_id=pb.id, organisation_id=tenant.id, starts_on=date(2025, 1, 1),
                           contract_no=ZONE_B_CONTRACT))
    university = factories.organisation(kind="university", name="乙区专属合作大学")
    factories.partnership(university, platform_id=pb.id, reference="ZB-AGREE-5501", title="乙区专属联合研发")
    factories.deal(university, theirs, date(2026, 2, 1), value=500_000, reference="ZB-DEAL-5502",
                   title="乙区专属成果转让")
    for company, revenue in ((ours, 1_000_000), (theirs, 9_000_000)):
        for period in ("2025Q4", "2026Q1", "2026Q2"):
            factories.report(company, period, revenue=revenue, rd_expense=revenue // 10, employees=12)
    db.session.commit()
    users = {"admin_a": make_user("admin", email="admin@zone-a.cn"),
             "manager_a": make_user("manager", email="manager@zone-a.cn"),
             "founder_a": make_user("startup", email="founder@zone-a.cn", organisation_id=ours.id),
             "admin_b": make_user("admin", email="admin@zone-b.cn", zone_id=second.id),
             "manager_b": make_user("manager", email="manager@zone-b.cn", zone_id=second.id),
             "applicant_b": make_user("startup", email="applicant@zone-b.cn", zone_id=second.id,
                                      organisation_id=applicant.id),
             "staff": make_user("admin", email="staff@city.cn", zone_id=None, region_id=city.id)}
    db.session.add(Application(platform_id=pb.id, organisation_id=applicant.id, company_name=applicant.name,
                               applicant_id=users["applicant_b"].id, status="submitted"))
    pa.managers.append(users["manager_a"])
    pb.managers.append(users["manager_b"])
    db.session.commit()
    markers = {pb.code, pb.name, second.name_zh, second.name_en, ZONE_B_CONTRACT,
               "admin@zone-b.cn", "manager@zone-b.cn", "applicant@zone-b.cn"}
    # The university itself is in the deployment's directory of institutions (one credit code, one record, any
    # zone may partner with it); zone B's agreement and deal with it are zone B's.
    markers.update({"ZB-AGREE-5501", "乙区专属联合研发", "ZB-DEAL-5502", "乙区专属成果转让"})
    for company in (theirs, tenant, applicant):
        markers.update({company.name, company.credit_code})
    return {"users": users, "markers": markers, "pb": pb}


def walk_as(app, email, markers, start=None, per_endpoint=2):
    client = app.test_client()
    assert AuthActions(client).login(email).status_code == 302, email
    found = []

    def inspect(visit, response):
        text = response_text(response)
        leaked = sorted(marker for marker in markers if marker in text)
        if leaked:
            found.append(f"{visit.url} ({visit.status}): {leaked}")

    start = start or ["/", "/home", *crawlable_urls(app, skip_words=("logout",))]
    result = walk(client, app, start, inspect=inspect, per_endpoint=per_endpoint, per_page=1)
    return client, result, found


@pytest.mark.slow
def test_no_zone_a_user_reaches_a_record_of_zone_b_and_the_region_walks_both(app, runner, make_user):
    deployment = two_zone_deployment(runner, make_user)
    markers = deployment["markers"]
    leaks, errors = {}, {}
    for name in ("admin_a", "manager_a", "founder_a"):
        _client, result, found = walk_as(app, deployment["users"][name].email, markers)
        leaks[name], errors[name] = found, result.errors
        assert len(result.reached()) > 5, name
    # By URL: every page zone B's administrator opened, asked for by zone A's administrator.
    _client, b_walk, _found = walk_as(app, "admin@zone-b.cn", markers)
    assert f"/platforms/{deployment['pb'].id}" in b_walk.reached()
    client = app.test_client()
    assert AuthActions(client).login("admin@zone-a.cn").status_code == 302
    replayed = {}
    for url in sorted(b_walk.visits):
        response = client.get(url)
        replayed[url] = response.status_code
        if response.status_code >= 500:
            errors.setdefault("admin_a replaying admin_b", []).append(f"{url}: {response.status_code}")
        text = response_text(response)
        leaked = sorted(marker for marker in markers if marker in text)
        if leaked:
            leaks.setdefault("admin_a replaying admin_b", []).append(f"{url} ({response.status_code}): {leaked}")
    assert replayed[f"/platforms/{deployment['pb'].id}"] == 404
    _client, staff_walk, _found = walk_as(app, "staff@city.cn", set())
    errors["staff"] = staff_walk.errors
    problems = [f"{name}: {line}" for found in (leaks, errors) for name, lines in found.items() for line in lines]
    assert not problems, "\n".join(problems)


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def test_a_region_staff_write_is_refused_on_every_route_and_changes_nothing(app, runner, make_user):
    """Every route taking a write, sent by the region's staff (with ids of records that exist), answers 403,
    but their own account's and the exports' (which only read); a zone's administrator is not refused."""
    from incubator.zones.guard import EXPORT_ENDPOINTS, OWN_ACCOUNT_ENDPOINTS
    from tests.security.test_access_walk import table_digests

    deployment = two_zone_deployment(runner, make_user)
    staff = app.test_client()
    assert AuthActions(staff).login("staff@city.cn").status_code == 302
    before = table_digests()
    answers = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint)):
        methods = sorted(set(WRITE_METHODS) & set(rule.methods or ()))
        if not methods or rule.endpoint in OWN_ACCOUNT_ENDPOINTS or rule.endpoint in EXPORT_ENDPOINTS:
            continue
        arguments = {name: 1 if isinstance(converter, IntegerConverter) else "2026Q1"
                     for name, converter in rule._converters.items()}
        url = app.url_map.bind("localhost").build(rule.endpoint, arguments)
        for method in methods:
            answers[f"{method} {url}"] = staff.open(url, method=method, data={"name": "区域改动"}).status_code
    assert len(answers) > 50
    # The API reads tokens, never the session, and takes no write: its answer (401) is its own refusal.
    assert {request: status for request, status in answers.items()
            if status != 403 and not (request.split()[1].startswith("/api/") and status in (401, 405))} == {}
    assert table_digests() == before
    # The same write by a zone's administrator reaches its view (a form error, a redirect: not the wall).
    admin = app.test_client()
    assert AuthActions(admin).login("admin@zone-a.cn").status_code == 302
    assert admin.post("/platforms/new", data={}).status_code != 403
