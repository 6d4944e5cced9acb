"""Quarterly reports: filing with checks, previous quarter beside, verification, returns, corrections, deadlines,
double submissions and concurrent edits, and who may see and change what."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from incubator import clock, versioning
from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.periods import Period
from incubator.startups import services as svc
from incubator.startups.models import QuarterlyReport
from tests import factories
from tests.conftest import AuthActions
from tests.pages import html_text, page_text
from tests.security.test_no_lost_data import form_fields

FIGURES = {"revenue": "120.5", "rd_expense": "30", "employees": "20", "rd_staff": "8",
           "invention_patents_filed": "2", "invention_patents_granted": "1", "other_ip_granted": "0",
           "tech_contract_value": "10", "financing": "500", "tax_paid": "3.1234", "graduates_hired": "2"}


def logged_in(app, user):
    client = app.test_client()
    AuthActions(client).login(user)
    return client


@pytest.fixture
def tenant(app, zone, make_user):
    """A company incubating in zone.platform with its founder; the clock in 2026Q2 (2026Q1 due by 15 April)."""
    clock.freeze(datetime(2026, 4, 10, 10, 0))
    company = factories.organisation(name="在孵公司")
    factories.incubation(company, zone.platform, date(2025, 1, 1))
    founder = make_user("startup", organisation_id=company.id)
    db.session.commit()
    return company, founder


def test_founder_files_a_report_in_wan_stored_as_yuan(app, tenant):
    company, founder = tenant
    client = logged_in(app, founder)
    response = client.post("/reports/2026Q1", data={**FIGURES, "submit": "y"})
    assert response.status_code == 302
    report = db.session.query(QuarterlyReport).one()
    assert report.status == "submitted" and report.period == "2026Q1"
    assert report.revenue == 1_205_000 and report.tax_paid == 31_234 and report.financing == 5_000_000
    assert report.employees == 20 and report.rd_staff == 8
    assert db.session.query(AuditEvent).filter_by(action="report_submit").count() == 1


def test_rd_staff_over_staff_is_refused_and_input_kept(app, tenant):
    _, founder = tenant
    client = logged_in(app, founder)
    response = client.post("/reports/2026Q1", data={**FIGURES, "rd_staff": "25", "save": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "R&amp;D staff may not exceed" in page
    assert 'value="25"' in page and 'value="120.5"' in page
    assert db.session.query(QuarterlyReport).count() == 0


@pytest.mark.parametrize("field, value, message", [
    ("revenue", "-1", "may not be negative"), ("revenue", "1.23456", "at most 4 decimal"),
    ("employees", "2.5", "whole number"), ("revenue", "abc", "Enter a number"),
])
def test_bad_amounts_are_refused(app, tenant, field, value, message):
    _, founder = tenant
    response = logged_in(app, founder).post("/reports/2026Q1", data={**FIGURES, field: value, "save": "y"})
    assert message in response.get_data(as_text=True)
    assert db.session.query(QuarterlyReport).count() == 0


def test_rd_spend_over_revenue_is_accepted_but_flagged(app, tenant, zone):
    company, founder = tenant
    client = logged_in(app, founder)
    client.post("/reports/2026Q1", data={**FIGURES, "rd_expense": "200", "submit": "y"})
    report = db.session.query(QuarterlyReport).one()
    assert report.status == "submitted"
    page = logged_in(app, zone.manager).get(f"/reports/id/{report.id}").get_data(as_text=True)
    assert "spending is above revenue" in page


def test_full_width_and_thousands_separators_are_read(app, tenant):
    _, founder = tenant
    logged_in(app, founder).post("/reports/2026Q1", data={**FIGURES, "revenue": "１,２３４.５", "save": "y"})
    assert db.session.query(QuarterlyReport).one().revenue == 12_345_000


def test_previous_quarter_is_shown_beside(app, tenant):
    company, founder = tenant
    factories.report(company, "2025Q4", revenue=9_876_500)
    db.session.commit()
    page = page_text(logged_in(app, founder).get("/reports/2026Q1"))
    assert "2025Q4" in page and "987.65" in page


def test_future_quarter_cannot_be_filed(app, tenant):
    _, founder = tenant
    assert logged_in(app, founder).get("/reports/2026Q3").status_code == 404


def test_verify_return_correct_verify(app, tenant, zone):
    company, founder = tenant
    founder_client, manager_client = logged_in(app, founder), logged_in(app, zone.manager)
    founder_client.post("/reports/2026Q1", data={**FIGURES, "submit": "y"})
    report = db.session.query(QuarterlyReport).one()
    response = manager_client.post(f"/reports/id/{report.id}/return", data={"reason": "营业收入与税务数据不符",
                                                                            "version": report.version})
    assert response.status_code == 302
    db.session.expire_all()
    report = db.session.get(QuarterlyReport, report.id)
    assert report.status == "returned" and report.returned_reason == "营业收入与税务数据不符"
    page = founder_client.get("/reports/2026Q1").get_data(as_text=True)
    assert "营业收入与税务数据不符" in page
    assert "营业收入与税务数据不符" in founder_client.get("/home").get_data(as_text=True)
    founder_client.post("/reports/2026Q1", data={**FIGURES, "revenue": "110", "submit": "y",
                                                 "version": report.version})
    db.session.expire_all()
    report = db.session.get(QuarterlyReport, report.id)
    assert report.status == "submitted" and report.revenue == 1_100_000
    change = db.session.query(AuditEvent).filter_by(action="report_changed").one()
    assert change.before == {"revenue": 1_205_000} and change.after == {"revenue": 1_100_000}
    manager_client.post(f"/reports/id/{report.id}/verify", data={"version": report.version})
    db.session.expire_all()
    report = db.session.get(QuarterlyReport, report.id)
    assert report.status == "verified" and report.verified_by_id == zone.manager.id


def test_verified_report_is_locked_until_reopened_with_a_reason(app, tenant, zone):
    company, founder = tenant
    report = factories.report(company, "2026Q1", status="verified", revenue=1_000_000, employees=5)
    db.session.commit()
    founder_client = logged_in(app, founder)
    founder_client.post("/reports/2026Q1", data={**FIGURES, "version": report.version, "submit": "y"})
    db.session.expire_all()
    assert db.session.get(QuarterlyReport, report.id).revenue == 1_000_000
    manager_client = logged_in(app, zone.manager)
    manager_client.post(f"/reports/id/{report.id}/reopen", data={"reason": ""})
    assert db.session.get(QuarterlyReport, report.id).status == "verified"
    manager_client.post(f"/reports/id/{report.id}/reopen", data={"reason": "统计局核查发现收入口径错误"})
    db.session.expire_all()
    report = db.session.get(QuarterlyReport, report.id)
    assert report.status == "returned"
    event = db.session.query(AuditEvent).filter_by(action="report_reopen").one()
    assert event.reason == "统计局核查发现收入口径错误" and event.before == {"status": "verified"}


def test_double_submission_creates_one_report(app, tenant):
    _, founder = tenant
    client = logged_in(app, founder)
    first = client.post("/reports/2026Q1", data={**FIGURES, "submit": "y"})
    second = client.post("/reports/2026Q1", data={**FIGURES, "submit": "y"})  # the same form posted again
    assert first.status_code == 302 and second.status_code == 200
    assert "This report is Submitted and locked." in second.get_data(as_text=True)  # no "your values below"
    assert db.session.query(QuarterlyReport).count() == 1


def test_concurrent_edit_never_loses_a_change(app, tenant, make_user):
    company, founder = tenant
    colleague = make_user("startup", organisation_id=company.id)  # a company may have several users
    report = factories.report(company, "2026Q1", status="draft", revenue=100, employees=3)
    db.session.commit()
    opened_at = report.version
    logged_in(app, colleague).post("/reports/2026Q1", data={**FIGURES, "revenue": "1", "save": "y",
                                                             "version": opened_at})
    response = logged_in(app, founder).post("/reports/2026Q1", data={**FIGURES, "revenue": "2", "save": "y",
                                                                     "version": opened_at})
    assert "Someone else changed this" in response.get_data(as_text=True)
    assert 'value="2"' in response.get_data(as_text=True)  # the founder's values are kept on the form
    db.session.expire_all()
    assert db.session.get(QuarterlyReport, report.id).revenue == 10_000


def test_unique_key_refuses_a_second_report_of_a_quarter(app, tenant):
    company, _ = tenant
    factories.report(company, "2026Q1", status="draft")
    db.session.commit()
    with pytest.raises(svc.StartupError) as error:  # a form opened before the report existed
        svc.save_report(company.id, Period.parse("2026Q1"), {"employees": 1}, version=versioning.NOT_CREATED,
                        submit=False, actor=None)
    assert error.value.problems == {"version": versioning.STALE_MESSAGE}


def test_a_report_made_in_another_tab_meanwhile_is_a_conflict_and_the_values_stay(app, tenant, make_user):
    company, founder = tenant
    colleague = make_user("startup", organisation_id=company.id)
    client = logged_in(app, founder)
    opened = form_fields(client.get("/reports/2026Q1").get_data(as_text=True), having="revenue")
    assert opened["version"] == versioning.NOT_CREATED
    assert logged_in(app, colleague).post("/reports/2026Q1", data={**FIGURES, "revenue": "1", "save": "y",
                                                                   "version": opened["version"]}).status_code == 302
    late = client.post("/reports/2026Q1", data={**FIGURES, "revenue": "2", "save": "y", "version": opened["version"]})
    assert str(versioning.CONFLICT_MESSAGE) in page_text(late)
    kept = form_fields(late.get_data(as_text=True), having="revenue")
    report = db.session.query(QuarterlyReport).one()
    assert kept["revenue"] == "2" and kept["version"] == str(report.version)
    assert report.revenue == 10_000


def test_verifying_a_report_changed_since_the_page_was_shown_is_refused(app, tenant, zone):
    company, _ = tenant
    report = factories.report(company, "2026Q1", status="submitted", revenue=100, employees=3)
    db.session.commit()
    shown_at = report.version
    report.revenue = 200  # changed after the manager's page was shown
    db.session.commit()
    response = logged_in(app, zone.manager).post(f"/reports/id/{report.id}/verify", data={"version": shown_at, "confirm_anomalies": "1"},
                                                 follow_redirects=True)
    assert str(versioning.STALE_MESSAGE) in page_text(response)
    db.session.expire_all()
    assert db.session.get(QuarterlyReport, report.id).status == "submitted"


def test_founder_cannot_reach_another_company_report(app, tenant, make_user, zone):
    company, founder = tenant
    other = factories.organisation()
    factories.incubation(other, zone.platform, date(2025, 1, 1))
    other_report = factories.report(other, "2026Q1", status="submitted", revenue=777)
    db.session.commit()
    client = logged_in(app, founder)
    assert client.get(f"/reports/id/{other_report.id}").status_code in (403, 404)
    assert client.post(f"/reports/id/{other_report.id}/verify").status_code in (403, 404)
    # posting another company's id as a form field changes nothing: the company comes from the account
    client.post("/reports/2026Q1", data={**FIGURES, "organisation_id": other.id, "save": "y"})
    db.session.expire_all()
    assert db.session.get(QuarterlyReport, other_report.id).revenue == 777
    mine = db.session.query(QuarterlyReport).filter_by(organisation_id=company.id).one()
    assert mine.revenue == 1_205_000
    assert "777" not in page_text(client.get("/reports"))


def test_manager_of_another_platform_cannot_verify(app, tenant, zone):
    company, _ = tenant
    report = factories.report(company, "2026Q1", status="submitted")
    db.session.commit()
    client = logged_in(app, zone.other_manager)
    assert client.get(f"/reports/id/{report.id}").status_code == 404
    assert client.post(f"/reports/id/{report.id}/verify").status_code == 404
    assert db.session.get(QuarterlyReport, report.id).status == "submitted"


def test_admin_verifies_reports_of_companies_in_no_platform(app, make_user):
    clock.freeze(datetime(2026, 4, 10, 10, 0))
    loner = factories.organisation()
    report = factories.report(loner, "2026Q1", status="submitted")
    admin = make_user("admin")
    db.session.commit()
    assert svc.may_verify(admin, report)
    logged_in(app, admin).post(f"/reports/id/{report.id}/verify", data={"version": report.version})
    db.session.expire_all()
    assert db.session.get(QuarterlyReport, report.id).status == "verified"


@pytest.mark.parametrize("deadline_days, today, expected", [
    (15, datetime(2026, 4, 10, 9), "open"), (15, datetime(2026, 4, 16, 9), "missing"),
    (30, datetime(2026, 4, 16, 9), "open"),
])
def test_missing_reports_after_the_configured_deadline(app, zone, deadline_days, today, expected):
    app.config["REPORT_DEADLINE_DAYS"] = deadline_days
    clock.freeze(today)
    company = factories.organisation(name="没交报告公司")
    factories.incubation(company, zone.platform, date(2025, 1, 1))
    db.session.commit()
    rows = svc.missing_and_late(zone.manager, Period.parse("2026Q1"))
    assert [(r["organisation"].id, r["state"]) for r in rows] == [(company.id, expected)]


def test_late_report_is_listed_and_on_time_report_is_not(app, zone, make_user):
    clock.freeze(datetime(2026, 5, 1, 9))
    late, on_time = factories.organisation(name="迟交"), factories.organisation(name="按时")
    for company in (late, on_time):
        factories.incubation(company, zone.platform, date(2025, 1, 1))
    late_report = factories.report(late, "2026Q1", status="submitted")
    late_report.submitted_at = datetime(2026, 4, 20, 9, tzinfo=clock.zone_tz())
    ok_report = factories.report(on_time, "2026Q1", status="verified")
    ok_report.submitted_at = datetime(2026, 4, 15, 20, tzinfo=clock.zone_tz())
    db.session.commit()
    rows = svc.missing_and_late(zone.manager, Period.parse("2026Q1"))
    assert [(r["organisation"].name, r["state"]) for r in rows] == [("迟交", "late")]
    page = logged_in(app, zone.manager).get("/reports/missing?period=2026Q1").get_data(as_text=True)
    assert "迟交" in page and "按时" not in page


def test_founder_home_reminds_of_the_due_report(app, tenant):
    _, founder = tenant
    page = logged_in(app, founder).get("/home").get_data(as_text=True)
    assert "1 Quarterly report 2026Q1 to file by 15 Apr 2026" in html_text(page)


def test_submitting_tells_the_platform_managers(app, tenant, zone):
    from incubator.notifications.models import Notification

    _, founder = tenant
    logged_in(app, founder).post("/reports/2026Q1", data={**FIGURES, "submit": "y"})
    notes = db.session.query(Notification).filter_by(user_id=zone.manager.id).all()
    assert len(notes) == 1 and "2026Q1" in notes[0].subject
    assert db.session.query(Notification).filter_by(user_id=zone.other_manager.id).count() == 0


# --- only ended quarters (issue 16) ----------------------------------------------------------------------

def test_the_current_quarter_cannot_be_filed_nor_verified_and_a_stored_report_stays(app, tenant, zone):
    """The clock is in 2026Q2: its report is filed from 1 July. One stored before (say by an older version)
    stays, shown read-only, and cannot be verified yet."""
    company, founder = tenant
    founder_client, manager_client = logged_in(app, founder), logged_in(app, zone.manager)
    page = founder_client.get("/reports/2026Q2")
    assert page.status_code == 200 and 'id="quarter-not-ended"' in page.get_data(as_text=True)
    assert 'id="report-form"' in page.get_data(as_text=True) and 'name="revenue"' not in page.get_data(as_text=True)
    founder_client.post("/reports/2026Q2", data={**FIGURES, "submit": "y"})
    assert db.session.query(QuarterlyReport).count() == 0
    assert "/reports/2026Q2" not in founder_client.get("/reports").get_data(as_text=True)

    stored = QuarterlyReport(organisation_id=company.id, status="submitted", revenue=10_000, rd_expense=0,
                             employees=3)
    stored.set_period(Period(2026, 2))
    db.session.add(stored)
    db.session.commit()
    detail = manager_client.get(f"/reports/id/{stored.id}").get_data(as_text=True)
    assert 'id="quarter-not-ended"' in detail and 'id="verify"' not in detail
    manager_client.post(f"/reports/id/{stored.id}/verify", data={"version": stored.version})
    db.session.expire_all()
    assert db.session.get(QuarterlyReport, stored.id).status == "submitted"
    with pytest.raises(svc.StartupError, match="has not ended yet"):
        svc.verify_report(db.session.get(QuarterlyReport, stored.id), zone.manager)


@pytest.mark.parametrize("typed, message", [
    ("12,5", "Commas may only separate groups of three digits"),
    ("1e5", "without an exponent"),
])
def test_numbers_are_read_as_typed_or_refused_with_a_reason(app, tenant, typed, message):
    _, founder = tenant
    client = logged_in(app, founder)
    page = client.post("/reports/2026Q1", data={**FIGURES, "revenue": typed, "save": "y"}).get_data(as_text=True)
    assert message in page and f'value="{typed}"' in page
    assert db.session.query(QuarterlyReport).count() == 0
    client.post("/reports/2026Q1", data={**FIGURES, "revenue": "1,234.5", "employees": "1,200", "save": "y"})
    report = db.session.query(QuarterlyReport).one()
    assert (report.revenue, report.employees) == (12_345_000, 1_200)
