"""A founder never sees or changes another company's application, documents or reports: by URL, by form field
or by download link; roles are checked on every action."""
from __future__ import annotations

from incubator.extensions import db
from incubator.startups import services as svc
from incubator.startups.models import Application, ReviewAssignment
from tests import factories
from tests.conftest import AuthActions

from .conftest import fill_application


def logged_in(app, user):
    client = app.test_client()
    AuthActions(client).login(user)
    return client


def test_another_founder_gets_404_on_every_application_url(app, zone, submitted, make_user):
    _, application = submitted
    intruder = logged_in(app, make_user("startup"))
    assert intruder.get(f"/applications/{application.id}").status_code == 404
    for step in svc.STEPS:
        assert intruder.get(f"/applications/{application.id}/step/{step}").status_code == 404
        assert intruder.post(f"/applications/{application.id}/step/{step}", data={"technology": "x"}).status_code == 404
    for action in ("submit", "withdraw"):
        assert intruder.post(f"/applications/{application.id}/{action}").status_code == 404
    assert "苏州智芯" not in intruder.get("/applications").get_data(as_text=True)
    assert db.session.get(Application, application.id).status == "submitted"


def test_another_founder_draft_is_untouchable(app, zone, make_user):
    owner = make_user("startup")
    draft = svc.start_application(owner)
    db.session.commit()
    intruder = logged_in(app, make_user("startup"))
    response = intruder.post(f"/applications/{draft.id}/step/technology", data={"technology": "篡改",
                                                                                "version": draft.version})
    assert response.status_code == 404
    assert db.session.get(Application, draft.id).technology is None


def test_posted_foreign_ids_are_ignored(app, zone, make_user):
    victim = factories.organisation(name="别人的公司")
    founder = make_user("startup")
    application = svc.start_application(founder)
    db.session.commit()
    client = logged_in(app, founder)
    client.post(f"/applications/{application.id}/step/technology", data={
        "technology": "我的技术", "organisation_id": victim.id, "applicant_id": 1, "status": "admitted",
        "version": application.version})
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.technology == "我的技术"
    assert application.organisation_id is None and application.status == "draft"
    assert application.applicant_id == founder.id


def test_choosing_a_platform_not_in_the_list_is_refused(app, zone, make_user):
    closed = factories.platform(code="CLOSED", status="closed")
    db.session.commit()
    founder = make_user("startup")
    application = svc.start_application(founder)
    db.session.commit()
    client = logged_in(app, founder)
    client.post(f"/applications/{application.id}/step/space", data={
        "platform_id": closed.id, "space_kind": "desk", "stations_wanted": "2", "version": application.version})
    client.post(f"/applications/{application.id}/step/space", data={
        "platform_id": 99999, "space_kind": "desk", "stations_wanted": "2", "version": application.version})
    assert db.session.get(Application, application.id).platform_id is None


def test_founder_cannot_take_a_manager_action(app, submitted):
    founder, application = submitted
    client = logged_in(app, founder)
    for action in ("start-review", "return", "reject", "admit", "binding", "assign"):
        assert client.post(f"/applications/{application.id}/{action}", data={"reason": "x"}).status_code == 403
    assert client.get("/incubations").status_code == 403
    assert client.get("/reports/missing").status_code == 403
    assert db.session.get(Application, application.id).status == "submitted"


def test_assigning_a_non_reviewer_is_refused(app, zone, submitted):
    founder, application = submitted
    client = logged_in(app, zone.manager)
    client.post(f"/applications/{application.id}/assign", data={"reviewer_id": founder.id})
    client.post(f"/applications/{application.id}/assign", data={"reviewer_id": zone.other_manager.id})
    assert db.session.query(ReviewAssignment).count() == 0


def test_meeting_ignores_applications_of_other_platforms(app, zone, make_user):
    founder = make_user("startup")
    foreign = svc.start_application(founder)
    fill_application(foreign, zone)
    svc.save_step(foreign, "space", {"platform_id": zone.other.id, "space_kind": "none", "stations_wanted": 0})
    svc.submit_application(foreign, founder)
    db.session.commit()
    client = logged_in(app, zone.manager)
    response = client.post("/meetings/new", data={"platform_id": zone.platform.id, "title": "评审会",
                                                  "held_on": "2026-03-01", "panel": [zone.reviewer.id],
                                                  "applications": [foreign.id]})
    assert response.status_code == 200  # not a valid choice for this manager
    assert db.session.query(ReviewAssignment).count() == 0
    response = client.post("/meetings/new", data={"platform_id": zone.other.id, "title": "评审会",
                                                  "held_on": "2026-03-01", "panel": [zone.reviewer.id],
                                                  "applications": [foreign.id]})
    assert response.status_code == 200 and db.session.query(ReviewAssignment).count() == 0


def test_company_page_of_another_company_is_404(app, zone, submitted, make_user):
    founder, application = submitted
    other = factories.organisation()
    db.session.commit()
    client = logged_in(app, founder)
    assert client.get(f"/startups/companies/{application.organisation_id}").status_code == 200
    assert client.get(f"/startups/companies/{other.id}").status_code == 404
    assert logged_in(app, zone.other_manager).get(
        f"/startups/companies/{application.organisation_id}").status_code == 404


def test_manager_sees_the_companies_that_applied_to_their_platforms(app, zone, submitted):
    _, application = submitted
    from incubator.access import company_ids_for

    ids = set(db.session.scalars(company_ids_for(zone.manager)))
    assert application.organisation_id in ids
    assert application.organisation_id not in set(db.session.scalars(company_ids_for(zone.other_manager)))


def test_manager_list_searches_filters_and_pages(app, zone, make_user):
    app.config["PAGE_SIZE"] = 2
    names = ["甲科技有限公司", "乙科技有限公司", "丙生物有限公司"]
    for name in names:
        founder = make_user("startup")
        application = svc.start_application(founder)
        fill_application(application, zone, documents=False)
        application.company_name = name
        application.status = "submitted"
    draft = svc.start_application(make_user("startup"))
    draft.platform_id, draft.company_name = zone.platform.id, "草稿公司"
    db.session.commit()
    client = logged_in(app, zone.manager)
    first = client.get("/applications?sort=name").get_data(as_text=True)
    assert "草稿公司" not in first  # managers never see drafts
    assert "3 in total" in first and first.count("/applications/") >= 2
    found = client.get("/applications?q=生物").get_data(as_text=True)
    assert "丙生物有限公司" in found and "甲科技有限公司" not in found
    assert "甲科技" not in client.get("/applications?status=admitted").get_data(as_text=True)
