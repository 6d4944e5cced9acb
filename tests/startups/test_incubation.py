"""Incubation: time limits by industry with alerts from month 44, graduation against versioned criteria, exit,
the company's history across platforms, founder accounts bound from the command line."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from incubator import clock
from incubator.audit.models import AuditEvent
from incubator.auth.models import User
from incubator.extensions import db
from incubator.organisations.models import Industry
from incubator.startups import services as svc
from incubator.startups.models import GraduationCriteriaVersion, Incubation
from tests import factories
from tests.conftest import AuthActions


def logged_in(app, user):
    client = app.test_client()
    AuthActions(client).login(user)
    return client


@pytest.mark.parametrize("industry_code, today, months, alert, overdue", [
    ("artificial_intelligence", date(2028, 8, 31), 43, False, False),
    ("artificial_intelligence", date(2028, 9, 1), 44, True, False),
    ("artificial_intelligence", date(2029, 1, 1), 48, True, True),
    ("biomedicine", date(2029, 1, 1), 48, False, False),
    ("biomedicine", date(2029, 9, 1), 56, True, False),
    ("integrated_circuits", date(2030, 1, 1), 60, True, True),
])
def test_time_limit_and_alert_by_industry(app, zone, industry_code, today, months, alert, overdue):
    industry = db.session.query(Industry).filter_by(code=industry_code).first() or Industry(
        code=industry_code, name_zh=industry_code, name_en=industry_code)
    db.session.add(industry)
    db.session.flush()
    company = factories.organisation(industry_id=industry.id)
    incubation = factories.incubation(company, zone.platform, date(2025, 1, 1))
    status = svc.time_status(incubation, today)
    assert (status.months, status.alert, status.overdue) == (months, alert, overdue)
    assert status.limit == (48 if industry_code == "artificial_intelligence" else 60)


def test_time_limit_is_a_setting(app, zone):
    app.config["INCUBATION_MAX_MONTHS"] = 36
    app.config["INCUBATION_ALERT_MONTH"] = 32
    company = factories.organisation()
    incubation = factories.incubation(company, zone.platform, date(2025, 1, 1))
    assert svc.time_status(incubation, date(2028, 1, 1)).overdue
    assert svc.time_status(incubation, date(2027, 9, 1)).alert  # 32 = 36 - 4


def test_manager_panel_lists_the_time_alerts(app, zone):
    clock.freeze(datetime(2028, 10, 1, 9))
    company = factories.organisation(name="快到期公司")
    factories.incubation(company, zone.platform, date(2025, 1, 1))
    db.session.commit()
    page = logged_in(app, zone.manager).get("/home").get_data(as_text=True)
    assert "快到期公司" in page


def test_criteria_met_are_shown_and_graduation_recorded(app, zone):
    company = factories.organisation(name="融资公司")
    incubation = factories.incubation(company, zone.platform, date(2024, 1, 1))
    factories.report(company, "2025Q1", financing=3_000_000)
    factories.report(company, "2025Q2", financing=2_000_001)
    factories.report(company, "2025Q3", status="submitted", financing=9_000_000)  # not verified: not counted
    db.session.commit()
    _version, results = svc.evaluate_criteria(company)
    met = {r["item"]["code"]: r["met"] for r in results}
    assert met == {"high_tech": False, "financing": True, "revenue_two_years": False, "listed_or_acquired": False}
    page = logged_in(app, zone.manager).get(f"/incubations/{incubation.id}").get_data(as_text=True)
    assert page.count('data-met="yes"') == 1
    logged_in(app, zone.manager).post(f"/incubations/{incubation.id}", data={
        "status": "graduated", "ended_on": "2026-01-10", "reason": "股权融资超过500万元"})
    db.session.expire_all()
    incubation = db.session.get(Incubation, incubation.id)
    assert incubation.status == "graduated" and incubation.ended_on == date(2026, 1, 10)
    event = db.session.query(AuditEvent).filter_by(action="incubation_graduated").one()
    assert event.after["criteria_met"] == ["financing"] and event.after["criteria_version"] == 1


def test_revenue_of_two_consecutive_years(app, zone):
    company = factories.organisation()
    for quarter in range(1, 5):
        factories.report(company, f"2023Q{quarter}", revenue=1_000_000)  # 4,000,000
        factories.report(company, f"2024Q{quarter}", revenue=1_500_001)  # 6,000,004
    _v, results = svc.evaluate_criteria(company)
    assert {r["item"]["code"]: r["met"] for r in results}["revenue_two_years"] is True


def test_exactly_the_threshold_is_not_above(app, zone):
    company = factories.organisation()
    factories.report(company, "2025Q1", financing=5_000_000)
    _v, results = svc.evaluate_criteria(company)
    assert {r["item"]["code"]: r["met"] for r in results}["financing"] is False


def test_high_tech_and_listing(app, zone):
    company = factories.organisation(high_tech_cert_no="GR2025", high_tech_valid_from=date(2025, 1, 1),
                                     high_tech_valid_until=date(2027, 12, 31), listing_status="acquired")
    _v, results = svc.evaluate_criteria(company, date(2026, 1, 1))
    met = {r["item"]["code"]: r["met"] for r in results}
    assert met["high_tech"] and met["listed_or_acquired"]


def test_graduation_without_any_criterion_is_refused_but_exit_is_possible(app, zone):
    company = factories.organisation()
    incubation = factories.incubation(company, zone.platform, date(2024, 1, 1))
    with pytest.raises(svc.StartupError):
        svc.end_incubation(incubation, "graduated", date(2026, 1, 1), "想毕业", zone.manager)
    with pytest.raises(svc.StartupError):
        svc.end_incubation(incubation, "exited", date(2026, 1, 1), "", zone.manager)
    with pytest.raises(svc.StartupError):
        svc.end_incubation(incubation, "exited", date(2023, 1, 1), "搬离", zone.manager)
    svc.end_incubation(incubation, "exited", date(2026, 1, 1), "迁出园区", zone.manager)
    assert incubation.status == "exited" and incubation.end_reason == "迁出园区"
    with pytest.raises(svc.IllegalTransition):
        svc.end_incubation(incubation, "exited", date(2026, 2, 1), "again", zone.manager)


def test_criteria_are_versioned_data_edited_by_the_admin(app, zone, make_user):
    admin = make_user("admin")
    client = logged_in(app, admin)
    client.get("/admin/graduation-criteria")
    response = client.post("/admin/graduation-criteria", data={
        "high_tech": "y", "financing": "y", "financing_threshold": "300", "revenue": "y",
        "revenue_threshold": "800", "note": "本省细则：融资300万元"})
    assert response.status_code == 302
    versions = db.session.query(GraduationCriteriaVersion).order_by(GraduationCriteriaVersion.number).all()
    assert [v.number for v in versions] == [1, 2]
    current = {c["kind"]: c for c in versions[-1].criteria}
    assert current["financing_total"]["threshold"] == 3_000_000 and not current["listed_or_acquired"]["enabled"]
    company = factories.organisation()
    factories.report(company, "2025Q1", financing=3_500_000)
    _v, results = svc.evaluate_criteria(company)
    assert [r["item"]["code"] for r in results if r["met"]] == ["financing"]
    assert len(results) == 3  # the disabled criterion is not shown
    assert logged_in(app, zone.manager).get("/admin/graduation-criteria").status_code == 403


def test_company_page_shows_history_across_platforms(app, zone):
    company = factories.organisation(name="跨平台公司")
    factories.incubation(company, zone.other, date(2022, 1, 1), status="graduated", ended_on=date(2023, 12, 31))
    factories.incubation(company, zone.platform, date(2024, 3, 1))
    db.session.commit()
    page = logged_in(app, zone.manager).get(f"/startups/companies/{company.id}").get_data(as_text=True)
    assert "另一孵化器" in page and "科技孵化器" in page


def test_create_user_binds_a_founder_to_a_company(app, runner):
    company = factories.organisation()
    db.session.commit()
    result = runner.invoke(args=["create-user", "boss@startup.cn", "--role", "startup", "--company",
                                 company.credit_code.lower()], input="a-long-enough-password\n")
    assert result.exit_code == 0, result.output
    second = runner.invoke(args=["create-user", "cfo@startup.cn", "--role", "startup", "--company",
                                 company.credit_code], input="a-long-enough-password\n")
    assert second.exit_code == 0
    bound = db.session.query(User).filter(User.email.in_(["boss@startup.cn", "cfo@startup.cn"])).all()
    assert {u.organisation_id for u in bound} == {company.id}
    unknown = runner.invoke(args=["create-user", "x@startup.cn", "--role", "startup", "--company",
                                  factories.credit_code()], input="a-long-enough-password\n")
    assert unknown.exit_code != 0 and "no organisation" in unknown.output
    assert db.session.query(User).filter_by(email="x@startup.cn").count() == 0
