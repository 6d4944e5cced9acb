"""The partner portal: a partner contact sees only their institution's agreements and cohorts."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from incubator.audit.models import AuditEvent
from incubator.extensions import db

from .. import factories
from tests.pages import html_text, page_text


def figures(**values) -> dict:
    data = {"enrolled": "40", "completed": "38", "hired_in_zone": "25", "completed_on": "2026-06-30"}
    data.update(values)
    return data


def setup_two_institutions(university, other_university):
    own = factories.partnership(university, kind="talent_training", reference="OWN-1", starts_on=date(2024, 1, 1))
    own_cohort = factories.cohort(own, 2025, 40)
    foreign = factories.partnership(other_university, kind="talent_training", reference="FOREIGN-1",
                                    starts_on=date(2024, 1, 1))
    foreign_cohort = factories.cohort(foreign, 2025, 30)
    db.session.commit()
    return own, own_cohort, foreign, foreign_cohort


def test_partner_sees_only_their_institutions_agreements(partner_of, university, other_university):
    own, _own_cohort, foreign, _ = setup_two_institutions(university, other_university)
    client, _ = partner_of(university)
    listing = client.get("/partnerships/?status=all").get_data(as_text=True)
    assert ">OWN-1</a>" in listing and "FOREIGN-1" not in html_text(listing)
    cohorts = page_text(client.get("/partnerships/cohorts"))
    assert "OWN-1" in cohorts and "FOREIGN-1" not in cohorts
    assert client.get(f"/partnerships/{own.id}").status_code == 200
    assert client.get(f"/partnerships/{foreign.id}").status_code == 404


def test_partner_cannot_open_or_post_to_another_institutions_cohort(partner_of, university, other_university):
    _own, _own_cohort, _foreign, foreign_cohort = setup_two_institutions(university, other_university)
    client, _ = partner_of(university)
    assert client.get(f"/partnerships/cohorts/{foreign_cohort.id}").status_code == 404
    assert client.post(f"/partnerships/cohorts/{foreign_cohort.id}", data=figures(enrolled="30")).status_code == 404
    db.session.refresh(foreign_cohort)
    assert foreign_cohort.completed == 0


def test_partner_updates_their_cohorts_figures_but_not_its_year(partner_of, university, other_university):
    _own, own_cohort, _foreign, _ = setup_two_institutions(university, other_university)
    client, user = partner_of(university)
    response = client.post(f"/partnerships/cohorts/{own_cohort.id}",
                           data=figures(cohort_year="1999", completed_on="2026-06-01"))
    assert response.status_code == 302
    db.session.refresh(own_cohort)
    assert (own_cohort.cohort_year, own_cohort.completed, own_cohort.hired_in_zone) == (2025, 38, 25)
    assert own_cohort.figures_reported_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training_cohort.updated"))
    assert event.actor_id == user.id and event.after["hired_in_zone"] == 25


def test_partner_figures_follow_the_rule(partner_of, university, other_university):
    _own, own_cohort, _foreign, _ = setup_two_institutions(university, other_university)
    client, _ = partner_of(university)
    page = client.post(f"/partnerships/cohorts/{own_cohort.id}",
                       data=figures(completed="20", hired_in_zone="21", completed_on="2026-06-01")).get_data(as_text=True)
    assert "Hired by zone companies (21) may not exceed completed (20)." in page
    db.session.refresh(own_cohort)
    assert own_cohort.completed == 0


def test_partner_changes_deliverable_status_of_their_agreements_only(partner_of, university, other_university):
    from incubator.partnerships import services

    own, _own_cohort, foreign, _ = setup_two_institutions(university, other_university)
    own_item = services.add_deliverable(own, "结业考核", date(2026, 7, 1))
    foreign_item = services.add_deliverable(foreign, "实训安排", date(2026, 7, 1))
    db.session.commit()
    client, _ = partner_of(university)
    client.post(f"/partnerships/deliverables/{own_item.id}/status", data={f"d{own_item.id}-status": "in_progress"})
    response = client.post(f"/partnerships/deliverables/{foreign_item.id}/status",
                           data={f"d{foreign_item.id}-status": "delivered"})
    assert response.status_code == 404
    db.session.expire_all()
    assert own_item.status == "in_progress" and foreign_item.status == "planned"


def test_partner_may_not_edit_agreements_or_see_other_areas(partner_of, university, other_university):
    own, own_cohort, _foreign, _ = setup_two_institutions(university, other_university)
    client, _ = partner_of(university)
    for url in (f"/partnerships/{own.id}/edit", "/partnerships/new", "/partnerships/institutions",
                f"/partnerships/institutions/{university.id}", "/partnerships/deals", "/partnerships/talents",
                f"/partnerships/{own.id}/cohorts/new"):
        assert client.get(url).status_code in (403, 404), url
    assert client.post(f"/partnerships/{own.id}/delete").status_code in (403, 404)
    assert client.post(f"/partnerships/cohorts/{own_cohort.id}/delete").status_code in (403, 404)
    page = client.get(f"/partnerships/{own.id}").get_data(as_text=True)
    assert f"/partnerships/{own.id}/edit" not in page


def test_partner_without_institution_sees_nothing(login_as, university, other_university):
    own, own_cohort, _foreign, _ = setup_two_institutions(university, other_university)
    client, _ = login_as("partner")
    assert "OWN-1" not in client.get("/partnerships/?status=all").get_data(as_text=True)
    assert client.get(f"/partnerships/{own.id}").status_code == 404
    assert client.get(f"/partnerships/cohorts/{own_cohort.id}").status_code == 404


def test_partner_home_lists_agreements_and_cohorts_awaiting_figures(partner_of, university, other_university):
    _own, own_cohort, _foreign, _ = setup_two_institutions(university, other_university)
    client, _ = partner_of(university)
    page = client.get("/home").get_data(as_text=True)
    assert "OWN-1" in html_text(page) and "FOREIGN-1" not in html_text(page)
    assert f"/partnerships/cohorts/{own_cohort.id}" in page
    client.post(f"/partnerships/cohorts/{own_cohort.id}", data=figures(completed_on="2026-06-01"))
    page = client.get("/home").get_data(as_text=True)
    assert "All cohort figures are reported." in page


def test_admin_home_shows_agreements_expiring(login_as, university):
    factories.partnership(university, reference="SOON", starts_on=date(2025, 1, 1), ends_on=date(2026, 8, 1))
    factories.partnership(university, reference="LATER", starts_on=date(2025, 1, 1), ends_on=date(2027, 8, 1))
    db.session.commit()
    client, _ = login_as("admin")
    page = client.get("/home").get_data(as_text=True)
    panel = html_text(page[page.index('id="expiring-panel"'):])
    assert "SOON" in panel and "LATER" not in panel


def test_partner_exports_only_their_agreements_and_cohorts(partner_of, university, other_university):
    setup_two_institutions(university, other_university)
    client, _ = partner_of(university)
    agreements = client.get("/partnerships/?status=all&export=csv").get_data(as_text=True)
    assert "OWN-1" in agreements and "FOREIGN-1" not in agreements
    assert agreements.lstrip("\ufeff").startswith("reference,partner_credit_code,kind,title,starts_on,ends_on,")
    cohorts = client.get("/partnerships/cohorts?export=csv").get_data(as_text=True)
    assert "OWN-1,2025,40,0,0," in cohorts and "FOREIGN-1" not in cohorts


def test_partner_lists_use_a_fixed_number_of_queries(partner_of, university, other_university, count_queries):
    own, _own_cohort, _foreign, _ = setup_two_institutions(university, other_university)
    client, _ = partner_of(university)
    client.get("/partnerships/cohorts")
    with count_queries() as few_cohorts:
        client.get("/partnerships/cohorts")
    with count_queries() as few_agreements:
        client.get("/partnerships/?status=all")
    for year in range(2010, 2025):
        factories.cohort(own, year, 10)
        factories.partnership(university, kind="talent_training")
    db.session.commit()
    with count_queries() as many_cohorts:
        client.get("/partnerships/cohorts")
    with count_queries() as many_agreements:
        client.get("/partnerships/?status=all")
    assert many_cohorts.count == few_cohorts.count
    assert many_agreements.count == few_agreements.count


def test_rule_messages_are_in_chinese_for_a_chinese_partner(partner_of, university, other_university):
    _own, own_cohort, _foreign, _ = setup_two_institutions(university, other_university)
    client, contact = partner_of(university)
    contact.locale = "zh"
    db.session.commit()
    page = client.post(f"/partnerships/cohorts/{own_cohort.id}",
                       data=figures(completed="30", hired_in_zone="31", completed_on="2026-06-01")).get_data(as_text=True)
    assert "园区企业录用人数（31）不能超过结业人数（30）。" in page


def test_partner_is_told_of_a_new_cohort_and_the_office_of_reported_figures(login_as, partner_of, university,
                                                                            other_university):
    from incubator.notifications.models import Notification

    agreement = factories.partnership(university, kind="talent_training", reference="N-1", starts_on=date(2024, 1, 1))
    db.session.commit()
    admin_client, admin = login_as("admin")
    partner_client, contact = partner_of(university)
    _stranger_client, stranger = partner_of(other_university)
    admin_client.post(f"/partnerships/{agreement.id}/cohorts/new", data={"cohort_year": "2026", "enrolled": "30"})
    told = list(db.session.scalars(select(Notification.user_id).where(Notification.subject.contains("N-1"))))
    assert told == [contact.id]
    cohort_id = db.session.scalar(select(AuditEvent.entity_id).where(AuditEvent.action == "training_cohort.created"))
    partner_client.post(f"/partnerships/cohorts/{cohort_id}", data=figures(completed="28", hired_in_zone="9",
                                                                          completed_on="2026-06-01"))
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.subject.contains("N-1"))))
    assert told == {contact.id, admin.id} and stranger.id not in told


def test_manager_home_shows_only_their_expiring_agreements(managed, university, platform):
    client, _user, _tenant = managed
    factories.partnership(university, reference="MINE-SOON", platform_id=platform.id, starts_on=date(2025, 1, 1),
                          ends_on=date(2026, 8, 1))
    factories.partnership(university, reference="THEIRS-SOON", starts_on=date(2025, 1, 1), ends_on=date(2026, 8, 1))
    db.session.commit()
    panel = html_text(client.get("/home").get_data(as_text=True).split('id="expiring-panel"')[1])
    assert "MINE-SOON" in panel and "THEIRS-SOON" not in panel
