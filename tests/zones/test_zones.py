"""Zones as tenants (issue 22): a fresh install has one zone; the command line adds regions, zones and their
users; rows take their zone; with two zones an administrator sees, changes and imports only their own zone's,
a region's staff read their region's zones and change nothing. Built from the empty migrated database."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from incubator import access
from incubator.auth.models import User
from incubator.extensions import db
from incubator.importer import services as imports
from incubator.startups.models import Incubation, RubricCriterion
from incubator.zones.models import Region, Zone
from incubator.zones.services import create_region, create_zone, region_zone_ids
from tests import factories

PASSWORD = "a-long-enough-password\n"


def ids(select_or_none):
    return None if select_or_none is None else sorted(db.session.scalars(select_or_none))


def default_rubric_size(zone_id) -> int:
    return db.session.scalar(select(func.count()).select_from(RubricCriterion).where(
        RubricCriterion.platform_id.is_(None), RubricCriterion.zone_id == zone_id))


def test_from_empty_the_command_line_builds_a_region_with_a_zone_and_their_users(app, runner):
    assert db.session.scalars(select(Zone.code)).all() == ["ZONE"]  # what 0022_zones makes of a fresh install
    for args in (["init"],
                 ["create-region", "JS", "--level", "province", "--name-zh", "江苏省", "--name-en", "Jiangsu"],
                 ["create-region", "SZ", "--level", "city", "--parent", "JS", "--name-zh", "苏州市"],
                 ["create-zone", "SIP", "--name-zh", "苏州工业园区", "--region", "SZ"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    zones = {zone.code: zone for zone in db.session.scalars(select(Zone).order_by(Zone.id))}
    assert list(zones) == ["ZONE", "SIP"]
    assert zones["SIP"].region.code == "SZ" and zones["SIP"].region.parent.code == "JS"
    assert default_rubric_size(zones["SIP"].id) == default_rubric_size(zones["ZONE"].id) > 0

    for args in (["create-user", "admin@sip.cn", "--role", "admin", "--zone", "SIP"],
                 ["create-user", "staff@js.cn", "--role", "admin", "--region", "JS"],
                 ["create-user", "admin@zone.cn", "--role", "admin"]):
        result = runner.invoke(args=args, input=PASSWORD)
        assert result.exit_code == 0, (args, result.output)
    placed = {user.email: (user.zone_id, user.region_id) for user in db.session.scalars(select(User))}
    province = db.session.scalar(select(Region.id).where(Region.code == "JS"))
    assert placed == {"admin@sip.cn": (zones["SIP"].id, None), "staff@js.cn": (None, province),
                      "admin@zone.cn": (zones["ZONE"].id, None)}
    assert ids(region_zone_ids(province)) == [zones["SIP"].id]  # a province reads its cities' zones


def test_the_command_line_refuses_a_taken_code_an_unknown_region_and_a_province_under_a_city(app, runner):
    runner.invoke(args=["create-region", "SZ", "--level", "city", "--name-zh", "苏州市"])
    for args, message in ((["create-zone", "zone", "--name-zh", "重复"], "taken"),
                          (["create-zone", "X1", "--name-zh", "某区", "--region", "NOPE"], "no region"),
                          (["create-region", "JS", "--level", "province", "--parent", "SZ", "--name-zh", "省"],
                           "no region above")):
        result = runner.invoke(args=args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    result = runner.invoke(args=["create-user", "x@y.cn", "--role", "admin", "--zone", "NOPE"], input=PASSWORD)
    assert result.exit_code != 0 and "no zone" in result.output
    assert db.session.scalar(select(func.count()).select_from(Zone)) == 1
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def two_zones(make_user):
    """Zone A (the first) with platform PA and company ``ours``; zone B with PB and ``theirs``; ``shared`` is
    incubated in B and rents in A; an admin of each zone and the staff of the region both zones belong to."""
    first = db.session.scalar(select(Zone).order_by(Zone.id))
    city = create_region("SZ", "苏州市", "Suzhou", "city")
    first.region = city
    second = create_zone("B", "乙区", "Zone B", city)
    pa, pb = factories.platform(code="PA"), factories.platform(code="PB", zone_id=second.id)
    ours, theirs = factories.organisation(name="甲区公司"), factories.organisation(name="乙区公司")
    shared = factories.organisation(name="两区公司")
    factories.incubation(ours, pa, date(2025, 1, 1))
    factories.incubation(theirs, pb, date(2025, 1, 1))
    factories.incubation(shared, pb, date(2025, 3, 1))
    factories.report(theirs, "2026Q1", revenue=1_000_000, rd_expense=0, employees=5)
    db.session.commit()
    return {"a": first, "b": second, "pa": pa, "pb": pb, "ours": ours, "theirs": theirs, "shared": shared,
            "admin_a": make_user("admin"), "admin_b": make_user("admin", zone_id=second.id),
            "staff": make_user("admin", zone_id=None, region_id=city.id)}


def test_rows_of_a_platform_take_its_zone_and_a_zone_admin_scope_is_their_zone(app, make_user):
    w = two_zones(make_user)
    assert db.session.scalars(select(Incubation.zone_id).order_by(Incubation.id)).all() == [
        w["a"].id, w["b"].id, w["b"].id]
    db.session.expire_all()
    admin_a, admin_b, staff = w["admin_a"], w["admin_b"], w["staff"]
    assert ids(access.platform_ids_for(admin_a)) == [w["pa"].id]
    assert ids(access.platform_ids_for(admin_b)) == [w["pb"].id]
    assert ids(access.company_ids_for(admin_a)) == [w["ours"].id]
    assert ids(access.company_ids_for(admin_b)) == sorted([w["theirs"].id, w["shared"].id])
    assert ids(access.changeable_company_ids_for(admin_a)) == [w["ours"].id]
    # the region's staff read both zones and change nothing
    assert ids(access.platform_ids_for(staff)) == sorted([w["pa"].id, w["pb"].id])
    assert ids(access.company_ids_for(staff)) == sorted([w["ours"].id, w["theirs"].id, w["shared"].id])
    assert ids(access.changeable_company_ids_for(staff)) == []
    assert not access.may_change_company(staff, w["ours"].id)


def test_an_admin_of_a_one_zone_deployment_sees_everything_as_before(app, make_user):
    admin = make_user("admin")
    factories.platform(code="PA")
    db.session.commit()
    assert access.sees_everything(admin)
    assert access.platform_ids_for(admin) is None and access.company_ids_for(admin) is None
    assert access.report_visible(admin, Incubation.organisation_id, None) is None


def test_no_zone_admin_opens_the_other_zones_platform_or_company_by_url(app, make_user, auth, client):
    w = two_zones(make_user)
    auth.login(w["admin_a"])
    assert client.get(f"/platforms/{w['pa'].id}").status_code == 200
    assert client.get(f"/organisations/{w['ours'].id}").status_code == 200
    theirs = db.session.scalar(select(Incubation.id).where(Incubation.organisation_id == w["theirs"].id))
    ours = db.session.scalar(select(Incubation.id).where(Incubation.organisation_id == w["ours"].id))
    assert client.get(f"/incubations/{ours}").status_code == 200
    for url in (f"/platforms/{w['pb'].id}", f"/platforms/{w['pb'].id}/edit", f"/organisations/{w['theirs'].id}",
                f"/organisations/{w['theirs'].id}/edit", f"/incubations/{theirs}"):
        assert client.get(url).status_code == 404, url


def test_an_import_by_zone_a_admin_naming_zone_b_platform_is_refused(app, make_user, tmp_path):
    w = two_zones(make_user)
    db.session.expire_all()
    path = tmp_path / "incubations.csv"
    path.write_text("credit_code,platform_code,admitted_on\n"
                    f"{w['ours'].credit_code},PB,2026-08-01\n", encoding="utf-8")
    result = imports.import_file("incubations", path, user=w["admin_a"], filename="incubations.csv")
    assert result.problems and not result.written
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Incubation)) == 3
    path.write_text("credit_code,platform_code,admitted_on\n"
                    f"{w['ours'].credit_code},PA,2026-08-01\n", encoding="utf-8")
    result = imports.import_file("incubations", path, user=w["admin_a"], filename="incubations.csv")
    assert not result.problems, result.problems


def test_each_zone_has_its_own_targets_and_weights_of_a_year(app, make_user):
    from flask_login import login_user

    from incubator.outcomes.catalogue import CATALOGUE
    from incubator.outcomes.models import IndicatorWeight, Target
    from incubator.outcomes.services import approved_targets, targets_of, weights_for

    w = two_zones(make_user)
    code = CATALOGUE[0].code
    for zone, value, weight in ((w["a"], 100, 20_000), (w["b"], 700, 30_000)):  # the same year, scope, indicator
        db.session.add(Target(year=2026, scope="ZONE", indicator=code, value_scaled=value * 10_000, zone_id=zone.id))
        db.session.add(IndicatorWeight(year=2026, indicator=code, weight_scaled=weight, zone_id=zone.id))
    db.session.commit()
    seen = {}
    for name in ("admin_a", "admin_b"):
        with app.test_request_context():
            login_user(db.session.get(User, w[name].id))
            seen[name] = (approved_targets(2026)["ZONE"][code], targets_of(2026, None)[code].value,
                          weights_for(2026)[code])
    assert seen == {"admin_a": (100, 100, 2), "admin_b": (700, 700, 3)}


def test_a_zone_admin_and_region_staff_open_the_anomaly_flags_of_all_platforms(app, make_user, client, auth):
    w = two_zones(make_user)
    for name in ("admin_a", "staff"):
        client = app.test_client()
        assert auth.__class__(client).login(w[name].email).status_code == 302
        assert client.get("/quality/flags").status_code == 200, name


def test_a_zone_other_than_the_first_carries_its_own_name_on_pages_and_published_evaluations(app, make_user):
    from datetime import datetime

    from flask_login import login_user

    from incubator import clock
    from incubator.evaluation.services import publish
    from incubator.periods import Period
    from tests.conftest import AuthActions
    from tests.crawl import response_text

    clock.freeze(datetime(2026, 8, 20, 10, 0))
    w = two_zones(make_user)
    settings_name = app.config["ZONE_NAME_EN"]
    pages = {}
    for name in ("admin_a", "admin_b", "staff"):
        client = app.test_client()
        assert AuthActions(client).login(w[name].email).status_code == 302
        pages[name] = response_text(client.get("/home"))
    assert settings_name in pages["admin_a"] and "Zone B" not in pages["admin_a"]  # the first zone: as before
    assert "Zone B" in pages["admin_b"] and settings_name not in pages["admin_b"]
    assert "Suzhou" in pages["staff"]  # a region's staff: their region's name
    names = {}
    for name in ("admin_a", "admin_b"):
        with app.test_request_context():
            login_user(db.session.get(User, w[name].id))
            snapshot = publish(Period.parse("2026Q1"), w[name])
            names[name] = (snapshot.zone_name_zh, snapshot.zone_name_en, snapshot.zone_id)
        db.session.commit()
    assert names == {"admin_a": (app.config["ZONE_NAME_ZH"], settings_name, w["a"].id),
                     "admin_b": ("乙区", "Zone B", w["b"].id)}


def test_an_evaluation_export_job_run_by_a_worker_holds_its_owner_zone_only(app, make_user):
    """A worker has no request: the job computes for the account that asked for it (``access.acting_as``)."""
    import zipfile
    from datetime import datetime

    from incubator import clock
    from incubator.jobs import services as jobs

    clock.freeze(datetime(2026, 8, 20, 10, 0))
    w = two_zones(make_user)
    contents = {}
    for name in ("admin_a", "admin_b"):
        job = jobs.enqueue("evaluation-export", w[name], period="2026Q1", fmt="csv", live=True, lang="en")
        db.session.commit()
        job = jobs.perform(job.id)
        assert job.status == "finished", job.error if hasattr(job, "error") else job.status
        with zipfile.ZipFile(jobs.result_folder() / job.result["file"]) as archive:
            contents[name] = "\n".join(archive.read(member).decode("utf-8-sig") for member in archive.namelist())
    theirs = w["theirs"]
    assert theirs.credit_code in contents["admin_b"] and "PB" in contents["admin_b"]
    assert theirs.credit_code not in contents["admin_a"] and theirs.name not in contents["admin_a"]
