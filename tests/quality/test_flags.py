"""Where people see the flags: the founder while filling (notes, submit anyway), the manager when verifying
(explanations, notes, a confirmation for likely errors) and on the list per platform; who may see what; the
admin's settings; the queries a period's checks take; an empty database."""
from __future__ import annotations

import re

from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.periods import Period
from incubator.quality import services
from incubator.quality.models import AnomalyNote
from incubator.startups.models import QuarterlyReport
from tests import factories
from tests.conftest import AuthActions

from .conftest import WAN

PERIOD = Period(2026, 3)
FIGURES = {"revenue": "100", "rd_expense": "10", "employees": "10", "rd_staff": "2", "invention_patents_filed": "0",
           "invention_patents_granted": "0", "other_ip_granted": "0", "tech_contract_value": "0",
           "financing": "0", "tax_paid": "3", "graduates_hired": "0"}


def logged_in(app, user):
    client = app.test_client()
    AuthActions(client).login(user)
    return client


def report_of(org) -> QuarterlyReport | None:
    db.session.expire_all()
    return db.session.query(QuarterlyReport).filter_by(organisation_id=org.id, period=str(PERIOD)).one_or_none()


def flag_keys(html: str) -> list[str]:
    return sorted(set(re.findall(r'data-flag="([\w-]+)"', html)))


def test_founder_sees_the_warning_explains_it_and_submits_anyway(app, zone):
    client = logged_in(app, zone.founder)
    client.post("/reports/2026Q3", data={**FIGURES, "revenue": "1250", "save": "y"})
    page = client.get("/reports/2026Q3").get_data(as_text=True)
    assert flag_keys(page) == ["jump-REVENUE"]
    assert "1,250.00 (10,000 CNY) is 12.5 times the median of the company&#39;s last four quarters" in page
    seen = re.search(r'name="anomaly_seen" value="([^"]*)"', page).group(1)
    assert seen == "jump:REVENUE"
    report = report_of(zone.company)
    response = client.post("/reports/2026Q3", data={
        **FIGURES, "revenue": "1250", "submit": "y", "version": report.version, "anomaly_seen": seen,
        "anomaly_note-jump-REVENUE": "一笔大订单在本季度交付"})
    assert response.status_code == 302
    report = report_of(zone.company)
    assert report.status == "submitted"
    assert [(n.check_code, n.indicator, n.note) for n in db.session.query(AnomalyNote).order_by(AnomalyNote.id)] == [
        ("jump", "REVENUE", "一笔大订单在本季度交付")]
    assert db.session.query(AuditEvent).filter_by(action="anomaly_note").count() == 1


def test_a_submission_with_warnings_not_yet_shown_is_kept_as_a_draft_first(app, zone):
    client = logged_in(app, zone.founder)
    response = client.post("/reports/2026Q3", data={**FIGURES, "revenue": "1250", "submit": "y", "anomaly_seen": ""})
    assert response.status_code == 302
    assert report_of(zone.company).status == "draft"
    page = client.get("/reports/2026Q3").get_data(as_text=True)
    assert "The report is saved as a draft: correct the figures or explain each warning" in page
    # Corrected figures raise no warning: submitted at once.
    report = report_of(zone.company)
    client.post("/reports/2026Q3", data={**FIGURES, "submit": "y", "version": report.version, "anomaly_seen": ""})
    assert report_of(zone.company).status == "submitted"


def test_manager_sees_explanation_beside_note_and_confirms_a_likely_error(app, zone):
    factories.report(zone.company, "2026Q3", status="submitted", revenue=100 * WAN, rd_expense=10 * WAN,
                     employees=10, rd_staff=2, tax_paid=200 * WAN)  # tax above revenue: a likely error
    report = report_of(zone.company)
    db.session.add(AnomalyNote(report_id=report.id, check_code="inconsistent", indicator="TAX_PAID",
                               note="补缴了往年税款"))
    db.session.commit()
    client = logged_in(app, zone.manager)
    page = client.get(f"/reports/id/{report.id}").get_data(as_text=True)
    assert flag_keys(page) == ["inconsistent-TAX_PAID", "jump-TAX_PAID"]  # 200 万元 is also far from 3 万元
    assert "Taxes paid are above revenue: 200.00 against 100.00 (10,000 CNY)." in page and "补缴了往年税款" in page
    assert 'name="confirm_anomalies"' in page
    client.post(f"/reports/id/{report.id}/verify", data={"version": report.version})
    assert report_of(zone.company).status == "submitted"  # not without the confirmation
    client.post(f"/reports/id/{report.id}/verify", data={"version": report.version, "confirm_anomalies": "y"})
    assert report_of(zone.company).status == "verified"


def test_a_report_with_only_warnings_is_verified_without_confirmation(app, zone):
    report = factories.report(zone.company, "2026Q3", status="submitted", revenue=900 * WAN, employees=10)
    db.session.commit()
    client = logged_in(app, zone.manager)
    assert 'name="confirm_anomalies"' not in client.get(f"/reports/id/{report.id}").get_data(as_text=True)
    client.post(f"/reports/id/{report.id}/verify", data={"version": report.version})
    assert report_of(zone.company).status == "verified"


def flagged_platform_reports(client, **args) -> tuple[int, list[str]]:
    response = client.get("/quality/flags", query_string={"period": "2026Q3", **args})
    return response.status_code, sorted(re.findall(r'data-report="(\d+)"', response.get_data(as_text=True)))


def test_the_list_of_flagged_reports_shows_a_manager_only_their_platforms(app, zone, make_user):
    mine = factories.report(zone.company, "2026Q3", status="submitted", revenue=5000 * WAN, employees=10)
    theirs = factories.report(zone.other_company, "2026Q3", status="verified", revenue=5000 * WAN, employees=10)
    db.session.commit()
    manager = logged_in(app, zone.manager)
    assert flagged_platform_reports(manager) == (200, [str(mine.id)])
    assert flagged_platform_reports(manager, platform=zone.platform.id) == (200, [str(mine.id)])
    assert flagged_platform_reports(manager, platform=zone.other.id)[0] == 404  # not theirs: 404, ids do not leak
    assert flagged_platform_reports(logged_in(app, zone.other_manager)) == (200, [str(theirs.id)])
    admin = logged_in(app, make_user("admin"))
    assert flagged_platform_reports(admin) == (200, sorted([str(mine.id), str(theirs.id)]))
    assert flagged_platform_reports(admin, platform=zone.other.id) == (200, [str(theirs.id)])
    assert logged_in(app, zone.founder).get("/quality/flags").status_code == 403


def test_a_founder_never_sees_nor_writes_another_company_s_flags_and_notes(app, zone):
    theirs = factories.report(zone.other_company, "2026Q3", status="submitted", revenue=5000 * WAN, employees=10)
    db.session.add(AnomalyNote(report_id=theirs.id, check_code="jump", indicator="REVENUE", note="乙公司的秘密说明"))
    db.session.commit()
    client = logged_in(app, zone.founder)
    page = client.get("/reports/2026Q3").get_data(as_text=True)
    assert flag_keys(page) == [] and "乙公司的秘密说明" not in page
    assert client.get(f"/reports/id/{theirs.id}").status_code == 403
    # A note posted for a flag their own figures raise lands on their own report only.
    client.post("/reports/2026Q3", data={**FIGURES, "revenue": "5000", "save": "y",
                                         "anomaly_note-jump-REVENUE": "覆盖别人的说明"})
    notes = db.session.query(AnomalyNote).order_by(AnomalyNote.id).all()
    assert [(n.report_id, n.note) for n in notes] == [(theirs.id, "乙公司的秘密说明"),
                                                     (report_of(zone.company).id, "覆盖别人的说明")]
    assert logged_in(app, zone.manager).get(f"/reports/id/{theirs.id}").status_code == 404


def test_admin_changes_a_threshold_or_switches_a_check_off(app, zone, make_user):
    factories.report(zone.company, "2026Q3", revenue=900 * WAN, employees=10)
    db.session.commit()
    assert [f.check for f in services.period_flags(PERIOD)] == ["jump"]
    admin = logged_in(app, make_user("admin"))
    assert admin.get("/quality/settings").status_code == 200
    response = admin.post("/quality/settings/jump", data={"jump-enabled": "y", "jump-factor": "abc",
                                                          "jump-spread_multiplier": "4", "jump-min_amount": "20",
                                                          "jump-min_history": "3"})
    assert response.status_code == 422 and "Enter a number." in response.get_data(as_text=True)
    assert 'value="abc"' in response.get_data(as_text=True)  # what was typed is kept
    admin.post("/quality/settings/jump", data={"jump-enabled": "y", "jump-factor": "10", "jump-spread_multiplier": "4",
                                               "jump-min_amount": "20", "jump-min_history": "3"})
    assert services.period_flags(PERIOD) == []  # 9 times the median is within a factor of 10
    admin.post("/quality/settings/jump", data={"jump-factor": "5", "jump-spread_multiplier": "4",
                                               "jump-min_amount": "20", "jump-min_history": "3"})
    assert services.current_settings()["jump"][0] is False and services.period_flags(PERIOD) == []
    assert db.session.query(AuditEvent).filter_by(action="anomaly_setting_changed").count() == 2
    assert logged_in(app, zone.manager).post("/quality/settings/jump", data={"jump-factor": "1000"}).status_code == 403


def test_a_period_s_checks_take_the_same_few_queries_for_few_or_many_companies(app, zone, count_queries):
    def count():
        with count_queries() as counter:
            services.period_flags(PERIOD)
        return counter.count

    factories.report(zone.company, "2026Q3", revenue=900 * WAN, employees=10)
    db.session.commit()
    few = count()
    for n in range(30):
        org = factories.organisation()
        for period in ("2026Q1", "2026Q2", "2026Q3"):
            factories.report(org, period, revenue=(n + 1) * WAN, employees=5)
    db.session.commit()
    assert count() == few <= 5


def test_from_an_empty_database_the_checks_settings_and_pages_work(app, make_user):
    """No demo seed and no reference data: defaults come from the registry."""
    assert services.period_flags(PERIOD) == []
    assert {code: enabled for code, (enabled, _params) in services.current_settings().items()} == {
        "jump": True, "peer_outlier": True, "copied": True, "inconsistent": True}
    admin = logged_in(app, make_user("admin"))
    assert admin.get("/quality/settings").status_code == 200
    assert admin.get("/quality/flags").status_code == 200
    org = factories.organisation()
    factories.report(org, "2026Q2", revenue=100 * WAN, rd_expense=150 * WAN, employees=3)
    db.session.commit()
    assert [(f.check, f.indicator) for f in services.period_flags(Period(2026, 2))] == [("inconsistent", "RD_EXPENSE")]


def test_patents_registered_before_the_first_report_count_as_filed(app, zone):
    """A company brings patents filed before it joined: granting one later is no contradiction; a patent it
    registered after its first report was filed in a report, or it was not filed at all."""
    from datetime import date

    from incubator.organisations.models import IntellectualProperty

    def grant_flags():
        return [(f.organisation_id, f.indicator, f.value, f.expected_high) for f in services.period_flags(PERIOD)
                if f.check == "inconsistent"]

    # The fixture's company first reported in 2025Q3 and never filed an invention patent in a report.
    factories.report(zone.company, "2026Q3", revenue=100 * WAN, employees=10, invention_patents_granted=1)
    db.session.add(IntellectualProperty(organisation_id=zone.company.id, kind="invention_patent", number="CN-1",
                                        title="在报告以后登记", filed_on=date(2025, 7, 1)))
    db.session.commit()
    assert grant_flags() == [(zone.company.id, "INVENTION_PATENTS_GRANTED", 1, 0)]
    db.session.add(IntellectualProperty(organisation_id=zone.company.id, kind="invention_patent", number="CN-2",
                                        title="入园前申请", filed_on=date(2025, 6, 30)))
    db.session.add(IntellectualProperty(organisation_id=zone.other_company.id, kind="invention_patent",
                                        number="CN-3", title="另一家企业的", filed_on=None))
    db.session.commit()
    assert grant_flags() == []
