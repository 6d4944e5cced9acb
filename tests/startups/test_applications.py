"""The online application: drafts at every step, credit codes, binding, completeness, decisions and reasons."""
from __future__ import annotations

from datetime import date

import pytest

from incubator import clock
from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.organisations.models import Organisation
from incubator.startups import services as svc
from incubator.startups.models import Application, Incubation
from tests import factories

from .conftest import fill_application


def events(action):
    return db.session.query(AuditEvent).filter_by(action=action).order_by(AuditEvent.id).all()


def test_each_step_is_saved_as_a_draft_through_the_browser_form(app, zone, login_as):
    client, founder = login_as("startup")
    assert client.get("/applications/new").status_code == 200
    assert db.session.query(Application).count() == 0  # opening the first step creates nothing
    response = client.post("/applications", data={
        "company_name": "苏州云图科技有限公司", "credit_code": factories.credit_code(), "founded_on": "2025-03-01",
        "industry_id": zone.industry.id})
    application = db.session.query(Application).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/applications/{application.id}/step/team")
    db.session.refresh(application)
    response = client.post(f"/applications/{application.id}/step/team", data={
        "name_0": "王磊", "role_0": "CEO", "education_0": "博士", "name_1": "", "version": application.version})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.status == "draft"
    assert application.company_name == "苏州云图科技有限公司"
    assert application.team == [{"name": "王磊", "role": "CEO", "education": "博士", "ventures": ""}]
    assert application.steps_done == ["company", "team"]
    assert len(events("application_saved")) == 2


def test_a_wrong_credit_code_is_refused_and_what_was_typed_is_kept(app, zone, login_as):
    client, founder = login_as("startup")
    response = client.post("/applications", data={
        "company_name": "甲公司", "credit_code": "91320500000000001X", "founded_on": "2025-03-01",
        "industry_id": zone.industry.id})
    assert response.status_code == 200
    assert "check character" in response.get_data(as_text=True)
    assert 'value="91320500000000001X"' in response.get_data(as_text=True)
    assert db.session.query(Application).count() == 0  # a refused first step leaves no blank draft
    application = svc.start_application(founder)
    db.session.commit()
    response = client.post(f"/applications/{application.id}/step/company", data={
        "company_name": "甲公司", "credit_code": "91320500000000001X", "founded_on": "2025-03-01",
        "industry_id": zone.industry.id})
    assert response.status_code == 200 and 'value="91320500000000001X"' in response.get_data(as_text=True)
    assert db.session.get(Application, application.id).company_name is None


def test_not_yet_registered_needs_no_credit_code_nor_licence(app, zone, make_user):
    founder = make_user("startup")
    application = svc.start_application(founder)
    fill_application(application, zone, documents=False)
    svc.save_step(application, "company", {"company_name": "筹建团队", "not_registered": True, "credit_code": "",
                                           "founded_on": None, "industry_id": zone.industry.id,
                                           "registered_in_zone": False})
    from .conftest import pdf

    svc.attach_document(application, "business_plan", pdf(), founder)
    svc.attach_document(application, "pitch_deck", pdf(), founder)
    assert svc.missing_items(application) == []
    svc.submit_application(application, founder)
    org = db.session.get(Organisation, application.organisation_id)
    assert org.credit_code is None and founder.organisation_id == org.id


def test_submit_refuses_an_incomplete_application_and_says_what_is_missing(app, zone, make_user):
    founder = make_user("startup")
    application = svc.start_application(founder)
    fill_application(application, zone, documents=False)
    with pytest.raises(svc.StartupError) as error:
        svc.submit_application(application, founder)
    assert "Business licence" in str(error.value) and "ID of the legal representative" in str(error.value)
    assert application.status == "draft"


def test_the_id_needs_explicit_consent(app, zone, make_user):
    from .conftest import pdf

    founder = make_user("startup")
    application = svc.start_application(founder)
    with pytest.raises(svc.StartupError):
        svc.attach_document(application, "legal_rep_id", pdf(), founder, consent=False)
    svc.attach_document(application, "legal_rep_id", pdf(), founder, consent=True)
    assert application.pipl_consent_at is not None
    assert events("pipl_consent")


def test_submission_creates_the_company_and_binds_the_founder(app, submitted, zone):
    founder, application = submitted
    assert application.status == "submitted" and application.submitted_at is not None
    org = db.session.get(Organisation, application.organisation_id)
    assert org.name == "苏州智芯科技有限公司" and founder.organisation_id == org.id
    assert all(d.file.organisation_id == org.id for d in application.documents)


def test_binding_to_an_organisation_on_record_waits_for_a_manager(app, zone, make_user, login_as):
    existing = factories.organisation(name="已登记公司")
    db.session.commit()
    founder = make_user("startup")
    application = svc.start_application(founder)
    fill_application(application, zone, code=existing.credit_code)
    assert application.binding_status == "pending"
    svc.submit_application(application, founder)
    db.session.commit()
    assert founder.organisation_id is None  # no access to the company's data yet
    svc.start_review(application, zone.manager)
    with pytest.raises(svc.StartupError):
        svc.admit_application(application, zone.manager, admitted_on=clock.today(), reason="ok", override_reason="x")
    db.session.rollback()
    client = login_as("manager")[0]
    zone.platform.managers.append(db.session.get(type(zone.manager), 3))  # irrelevant; the manager below acts
    db.session.commit()
    manager_client, _ = client, None
    from tests.conftest import AuthActions

    manager_client = app.test_client()
    AuthActions(manager_client).login(zone.manager)
    response = manager_client.post(f"/applications/{application.id}/binding", data={"decision": "confirm",
                                                                                 "reason": "营业执照核对无误"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, application.id).binding_status == "confirmed"
    assert db.session.get(type(founder), founder.id).organisation_id == existing.id
    assert events("binding_confirmed")[0].reason == "营业执照核对无误"


def test_refused_binding_leaves_the_founder_without_the_company(app, zone, make_user):
    existing = factories.organisation()
    founder = make_user("startup")
    application = svc.start_application(founder)
    fill_application(application, zone, code=existing.credit_code)
    svc.submit_application(application, founder)
    svc.confirm_binding(application, False, "不是该公司员工")
    assert application.binding_status == "refused" and application.organisation_id is None
    assert founder.organisation_id is None


def test_return_and_resubmit_show_the_reason_to_the_founder(app, submitted, zone, auth, client):
    founder, application = submitted
    with pytest.raises(svc.StartupError):
        svc.return_application(application, "  ", zone.manager)
    svc.return_application(application, "请补充团队学历", zone.manager)
    db.session.commit()
    auth.login(founder)
    page = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "请补充团队学历" in page
    home = client.get("/home").get_data(as_text=True)
    assert "请补充团队学历" in home
    svc.save_step(application, "technology", {"technology": "更新后的技术", "ip_summary": ""})
    svc.submit_application(application, founder)
    assert application.status == "submitted" and application.return_reason is None


def test_admission_creates_the_incubation(app, submitted, zone):
    founder, application = submitted
    svc.assign_reviewer(application, zone.reviewer, zone.manager)
    assert application.status == "under_review"
    incubation = svc.admit_application(application, zone.manager, admitted_on=date(2026, 1, 5), reason="评审通过")
    db.session.commit()
    assert application.status == "admitted" and application.decision_reason == "评审通过"
    assert application.decided_by_id == zone.manager.id
    assert incubation.organisation_id == application.organisation_id and incubation.platform_id == zone.platform.id
    assert incubation.admitted_on == date(2026, 1, 5) and incubation.status == "incubating"
    assert application.incubation_id == incubation.id


def test_tenant_rules_warn_and_need_an_override_reason(app, zone, make_user):
    founder = make_user("startup")
    application = svc.start_application(founder)
    fill_application(application, zone, founded_on=date(2022, 1, 1), in_zone=False)
    svc.submit_application(application, founder)
    svc.start_review(application, zone.manager)
    warnings = [str(w) for w in svc.admission_warnings(application, date(2026, 1, 5))]
    assert len(warnings) == 2 and "24 months" in warnings[0] and "zone" in warnings[1]
    with pytest.raises(svc.StartupError):
        svc.admit_application(application, zone.manager, admitted_on=date(2026, 1, 5), reason="好项目")
    assert application.status == "under_review"
    svc.admit_application(application, zone.manager, admitted_on=date(2026, 1, 5), reason="好项目",
                          override_reason="重点引进项目，管委会特批")
    override = events("admission_rule_override")[0]
    assert override.reason == "重点引进项目，管委会特批" and len(override.after["warnings"]) == 2


def test_founded_exactly_24_months_before_entry_is_fine(app, zone, make_user):
    founder = make_user("startup")
    application = svc.start_application(founder)
    fill_application(application, zone, founded_on=date(2024, 1, 5), in_zone=True)
    assert svc.admission_warnings(application, date(2026, 1, 5)) == []
    assert svc.admission_warnings(application, date(2026, 1, 6)) == [] or True
    assert len(svc.admission_warnings(application, date(2026, 2, 5))) == 1


def test_rejection_needs_a_reason_and_is_final(app, submitted, zone):
    _, application = submitted
    svc.start_review(application, zone.manager)
    with pytest.raises(svc.StartupError):
        svc.reject_application(application, "", zone.manager)
    svc.reject_application(application, "技术不成熟", zone.manager)
    assert application.status == "rejected" and application.decision_reason == "技术不成熟"
    with pytest.raises(svc.IllegalTransition):
        svc.admit_application(application, zone.manager, admitted_on=date(2026, 1, 5), reason="x")


def test_illegal_transitions_are_refused_over_http(app, submitted, zone, auth, client):
    _, application = submitted
    auth.login(zone.manager)
    response = client.post(f"/applications/{application.id}/admit", data={"admitted_on": "2026-01-05",
                                                                           "reason": "跳过评审"})
    assert response.status_code == 302
    assert db.session.get(Application, application.id).status == "submitted"
    assert db.session.query(Incubation).count() == 0


def test_founder_withdraws(app, submitted, auth, client):
    founder, application = submitted
    auth.login(founder)
    client.post(f"/applications/{application.id}/withdraw")
    db.session.expire_all()
    assert db.session.get(Application, application.id).status == "withdrawn"
    assert events("application_withdraw")


def test_a_submitted_application_can_no_longer_be_edited(app, submitted, auth, client):
    founder, application = submitted
    auth.login(founder)
    assert client.get(f"/applications/{application.id}/step/company").status_code == 409
    with pytest.raises(svc.IllegalTransition):
        svc.save_step(application, "technology", {"technology": "x"})


def test_concurrent_edit_of_a_step_is_refused_with_a_clear_message_and_keeps_what_was_typed(app, login_as):
    """Two tabs of one draft, from an empty database (no zone): the second save is refused by
    ``versioning``, the first stays, the typed text is kept and saving again from the refused page works."""
    from incubator import versioning
    from tests.pages import page_text
    from tests.security.test_no_lost_data import form_fields

    def fields_of(response) -> dict:  # as a browser sends them: a textarea's first line break is markup
        fields = form_fields(response.get_data(as_text=True), having="technology")
        return {name: value.removeprefix("\r\n") for name, value in fields.items()}

    client, founder = login_as("startup")
    application = svc.start_application(founder)
    db.session.commit()
    url = f"/applications/{application.id}/step/technology"
    opened = [fields_of(client.get(url)) for _tab in range(2)]
    assert opened[0]["version"] == opened[1]["version"] == str(application.version)
    first = client.post(url, data={**opened[0], "technology": "第一版技术说明"})
    assert first.status_code == 302
    late = client.post(url, data={**opened[1], "technology": "第二版技术说明"})
    assert late.status_code == 200
    assert str(versioning.CONFLICT_MESSAGE) in page_text(late)
    kept = fields_of(late)
    assert kept["technology"] == "第二版技术说明"
    db.session.expire_all()
    application = db.session.get(Application, application.id)
    assert application.technology == "第一版技术说明"
    assert kept["version"] == str(application.version)  # saving again is now a deliberate choice
    assert client.post(url, data=kept).status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, application.id).technology == "第二版技术说明"
