"""Targets (set, propose, approve, reject, copy), weights, and the dashboards with their drill-down and scoping."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from html import unescape

from incubator import clock
from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.notifications.models import Notification
from incubator.outcomes import services
from incubator.outcomes.models import IndicatorWeight, Target
from incubator.platforms.models import platform_managers
from tests import factories
from tests.evaluation.conftest import build_hand_zone
from tests.pages import html_text, page_text


def manage(user, platform):
    db.session.execute(platform_managers.insert().values(platform_id=platform.id, user_id=user.id))
    db.session.commit()


def zone_target(indicator, year=2026):
    return db.session.scalars(db.select(Target).where(Target.year == year, Target.scope == "ZONE",
                                                      Target.indicator == indicator)).one_or_none()


def test_admin_sets_zone_targets_and_empty_removes_them(app, login_as):
    client, admin = login_as("admin")
    response = client.post("/outcomes/targets?year=2026&scope=ZONE",
                           data={"REVENUE": "1,234.5", "EMPLOYEES": "４０", "RD_INTENSITY": "5.25"})
    assert response.status_code == 302
    assert zone_target("REVENUE").value == Decimal("1234.5") and zone_target("REVENUE").status == "approved"
    assert zone_target("EMPLOYEES").value == 40
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "target.create")).all()
    client.post("/outcomes/targets?year=2026&scope=ZONE", data={"REVENUE": "", "EMPLOYEES": "40", "RD_INTENSITY": "5.25"})
    assert zone_target("REVENUE") is None
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "target.delete")).one()


def test_invalid_targets_keep_what_was_typed(app, login_as):
    client, _admin = login_as("admin")
    response = client.post("/outcomes/targets?year=2026&scope=ZONE", data={"REVENUE": "12.34567", "EMPLOYEES": "2.5"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Use at most 4 decimal places." in page and 'value="12.34567"' in page
    assert "Enter a whole number." in page and 'value="2.5"' in page
    assert db.session.query(Target).count() == 0


def test_manager_proposes_for_own_platform_and_admin_approves(app, login_as, make_user):
    platform = factories.platform("INC01")
    other = factories.platform("MKS02")
    db.session.commit()
    manager_client, manager = login_as("manager")
    manage(manager, platform)
    admin = make_user("admin", email="boss@example.cn")

    response = manager_client.post(f"/outcomes/targets?year=2026&scope={platform.id}", data={"REVENUE": "500"})
    assert response.status_code == 302
    target = db.session.scalars(db.select(Target)).one()
    assert (target.status, target.proposed_value_scaled, target.scope) == ("proposed", 5_000_000, "INC01")
    assert services.approved_targets(2026) == {}
    assert db.session.scalars(db.select(Notification).where(Notification.user_id == admin.id)).all()

    # Another platform, the zone, and a posted foreign scope are refused with 404.
    assert manager_client.get(f"/outcomes/targets?year=2026&scope={other.id}").status_code == 404
    assert manager_client.post(f"/outcomes/targets?year=2026&scope={other.id}", data={"REVENUE": "1"}).status_code == 404
    assert manager_client.get("/outcomes/targets?year=2026&scope=ZONE").status_code == 404
    assert manager_client.get("/outcomes/targets/proposals").status_code == 403

    admin_client = app.test_client()
    admin_client.post("/login", data={"email": admin.email, "password": "correct-horse-battery"})
    assert "500.00" in page_text(admin_client.get("/outcomes/targets/proposals"))
    assert admin_client.post(f"/outcomes/targets/proposals/{target.id}/approve").status_code == 302
    assert services.approved_targets(2026) == {platform.id: {"REVENUE": Decimal(500)}}

    # A later proposal leaves the approved value counting until it is decided; rejecting keeps it.
    manager_client.post(f"/outcomes/targets?year=2026&scope={platform.id}", data={"REVENUE": "600"})
    assert services.approved_targets(2026) == {platform.id: {"REVENUE": Decimal(500)}}
    admin_client.post(f"/outcomes/targets/proposals/{target.id}/reject")
    db.session.expire_all()
    assert db.session.get(Target, target.id).proposed_value_scaled is None
    assert services.approved_targets(2026) == {platform.id: {"REVENUE": Decimal(500)}}
    assert db.session.scalars(db.select(Notification).where(Notification.user_id == manager.id)).all()
    assert admin_client.post("/outcomes/targets/proposals/999/approve").status_code == 404


def test_copy_last_year_fills_only_what_is_missing(app, login_as):
    client, admin = login_as("admin")
    db.session.add_all([
        Target(year=2025, scope="ZONE", indicator="REVENUE", value_scaled=10_000, status="approved"),
        Target(year=2025, scope="ZONE", indicator="FINANCING", value_scaled=20_000, status="approved"),
        Target(year=2025, scope="ZONE", indicator="TAX_PAID", value_scaled=20_000, status="proposed"),
        Target(year=2026, scope="ZONE", indicator="FINANCING", value_scaled=90_000, status="approved"),
        IndicatorWeight(year=2025, indicator="REVENUE", weight_scaled=30_000),
    ])
    db.session.commit()
    assert client.post("/outcomes/targets/copy?year=2026").status_code == 302
    assert zone_target("REVENUE").value == 1
    assert zone_target("FINANCING").value == 9
    assert zone_target("TAX_PAID") is None
    assert services.weights_for(2026)["REVENUE"] == 3


def test_weights_are_validated_and_saved(app, login_as):
    client, _admin = login_as("admin")
    page = client.get("/outcomes/weights?year=2026").get_data(as_text=True)
    assert 'name="REVENUE"' in page and 'value="1"' in page
    zeros = {indicator: "0" for indicator in services.BY_CODE}
    response = client.post("/outcomes/weights?year=2026", data=zeros)
    assert response.status_code == 400 and "At least one weight must be above zero." in response.get_data(as_text=True)
    ones = {indicator: "1" for indicator in services.BY_CODE}
    response = client.post("/outcomes/weights?year=2026", data={**ones, "REVENUE": "2.5", "TAX_PAID": "-1"})
    assert response.status_code == 400
    response = client.post("/outcomes/weights?year=2026", data={**ones, "REVENUE": "2.5"})
    assert response.status_code == 302
    assert services.weights_for(2026)["REVENUE"] == Decimal("2.5")
    assert db.session.scalars(db.select(IndicatorWeight)).one().weight_scaled == 25_000


def chart_data(page: str) -> dict:
    match = re.search(r'data-chart-data="([^"]+)"', page)
    return json.loads(unescape(match.group(1)))


def test_zone_dashboard_shows_ytd_against_target_trends_and_platforms(app, login_as):
    clock.freeze(datetime(2026, 10, 10, 9, 0))
    zone = build_hand_zone()
    client, _admin = login_as("admin")
    page = client.get("/outcomes/dashboard?period=2026Q3").get_data(as_text=True)
    assert re.search(r'data-indicator="REVENUE">.*?370\.00<.*?800\.00<.*?200\.00<.*?300\.00<.*?1,000\.00<.*?80\.0%'
                     r'.*?75\.0%.*?data-status="on_track"', page, re.S)
    assert 'data-status="behind"' in page and 'data-status="at_risk"' in page
    data = chart_data(page)
    revenue = next(item for item in data["trends"] if item["code"] == "REVENUE")
    assert revenue["this_year"] == [190.0, 240.0, 370.0]
    assert revenue["last_year"] == [0.0, 0.0, 200.0, 0.0]
    achievement = {item["code"]: item for item in data["achievement"]}
    assert achievement["REVENUE"]["achievement"] == 80.0 and achievement["REVENUE"]["expected"] == 75.0
    assert f'href="/outcomes/platforms/{zone.platforms["INC01"].id}/dashboard?period=2026Q3"' in page
    assert "<script>" not in page and "onclick" not in page
    # the trend table holds the chart's numbers
    assert re.search(r'id="trend-table".*?data-indicator="REVENUE">.*?190\.00<.*?240\.00<.*?370\.00<', page, re.S)


def test_platform_dashboard_drills_down_to_companies(app, login_as):
    clock.freeze(datetime(2026, 10, 10, 9, 0))
    zone = build_hand_zone()
    client, manager = login_as("manager")
    manage(manager, zone.platforms["INC01"])
    # a manager with one platform is sent to it
    response = client.get("/outcomes/dashboard?period=2026Q3")
    assert response.headers["Location"].endswith(f"/outcomes/platforms/{zone.platforms['INC01'].id}/dashboard?period=2026Q3")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'data-indicator="REVENUE">.*?340\.00<.*?730\.00<.*?800\.00<.*?91\.3%', page, re.S)
    assert "甲科技有限公司" in page and "丁生物" in page and "-庚信息" in page
    assert "乙, &#34;智能&#34; 公司" not in page and "丙材料" not in page  # placed elsewhere at quarter end
    company = zone.companies[1]
    detail = client.get(f"/outcomes/companies/{company.id}?period=2026Q3")
    assert detail.status_code == 200
    assert re.search(r'id="company-ytd".*?data-indicator="REVENUE">.*?600\.00<', detail.get_data(as_text=True), re.S)

    # Not their platform, not their company: 404.
    assert client.get(f"/outcomes/platforms/{zone.platforms['MKS02'].id}/dashboard").status_code == 404
    assert client.get(f"/outcomes/companies/{zone.companies[5].id}").status_code == 404
    founder, _user = login_as("startup", organisation_id=zone.companies[2].id)
    assert founder.get(f"/outcomes/companies/{zone.companies[2].id}?period=2026Q3").status_code == 200
    assert founder.get(f"/outcomes/companies/{zone.companies[1].id}").status_code == 404
    assert founder.get("/outcomes/dashboard").status_code == 403


def test_dashboard_queries_do_not_grow_with_companies(app, login_as, count_queries):
    from tests.outcomes.test_rules_and_query_counts import grow_zone

    clock.freeze(datetime(2026, 10, 10, 9, 0))
    platforms = [factories.platform(f"Z{n}") for n in range(2)]
    db.session.commit()
    client, _admin = login_as("admin")
    grow_zone(10, platforms)
    client.get("/outcomes/dashboard?period=2026Q3")  # the session's first write is not the dashboard's
    with count_queries() as small:
        assert client.get("/outcomes/dashboard?period=2026Q3").status_code == 200
    grow_zone(990, platforms)
    with count_queries() as large:
        assert client.get("/outcomes/dashboard?period=2026Q3").status_code == 200
    assert small.count == large.count
    with count_queries() as small_platform:
        client.get(f"/outcomes/platforms/{platforms[0].id}/dashboard?period=2026Q3")
    assert small_platform.count < 40


def test_empty_zone_dashboard_invites_to_set_targets(app, login_as):
    client, _admin = login_as("admin")
    page = client.get("/outcomes/dashboard?period=2026Q3").get_data(as_text=True)
    assert "No indicator has an approved target for 2026 yet." in page
    assert client.get("/outcomes/dashboard?period=nonsense").status_code == 404
    assert date(2026, 9, 30) == factories.Period.parse("2026Q3").end


def test_platform_page_indicators_tab_shows_the_platforms_figures(app, login_as):
    clock.freeze(datetime(2026, 10, 10, 9, 0))
    zone = build_hand_zone()
    client, manager = login_as("manager")
    manage(manager, zone.platforms["MKS02"])
    page = client.get(f"/platforms/{zone.platforms['MKS02'].id}?tab=indicators&period=2026Q3").get_data(as_text=True)
    assert re.search(r'data-indicator="RD_INTENSITY">.*?27\.50.*?20\.00.*?137\.5%', page, re.S)
    assert "75.6" in html_text(page)
    assert client.get(f"/platforms/{zone.platforms['INC01'].id}?tab=indicators").status_code == 404
