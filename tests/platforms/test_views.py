"""The platforms area through the web: forms, lists, tabs, scoping (404 for what is not yours), query counts."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.notifications.models import Notification
from incubator.organisations.models import Organisation
from incubator.platforms import services
from incubator.platforms.models import OnsiteDay, Platform, Recognition, Residency, SpaceUnit, Tenancy

from .. import factories


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def text(response) -> str:
    return response.get_data(as_text=True)


def queries_for(client, count_queries, url: str) -> int:
    """SQL statements of one GET (after a first request, so the session's own bookkeeping is settled)."""
    assert client.get(url).status_code == 200
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


# --- registering and editing ----------------------------------------------------------------------

def platform_form(**values):
    data = {"code": "zc-new", "name": "新星众创空间", "kind": "maker_space", "level": "municipal", "host_id": "",
            "operating_since": "2024-05-01", "area_m2": "1,200.5", "stations": "80", "status": "active",
            "description": "面向大学生的众创空间", "attr_focus": "硬件创新", "attr_open_stations": "40",
            "attr_discipline": "不属于此类", "recognized_on": "2025-03-01", "issuing_body": "市科学技术局",
            "document_no": "苏科〔2025〕8号", "expires_on": "2028-03-01"}
    data.update(values)
    return data


def test_admin_registers_a_platform_with_its_first_recognition(login_as, today):
    client, _admin = login_as("admin")
    response = client.post("/platforms/new", data=platform_form())
    assert response.status_code == 302
    platform = db.session.scalar(select(Platform))
    assert (platform.code, platform.level, platform.recognized_on, platform.expires_on) == (
        "ZC-NEW", "municipal", date(2025, 3, 1), date(2028, 3, 1))
    assert platform.area_m2 == Decimal("1200.50") and platform.stations == 80
    assert platform.attributes == {"focus": "硬件创新", "open_stations": 40}
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "platforms")))
    assert {"platform_created", "recognition_added"} <= actions
    page = text(client.get(response.headers["Location"]))
    assert "新星众创空间" in page and "市科学技术局" in page and "硬件创新" in page


@pytest.mark.parametrize("values, message", [
    ({"expires_on": "2025-02-01"}, "must be after the recognition date"),
    ({"area_m2": "-5"}, "The area may not be negative."),
    ({"stations": "-1"}, "The number may not be negative."),
    ({"code": ""}, "This field is required."),
])
def test_bad_platform_input_is_refused_keeping_what_was_typed(login_as, today, values, message):
    client, _admin = login_as("admin")
    response = client.post("/platforms/new", data=platform_form(**values))
    assert response.status_code == 200
    page = text(response)
    assert message in page and "新星众创空间" in page
    assert count(Platform) == 0 and count(Recognition) == 0


def test_a_code_already_used_is_refused(login_as, today):
    factories.platform(code="ZC-NEW")
    db.session.commit()
    client, _admin = login_as("admin")
    assert "already has the code ZC-NEW" in text(client.post("/platforms/new", data=platform_form()))
    assert count(Platform) == 1


def test_a_manager_registers_a_platform_that_is_then_theirs_and_admins_are_told(login_as, make_user, today):
    admin = make_user("admin")
    client, manager = login_as("manager")
    response = client.post("/platforms/new", data=platform_form(status="closed"))
    assert response.status_code == 302
    platform = db.session.scalar(select(Platform))
    assert platform.managers == [manager] and platform.status == "active"  # a manager cannot set the status
    notes = db.session.scalars(select(Notification).where(Notification.user_id == admin.id)).all()
    assert any("新星众创空间" in note.subject for note in notes)


def test_a_manager_edits_their_platform_but_not_its_code_kind_or_level(login_as, today):
    client, manager = login_as("manager")
    platform = factories.platform(code="FH-1", kind="incubator", level="provincial", name="旧名")
    services.set_managers(platform, [manager])
    db.session.commit()
    response = client.post(f"/platforms/{platform.id}/edit", data={
        "code": "HACK", "kind": "key_lab", "level": "national", "status": "closed", "name": "新名",
        "area_m2": "900", "stations": "12", "attr_focus": "人工智能", "description": ""})
    assert response.status_code == 302
    db.session.refresh(platform)
    assert (platform.code, platform.kind, platform.level, platform.status, platform.name) == (
        "FH-1", "incubator", "provincial", "active", "新名")
    assert platform.attributes == {"focus": "人工智能"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "platform_updated"))
    assert event.before["name"] == "旧名" and event.after["name"] == "新名"


def test_the_level_follows_recognitions_once_there_is_one(login_as, today):
    client, _admin = login_as("admin")
    platform = factories.platform(level="county")
    services.add_recognition(platform, level="municipal", recognized_on=date(2025, 1, 1), issuing_body="市科技局")
    db.session.commit()
    form = text(client.get(f"/platforms/{platform.id}/edit"))
    assert 'name="level"' not in form
    client.post(f"/platforms/{platform.id}/edit", data={"code": platform.code, "name": platform.name,
                                                        "kind": platform.kind, "level": "national",
                                                        "status": "active"})
    db.session.refresh(platform)
    assert platform.level == "municipal"


def test_admin_records_a_recognition_and_expiry_before_it_is_refused(login_as, today):
    client, _admin = login_as("admin")
    platform = factories.platform(level="county")
    db.session.commit()
    url = f"/platforms/{platform.id}/recognitions/new"
    bad = client.post(url, data={"level": "provincial", "recognized_on": "2026-01-10", "issuing_body": "省科技厅",
                                 "expires_on": "2025-12-31"})
    assert "must be after the recognition date" in text(bad) and count(Recognition) == 0
    good = client.post(url, data={"level": "provincial", "recognized_on": "2026-01-10", "issuing_body": "省科技厅",
                                  "expires_on": "2029-01-09"})
    assert good.status_code == 302
    db.session.refresh(platform)
    assert platform.level == "provincial" and platform.expires_on == date(2029, 1, 9)


def test_admin_assigns_managers_and_a_manager_may_not(login_as, make_user, today):
    client, _admin = login_as("admin")
    manager = make_user("manager", email="m@example.cn")
    reviewer = make_user("reviewer")
    platform = factories.platform()
    db.session.commit()
    refused = client.post(f"/platforms/{platform.id}/managers", data={"managers": [str(manager.id), str(reviewer.id)]})
    assert refused.status_code == 200 and "not a valid choice" in text(refused).lower()  # only managers are offered
    db.session.expire_all()
    assert platform.managers == []
    assert client.post(f"/platforms/{platform.id}/managers", data={"managers": [str(manager.id)]}).status_code == 302
    db.session.expire_all()
    assert [user.email for user in platform.managers] == ["m@example.cn"]
    manager_client, other = login_as("manager")
    services.set_managers(platform, [manager, other])
    db.session.commit()
    assert manager_client.post(f"/platforms/{platform.id}/managers", data={"managers": [str(other.id)]}).status_code == 403
    db.session.expire_all()
    assert len(platform.managers) == 2


# --- units, tenancies -----------------------------------------------------------------------------

@pytest.fixture
def managed(space, login_as):
    client, manager = login_as("manager")
    services.set_managers(space["platform"], [manager])
    services.create_tenancy(space["company"], [space["office"]], date(2026, 1, 1), None, 3000)
    db.session.commit()
    return client, manager


@pytest.mark.parametrize("values, message", [
    ({"area_m2": "-6"}, "The area may not be negative."),
    ({"monthly_rent": "-500"}, "The rent may not be negative."),
    ({"area_m2": ""}, "Enter the area."),
    ({"code": "D01"}, "already has a unit with the code D01"),
])
def test_bad_units_are_refused_by_the_form(space, managed, values, message):
    client, _manager = managed
    before = count(SpaceUnit)
    data = {"code": "D09", "kind": "desk", "purpose": "tenant", "area_m2": "6", "monthly_rent": "500",
            "is_active": "y", **values}
    response = client.post(f"/platforms/{space['platform'].id}/units/new", data=data)
    assert response.status_code == 200 and message in text(response)
    assert count(SpaceUnit) == before


def test_a_unit_is_added_and_edited(space, managed):
    client, _manager = managed
    url = f"/platforms/{space['platform'].id}/units/new"
    assert client.post(url, data={"code": "D09", "kind": "desk", "purpose": "tenant", "area_m2": "６.5",
                                  "monthly_rent": "1,200", "is_active": "y"}).status_code == 302
    unit = db.session.scalar(select(SpaceUnit).where(SpaceUnit.code == "D09"))
    assert (unit.area_m2, unit.monthly_rent) == (Decimal("6.50"), 1200)
    client.post(f"/platforms/{space['platform'].id}/units/{unit.id}/edit",
                data={"code": "D09", "kind": "desk", "purpose": "tenant", "area_m2": "7", "monthly_rent": "1300"})
    db.session.refresh(unit)
    assert unit.monthly_rent == 1300 and unit.is_active is False  # the box was not ticked


def tenancy_data(space, **values):
    data = {"organisation_id": str(space["company"].id), "units": [str(space["desk1"].id)], "starts_on": "2026-02-01",
            "ends_on": "2026-12-31", "monthly_rent": "450", "contract_no": "HT-1"}
    data.update(values)
    return data


def test_a_manager_lets_a_desk_and_occupancy_shows_it(space, managed):
    client, _manager = managed
    response = client.post(f"/platforms/{space['platform'].id}/tenancies/new", data=tenancy_data(space))
    assert response.status_code == 302
    assert count(Tenancy) == 2
    page = text(client.get(f"/platforms/{space['platform'].id}?tab=spaces"))
    assert 'id="occupancy-units">2 / 3<' in page and 'id="occupancy-area">54 / 60<' in page
    earlier = text(client.get(f"/platforms/{space['platform'].id}?tab=spaces&on=2025-12-31"))
    assert "0 / 3" in earlier


def test_an_overlapping_tenancy_is_refused_by_the_form(space, managed):
    client, _manager = managed
    response = client.post(f"/platforms/{space['platform'].id}/tenancies/new",
                           data=tenancy_data(space, units=[str(space["office"].id)]))
    assert response.status_code == 200
    assert "Unit 201 is already let to 星光科技有限公司" in text(response)
    assert count(Tenancy) == 1


def test_a_negative_rent_is_refused_by_the_tenancy_form(space, managed):
    client, _manager = managed
    response = client.post(f"/platforms/{space['platform'].id}/tenancies/new",
                           data=tenancy_data(space, monthly_rent="-1"))
    assert "The rent may not be negative." in text(response) and count(Tenancy) == 1


def test_a_tenancy_for_a_new_company_with_a_wrong_credit_code_saves_nothing(space, managed):
    client, _manager = managed
    before = count(Organisation)
    response = client.post(f"/platforms/{space['platform'].id}/tenancies/new", data=tenancy_data(
        space, organisation_id="", new_company_name="新公司", new_company_credit_code="91320500000000001X"))
    assert "Character 18" in text(response)
    assert count(Organisation) == before and count(Tenancy) == 1


def test_a_tenancy_for_a_new_company_creates_it(space, managed):
    from incubator.organisations.credit_code import make

    client, manager = managed
    code = make("91320594123456789")
    response = client.post(f"/platforms/{space['platform'].id}/tenancies/new", data=tenancy_data(
        space, organisation_id="", new_company_name="新来科技有限公司", new_company_credit_code=code.lower()))
    assert response.status_code == 302
    company = db.session.scalar(select(Organisation).where(Organisation.name == "新来科技有限公司"))
    assert company.credit_code == code and company.name_sort == "xin lai ke ji you xian gong si"
    # The manager now sees the company through the tenancy.
    assert client.get(f"/organisations/{company.id}").status_code == 200


def test_foreign_ids_posted_in_the_tenancy_form_are_refused(space, managed):
    client, _manager = managed
    elsewhere = factories.platform(kind="incubator")
    foreign_unit = services.create_unit(elsewhere, code="X1", kind="office", area_m2=Decimal("9"), monthly_rent=1)
    stranger = factories.organisation(name="陌生公司")
    db.session.commit()
    url = f"/platforms/{space['platform'].id}/tenancies/new"
    assert "Choose units of this platform." in text(client.post(url, data=tenancy_data(
        space, units=[str(foreign_unit.id)])))
    assert "Choose a company from the list." in text(client.post(url, data=tenancy_data(
        space, organisation_id=str(stranger.id))))
    assert count(Tenancy) == 1


def test_ending_a_tenancy_frees_the_unit_after_that_day(space, managed, today):
    client, _manager = managed
    tenancy = db.session.scalar(select(Tenancy))
    response = client.post(f"/platforms/{space['platform'].id}/tenancies/{tenancy.id}/end",
                           data={"ends_on": "2026-06-14", "reason": "提前退租"})
    assert response.status_code == 302
    assert services.occupancy([space["platform"].id])[space["platform"].id].units_let == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tenancy_ended",
                                                       AuditEvent.entity_type == "tenancies"))
    assert event.reason == "提前退租"


# --- residencies through the web ------------------------------------------------------------------

def test_a_manager_records_a_residency_with_a_new_academician_and_on_site_days(login_as, today):
    client, manager = login_as("manager")
    station = factories.platform(kind="academician_workstation", code="YS-1")
    services.set_managers(station, [manager])
    db.session.commit()
    response = client.post(f"/platforms/{station.id}/residencies/new", data={
        "expert_id": "", "new_expert_name": "陈志远", "new_expert_kind": "academician", "new_expert_academy": "CAS",
        "new_expert_affiliation": "上海药物所", "starts_on": "2025-01-01", "ends_on": "2029-12-31",
        "min_onsite_days": ""})
    assert response.status_code == 302
    residency = db.session.scalar(select(Residency))
    assert residency.min_onsite_days == 90 and residency.expert.academy == "CAS"
    url = f"/platforms/{station.id}/residencies/{residency.id}"
    assert client.post(f"{url}/days", data={"first_day": "2026-06-01", "last_day": "2026-06-05",
                                            "note": "指导"}).status_code == 302
    assert count(OnsiteDay) == 5
    page = text(client.get(url))
    assert 'id="onsite-days">5<' in page and 'id="onsite-shortfall">85<' in page and "falls-short" in page
    tab = text(client.get(f"/platforms/{station.id}?tab=experts"))
    assert "陈志远" in tab and "Falls short" in tab
    future = client.post(f"{url}/days", data={"first_day": "2026-06-20"})
    assert future.status_code == 400 and "cannot be logged in advance" in text(future) and count(OnsiteDay) == 5


def test_an_academician_without_academy_is_refused_and_nothing_saved(login_as, today):
    client, _admin = login_as("admin")
    station = factories.platform(kind="academician_workstation")
    db.session.commit()
    response = client.post(f"/platforms/{station.id}/residencies/new", data={
        "new_expert_name": "某院士", "new_expert_kind": "academician", "new_expert_academy": "",
        "starts_on": "2025-01-01", "min_onsite_days": "90"})
    assert "CAS or CAE" in text(response)
    assert count(Residency) == 0


def test_a_workstation_has_no_spaces_tab(login_as, today):
    client, _admin = login_as("admin")
    station = factories.platform(kind="academician_workstation")
    db.session.commit()
    assert client.get(f"/platforms/{station.id}?tab=spaces").status_code == 404
    assert client.get(f"/platforms/{station.id}/units/new").status_code == 404
    assert 'id="tab-experts"' in text(client.get(f"/platforms/{station.id}"))


# --- scoping --------------------------------------------------------------------------------------

@pytest.fixture
def foreign(space, today):
    """A manager's view of someone else's maker space with a unit, a tenancy and a residency."""
    expert = services.create_expert(name="吴导师", kind="mentor")
    residency = services.create_residency(space["platform"], expert, starts_on=date(2026, 1, 1))
    tenancy = services.create_tenancy(space["company"], [space["desk1"]], date(2026, 1, 1), None, 500)
    services.log_onsite_days(residency, date(2026, 6, 1))
    day = db.session.scalar(select(OnsiteDay))
    db.session.commit()
    return {**space, "residency": residency, "tenancy": tenancy, "day": day, "expert": expert}


def foreign_urls(f):
    p, r = f["platform"].id, f["residency"].id
    return {
        "get": [f"/platforms/{p}", f"/platforms/{p}?tab=tenants", f"/platforms/{p}?tab=history",
                f"/platforms/{p}/edit", f"/platforms/{p}/units/new", f"/platforms/{p}/units/{f['desk1'].id}/edit",
                f"/platforms/{p}/tenancies/new", f"/platforms/{p}/tenancies/{f['tenancy'].id}/end",
                f"/platforms/{p}/residencies/new", f"/platforms/{p}/residencies/{r}",
                f"/platforms/{p}/residencies/{r}/edit", f"/experts/{f['expert'].id}",
                f"/experts/{f['expert'].id}/edit", f"/organisations/{f['company'].id}"],
        "post": [(f"/platforms/{p}/edit", {"name": "改名"}),
                 (f"/platforms/{p}/units/new", {"code": "Z1", "kind": "desk", "purpose": "tenant", "area_m2": "1"}),
                 (f"/platforms/{p}/units/{f['desk1'].id}/edit", {"code": "D01", "kind": "desk", "purpose": "tenant",
                                                                 "area_m2": "99"}),
                 (f"/platforms/{p}/tenancies/new", {"organisation_id": str(f["company"].id),
                                                    "units": [str(f["desk2"].id)], "starts_on": "2026-01-01"}),
                 (f"/platforms/{p}/tenancies/{f['tenancy'].id}/end", {"ends_on": "2026-01-31"}),
                 (f"/platforms/{p}/residencies/new", {"expert_id": str(f["expert"].id), "starts_on": "2027-01-01"}),
                 (f"/platforms/{p}/residencies/{r}/edit", {"starts_on": "2026-01-01", "min_onsite_days": "1"}),
                 (f"/platforms/{p}/residencies/{r}/days", {"first_day": "2026-06-02"}),
                 (f"/platforms/{p}/residencies/{r}/days/{f['day'].id}/delete", {}),
                 (f"/platforms/{p}/residencies/{r}/records", {"kind": "joint_project", "title": "x",
                                                              "occurred_on": "2026-06-01"}),
                 (f"/experts/{f['expert'].id}/edit", {"name": "改名", "kind": "mentor"}),
                 (f"/organisations/{f['company'].id}/edit", {"name": "改名", "kind": "startup"})],
    }


def snapshot_counts():
    from incubator.platforms.models import ResidencyRecord

    return [count(model) for model in (SpaceUnit, Tenancy, Residency, OnsiteDay, ResidencyRecord, AuditEvent)]


def test_a_manager_gets_404_for_every_page_of_a_platform_not_theirs(foreign, login_as):
    client, manager = login_as("manager")
    services.set_managers(factories.platform(code="MINE"), [manager])
    db.session.commit()
    for url in foreign_urls(foreign)["get"]:
        assert client.get(url).status_code == 404, url


def test_a_manager_changes_nothing_by_posting_to_a_platform_not_theirs(foreign, login_as):
    client, _manager = login_as("manager")
    before = snapshot_counts()
    for url, data in foreign_urls(foreign)["post"]:
        assert client.post(url, data=data).status_code == 404, url
    db.session.expire_all()
    assert snapshot_counts() == before
    assert foreign["platform"].name == "测试众创空间" and foreign["desk1"].area_m2 == Decimal("6.00")


def test_the_platform_list_shows_a_manager_only_their_platforms(login_as):
    client, manager = login_as("manager")
    services.set_managers(factories.platform(code="MINE", name="我的平台"), [manager])
    factories.platform(code="THEIRS", name="别人的平台")
    db.session.commit()
    page = text(client.get("/platforms"))
    assert "我的平台" in page and "别人的平台" not in page
    assert "别人的平台" not in text(client.get("/platforms?q=THEIRS"))


def test_founders_and_reviewers_cannot_open_platform_pages(login_as, space):
    for role in ("startup", "reviewer", "partner"):
        client, _user = login_as(role)
        assert client.get("/platforms").status_code == 403
        assert client.get(f"/platforms/{space['platform'].id}").status_code == 403


# --- lists: filters, sorting, pagination, fixed query counts --------------------------------------

def test_platform_list_filters_search_and_sort(login_as, today):
    client, _admin = login_as("admin")
    factories.platform(code="A1", name="甲孵化器", kind="incubator", level="national",
                       expires_on=today + timedelta(days=30))
    factories.platform(code="B2", name="乙实验室", kind="key_lab", level="provincial", status="suspended",
                       expires_on=today + timedelta(days=200))
    factories.platform(code="C3", name="丙空间", kind="maker_space", level="county")
    db.session.commit()

    def names(query):
        page = text(client.get(f"/platforms?{query}"))
        return [name for name in ("甲孵化器", "乙实验室", "丙空间") if name in page]

    assert names("kind=key_lab") == ["乙实验室"]
    assert names("level=county") == ["丙空间"]
    assert names("status=suspended") == ["乙实验室"]
    assert names("expiring=y") == ["甲孵化器"]
    assert names("q=c3") == ["丙空间"]
    page = text(client.get("/platforms?sort=-code"))
    assert page.index("丙空间") < page.index("乙实验室") < page.index("甲孵化器")
    assert "No platform matches these filters." in text(client.get("/platforms?q=nothing"))


def test_platform_list_paginates(login_as, app):
    app.config["PAGE_SIZE"] = 2
    client, _admin = login_as("admin")
    for n in range(5):
        factories.platform(code=f"P{n}", name=f"平台{n}号")
    db.session.commit()
    assert "平台4号" in text(client.get("/platforms?page=3")) and "平台0号" not in text(client.get("/platforms?page=3"))


def make_platforms(n: int, manager, start: int = 0) -> None:
    for i in range(start, start + n):
        platform = factories.platform(code=f"Q{i:03d}", kind="incubator", host_id=factories.organisation(
            kind="enterprise").id)
        services.set_managers(platform, [manager])
        unit = services.create_unit(platform, code="U1", kind="office", area_m2=Decimal("10"), monthly_rent=1)
        services.create_tenancy(factories.organisation(), [unit], date(2026, 1, 1), None, 1)
    db.session.commit()


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_platform_list_uses_a_fixed_number_of_queries(login_as, make_user, count_queries, app, today, role):
    app.config["PAGE_SIZE"] = 100
    client, user = login_as(role)
    owner = user if role == "manager" else make_user("manager")
    counts = []
    for n in (5, 45):  # 5 platforms, then 50
        make_platforms(n, owner, start=len(counts) * 5)
        counts.append(queries_for(client, count_queries, "/platforms"))
    assert counts[0] == counts[1]


def test_tabs_use_a_fixed_number_of_queries(login_as, count_queries, space):
    client, _admin = login_as("admin")
    platform = space["platform"]
    counts = {}
    for n in (5, 50):
        for i in range(len(services.units_of(platform)), n):
            unit = services.create_unit(platform, code=f"U{i:03d}", kind="desk", area_m2=Decimal("5"), monthly_rent=1)
            services.create_tenancy(factories.organisation(), [unit], date(2026, 1, 1), None, 1)
            expert = services.create_expert(name=f"专家{i}", kind="academician", academy="CAS")
            residency = services.create_residency(platform, expert, starts_on=date(2026, 1, 1))
            services.log_onsite_days(residency, date(2026, 5, 1))
        db.session.commit()
        for tab in ("spaces", "tenants", "experts", "history"):
            counts.setdefault(tab, []).append(queries_for(client, count_queries, f"/platforms/{platform.id}?tab={tab}"))
        counts.setdefault("experts list", []).append(queries_for(client, count_queries, "/experts"))
    assert all(first == second for first, second in counts.values()), counts


# --- history, tabs, home panels -------------------------------------------------------------------

def test_the_history_tab_shows_the_audit_trail_of_the_platform_and_what_is_under_it(login_as, space):
    client, _admin = login_as("admin")
    services.create_tenancy(space["company"], [space["desk1"]], date(2026, 1, 1), None, 500)
    db.session.commit()
    page = text(client.get(f"/platforms/{space['platform'].id}?tab=history"))
    # the trail shows each action by its label (audit/labels.py), not its stored key
    assert "Space unit added" in page and "Tenancy started" in page and "星光科技有限公司" in page


def test_a_tab_registered_by_another_area_is_shown(login_as, space, app, tmp_path):
    from incubator.platforms import tabs

    template = tmp_path / "templates"
    (template / "probe").mkdir(parents=True)
    (template / "probe" / "tab.html").write_text("<p id='probe'>{{ tab.value }} {{ platform.code }}</p>")
    app.jinja_loader.searchpath.append(str(template))
    tabs.register_platform_tab("probe", "Probe", "probe/tab.html", lambda platform: {"value": 42}, order=50)
    try:
        client, _admin = login_as("admin")
        page = text(client.get(f"/platforms/{space['platform'].id}?tab=probe"))
        assert "42 ZC-T1" in page and 'id="tab-probe"' in page
    finally:
        tabs._tabs.pop("probe", None)


def test_the_indicators_tab_exists_for_every_kind(login_as, space):
    client, _admin = login_as("admin")
    assert client.get(f"/platforms/{space['platform'].id}?tab=indicators").status_code in (200,)


def test_home_pages_list_recognitions_expiring_within_90_days(login_as, today):
    admin_client, _admin = login_as("admin")
    manager_client, manager = login_as("manager")
    mine = factories.platform(code="MINE", name="我的孵化器", expires_on=today + timedelta(days=20))
    factories.platform(code="OTHER", name="别人的空间", expires_on=today + timedelta(days=60))
    factories.platform(code="FAR", name="远期平台", expires_on=today + timedelta(days=200))
    services.set_managers(mine, [manager])
    db.session.commit()
    admin_home = text(admin_client.get("/home"))
    assert "我的孵化器" in admin_home and "别人的空间" in admin_home and "远期平台" not in admin_home
    manager_home = text(manager_client.get("/home"))
    assert "我的孵化器" in manager_home and "别人的空间" not in manager_home


def test_an_expert_engaged_elsewhere_cannot_be_posted_into_a_residency(login_as, today):
    client, manager = login_as("manager")
    station = factories.platform(kind="academician_workstation", code="YS-MINE")
    services.set_managers(station, [manager])
    theirs = factories.platform(kind="academician_workstation", code="YS-THEIRS")
    engaged = services.create_expert(name="别处院士", kind="academician", academy="CAS")
    services.create_residency(theirs, engaged, starts_on=date(2025, 1, 1))
    db.session.commit()
    form = text(client.get(f"/platforms/{station.id}/residencies/new"))
    assert "别处院士" not in form
    response = client.post(f"/platforms/{station.id}/residencies/new", data={
        "expert_id": str(engaged.id), "new_expert_kind": "academician", "new_expert_academy": "",
        "starts_on": "2026-01-01", "min_onsite_days": "90"})
    assert "Choose an expert from the list." in text(response)
    assert count(Residency) == 1


def test_a_malformed_occupancy_date_is_refused_with_a_message(login_as, space):
    # Query arguments go through one parser (incubator/url_arguments.py, issue 15): 400 saying what is expected.
    client, _admin = login_as("admin")
    response = client.get(f"/platforms/{space['platform'].id}?tab=spaces&on=not-a-date",
                          headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "“on” must be a day written like 2026-03-31" in text(response)
    assert 'value="2026-06-15"' in text(client.get(f"/platforms/{space['platform'].id}?tab=spaces"))
