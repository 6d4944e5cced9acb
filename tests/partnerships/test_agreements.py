"""Agreements: recording with the rules, the active / expiring / ended lists, scoping of managers, audit."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.partnerships.models import Partnership

from .. import factories
from tests.pages import html_text, page_text


def form(partner, **values) -> dict:
    data = {"reference": "HZ-2026-001", "title": "联合实验室共建协议", "partner_id": str(partner.id),
            "kind": "joint_lab", "platform_id": "", "company_id": "", "starts_on": "2026-01-01",
            "ends_on": "2027-12-31", "contract_value": "1,234.5", "description": ""}
    data.update(values)
    return data


def count_agreements() -> int:
    return db.session.scalar(select(func.count(Partnership.id)))


def test_admin_records_an_agreement_with_exact_value_and_audit(login_as, university, platform):
    client, _admin = login_as("admin")
    response = client.post("/partnerships/new", data=form(university, platform_id=str(platform.id)))
    assert response.status_code == 302
    agreement = db.session.scalar(select(Partnership))
    assert agreement.contract_value == 12_345_000  # 1,234.5 万元 in yuan
    assert agreement.platform_id == platform.id and agreement.company_id is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "partnership.created"))
    assert event.entity_id == str(agreement.id) and event.after["reference"] == "HZ-2026-001"
    page = page_text(client.get(response.headers["Location"]))
    assert "1,234.50" in page and university.name in page


def test_end_before_start_is_refused_with_a_message_and_keeps_the_input(login_as, university):
    client, _ = login_as("admin")
    response = client.post("/partnerships/new", data=form(university, starts_on="2026-05-01", ends_on="2026-04-30",
                                                          title="我输入的标题"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The end date may not be before the start date." in page
    assert "我输入的标题" in page
    assert count_agreements() == 0


def test_both_company_and_platform_is_refused(login_as, university, platform, company):
    client, _ = login_as("admin")
    response = client.post("/partnerships/new", data=form(university, platform_id=str(platform.id),
                                                          company_id=str(company.id)))
    assert "The zone side is either a company or a platform, not both." in response.get_data(as_text=True)
    assert count_agreements() == 0


def test_a_company_cannot_be_the_partner_institution(login_as, company):
    client, _ = login_as("admin")
    response = client.post("/partnerships/new", data=form(company))
    assert response.status_code == 200
    assert count_agreements() == 0


def test_service_refuses_a_partner_that_is_not_an_institution(app, make_user, company):
    import pytest

    from incubator.partnerships import services

    admin = make_user("admin")
    with pytest.raises(services.Problems) as error:
        services.create_agreement(admin, {"reference": "X-1", "partner_id": company.id, "kind": "joint_rd",
                                          "title": "t", "starts_on": date(2026, 1, 1)})
    assert "partner_id" in error.value.problems


def test_duplicate_reference_is_refused(login_as, university):
    client, _ = login_as("admin")
    factories.partnership(university, reference="HZ-2026-001")
    db.session.commit()
    response = client.post("/partnerships/new", data=form(university))
    assert "Another agreement already uses the reference HZ-2026-001." in response.get_data(as_text=True)
    assert count_agreements() == 1


def test_lists_split_active_expiring_upcoming_and_ended(login_as, university, frozen_today):
    client, _ = login_as("admin")
    today = frozen_today
    factories.partnership(university, reference="ACTIVE", starts_on=date(2025, 1, 1), ends_on=date(2028, 1, 1))
    factories.partnership(university, reference="OPEN", starts_on=date(2025, 1, 1))
    factories.partnership(university, reference="EXPIRING", starts_on=date(2024, 1, 1),
                          ends_on=today + timedelta(days=90))
    factories.partnership(university, reference="LATER", starts_on=today + timedelta(days=10))
    factories.partnership(university, reference="ENDED", starts_on=date(2023, 1, 1), ends_on=today - timedelta(days=1))
    db.session.commit()

    def references(status):
        page = client.get(f"/partnerships/?status={status}").get_data(as_text=True)
        return {ref for ref in ("ACTIVE", "OPEN", "EXPIRING", "LATER", "ENDED") if f">{ref}</a>" in page}

    assert references("active") == {"ACTIVE", "OPEN", "EXPIRING"}
    assert references("expiring") == {"EXPIRING"}
    assert references("upcoming") == {"LATER"}
    assert references("ended") == {"ENDED"}
    assert references("all") == {"ACTIVE", "OPEN", "EXPIRING", "LATER", "ENDED"}


def test_search_sort_and_pagination(login_as, university, other_university, app):
    app.config["PAGE_SIZE"] = 5
    client, _ = login_as("admin")
    for n in range(7):
        factories.partnership(university, reference=f"A-{n}", title=f"协议{n}", starts_on=date(2025, 1, 1 + n))
    factories.partnership(other_university, reference="B-1", title="苏州合作", starts_on=date(2025, 2, 1))
    db.session.commit()
    page = client.get("/partnerships/?status=all&q=苏州另一").get_data(as_text=True)
    assert ">B-1</a>" in page and ">A-0</a>" not in page
    first = client.get("/partnerships/?status=all&sort=reference").get_data(as_text=True)
    assert first.index(">A-0</a>") < first.index(">A-1</a>") and ">B-1</a>" not in first
    second = client.get("/partnerships/?status=all&sort=reference&page=2").get_data(as_text=True)
    assert ">B-1</a>" in second and "8 in total" in second


def test_list_uses_a_fixed_number_of_queries(login_as, university, platform, company, count_queries):
    client, _ = login_as("admin")

    def measure():
        with count_queries() as counter:
            assert client.get("/partnerships/?status=all").status_code == 200
        return counter.count

    factories.partnership(university, platform_id=platform.id)
    db.session.commit()
    client.get("/partnerships/?status=all")  # warm up: the session row is refreshed on the first request
    few = measure()
    for n in range(30):
        factories.partnership(university, **({"platform_id": platform.id} if n % 2 else {"company_id": company.id}))
    db.session.commit()
    assert measure() == few


def test_manager_records_for_their_platform_only(managed, university, platform, frozen_today):
    client, _user, tenant = managed
    other_platform = factories.platform(code="OTHER")
    stranger = factories.organisation(kind="startup", name="别处公司")
    db.session.commit()
    # Foreign ids posted in the form are refused; the zone itself is not the manager's to sign for.
    response = client.post("/partnerships/new", data=form(university, platform_id=str(other_platform.id)))
    assert response.status_code == 200
    response = client.post("/partnerships/new", data=form(university, company_id=str(stranger.id)))
    assert response.status_code == 200
    response = client.post("/partnerships/new", data=form(university))
    assert "As a platform manager" in response.get_data(as_text=True)
    assert count_agreements() == 0
    assert client.post("/partnerships/new", data=form(university, company_id=str(tenant.id))).status_code == 302
    assert client.post("/partnerships/new", data=form(university, reference="HZ-2",
                                                      platform_id=str(platform.id))).status_code == 302
    assert count_agreements() == 2


def test_manager_cannot_see_or_edit_other_agreements(managed, university, platform):
    client, _user, tenant = managed
    foreign = factories.partnership(university, reference="FOREIGN")
    own = factories.partnership(university, reference="OWN", platform_id=platform.id)
    db.session.commit()
    listing = client.get("/partnerships/?status=all").get_data(as_text=True)
    assert ">OWN</a>" in listing and "FOREIGN" not in html_text(listing)
    assert client.get(f"/partnerships/{foreign.id}").status_code == 404
    assert client.get(f"/partnerships/{foreign.id}/edit").status_code == 404
    assert client.post(f"/partnerships/{foreign.id}/delete").status_code == 404
    assert client.get(f"/partnerships/{own.id}").status_code == 200


def test_edit_is_audited_with_before_and_after(login_as, university):
    client, _ = login_as("admin")
    agreement = factories.partnership(university, reference="E-1", title="旧标题")
    db.session.commit()
    response = client.post(f"/partnerships/{agreement.id}/edit", data=form(university, reference="E-1",
                                                                           title="新标题", kind="joint_rd"))
    assert response.status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "partnership.updated"))
    assert event.before["title"] == "旧标题" and event.after["title"] == "新标题"


def test_delete_asks_for_post_and_is_audited(login_as, university):
    client, _ = login_as("admin")
    agreement = factories.partnership(university)
    factories.cohort(factories.partnership(university, kind="talent_training"), 2025, 10)
    db.session.commit()
    agreement_id = agreement.id
    assert client.get(f"/partnerships/{agreement_id}/delete").status_code == 405
    assert client.post(f"/partnerships/{agreement_id}/delete", data={}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Partnership, agreement_id) is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "partnership.deleted")) is not None


def test_deliverables_are_added_and_their_status_changed(login_as, university):
    from incubator.partnerships.models import Deliverable

    client, _ = login_as("admin")
    agreement = factories.partnership(university)
    db.session.commit()
    client.post(f"/partnerships/{agreement.id}/deliverables",
                data={"title": "中期报告", "due_on": "2026-03-01", "status": "planned"})
    deliverable = db.session.scalar(select(Deliverable))
    assert deliverable.title == "中期报告"
    page = client.get(f"/partnerships/{agreement.id}").get_data(as_text=True)
    assert "Overdue" in page
    client.post(f"/partnerships/deliverables/{deliverable.id}/status",
                data={f"d{deliverable.id}-status": "delivered", f"d{deliverable.id}-delivered_on": "",
                      f"d{deliverable.id}-note": "已交付"})
    db.session.expire_all()
    assert deliverable.status == "delivered" and deliverable.delivered_on == date(2026, 6, 15)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"deliverable.created", "deliverable.updated"} <= actions


def test_a_concurrent_change_is_not_overwritten(login_as, university):
    client, admin = login_as("admin")
    agreement = factories.partnership(university, reference="V-1", title="原标题")
    db.session.commit()
    page = client.get(f"/partnerships/{agreement.id}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in page or 'value="1"' in page
    from incubator.partnerships import services

    services.update_agreement(admin, agreement, {**{k: getattr(agreement, k) for k in services.AGREEMENT_FIELDS},
                                                  "title": "别人改的标题"})
    db.session.commit()
    response = client.post(f"/partnerships/{agreement.id}/edit", data=form(university, reference="V-1",
                                                                           title="我的标题", version="1"))
    assert "Someone else changed this record while you were editing it." in response.get_data(as_text=True)
    db.session.expire_all()
    assert agreement.title == "别人改的标题"


def test_partner_and_admin_editing_the_same_cohort_do_not_overwrite_each_other(login_as, partner_of, university):
    agreement = factories.partnership(university, kind="talent_training", starts_on=date(2024, 1, 1))
    cohort = factories.cohort(agreement, 2025, 40)
    db.session.commit()
    admin_client, _ = login_as("admin")
    partner_client, _ = partner_of(university)
    figures = {"enrolled": "40", "completed": "30", "hired_in_zone": "10", "completed_on": "2026-06-01", "version": "1"}
    assert partner_client.post(f"/partnerships/cohorts/{cohort.id}", data=figures).status_code == 302
    late = admin_client.post(f"/partnerships/cohorts/{cohort.id}",
                             data={**figures, "cohort_year": "2025", "completed": "35"})
    assert late.status_code == 200 and "Someone else changed this record" in late.get_data(as_text=True)
    db.session.expire_all()
    assert cohort.completed == 30
