"""The scope rules of issue 15, holes 1-3: read scope and write scope are separate, imports by managers obey
them, a pending binding gives no sight, and changing an application's company needs a new confirmation.

Every test starts from the empty migrated database (no demo seed, no reference data made by a fixture): the
world below is built by each test through the factories and the services.
"""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from incubator import access, clock
from incubator.extensions import db
from incubator.periods import Period
from incubator.platforms.models import Tenancy
from incubator.startups import services as startups
from incubator.startups.models import Application, Incubation, QuarterlyReport
from tests import factories
from tests.conftest import AuthActions
from tests.security.scope_world import world  # noqa: F401  (the fixture)

COMPANY_PAGES = ("/startups/companies/{id}", "/incentives/ledger/{id}", "/compliance/companies/{id}",
                 "/outcomes/companies/{id}", "/organisations/{id}")


def client_of(app, user):
    client = app.test_client()
    assert AuthActions(client).login(user).status_code == 302
    return client


def ids(select_or_none) -> set[int]:
    return set(db.session.scalars(select_or_none))


def import_csv(client, kind: str, text: str, *, partial: bool = True):
    """Upload, preview and confirm an import as the client's user: the preview's text."""
    response = client.post("/import/", data={"kind": kind, "file": (io.BytesIO(text.encode()), f"{kind}.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    token = response.headers["Location"].rstrip("/").split("/")[-1]
    preview = client.get(f"/import/{token}").get_data(as_text=True)
    client.post(f"/import/{token}/confirm", data={"partial": "y"} if partial else {})
    db.session.expire_all()
    return preview


# --- hole 1: read scope, write scope and imports ------------------------------------------------------------

def test_read_and_write_scope_follow_current_incubations_and_tenancies(world):
    manager_a, manager_b = world["manager_a"], world["manager_b"]
    former, elsewhere, ex_tenant = world["former"], world["elsewhere"], world["ex_tenant"]
    # A former incubatee is read by its former platform, changed only by its current one.
    assert ids(access.changeable_company_ids_for(manager_a)) == set()
    assert ids(access.company_ids_for(manager_a)) == {former.id}
    assert ids(access.changeable_company_ids_for(manager_b)) == {former.id, elsewhere.id}
    # An ended tenancy gives no sight at all.
    assert ex_tenant.id not in ids(access.company_ids_for(manager_a))
    # The quarters: A reads the former incubatee's quarter placed on A, not B's.
    visible = db.session.scalars(startups.visible_reports(manager_a).order_by(QuarterlyReport.period))
    assert [(r.organisation_id, r.period) for r in visible] == [(former.id, "2025Q1")]
    assert [r.period for r in db.session.scalars(startups.visible_reports(manager_b).where(
        QuarterlyReport.organisation_id == former.id).order_by(QuarterlyReport.period))] == ["2025Q1", "2026Q1"]
    # Nobody but an admin may verify the 2025Q1 report: A no longer manages the company, B never had that quarter.
    old = db.session.scalar(select(QuarterlyReport).where(QuarterlyReport.period == "2025Q1"))
    assert not startups.may_verify(manager_a, old) and not startups.may_verify(manager_b, old)
    new = db.session.scalar(select(QuarterlyReport).where(QuarterlyReport.period == "2026Q1",
                                                          QuarterlyReport.organisation_id == former.id))
    assert startups.may_verify(manager_b, new)


def test_a_former_incubatee_is_read_only_and_only_for_its_quarters(app, world):
    client = client_of(app, world["manager_a"])
    former = world["former"].id
    assert client.get(f"/organisations/{former}").status_code == 200
    assert client.get(f"/startups/companies/{former}").status_code == 200
    assert client.get(f"/outcomes/companies/{former}?period=2025Q1").status_code == 200
    assert client.get(f"/organisations/{former}/edit").status_code == 404
    assert client.get(f"/compliance/companies/{former}").status_code == 404
    assert client.get(f"/incentives/ledger/{former}").status_code == 404
    reports = {r.period: r.id for r in db.session.scalars(select(QuarterlyReport).where(
        QuarterlyReport.organisation_id == former))}
    assert client.get(f"/reports/id/{reports['2025Q1']}").status_code == 200
    assert client.get(f"/reports/id/{reports['2026Q1']}").status_code == 404
    # The quarter-limited figures: 2025Q1 is A's, 2024's last quarter too; 2026's quarters are B's.
    readable = access.readable_quarters(world["manager_a"], former, [
        Period.parse(text) for text in ("2024Q4", "2025Q1", "2025Q3", "2026Q1")])
    assert sorted(str(q) for q in readable) == ["2024Q4", "2025Q1"]
    assert access.readable_quarters(world["manager_b"], former, []) is None  # B changes it: every quarter


def test_a_manager_cannot_widen_their_scope_by_importing_an_incubation(app, world, make_user):
    """Hole 1 as the attacker did it: an exited incubation in the past of a company incubated on B."""
    elsewhere = world["elsewhere"]
    client = client_of(app, world["manager_a"])
    row = f"credit_code,platform_code,admitted_on,status,ended_on\n{elsewhere.credit_code},PA,2024-01-01,exited," \
          "2024-12-31\n"
    preview = import_csv(client, "incubations", row)
    assert "This company is incubated by another platform; ask the zone office." in preview
    assert db.session.scalar(select(func.count()).select_from(Incubation).where(
        Incubation.organisation_id == elsewhere.id)) == 1
    for page in COMPANY_PAGES:
        assert client.get(page.format(id=elsewhere.id)).status_code == 404, page
    # Its verified report is not the manager's to overwrite either.
    preview = import_csv(client, "reports", "credit_code,period,revenue,rd_expense,employees\n"
                                            f"{elsewhere.credit_code},2026Q1,1,0,1\n")
    assert "This company is not incubated in one of your platforms." in preview
    assert db.session.scalar(select(QuarterlyReport.revenue).where(
        QuarterlyReport.organisation_id == elsewhere.id)) == 1_000_000
    # The same file by an administrator loads.
    admin = client_of(app, make_user("admin"))
    import_csv(admin, "incubations", row)
    assert db.session.scalar(select(func.count()).select_from(Incubation).where(
        Incubation.organisation_id == elsewhere.id)) == 2


def test_a_manager_admits_a_free_company_by_import_but_writes_no_history(app, world):
    free, ex_tenant, former = world["free"], world["ex_tenant"], world["former"]
    client = client_of(app, world["manager_a"])
    header = "credit_code,platform_code,admitted_on,status,ended_on\n"
    preview = import_csv(client, "incubations", header + f"{free.credit_code},PA,2023-01-01,exited,2023-12-31\n")
    assert "you may only admit it" in preview
    # A tenancy on another platform, running now, makes the company another platform's.
    db.session.add(Tenancy(platform_id=world["b"].id, organisation_id=ex_tenant.id, starts_on=date(2026, 1, 1)))
    db.session.commit()
    preview = import_csv(client, "incubations", header + f"{ex_tenant.credit_code},PA,2026-08-01,,\n")
    assert "This company rents space on another platform; ask the zone office." in preview
    preview = import_csv(client, "incubations", header + f"{free.credit_code},PA,2026-08-01,,\n")
    assert db.session.scalar(select(Incubation.platform_id).where(Incubation.organisation_id == free.id)) == \
        world["a"].id
    assert access.may_change_company(world["manager_a"], free.id)
    # B manages the former incubatee now; an incubation reaching back would take A's quarters.
    client_b = client_of(app, world["manager_b"])
    preview = import_csv(client_b, "incubations", header + f"{former.credit_code},PB,2024-06-01,,\n")
    assert "would take 2024Q2" in preview
    assert db.session.scalar(select(func.count()).select_from(Incubation).where(
        Incubation.organisation_id == former.id)) == 2


def test_a_managers_reports_import_is_limited_to_quarters_placed_on_their_platforms(app, world):
    former = world["former"]
    client = client_of(app, world["manager_b"])
    preview = import_csv(client, "reports", "credit_code,period,revenue,rd_expense,employees\n"
                                            f"{former.credit_code},2025Q1,9,0,1\n{former.credit_code},2026Q1,9,0,1\n")
    assert preview.count("its report is not yours to import") == 1
    revenues = dict(db.session.execute(select(QuarterlyReport.period, QuarterlyReport.revenue).where(
        QuarterlyReport.organisation_id == former.id)).all())
    assert revenues == {"2025Q1": 2_000_000, "2026Q1": 90_000}


def test_a_quarter_no_platform_holds_is_changed_by_the_current_platform(app, world):
    """A quarter before the company's first incubation is placed on no platform: its current platform verifies
    and imports it (the founder is asked for it), the other platform may not."""
    elsewhere = world["elsewhere"]  # incubated on B since 2025-01-01
    before = factories.report(elsewhere, "2024Q4", revenue=500_000, rd_expense=0, employees=5, status="submitted")
    db.session.commit()
    assert startups.may_verify(world["manager_b"], before)
    assert not startups.may_verify(world["manager_a"], before)
    assert [r.period for r in db.session.scalars(startups.reports_to_verify(world["manager_b"]).where(
        QuarterlyReport.organisation_id == elsewhere.id).order_by(QuarterlyReport.period))] == ["2024Q4"]
    client = client_of(app, world["manager_b"])
    preview = import_csv(client, "reports", "credit_code,period,revenue,rd_expense,employees\n"
                                            f"{elsewhere.credit_code},2024Q3,7,0,1\n")
    assert "its report is not yours to import" not in preview
    assert db.session.scalar(select(QuarterlyReport.revenue).where(
        QuarterlyReport.organisation_id == elsewhere.id, QuarterlyReport.period == "2024Q3")) == 70_000


# --- hole 2: a pending binding gives no sight --------------------------------------------------------------

def _apply_naming(founder, code: str):
    application = startups.start_application(founder)
    startups.save_step(application, "company", {
        "company_name": "冒名公司", "credit_code": code, "not_registered": False, "founded_on": date(2025, 6, 1),
        "industry_id": None, "address": "星湖街1号", "registered_in_zone": True, "contact_phone": "0512-1"})
    return application


def test_a_pending_binding_gives_no_sight_of_the_company_on_record(app, world, make_user):
    elsewhere, manager_a = world["elsewhere"], world["manager_a"]
    applicant = make_user("startup")
    application = _apply_naming(applicant, elsewhere.credit_code)
    application.platform_id = world["a"].id
    application.status = "submitted"
    db.session.commit()
    assert application.binding_status == "pending"
    client = client_of(app, manager_a)
    assert client.get(f"/applications/{application.id}").status_code == 200  # what the applicant typed
    for page in COMPANY_PAGES:
        assert client.get(page.format(id=elsewhere.id)).status_code == 404, page
    assert elsewhere.id not in ids(access.company_ids_for(manager_a))
    # Nor may the manager let space to it (which would make the sight permanent through the tenancy).
    from incubator.platforms import views as platform_views

    with app.test_request_context():
        from flask_login import login_user

        login_user(manager_a)
        assert elsewhere.id not in {choice for choice, _label in platform_views.company_choices()}
    # Once a manager confirms the binding, the platform's managers read the company (and change nothing).
    startups.confirm_binding(application, True, "营业执照核对无误")
    db.session.commit()
    assert elsewhere.id in ids(access.company_ids_for(manager_a))
    assert not access.may_change_company(manager_a, elsewhere.id)
    assert client.get(f"/organisations/{elsewhere.id}").status_code == 200
    assert client.get(f"/organisations/{elsewhere.id}/edit").status_code == 404


# --- hole 3: changing the company of an application needs a new confirmation ---------------------------------

def test_changing_the_company_of_an_application_resets_the_binding(app, world, make_user):
    former, elsewhere = world["former"], world["elsewhere"]
    founder = make_user("startup", organisation_id=former.id)
    owner_of_elsewhere = make_user("startup", organisation_id=elsewhere.id)
    application = startups.start_application(founder)
    assert (application.organisation_id, application.binding_status) == (former.id, "confirmed")
    startups.save_step(application, "company", {
        "company_name": elsewhere.name, "credit_code": elsewhere.credit_code, "not_registered": False,
        "founded_on": date(2025, 6, 1), "industry_id": None, "address": "x", "registered_in_zone": True,
        "contact_phone": "1"})
    assert (application.organisation_id, application.binding_status) == (elsewhere.id, "pending")
    db.session.commit()
    # The other company's founder does not see it, and it cannot be admitted until a manager decides.
    assert db.session.scalar(startups.visible_applications(owner_of_elsewhere).where(
        Application.id == application.id)) is None
    with pytest.raises(startups.StartupError):
        startups.admit_application(application, world["manager_b"], admitted_on=clock.today(), reason="ok",
                                   override_reason="x")
    db.session.rollback()
    # Back to the founder's own company: confirmed again without a manager.
    startups.save_step(db.session.get(Application, application.id), "company", {
        "company_name": former.name, "credit_code": former.credit_code, "not_registered": False,
        "founded_on": date(2025, 6, 1), "industry_id": None, "address": "x", "registered_in_zone": True,
        "contact_phone": "1"})
    assert db.session.get(Application, application.id).binding_status == "confirmed"


def test_a_former_incubatees_agreements_and_deals_are_read_not_changed(app, world):
    from tests import factories

    former, manager_a = world["former"], world["manager_a"]
    institute = factories.organisation("institute", name="某研究院")
    agreement = factories.partnership(institute, company_id=former.id)
    deal = factories.deal(institute, former, date(2025, 3, 1))
    db.session.commit()
    client = client_of(app, manager_a)
    assert client.get(f"/partnerships/{agreement.id}").status_code == 200
    assert client.get(f"/partnerships/{agreement.id}/edit").status_code == 404
    assert client.post(f"/partnerships/{agreement.id}/delete").status_code == 404
    assert client.get(f"/partnerships/deals/{deal.id}").status_code == 404
    # Its current platform's manager changes them.
    client_b = client_of(app, world["manager_b"])
    assert client_b.get(f"/partnerships/{agreement.id}/edit").status_code == 200
    assert client_b.get(f"/partnerships/deals/{deal.id}").status_code == 200
