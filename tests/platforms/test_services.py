"""Rules of the platforms area, called as services (the web, CLI and other areas use the same functions)."""
from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.platforms import services
from incubator.platforms.models import DEFAULT_MIN_ONSITE_DAYS, Recognition, SpaceUnit, Tenancy
from incubator.platforms.services import PlatformError

from .. import factories


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- recognitions ---------------------------------------------------------------------------------

def test_latest_recognition_sets_level_and_dates_and_an_older_one_does_not(app, today):
    platform = factories.platform(kind="incubator", level="county")
    services.add_recognition(platform, level="provincial", recognized_on=date(2024, 3, 1), issuing_body="省科技厅",
                             expires_on=date(2027, 3, 1))
    assert (platform.level, platform.recognized_on, platform.expires_on) == ("provincial", date(2024, 3, 1),
                                                                             date(2027, 3, 1))
    services.add_recognition(platform, level="municipal", recognized_on=date(2020, 3, 1), issuing_body="市科技局",
                             expires_on=date(2023, 3, 1))
    assert platform.level == "provincial" and platform.expires_on == date(2027, 3, 1)
    services.add_recognition(platform, level="national", recognized_on=date(2026, 5, 1), issuing_body="科学技术部")
    assert (platform.level, platform.recognized_on, platform.expires_on) == ("national", date(2026, 5, 1), None)
    history = services.recognitions_of(platform)
    assert [item.level for item in history] == ["national", "provincial", "municipal"]


def test_deleting_the_latest_recognition_restores_the_previous_one(app, today):
    platform = factories.platform(kind="incubator", level="county")
    services.add_recognition(platform, level="municipal", recognized_on=date(2021, 1, 1), issuing_body="市科技局",
                             expires_on=date(2024, 1, 1))
    latest = services.add_recognition(platform, level="provincial", recognized_on=date(2024, 1, 1),
                                      issuing_body="省科技厅", expires_on=date(2027, 1, 1))
    services.delete_recognition(latest)
    assert (platform.level, platform.expires_on) == ("municipal", date(2024, 1, 1))


@pytest.mark.parametrize("expires", [date(2024, 3, 1), date(2024, 2, 1)])
def test_expiry_on_or_before_the_recognition_is_refused_and_nothing_is_saved(app, today, expires):
    platform = factories.platform(kind="incubator", level="county")
    with pytest.raises(PlatformError) as error:
        services.add_recognition(platform, level="provincial", recognized_on=date(2024, 3, 1),
                                 issuing_body="省科技厅", expires_on=expires)
    assert error.value.field == "expires_on"
    assert "must be after the recognition date" in str(error.value)
    assert count(Recognition) == 0 and platform.level == "county"


def test_recognition_dated_in_the_future_is_refused(app, today):
    platform = factories.platform()
    with pytest.raises(PlatformError, match="future"):
        services.add_recognition(platform, level="national", recognized_on=today + timedelta(days=1),
                                 issuing_body="科学技术部")


def test_expiring_platforms_are_those_within_90_days_and_scoped_for_managers(app, today, make_user):
    soon = factories.platform(code="SOON", expires_on=today + timedelta(days=90))
    factories.platform(code="LATER", expires_on=today + timedelta(days=91))
    closed = factories.platform(code="CLOSED", expires_on=today + timedelta(days=10), status="closed")
    mine = factories.platform(code="MINE", expires_on=today + timedelta(days=5))
    manager = make_user("manager")
    services.set_managers(mine, [manager])
    assert [p.code for p in services.expiring_platforms(today=today)] == ["MINE", "SOON"]
    assert [p.code for p in services.expiring_platforms(manager, today=today)] == ["MINE"]
    assert closed not in services.expiring_platforms(today=today) and soon


# --- units and tenancies --------------------------------------------------------------------------

@pytest.mark.parametrize("values, field, message", [
    ({"area_m2": Decimal("-1")}, "area_m2", "area may not be negative"),
    ({"monthly_rent": -100}, "monthly_rent", "rent may not be negative"),
    ({"code": "D01"}, "code", "already has a unit with the code D01"),
    ({"kind": "castle"}, "kind", "Choose a kind"),
])
def test_bad_units_are_refused_with_a_clear_message(space, values, field, message):
    before = count(SpaceUnit)
    unit = {"code": "X1", "kind": "desk", "purpose": "tenant", "area_m2": Decimal("5"), "monthly_rent": 100,
            **values}
    with pytest.raises(PlatformError, match=message) as error:
        services.create_unit(space["platform"], **unit)
    assert error.value.field == field
    assert count(SpaceUnit) == before


def test_overlapping_tenancy_on_the_same_unit_is_refused(space):
    first = services.create_tenancy(space["company"], [space["desk1"]], date(2026, 1, 1), date(2026, 12, 31), 500)
    other = factories.organisation(name="月影科技有限公司")
    with pytest.raises(PlatformError) as error:
        services.create_tenancy(other, [space["desk2"], space["desk1"]], date(2026, 12, 31), None, 500)
    assert error.value.field == "units"
    assert "D01" in str(error.value) and "星光科技有限公司" in str(error.value)
    assert db.session.scalars(select(Tenancy)).all() == [first]


def test_adjacent_tenancies_and_other_units_are_allowed(space):
    services.create_tenancy(space["company"], [space["desk1"]], date(2026, 1, 1), date(2026, 6, 30), 500)
    other = factories.organisation(name="月影科技有限公司")
    services.create_tenancy(other, [space["desk1"]], date(2026, 7, 1), None, 450)
    services.create_tenancy(other, [space["desk2"]], date(2026, 1, 1), None, 450)
    assert count(Tenancy) == 3


def test_an_open_ended_tenancy_blocks_every_later_start(space):
    services.create_tenancy(space["company"], [space["office"]], date(2026, 1, 1), None, 3000)
    with pytest.raises(PlatformError, match="overlap"):
        services.create_tenancy(factories.organisation(), [space["office"]], date(2030, 1, 1), date(2030, 2, 1), 1)


@pytest.mark.parametrize("kwargs, message", [
    ({"monthly_rent_yuan": -1}, "rent may not be negative"),
    ({"ends_on": date(2025, 12, 31)}, "cannot end before it starts"),
    ({"units": []}, "at least one unit"),
    ({"units": "room"}, "public service space"),
])
def test_bad_tenancies_are_refused(space, kwargs, message):
    arguments = {"company": space["company"], "units": [space["desk1"]], "starts_on": date(2026, 1, 1),
                 "ends_on": None, "monthly_rent_yuan": 500, **kwargs}
    if arguments["units"] == "room":
        arguments["units"] = [space["room"]]
    with pytest.raises(PlatformError, match=message):
        services.create_tenancy(**arguments)
    assert count(Tenancy) == 0


def test_units_of_two_platforms_cannot_share_a_tenancy(space):
    elsewhere = factories.platform(kind="incubator")
    unit = services.create_unit(elsewhere, code="A1", kind="office", area_m2=Decimal("20"), monthly_rent=1)
    with pytest.raises(PlatformError, match="one platform"):
        services.create_tenancy(space["company"], [space["desk1"], unit], date(2026, 1, 1), None, 1)


def test_a_tenancy_is_audited_on_itself_and_on_its_platform(space):
    tenancy = services.create_tenancy(space["company"], [space["desk1"]], date(2026, 1, 1), None, 500)
    db.session.commit()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tenancy_created")).all()
    assert {(e.entity_type, e.entity_id) for e in events} == {("tenancies", str(tenancy.id)),
                                                              ("platforms", str(space["platform"].id))}


def test_extending_a_tenancy_into_a_later_one_is_refused(space):
    first = services.create_tenancy(space["company"], [space["desk1"]], date(2026, 1, 1), date(2026, 3, 31), 500)
    services.create_tenancy(factories.organisation(), [space["desk1"]], date(2026, 4, 1), None, 500)
    with pytest.raises(PlatformError, match="overlap"):
        services.end_tenancy(first, date(2026, 4, 15))
    services.end_tenancy(first, date(2026, 2, 28))
    assert first.ends_on == date(2026, 2, 28)


def test_occupancy_now_and_at_any_date_comes_from_tenancies(space, today):
    platform = space["platform"]
    services.create_tenancy(space["company"], [space["desk1"], space["office"]], date(2026, 1, 1),
                            date(2026, 6, 30), 3500)
    services.create_tenancy(factories.organisation(), [space["desk2"]], date(2026, 7, 1), None, 500)
    now = services.occupancy([platform.id])[platform.id]
    assert (now.units_total, now.units_let, now.area_total, now.area_let) == (3, 2, Decimal("60.00"),
                                                                              Decimal("54.00"))
    assert now.area_rate == Decimal("90.0")
    later = services.occupancy([platform.id], date(2026, 7, 1))[platform.id]
    assert (later.units_let, later.area_let) == (1, Decimal("6.00"))
    before = services.occupancy([platform.id], date(2025, 12, 31))[platform.id]
    assert (before.units_let, before.area_rate) == (0, Decimal("0.0"))


def test_inactive_units_do_not_count_and_cannot_be_let(space):
    services.update_unit(space["desk2"], is_active=False)
    occupancy = services.occupancy([space["platform"].id])[space["platform"].id]
    assert occupancy.units_total == 2
    with pytest.raises(PlatformError, match="no longer in use"):
        services.create_tenancy(space["company"], [space["desk2"]], date(2026, 1, 1), None, 1)


def test_two_concurrent_requests_for_the_same_unit_let_it_once(app, space):
    """Two sessions, released together, each try to let the same desk: exactly one succeeds."""
    company_id, unit_id = space["company"].id, space["desk1"].id
    other_id = factories.organisation(name="并发科技有限公司").id
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(organisation_id):
        from incubator.organisations.models import Organisation

        with app.app_context():
            try:
                barrier.wait(timeout=10)  # both start their transaction at once
                company = db.session.get(Organisation, organisation_id)
                unit = db.session.get(SpaceUnit, unit_id)
                services.create_tenancy(company, [unit], date(2026, 1, 1), None, 500)
                db.session.commit()
                outcomes.append("let")
            except PlatformError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(organisation_id,)) for organisation_id in (company_id, other_id)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.expire_all()
    assert sorted(outcomes) == ["let", "refused"]
    assert count(Tenancy) == 1


# --- experts and residencies ----------------------------------------------------------------------

def workstation(code="YS-T1"):
    return factories.platform(code=code, kind="academician_workstation", level="provincial")


def test_residency_defaults_to_90_days_and_shows_the_shortfall(app, today):
    station = workstation()
    expert = services.create_expert(name="陈院士", kind="academician", academy="CAS")
    residency = services.create_residency(station, expert, starts_on=date(2025, 1, 1), ends_on=date(2029, 12, 31),
                                          min_onsite_days=None)
    assert residency.min_onsite_days == DEFAULT_MIN_ONSITE_DAYS == 90
    assert services.log_onsite_days(residency, date(2026, 3, 2), date(2026, 3, 11)) == 10
    assert services.log_onsite_days(residency, date(2026, 3, 10), date(2026, 3, 12)) == 1  # two already there
    status = services.residency_statuses([residency], today=today)[0]
    assert (status.days, status.required, status.shortfall) == (11, 90, 79)
    # By 15 June (166 days of 365) the pro-rata minimum is 40 days: 11 falls short.
    assert status.expected_to_date == 40 and status.falls_short


def test_the_minimum_is_a_setting_per_residency_and_met_means_no_flag(app, today):
    station = workstation()
    expert = services.create_expert(name="刘院士", kind="academician", academy="CAE")
    residency = services.create_residency(station, expert, starts_on=date(2026, 1, 1), min_onsite_days=20)
    services.log_onsite_days(residency, date(2026, 5, 1), date(2026, 5, 20))
    status = services.residency_statuses([residency], today=today)[0]
    assert (status.days, status.required, status.shortfall, status.falls_short) == (20, 20, 0, False)


def test_a_residency_starting_mid_year_needs_a_share_of_the_minimum(app, today):
    station = workstation()
    expert = services.create_expert(name="王院士", kind="academician", academy="CAS")
    residency = services.create_residency(station, expert, starts_on=date(2026, 7, 1), min_onsite_days=90)
    status = services.residency_statuses([residency], today=today)[0]
    assert status.required == 46  # 184 of 365 days covered, rounded up
    assert status.expected_to_date == 0 and not status.falls_short


@pytest.mark.parametrize("first, last, message", [
    (date(2024, 12, 30), date(2025, 1, 2), "within the residency"),
    (date(2026, 6, 15), date(2026, 6, 16), "in advance"),
    (date(2026, 3, 5), date(2026, 3, 1), "cannot be before"),
])
def test_onsite_days_outside_the_residency_or_in_the_future_are_refused(app, today, first, last, message):
    residency = services.create_residency(workstation(), services.create_expert(name="赵院士", kind="academician",
                                                                                academy="CAE"),
                                          starts_on=date(2025, 1, 1))
    with pytest.raises(PlatformError, match=message):
        services.log_onsite_days(residency, first, last)


def test_residency_agreement_cannot_end_before_it_starts(app, today):
    expert = services.create_expert(name="钱教授", kind="professor")
    with pytest.raises(PlatformError, match="cannot end before"):
        services.create_residency(workstation(), expert, starts_on=date(2026, 1, 1), ends_on=date(2025, 1, 1))


def test_an_academician_needs_an_academy(app):
    with pytest.raises(PlatformError, match="CAS or CAE"):
        services.create_expert(name="某院士", kind="academician")


def test_a_serving_academician_in_two_workstations_is_flagged(app, today):
    expert = services.create_expert(name="陈院士", kind="academician", academy="CAS")
    services.create_residency(workstation("YS-A"), expert, starts_on=date(2025, 1, 1))
    assert services.expert_flags([expert.id]) == {}
    services.create_residency(workstation("YS-B"), expert, starts_on=date(2026, 1, 1))
    flag = services.expert_flags([expert.id])[expert.id]
    assert "Serving academician in 2 workstations" in str(flag)


def test_a_retired_academician_is_flagged_only_beyond_three_workstations(app, today):
    expert = services.create_expert(name="王院士", kind="academician", academy="CAE", retired=True)
    for code in ("YS-A", "YS-B", "YS-C"):
        services.create_residency(workstation(code), expert, starts_on=date(2025, 1, 1))
    # An ended residency and a residency at a lab do not count.
    services.create_residency(workstation("YS-OLD"), expert, starts_on=date(2020, 1, 1), ends_on=date(2024, 1, 1))
    services.create_residency(factories.platform(kind="key_lab"), expert, starts_on=date(2025, 1, 1))
    assert services.expert_flags([expert.id]) == {}
    services.create_residency(workstation("YS-D"), expert, starts_on=date(2026, 1, 1))
    assert "Retired academician in 4 workstations" in str(services.expert_flags([expert.id])[expert.id])


def test_joint_projects_and_talents_trained_are_counted(app, today):
    residency = services.create_residency(workstation(), services.create_expert(name="刘院士", kind="academician",
                                                                                academy="CAE"),
                                          starts_on=date(2025, 1, 1))
    services.add_residency_record(residency, kind="joint_project", title="芯片封装联合攻关", occurred_on=date(2026, 2, 1))
    services.add_residency_record(residency, kind="talent_trained", title="联合培养博士", occurred_on=date(2026, 3, 1),
                                  people=3)
    with pytest.raises(PlatformError, match="how many"):
        services.add_residency_record(residency, kind="talent_trained", title="x", occurred_on=date(2026, 3, 1))
    status = services.residency_statuses([residency], today=today)[0]
    assert (status.projects, status.talents) == (1, 3)


# --- kinds ----------------------------------------------------------------------------------------

def test_kind_specific_fields_keep_only_those_of_the_platforms_kind(app):
    platform = services.create_platform(code="ZC-9", name="测试空间", kind="maker_space", level="county",
                                        attributes={"focus": "硬件", "open_stations": 30, "discipline": "化学"})
    assert platform.attributes == {"focus": "硬件", "open_stations": 30}
    services.update_platform(platform, kind="key_lab", attributes={"discipline": "化学", "focus": "硬件"})
    assert platform.attributes == {"discipline": "化学"}


def test_every_kind_has_an_entry_with_tabs_history_and_indicators():
    from incubator.platforms.kinds import KINDS
    from incubator.platforms.models import PLATFORM_KINDS

    assert set(KINDS) == set(PLATFORM_KINDS)
    assert all(kind.has_tab("history") and kind.has_tab("indicators") for kind in KINDS.values())
    assert KINDS["academician_workstation"].onsite_minimum and not KINDS["incubator"].onsite_minimum
