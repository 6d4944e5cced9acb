"""High-level talent and teams: the company or platform they joined, one of the two."""
from __future__ import annotations

from sqlalchemy import func, select

from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.partnerships.models import Talent


def talent_form(**values) -> dict:
    data = {"name": "李建华", "category": "national", "members": "", "field": "集成电路", "joined_on": "2026-03-01",
            "company_id": "", "platform_id": "", "institution_id": "", "note": ""}
    data.update(values)
    return data


def talents() -> int:
    return db.session.scalar(select(func.count(Talent.id)))


def test_admin_records_a_talent_who_joined_a_company(login_as, company, university):
    client, _ = login_as("admin")
    response = client.post("/partnerships/talents/new", data=talent_form(company_id=str(company.id),
                                                                         institution_id=str(university.id)))
    assert response.status_code == 302
    talent = db.session.scalar(select(Talent))
    assert talent.company_id == company.id and talent.members == 1
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "talent.created"))
    page = client.get("/partnerships/talents").get_data(as_text=True)
    assert "李建华" in page and company.name in page


def test_company_and_platform_together_or_neither_are_refused(login_as, company, platform):
    client, _ = login_as("admin")
    page = client.post("/partnerships/talents/new", data=talent_form(company_id=str(company.id),
                                                                     platform_id=str(platform.id))).get_data(as_text=True)
    assert "Choose the company or the platform they joined, not both." in page
    page = client.post("/partnerships/talents/new", data=talent_form()).get_data(as_text=True)
    assert "Choose the company or the platform they joined." in page
    assert talents() == 0


def test_a_team_has_at_least_two_members(login_as, platform):
    client, _ = login_as("admin")
    page = client.post("/partnerships/talents/new", data=talent_form(category="team", members="1",
                                                                     platform_id=str(platform.id))).get_data(as_text=True)
    assert "A team has at least two members." in page
    client.post("/partnerships/talents/new", data=talent_form(category="team", members="6", name="储能团队",
                                                              platform_id=str(platform.id)))
    assert db.session.scalar(select(Talent.members)) == 6


def test_manager_sees_and_records_talent_of_their_platform_only(managed, platform, company):
    client, _user, tenant = managed
    page = client.post("/partnerships/talents/new", data=talent_form(company_id=str(company.id))).status_code
    assert page == 200 and talents() == 0
    client.post("/partnerships/talents/new", data=talent_form(platform_id=str(platform.id)))
    assert talents() == 1


def test_talent_list_uses_a_fixed_number_of_queries(login_as, company, platform, count_queries):
    from datetime import date

    client, _ = login_as("admin")
    db.session.add(Talent(name="甲", category="doctoral", joined_on=date(2025, 1, 1), company_id=company.id))
    db.session.commit()
    client.get("/partnerships/talents")
    with count_queries() as few:
        client.get("/partnerships/talents")
    for n in range(20):
        db.session.add(Talent(name=f"人才{n}", category="provincial", joined_on=date(2025, 1, 1),
                              **({"company_id": company.id} if n % 2 else {"platform_id": platform.id})))
    db.session.commit()
    with count_queries() as many:
        client.get("/partnerships/talents")
    assert many.count == few.count
