"""Partner institutions: records, contacts and the page summarising what each did with the zone."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from incubator.extensions import db
from incubator.organisations.models import Organisation
from incubator.partnerships.models import InstitutionContact

from .. import factories
from .conftest import institution_code
from tests.pages import html_text, page_text


def test_admin_records_an_institution_with_a_valid_credit_code(login_as):
    client, _ = login_as("admin")
    code = institution_code()
    response = client.post("/partnerships/institutions/new", data={"name": "江苏测试研究院", "kind": "institute",
                                                                    "credit_code": code.lower()})
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation).where(Organisation.credit_code == code))
    assert org.kind == "institute" and org.name_sort.startswith("jiang su")


def test_a_wrong_check_character_is_refused(login_as):
    client, _ = login_as("admin")
    code = institution_code()
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    page = client.post("/partnerships/institutions/new", data={"name": "错码大学", "kind": "university",
                                                                "credit_code": wrong}).get_data(as_text=True)
    assert "is not the check character" in page and "错码大学" in page
    assert db.session.scalar(select(func.count(Organisation.id))) == 0


def test_contacts_are_added_and_need_a_way_to_reach_them(login_as, university):
    client, _ = login_as("admin")
    client.post(f"/partnerships/institutions/{university.id}/contacts", data={"name": "刘老师"})
    assert db.session.scalar(select(func.count(InstitutionContact.id))) == 0
    client.post(f"/partnerships/institutions/{university.id}/contacts",
                data={"name": "刘老师", "position": "科技处", "phone": "025-1234"})
    page = page_text(client.get(f"/partnerships/institutions/{university.id}"))
    assert "刘老师" in page and "025-1234" in page


def test_a_company_has_no_institution_page(login_as, company):
    client, _ = login_as("admin")
    assert client.get(f"/partnerships/institutions/{company.id}").status_code == 404


def build_history(university, other_university, company, n: int = 1):
    for k in range(n):
        training = factories.partnership(university, kind="talent_training", starts_on=date(2023, 1, 1),
                                         company_id=company.id)
        factories.cohort(training, 2024, 30, 28, 10)
        factories.cohort(training, 2025, 20, 15, 5)
        factories.partnership(university, kind="joint_lab", contract_value=500_000)
        factories.deal(university, company, date(2025, 5, 1), value=120_000)
    factories.deal(other_university, company, date(2025, 5, 1), value=999_999)
    db.session.commit()


def test_institution_page_summarises_agreements_trained_hired_and_deals(login_as, university, other_university,
                                                                          company):
    client, _ = login_as("admin")
    build_history(university, other_university, company)
    page = client.get(f"/partnerships/institutions/{university.id}").get_data(as_text=True)
    assert '<div class="fs-4" id="sum-agreements">2</div>' in page
    assert '<div class="fs-4" id="sum-trained">43 / 50</div>' in page
    assert '<div class="fs-4" id="sum-hired">15</div>' in page
    assert "12.00" in html_text(page) and "100.00" not in html_text(page)
    listing = client.get("/partnerships/institutions?sort=-hired").get_data(as_text=True)
    assert listing.index(university.name) < listing.index(other_university.name)


def test_institution_page_and_list_use_a_fixed_number_of_queries(login_as, university, other_university, company,
                                                                  count_queries):
    client, _ = login_as("admin")
    build_history(university, other_university, company)
    client.get(f"/partnerships/institutions/{university.id}")
    with count_queries() as page_few:
        client.get(f"/partnerships/institutions/{university.id}")
    with count_queries() as list_few:
        client.get("/partnerships/institutions")
    build_history(university, other_university, company, n=10)
    for n in range(10):
        factories.organisation(kind="institute", name=f"研究所{n}", code=institution_code())
    db.session.commit()
    with count_queries() as page_many:
        client.get(f"/partnerships/institutions/{university.id}")
    with count_queries() as list_many:
        client.get("/partnerships/institutions")
    assert page_many.count == page_few.count
    assert list_many.count == list_few.count


def test_manager_sees_figures_of_their_own_records_only(managed, university, other_university, company, platform):
    client, _user, tenant = managed
    build_history(university, other_university, company)
    factories.partnership(university, reference="MINE", platform_id=platform.id)
    db.session.commit()
    page = client.get(f"/partnerships/institutions/{university.id}").get_data(as_text=True)
    assert '<div class="fs-4" id="sum-agreements">1</div>' in page
    assert '<div class="fs-4" id="sum-hired">0</div>' in page
    assert client.get("/partnerships/institutions/new").status_code == 403


def test_admin_binds_an_existing_partner_account_by_e_mail(login_as, make_user, university):
    from incubator.audit.models import AuditEvent

    client, _ = login_as("admin")
    contact = make_user("partner", email="liu@partner.example.cn")
    founder = make_user("startup", email="boss@company.example.cn")
    client.post(f"/partnerships/institutions/{university.id}/accounts", data={"email": "boss@company.example.cn"})
    client.post(f"/partnerships/institutions/{university.id}/accounts", data={"email": "LIU@partner.example.cn"})
    db.session.expire_all()
    assert contact.organisation_id == university.id and founder.organisation_id is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.bound_to_institution"))
    page = client.get(f"/partnerships/institutions/{university.id}").get_data(as_text=True)
    assert "liu@partner.example.cn" in page
