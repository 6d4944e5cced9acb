"""Review: invited reviewers, assignments one by one or by meeting, scoring against the rubric, averages."""
from __future__ import annotations

from datetime import date

import pytest

from incubator.audit.models import AuditEvent
from incubator.auth.models import User
from incubator.extensions import db
from incubator.startups import services as svc
from incubator.startups.models import Application, ReviewAssignment
from tests.conftest import AuthActions

from .conftest import fill_application
from tests.pages import page_text


def logged_in(app, user):
    client = app.test_client()
    assert AuthActions(client).login(user).status_code == 302
    return client


def test_manager_invites_an_outside_expert_who_gets_a_reviewer_account(app, zone, tmp_path):
    client = logged_in(app, zone.manager)
    response = client.post("/reviewers/invite", data={"email": "expert@uni.edu.cn", "name": "钱教授"})
    assert response.status_code == 302
    user = db.session.query(User).filter_by(email="expert@uni.edu.cn").one()
    assert user.role == "reviewer"
    mails = list((tmp_path / "mail").glob("*"))
    assert mails and "expert@uni.edu.cn" in mails[0].read_text(errors="ignore")
    assert db.session.query(AuditEvent).filter_by(action="reviewer_invited").count() == 1


def test_inviting_a_founder_address_as_reviewer_is_refused(app, zone, make_user):
    founder = make_user("startup", email="someone@x.cn")
    client = logged_in(app, zone.manager)
    response = client.post("/reviewers/invite", data={"email": "someone@x.cn", "name": "x"})
    assert response.status_code == 200
    assert db.session.get(User, founder.id).role == "startup"


def test_reviewer_sees_only_assigned_applications(app, zone, make_user, submitted):
    _, application = submitted
    other_founder = make_user("startup")
    other = svc.start_application(other_founder)
    fill_application(other, zone)
    svc.submit_application(other, other_founder)
    svc.assign_reviewer(application, zone.reviewer, zone.manager)
    db.session.commit()
    client = logged_in(app, zone.reviewer)
    assert client.get(f"/applications/{application.id}").status_code == 200
    assert client.get(f"/applications/{other.id}").status_code == 404
    listing = client.get("/reviews").get_data(as_text=True)
    assert listing.count("/reviews/") == 1
    other_assignment = svc.assign_reviewer(other, make_user("reviewer"), zone.manager)
    db.session.commit()
    assert client.get(f"/reviews/{other_assignment.id}").status_code == 404
    for document in other.documents:
        assert client.get(f"/applications/{other.id}/documents/{document.id}").status_code == 404


def test_reviewer_never_sees_the_id_document(app, zone, submitted):
    _, application = submitted
    svc.assign_reviewer(application, zone.reviewer, zone.manager)
    db.session.commit()
    client = logged_in(app, zone.reviewer)
    id_doc = application.document("legal_rep_id")
    plan = application.document("business_plan")
    assert client.get(f"/applications/{application.id}/documents/{id_doc.id}").status_code == 404
    with client.get(f"/applications/{application.id}/documents/{plan.id}") as response:
        assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_scores_are_weighted_and_averaged_for_the_manager(app, zone, make_user, submitted):
    _, application = submitted
    second = make_user("reviewer", name="第二位专家")
    criteria = svc.rubric_for(zone.platform.id)  # default: 30/25/25/20
    a1 = svc.assign_reviewer(application, zone.reviewer, zone.manager)
    a2 = svc.assign_reviewer(application, second, zone.manager)
    db.session.commit()
    client = logged_in(app, zone.reviewer)
    data = {f"score_{c.id}": v for c, v in zip(criteria, [8, 6, 7, 9])}
    response = client.post(f"/reviews/{a1.id}", data={**data, "comment": "不错", "version": a1.version})
    assert response.status_code == 302
    db.session.expire_all()
    a1 = db.session.get(ReviewAssignment, a1.id)
    assert a1.weighted_score == 745  # (8*30 + 6*25 + 7*25 + 9*20) / 100 = 7.45
    svc.submit_scores(db.session.get(ReviewAssignment, a2.id), {c.id: 10 for c in criteria}, "好", False, None)
    db.session.commit()
    assert svc.average_scores([application.id])[application.id] == (873, 2)  # (7.45 + 10) / 2 = 8.725
    page = page_text(logged_in(app, zone.manager).get(f"/applications/{application.id}"))
    assert "7.45" in page and "10.00" in page and "8.73" in page


def test_scores_outside_0_to_10_or_missing_are_refused(app, zone, submitted):
    _, application = submitted
    criteria = svc.rubric_for(zone.platform.id)
    assignment = svc.assign_reviewer(application, zone.reviewer, zone.manager)
    db.session.commit()
    client = logged_in(app, zone.reviewer)
    data = {f"score_{c.id}": 11 for c in criteria}
    assert client.post(f"/reviews/{assignment.id}", data=data).status_code == 200
    with pytest.raises(svc.StartupError):
        svc.submit_scores(assignment, {criteria[0].id: 5}, "", False, None)
    db.session.rollback()
    assert db.session.get(ReviewAssignment, assignment.id).status == "assigned"


def test_conflict_of_interest_recuses_the_reviewer(app, zone, submitted):
    _, application = submitted
    assignment = svc.assign_reviewer(application, zone.reviewer, zone.manager)
    with pytest.raises(svc.StartupError):
        svc.submit_scores(assignment, {}, "", True, "")
    svc.submit_scores(assignment, {}, "", True, "曾担任该公司顾问")
    assert assignment.status == "recused" and assignment.weighted_score is None
    assert svc.average_scores([application.id]) == {}


def test_platform_rubric_replaces_the_default(app, zone, submitted):
    client = logged_in(app, zone.manager)
    client.post(f"/platforms/{zone.platform.id}/rubric", data={"name_zh": "技术", "name_en": "Tech", "weight": 60})
    client.post(f"/platforms/{zone.platform.id}/rubric", data={"name_zh": "团队", "name_en": "Team", "weight": 40})
    criteria = svc.rubric_for(zone.platform.id)
    assert [(c.name_zh, c.weight) for c in criteria] == [("技术", 60), ("团队", 40)]
    assert logged_in(app, zone.other_manager).get(f"/platforms/{zone.platform.id}/rubric").status_code == 404


def test_review_meeting_assigns_the_panel_every_application(app, zone, make_user, submitted):
    _, application = submitted
    founder2 = make_user("startup")
    second = svc.start_application(founder2)
    fill_application(second, zone)
    svc.submit_application(second, founder2)
    panelist = make_user("reviewer")
    db.session.commit()
    client = logged_in(app, zone.manager)
    response = client.post("/meetings/new", data={
        "platform_id": zone.platform.id, "title": "第一批评审会", "held_on": "2026-03-01", "location": "三楼",
        "panel": [zone.reviewer.id, panelist.id], "applications": [application.id, second.id]})
    assert response.status_code == 302
    assert db.session.query(ReviewAssignment).count() == 4
    assert {a.status for a in db.session.query(Application)} == {"under_review"}
    meeting_page = logged_in(app, zone.reviewer).get(response.headers["Location"]).get_data(as_text=True)
    assert meeting_page.count("/reviews/") == 2


def test_manager_of_another_platform_cannot_see_or_decide(app, zone, submitted):
    _, application = submitted
    client = logged_in(app, zone.other_manager)
    assert client.get(f"/applications/{application.id}").status_code == 404
    assert client.post(f"/applications/{application.id}/start-review").status_code == 404
    assert client.post(f"/applications/{application.id}/reject", data={"reason": "x"}).status_code == 404
    assert db.session.get(Application, application.id).status == "submitted"


def test_admit_through_the_browser_form(app, zone, submitted):
    _, application = submitted
    svc.start_review(application, zone.manager)
    db.session.commit()
    client = logged_in(app, zone.manager)
    client.post(f"/applications/{application.id}/admit", data={"admitted_on": "2026-02-01", "reason": "同意入孵"})
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.status == "admitted" and application.incubation_id


def test_admission_can_let_units_as_a_tenancy(app, zone, submitted):
    from decimal import Decimal

    from incubator.platforms import services as platform_services
    from incubator.platforms.models import Tenancy

    _, application = submitted
    unit = platform_services.create_unit(zone.platform, code="301", name="301室", kind="office",
                                         area_m2=Decimal("60"), monthly_rent=3000)
    foreign = platform_services.create_unit(zone.other, code="999", name="别处", kind="office",
                                            area_m2=Decimal("60"), monthly_rent=3000)
    svc.start_review(application, zone.manager)
    db.session.commit()
    client = logged_in(app, zone.manager)
    assert "301" in page_text(client.get(f"/applications/{application.id}"))
    client.post(f"/applications/{application.id}/admit", data={"admitted_on": "2026-02-01", "reason": "同意",
                                                               "unit_ids": [foreign.id]})
    assert db.session.get(Application, application.id).status == "under_review"  # not a unit of this platform
    client.post(f"/applications/{application.id}/admit", data={"admitted_on": "2026-02-01", "reason": "同意",
                                                               "unit_ids": [unit.id], "tenancy_ends_on": "2027-01-31"})
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "admitted"
    tenancy = db.session.query(Tenancy).one()
    assert tenancy.organisation_id == application.organisation_id and tenancy.monthly_rent == 3000
    assert [u.code for u in tenancy.units] == ["301"]


def test_the_default_rubric_created_while_viewing_is_kept(app, zone, submitted):
    _, application = submitted
    assignment = svc.assign_reviewer(application, zone.reviewer, zone.manager)
    db.session.commit()
    from incubator.startups.models import RubricCriterion

    assert db.session.query(RubricCriterion).count() == 0
    client = logged_in(app, zone.reviewer)
    page = client.get(f"/reviews/{assignment.id}").get_data(as_text=True)
    db.session.expire_all()
    criteria = db.session.query(RubricCriterion).all()
    assert len(criteria) == 4 and all(f'name="score_{c.id}"' in page for c in criteria)
