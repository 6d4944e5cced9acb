"""The flows a person fights with least: a new application exists once its first step is saved, a refused report
shows one banner, required fields are marked from their validators and say so in one wording, and no form lets
the browser's own validation (in the browser's language) speak instead of the app."""
from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from incubator import clock
from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.organisations.models import Industry
from incubator.startups.models import Application
from tests import factories
from tests.conftest import AuthActions

from .test_reports import FIGURES, tenant  # noqa: F401  (a fixture)

TEMPLATES = Path(__file__).resolve().parents[2] / "incubator" / "templates"


def logged_in(app, user, language: str | None = None):
    if language:
        user.locale = language  # the stored choice is the language of the user's pages
        db.session.commit()
    client = app.test_client()
    AuthActions(client).login(user)
    return client


def company_values(industry_id, **changes):
    values = {"company_name": "苏州新芽科技有限公司", "credit_code": factories.credit_code(),
              "founded_on": "2025-03-01", "industry_id": str(industry_id)}
    return {**values, **changes}


def test_opening_new_application_twice_leaves_no_blank_drafts(app, zone, make_user):
    founder = make_user("startup")
    client = logged_in(app, founder)
    listing = client.get("/applications").get_data(as_text=True)
    assert re.search(r'<a class="btn btn-primary" href="/applications/new" id="new-application">', listing)
    for _ in range(2):
        page = client.get("/applications/new")
        assert page.status_code == 200 and 'name="company_name"' in page.get_data(as_text=True)
    # The old button posted an empty form: that now creates nothing either.
    assert client.post("/applications", data={}).status_code == 200
    assert db.session.query(Application).count() == 0
    assert db.session.query(AuditEvent).filter_by(action="application_created").count() == 0
    response = client.post("/applications", data=company_values(zone.industry.id))
    assert response.status_code == 302
    application = db.session.query(Application).one()
    assert (application.company_name, application.applicant_id, application.status, application.steps_done) == \
        ("苏州新芽科技有限公司", founder.id, "draft", ["company"])
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert actions[-2:] == ["application_created", "application_saved"]


def test_the_first_step_is_prefilled_from_a_bound_founders_company(app, zone, make_user):
    company = factories.organisation(name="已登记公司", founded_on=date(2024, 5, 1))
    founder = make_user("startup", organisation_id=company.id)
    db.session.commit()
    page = logged_in(app, founder).get("/applications/new").get_data(as_text=True)
    assert 'value="已登记公司"' in page and 'value="2024-05-01"' in page
    assert db.session.query(Application).count() == 0


def test_only_founders_reach_the_new_application_form(app, zone):
    for user in (zone.manager, zone.reviewer):
        client = logged_in(app, user)
        assert client.get("/applications/new").status_code == 403
        assert client.post("/applications", data=company_values(zone.industry.id)).status_code == 403
    assert db.session.query(Application).count() == 0


def test_a_new_application_on_an_empty_zone(app, make_user):
    """From an empty database after migrations: the founder's first step creates the one draft."""
    industry = Industry(code="other", name_zh="其他", name_en="Other")
    db.session.add(industry)
    db.session.commit()
    client = logged_in(app, make_user("startup"))
    assert client.post("/applications", data=company_values(industry.id)).status_code == 302
    assert [a.company_name for a in db.session.query(Application).order_by(Application.id)] == ["苏州新芽科技有限公司"]


def test_a_refused_report_shows_one_error_banner(app, tenant):
    _company, founder = tenant
    response = logged_in(app, founder).post("/reports/2026Q1", data={**FIGURES, "revenue": "-1", "save": "y"})
    page = response.get_data(as_text=True)
    assert "may not be negative" in page
    assert page.count("Please correct the fields marked below.") == 1
    shown = re.findall(r'class="alert alert-danger[^"]*"', page)
    assert [c for c in shown if "d-none" not in c] == ['class="alert alert-danger"']  # the live check stays hidden


def test_required_fields_are_marked_and_share_one_message_in_each_language(app, zone, make_user):
    founder = make_user("startup")
    db.session.commit()
    for language, wording in (("en", "This field is required."), ("zh", "该字段是必填字段。")):
        client = logged_in(app, founder, language)
        client.post("/applications", data=company_values(zone.industry.id))
        application = db.session.query(Application).order_by(Application.id.desc()).first()
        funding = f"/applications/{application.id}/step/funding"
        page = client.get(funding).get_data(as_text=True)
        # 融资需求 (funding needed) is required by its validator: its label says so.
        assert re.search(r'<label class="form-label required" for="funding_needed">', page)
        refused = client.post(funding, data={"funding_needed": "", "funding_use": "",
                                             "version": str(application.version)}).get_data(as_text=True)
        company = client.post("/applications", data=company_values(zone.industry.id, company_name=""))
        messages = {"funding": re.findall(r'<div class="invalid-feedback">([^<]+)</div>', refused),
                    "company": re.findall(r'<div class="invalid-feedback">([^<]+)</div>',
                                          company.get_data(as_text=True))}
        assert messages == {"funding": [wording], "company": [wording]}, language


def test_every_form_leaves_validation_to_the_app():
    """``novalidate`` on every form: the browser's own bubbles (in the browser's language) never show."""
    missing = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for tag in re.findall(r"<form\b[^>]*>", path.read_text(encoding="utf-8")):
            if "novalidate" not in tag:
                missing.append(f"{path.relative_to(TEMPLATES)}: {tag[:80]}")
    assert missing == []


def _under_review(zone, make_user):
    from tests.startups.conftest import fill_application
    from incubator.startups import services as svc

    clock.freeze(datetime(2026, 1, 20, 9, 0))
    founder = make_user("startup", name="创业者")
    application = svc.start_application(founder)
    fill_application(application, zone)
    svc.submit_application(application, founder)
    svc.start_review(application, zone.manager)
    db.session.commit()
    return application


def _units(zone):
    from decimal import Decimal

    from incubator.platforms import services as platform_services

    free = platform_services.create_unit(zone.platform, code="301", name="301室", kind="office",
                                         area_m2=Decimal("60"), monthly_rent=3000)
    let = platform_services.create_unit(zone.platform, code="302", name="302室", kind="office",
                                        area_m2=Decimal("40"), monthly_rent=2000)
    later = platform_services.create_unit(zone.platform, code="303", name="303室", kind="office",
                                          area_m2=Decimal("40"), monthly_rent=2000)
    tenant = factories.organisation(name="老租户")
    platform_services.create_tenancy(tenant, [let], date(2025, 1, 1), None, 2000)
    platform_services.create_tenancy(tenant, [later], date(2026, 6, 1), date(2026, 12, 31), 2000)
    db.session.commit()
    return free, let, later


def _offered_units(page: str) -> list[str]:
    select = page.split('name="unit_ids"')[1].split("</select>")[0]
    return re.findall(r"<option[^>]*>(\d{3}) ", select)


def test_the_admission_form_offers_only_units_free_on_the_chosen_dates(app, zone, make_user):
    application = _under_review(zone, make_user)
    _units(zone)
    client = logged_in(app, zone.manager)
    # Today (20 Jan 2026) with no end: 302 is let, 303 will be from June.
    assert _offered_units(client.get(f"/applications/{application.id}").get_data(as_text=True)) == ["301"]
    # A refused form is shown again with the units free on the typed dates (to the end of May: 303 is free).
    response = client.post(f"/applications/{application.id}/admit", data={
        "admitted_on": "2026-02-01", "reason": "", "tenancy_ends_on": "2026-05-31"})
    assert response.status_code == 422
    assert _offered_units(response.get_data(as_text=True)) == ["301", "303"]
    # Each unit reads as the platform pages write rents: grouped yuan a month, in the page's language.
    select = response.get_data(as_text=True).split('name="unit_ids"')[1].split("</select>")[0]
    labels = [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)]
    assert labels == ["301 301室 · 60.00 m² · 3,000 yuan a month", "303 303室 · 40.00 m² · 2,000 yuan a month"]


def test_a_refused_admission_keeps_every_field_as_typed(app, zone, make_user):
    application = _under_review(zone, make_user)
    free, let, _later = _units(zone)
    client = logged_in(app, zone.manager)
    cases = [
        ({"admitted_on": "2026-02-30", "reason": "同意入孵", "unit_ids": [str(free.id)],
          "tenancy_ends_on": "2027-01-31"}, "Not a valid date value."),
        ({"admitted_on": "2026-02-01", "reason": "同意入孵", "unit_ids": [str(free.id)],
          "tenancy_ends_on": "2026-01-31"}, "The tenancy cannot end before it starts."),
        ({"admitted_on": "2026-02-01", "reason": "同意入孵", "unit_ids": [str(let.id)],
          "tenancy_ends_on": "2027-01-31"}, "is already let to 老租户"),
    ]
    for data, message in cases:
        response = client.post(f"/applications/{application.id}/admit", data=data)
        assert response.status_code == 422, message
        page = response.get_data(as_text=True)
        assert message in page, re.findall(r"feedback\">([^<]*)|alert-danger[^>]*>([^<]*)", page)
        assert f'value="{data["admitted_on"]}"' in page and f'value="{data["tenancy_ends_on"]}"' in page
        assert re.search(r'name="reason"[^>]*>\s*同意入孵</textarea>', page), message
        chosen = re.findall(r'<option selected value="(\d+)"', page.split('name="unit_ids"')[1].split("</select>")[0])
        assert chosen == [data["unit_ids"][0]] or (data["unit_ids"][0] == str(let.id) and chosen == []), message
    assert db.session.get(Application, application.id).status == "under_review"
    assert client.post(f"/applications/{application.id}/admit", data={
        "admitted_on": "2026-02-01", "reason": "同意入孵", "unit_ids": [str(free.id)],
        "tenancy_ends_on": "2027-01-31"}).status_code == 302
    assert db.session.get(Application, application.id).status == "admitted"


def test_a_manager_of_another_platform_cannot_admit(app, zone, make_user):
    application = _under_review(zone, make_user)
    free, _let, _later = _units(zone)
    client = logged_in(app, zone.other_manager)
    assert client.post(f"/applications/{application.id}/admit", data={
        "admitted_on": "2026-02-01", "reason": "同意", "unit_ids": [str(free.id)]}).status_code == 404
    founder = logged_in(app, db.session.get(Application, application.id).applicant)
    assert founder.post(f"/applications/{application.id}/admit", data={
        "admitted_on": "2026-02-01", "reason": "同意"}).status_code == 403
    assert db.session.get(Application, application.id).status == "under_review"
