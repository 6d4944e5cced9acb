"""Every role's home says what to do next: tasks counted (in one statement) and linked, scoped to the user,
and wording that is true for the user's situation."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import force_locale

from incubator import clock
from incubator.bookings.models import BookableResource, Booking
from incubator.bookings.services import local
from incubator.extensions import db
from incubator.home_tasks import tasks_for
from incubator.startups.models import Application, ReviewAssignment
from tests import factories
from tests.conftest import AuthActions
from tests.pages import html_text, page_text

APRIL_10 = datetime(2026, 4, 10, 10, 0)  # in 2026Q2: the report of 2026Q1 is due by 15 April


def logged_in(app, user):
    client = app.test_client()
    assert AuthActions(client).login(user).status_code == 302
    return client


def tasks(user):
    # The links are addresses, built as in a request; the texts in English, as the test users read them.
    with current_app.test_request_context(), force_locale("en"):
        return tasks_for(user)


def counts(user) -> dict[str, int]:
    return {task.kind.key: task.count for task in tasks(user)}


def waiting(user) -> dict[str, int]:
    return {key: n for key, n in counts(user).items() if n}


def application(applicant, platform, status: str, **values) -> Application:
    item = Application(applicant_id=applicant.id, platform_id=platform.id, status=status,
                       company_name=values.pop("company_name", "申请公司"), **values)
    db.session.add(item)
    db.session.flush()
    return item


def pending_booking(platform, booker, company=None) -> Booking:
    resource = BookableResource(platform_id=platform.id, kind="equipment", name="显微镜", opens_at=time(9),
                                closes_at=time(18))
    db.session.add(resource)
    db.session.flush()
    start = local(date(2026, 4, 14), time(10))
    item = Booking(resource_id=resource.id, user_id=booker.id, organisation_id=company.id if company else None,
                   starts_at=start, ends_at=start + timedelta(hours=1), status="pending")
    db.session.add(item)
    db.session.flush()
    return item


def two_platforms(make_user):
    """Platform A with manager A and an incubating company; platform B with manager B, a company incubating
    on it and every kind of item waiting there (none on A)."""
    clock.freeze(APRIL_10)
    manager_a, manager_b = make_user("manager", name="经理甲"), make_user("manager", name="经理乙")
    platform_a, platform_b = factories.platform(code="PA", name="甲平台"), factories.platform(code="PB", name="乙平台")
    platform_a.managers.append(manager_a)
    platform_b.managers.append(manager_b)
    company_a, company_b = factories.organisation(name="甲公司"), factories.organisation(name="乙公司")
    factories.incubation(company_a, platform_a, date(2025, 1, 1))
    factories.incubation(company_b, platform_b, date(2025, 1, 1))
    founder_a = make_user("startup", name="甲创始人", organisation_id=company_a.id)
    founder_b = make_user("startup", name="乙创始人", organisation_id=company_b.id)
    applicant = make_user("startup", name="申请人")
    items = {
        "submitted": application(applicant, platform_b, "submitted", company_name="乙申请一"),
        "under_review": application(applicant, platform_b, "under_review", company_name="乙申请二"),
        "returned": application(founder_b, platform_b, "returned", company_name="乙退回", organisation_id=company_b.id),
        "report": factories.report(company_b, "2025Q4", status="submitted"),
        "booking": pending_booking(platform_b, founder_b, company_b),
    }
    db.session.commit()
    return manager_a, manager_b, founder_a, founder_b, items


def test_a_manager_or_founder_counts_and_links_only_their_own_items(app, make_user):
    manager_a, manager_b, founder_a, founder_b, items = two_platforms(make_user)
    assert waiting(manager_b) == {"applications_submitted": 1, "applications_under_review": 1,
                                  "reports_to_verify": 1, "bookings_to_approve": 1}
    assert waiting(manager_a) == {}
    assert waiting(founder_b) == {"report_due": 1, "applications_returned": 1}
    assert waiting(founder_a) == {"report_due": 1}

    home_a = logged_in(app, manager_a).get("/home").get_data(as_text=True)
    text_a = html_text(home_a)
    assert "Nothing waits for you right now." in text_a
    for name in ("乙申请一", "乙申请二", "乙公司", "显微镜"):
        assert name not in text_a
    for address in (f"/applications/{items['submitted'].id}", f"/reports/id/{items['report'].id}",
                    f"/bookings/{items['booking'].id}"):
        assert f'href="{address}"' not in home_a
    home_b = page_text(logged_in(app, manager_b).get("/home"))
    assert "1 New applications to review" in home_b and "1 Quarterly reports to verify" in home_b
    assert "1 Bookings to approve" in home_b

    founder_home = page_text(logged_in(app, founder_a).get("/home"))
    assert "Applications returned to you" not in founder_home and "乙退回" not in founder_home


def test_the_counts_take_one_statement_for_few_or_many_items(app, make_user, count_queries):
    _manager_a, manager_b, _founder_a, _founder_b, items = two_platforms(make_user)
    applicant = make_user("startup")
    platform_b = items["submitted"].platform
    db.session.expire_all()
    assert manager_b.role == "manager"  # the user loaded, as the request's user is
    with count_queries() as few:
        first = counts(manager_b)
    for n in range(30):
        application(applicant, platform_b, "submitted", company_name=f"更多{n}")
    db.session.commit()
    db.session.expire_all()
    assert manager_b.role == "manager"
    with count_queries() as many:
        second = counts(manager_b)
    assert few.count == many.count == 1
    assert second["applications_submitted"] == first["applications_submitted"] + 30


def test_the_report_card_goes_once_the_report_is_submitted(app, make_user):
    clock.freeze(APRIL_10)
    platform = factories.platform(code="PR")
    company = factories.organisation(name="在孵公司")
    factories.incubation(company, platform, date(2025, 1, 1))
    founder = make_user("startup", organisation_id=company.id)
    report = factories.report(company, "2026Q1", status="draft")
    db.session.commit()
    client = logged_in(app, founder)
    assert "1 Quarterly report 2026Q1 to file by 15 Apr 2026" in page_text(client.get("/home"))

    report.status = "submitted"
    db.session.commit()
    text = page_text(client.get("/home"))
    assert "to file by" not in text and "due by" not in text
    assert "The report for 2026Q1 is in." in text
    assert "due by" not in page_text(client.get("/reports"))

    clock.freeze(datetime(2026, 4, 20, 9))  # past the deadline, nothing filed for the quarter that is due
    report.status = "draft"
    db.session.commit()
    (task,) = [t for t in tasks(founder) if t.kind.key == "report_due"]
    assert task.count == 1 and task.urgent
    assert task.text == "Quarterly report 2026Q1 was due on 15 Apr 2026: file it now"


def test_an_incubating_founder_without_an_application_is_not_told_to_apply(app, make_user):
    clock.freeze(APRIL_10)
    platform = factories.platform(code="PI", name="星湖孵化器")
    company = factories.organisation(name="导入公司")  # came in by an import: no application on file
    factories.incubation(company, platform, date(2025, 3, 1))
    founder = make_user("startup", organisation_id=company.id)
    db.session.commit()
    text = page_text(logged_in(app, founder).get("/home"))
    assert "You have not applied yet" not in text
    assert "Incubating at 星湖孵化器 since 1 Mar 2025." in text


def test_an_applicant_sees_no_quarterly_report_in_the_menu_or_on_the_home(app, make_user):
    clock.freeze(APRIL_10)
    platform = factories.platform(code="PP")
    company = factories.organisation(name="申请中公司")  # bound to its founder, never admitted
    founder = make_user("startup", organisation_id=company.id)
    application(founder, platform, "submitted", organisation_id=company.id)
    db.session.commit()
    client = logged_in(app, founder)
    home = page_text(client.get("/home"))
    assert "Quarterly report" not in home and "Applications" in home
    assert counts(founder) == {"report_due": 0, "applications_returned": 0}

    factories.incubation(company, platform, date(2026, 4, 1))
    db.session.commit()
    assert "Quarterly reports" in page_text(client.get("/home"))  # admitted now: the menu offers its reports


def test_a_lapsed_recognition_is_listed_as_expired_not_as_expiring(app, make_user, login_as):
    clock.freeze(APRIL_10)
    factories.platform(code="OLD", name="已过期平台", recognized_on=date(2020, 1, 1), expires_on=date(2026, 3, 1))
    factories.platform(code="SOON", name="将到期平台", recognized_on=date(2020, 1, 1), expires_on=date(2026, 5, 1))
    db.session.commit()
    client, _admin = login_as("admin")
    home = client.get("/home").get_data(as_text=True)
    expiring = html_text(home.split('id="recognitions-expiring"', 1)[1].split("</ul>", 1)[0])
    expired = html_text(home.split('id="recognitions-expired"', 1)[1].split("</ul>", 1)[0])
    assert "将到期平台" in expiring and "已过期平台" not in expiring
    assert "已过期平台" in expired and "expired on 1 Mar 2026" in expired


def test_a_future_admission_has_run_no_month(app, make_user, login_as):
    clock.freeze(APRIL_10)
    platform = factories.platform(code="PF")
    company = factories.organisation(name="下月入孵")
    incubation = factories.incubation(company, platform, date(2026, 5, 1))
    db.session.commit()
    client, _admin = login_as("admin")
    listing = page_text(client.get("/incubations?status=incubating"))
    assert "下月入孵" in listing and "-1 /" not in listing and "starts on 1 May 2026" in listing
    detail = page_text(client.get(f"/incubations/{incubation.id}"))
    assert "-1 of" not in detail and "The incubation starts on 1 May 2026" in detail


def test_a_reviewer_home_counts_the_applications_to_score(app, make_user):
    clock.freeze(APRIL_10)
    reviewer, other_reviewer = make_user("reviewer"), make_user("reviewer")
    applicant = make_user("startup")
    platform = factories.platform(code="PV")
    open_one = application(applicant, platform, "under_review", company_name="待评")
    decided = application(applicant, platform, "admitted", company_name="已决")
    for item in (open_one, decided):
        db.session.add(ReviewAssignment(application_id=item.id, reviewer_id=reviewer.id))
    db.session.add(ReviewAssignment(application_id=open_one.id, reviewer_id=other_reviewer.id,
                                    status="submitted"))
    db.session.commit()
    assert counts(reviewer) == {"reviews_to_score": 1}
    assert counts(other_reviewer) == {"reviews_to_score": 0}
    assert "1 Applications to score" in page_text(logged_in(app, reviewer).get("/home"))
    assert "Nothing waits for you right now." in page_text(logged_in(app, other_reviewer).get("/home"))


def test_every_role_s_home_opens_on_an_empty_zone_in_both_languages(app, make_user):
    """No seed, no reference data: the migrated database and one account of each role."""
    for role in ("admin", "manager", "reviewer", "startup", "partner"):
        for locale, nothing in (("en", "Nothing waits for you right now."), ("zh", "目前没有待办事项。")):
            user = make_user(role, locale=locale)
            response = logged_in(app, user).get("/home")
            assert response.status_code == 200, (role, locale)
            assert nothing in page_text(response), (role, locale)
