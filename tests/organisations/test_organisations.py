"""Organisations: credit codes, uniqueness, pinyin order, search, industries, high-tech, listing, IP, scoping."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.organisations import services
from incubator.organisations.credit_code import make
from incubator.organisations.models import Industry, IntellectualProperty, Organisation
from incubator.organisations.services import OrganisationError
from incubator.platforms import services as platform_services

from .. import factories

VALID = make("91320594123456789")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def text(response) -> str:
    return response.get_data(as_text=True)


def form(**values):
    data = {"name": "苏州云帆信息技术有限公司", "kind": "startup", "credit_code": VALID, "industry_id": "",
            "founded_on": "2023-04-01", "address": "创新大道1号", "contact_name": "张总", "contact_phone": "138",
            "contact_email": "", "listing_status": "none"}
    data.update(values)
    return data


# --- credit codes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("code, message", [
    (VALID[:17] + ("0" if VALID[17] != "0" else "1"), "Character 18"),
    ("9132I594123456789" + "0", "Character 5 (I) may not appear"),
    ("91320594", "has 18 characters; this one has 8"),
])
def test_a_wrong_credit_code_is_refused_naming_the_position_and_nothing_is_saved(login_as, code, message):
    client, _admin = login_as("admin")
    response = client.post("/organisations/new", data=form(credit_code=code))
    assert response.status_code == 200
    page = text(response)
    assert message in page and code in page  # what was typed stays in the field
    assert count(Organisation) == 0


def test_the_service_refuses_a_wrong_code_too(app):
    with pytest.raises(OrganisationError, match="Character 18") as error:
        services.create_organisation(name="甲", kind="startup", credit_code=VALID[:17] + "Y")
    assert error.value.field == "credit_code"


def test_a_credit_code_is_unique_when_present_and_optional_for_unregistered_teams(app):
    services.create_organisation(name="甲公司", kind="startup", credit_code=VALID.lower())
    with pytest.raises(OrganisationError, match=VALID) as error:
        services.create_organisation(name="乙公司", kind="startup", credit_code=f" {VALID} ")
    assert error.value.field == "credit_code"
    services.create_organisation(name="丙团队", kind="startup", credit_code="")
    services.create_organisation(name="丁团队", kind="startup", credit_code=None)
    assert db.session.scalars(select(Organisation.credit_code).order_by(Organisation.id)).all() == [VALID, None, None]


def test_admin_adds_an_organisation_and_it_is_audited(login_as):
    client, admin = login_as("admin")
    response = client.post("/organisations/new", data=form(credit_code=VALID.lower()))
    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation))
    assert organisation.credit_code == VALID and organisation.name_sort.startswith("su zhou yun fan")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation_created"))
    assert event.actor_id == admin.id and event.after["credit_code"] == VALID


def test_editing_refuses_another_organisations_code_and_audits_changes(login_as):
    client, _admin = login_as("admin")
    other = factories.organisation(code=make("91320594000000001"))
    target = factories.organisation(name="旧名字")
    db.session.commit()
    refused = client.post(f"/organisations/{target.id}/edit", data=form(credit_code=other.credit_code, name="新名字"))
    assert "already has the credit code" in text(refused)
    db.session.expire_all()
    assert target.name == "旧名字"
    assert client.post(f"/organisations/{target.id}/edit", data=form(credit_code=target.credit_code,
                                                                     name="新名字")).status_code == 302
    db.session.expire_all()
    assert target.name == "新名字" and target.name_sort == "xin ming zi"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation_updated"))
    assert event.before["name"] == "旧名字" and event.after["name"] == "新名字"


# --- pinyin order and search ----------------------------------------------------------------------

def test_name_sort_is_the_pinyin_filled_on_every_save(app):
    organisation = factories.organisation(name="北方科技")
    db.session.commit()
    assert organisation.name_sort == "bei fang ke ji"
    organisation.name = "长江存储"
    db.session.commit()
    assert organisation.name_sort == "chang jiang cun chu"


def test_chinese_names_are_listed_in_pinyin_order_and_searchable(login_as):
    client, _admin = login_as("admin")
    for name in ("张江科技", "阿尔法智能", "北辰生物", "Zylo Labs"):
        factories.organisation(name=name)
    coded = factories.organisation(name="码上科技", code=make("91320594555555555"))
    db.session.commit()
    page = text(client.get("/organisations"))
    positions = [page.index(name) for name in ("阿尔法智能", "北辰生物", "码上科技", "张江科技", "Zylo Labs")]
    assert positions == sorted(positions)
    assert "北辰生物" in text(client.get("/organisations?q=北辰")) and "张江科技" not in text(client.get("/organisations?q=北辰"))
    assert "码上科技" in text(client.get(f"/organisations?q={coded.credit_code[3:12].lower()}"))
    assert "北辰生物" in text(client.get("/organisations?q=beichen".replace("beichen", "bei chen")))


def test_organisation_list_uses_a_fixed_number_of_queries(login_as, count_queries, app):
    app.config["PAGE_SIZE"] = 100
    client, _admin = login_as("admin")
    industry = Industry(code="ai", name_zh="人工智能", name_en="AI")
    db.session.add(industry)
    counts = []
    for n in (5, 45):
        for _ in range(n):
            organisation = factories.organisation(industry_id=industry.id)
            services.add_ip(organisation, kind="invention_patent", number=f"CN{organisation.id}", title="专利",
                            status="filed", filed_on=date(2025, 1, 1))
        db.session.commit()
        client.get("/organisations")
        with count_queries() as counter:
            assert client.get("/organisations").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


# --- industries -----------------------------------------------------------------------------------

def test_admin_edits_the_industry_list_and_codes_are_unique(login_as):
    client, _admin = login_as("admin")
    services.ensure_default_industries()
    db.session.commit()
    assert count(Industry) == 9
    assert client.post("/admin/industries/new", data={"code": "quantum", "name_zh": "量子科技", "name_en": "Quantum",
                                                      "sort_order": "95", "is_active": "y"}).status_code == 302
    duplicate = client.post("/admin/industries/new", data={"code": "Quantum", "name_zh": "量子", "name_en": "Q",
                                                           "sort_order": "96", "is_active": "y"})
    assert "already has the code quantum" in text(duplicate) and count(Industry) == 10
    other = db.session.scalar(select(Industry).where(Industry.code == "other"))
    client.post(f"/admin/industries/{other.id}", data={"code": "other", "name_zh": "其他", "name_en": "Other",
                                                       "sort_order": "999"})
    db.session.expire_all()
    assert other.is_active is False
    choices = text(client.get("/organisations/new"))
    assert "Quantum" in choices and ">Other<" not in choices  # an industry not in use is not offered
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action.in_(["industry_created", "industry_updated"]))) == 11


def test_managers_cannot_edit_industries(login_as):
    client, _manager = login_as("manager")
    assert client.get("/admin/industries").status_code == 403
    assert client.post("/admin/industries/new", data={"code": "x", "name_zh": "x", "name_en": "x"}).status_code == 403


# --- high-tech, listing, IP -----------------------------------------------------------------------

def test_high_tech_recognition_needs_a_certificate_and_ordered_dates(app):
    with pytest.raises(OrganisationError, match="certificate number"):
        services.create_organisation(name="甲", kind="startup", high_tech_valid_from=date(2025, 1, 1))
    with pytest.raises(OrganisationError, match="cannot end before it starts"):
        services.create_organisation(name="甲", kind="startup", high_tech_cert_no="GR1",
                                     high_tech_valid_from=date(2025, 1, 1), high_tech_valid_until=date(2024, 1, 1))
    organisation = services.create_organisation(name="甲", kind="startup", high_tech_cert_no="GR202432000001",
                                                high_tech_valid_from=date(2024, 12, 1),
                                                high_tech_valid_until=date(2027, 11, 30),
                                                listing_status="quoted", listing_date=date(2025, 6, 1))
    assert organisation.is_high_tech_on(date(2026, 1, 1)) and not organisation.is_high_tech_on(date(2028, 1, 1))


def test_high_tech_filter_lists_only_valid_recognitions(login_as):
    from incubator import clock

    client, _admin = login_as("admin")
    today = clock.today()
    factories.organisation(name="高新甲", high_tech_cert_no="GR1", high_tech_valid_from=date(today.year - 1, 1, 1),
                           high_tech_valid_until=date(today.year + 1, 12, 31))
    factories.organisation(name="过期乙", high_tech_cert_no="GR2", high_tech_valid_from=date(2015, 1, 1),
                           high_tech_valid_until=date(2018, 1, 1))
    db.session.commit()
    page = text(client.get("/organisations?high_tech=y"))
    assert "高新甲" in page and "过期乙" not in page


def test_ip_is_recorded_checked_and_audited_on_the_organisation(login_as):
    client, _admin = login_as("admin")
    organisation = factories.organisation()
    db.session.commit()
    url = f"/organisations/{organisation.id}/ip/new"
    bad = client.post(url, data={"kind": "invention_patent", "number": "CN1", "title": "一种方法", "status": "granted",
                                 "filed_on": "2025-01-01", "granted_on": "2024-01-01"})
    assert "cannot be granted before it was filed" in text(bad) and count(IntellectualProperty) == 0
    assert client.post(url, data={"kind": "invention_patent", "number": "CN1", "title": "一种方法", "status": "granted",
                                  "filed_on": "2024-01-01", "granted_on": "2025-01-01"}).status_code == 302
    duplicate = client.post(url, data={"kind": "invention_patent", "number": "CN1", "title": "x", "status": "filed"})
    assert "already has this number" in text(duplicate) and count(IntellectualProperty) == 1
    item = db.session.scalar(select(IntellectualProperty))
    client.post(f"/organisations/{organisation.id}/ip/{item.id}/delete")
    assert count(IntellectualProperty) == 0
    page = text(client.get(f"/organisations/{organisation.id}"))
    # the history shows each action by its label (audit/labels.py), not its stored key
    assert "Intellectual property added" in page and "Intellectual property deleted" in page


# --- scoping --------------------------------------------------------------------------------------

def test_a_manager_sees_and_edits_only_the_companies_of_their_platforms(login_as, app):
    client, manager = login_as("manager")
    mine = factories.platform(code="MINE", host_id=factories.organisation(kind="enterprise", name="我的依托单位").id)
    platform_services.set_managers(mine, [manager])
    tenant = factories.organisation(name="租户公司")
    incubated = factories.organisation(name="在孵公司")
    factories.incubation(incubated, mine, date(2025, 1, 1))
    unit = platform_services.create_unit(mine, code="A", kind="office", area_m2=1, monthly_rent=1)
    platform_services.create_tenancy(tenant, [unit], date(2025, 1, 1), None, 1)
    stranger = factories.organisation(name="别人的公司")
    db.session.commit()
    page = text(client.get("/organisations"))
    assert "租户公司" in page and "在孵公司" in page and "我的依托单位" in page and "别人的公司" not in page
    assert client.get(f"/organisations/{stranger.id}").status_code == 404
    assert client.get(f"/organisations/{stranger.id}/edit").status_code == 404
    assert client.post(f"/organisations/{stranger.id}/edit", data=form(name="改", credit_code="")).status_code == 404
    assert client.post(f"/organisations/{stranger.id}/ip/new", data={"kind": "invention_patent", "number": "1",
                                                                     "title": "x", "status": "filed"}).status_code == 404
    host = mine.host
    assert client.get(f"/organisations/{host.id}").status_code == 200
    assert client.get(f"/organisations/{host.id}/edit").status_code == 404  # hosts are the zone office's to edit
    assert client.post(f"/organisations/{tenant.id}/edit", data=form(name="租户公司新名", credit_code=tenant.credit_code,
                                                                     kind="university")).status_code == 200
    assert client.post(f"/organisations/{tenant.id}/edit", data=form(name="租户公司新名",
                                                                     credit_code=tenant.credit_code)).status_code == 302
    assert client.get("/organisations/new").status_code == 403
    db.session.expire_all()
    assert stranger.name == "别人的公司" and tenant.name == "租户公司新名" and tenant.kind == "startup"
