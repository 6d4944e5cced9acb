"""Tech-transfer deals: source a university or institute, recipient a company, totals by year in SQL."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.partnerships import services
from incubator.partnerships.models import TechTransferDeal

from .. import factories
from tests.pages import html_text


def deal_form(source, recipient, **values) -> dict:
    data = {"reference": "ZH-2026-001", "title": "纳米银导电浆料", "kind": "licence", "source_id": str(source.id),
            "recipient_id": str(recipient.id), "deal_date": "2026-03-10", "value": "12.3456",
            "patents": "ZL202110123456.7, zl202110654321.0\nZL202110123456.7"}
    data.update(values)
    return data


def deals() -> int:
    return db.session.scalar(select(func.count(TechTransferDeal.id)))


def test_admin_records_a_deal_with_its_patents(login_as, university, company):
    client, _ = login_as("admin")
    response = client.post("/partnerships/deals/new", data=deal_form(university, company))
    assert response.status_code == 302
    deal = db.session.scalar(select(TechTransferDeal))
    assert deal.value == 123_456
    assert deal.patents == "ZL202110123456.7\nZL202110654321.0"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tech_transfer.created"))


def test_source_must_be_a_university_or_institute(app, make_user, company):
    import pytest

    admin = make_user("admin")
    other_company = factories.organisation(kind="enterprise")
    with pytest.raises(services.Problems) as error:
        services.create_deal(admin, {"reference": "X", "title": "t", "kind": "licence", "deal_date": date(2026, 1, 1),
                                     "source_id": other_company.id, "recipient_id": company.id})
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert str(error.value.problems["source_id"]) == \
            "The source of a deal must be a university or research institute."
    assert deals() == 0


def test_source_not_an_institution_is_refused_in_the_form(login_as, company):
    client, _ = login_as("admin")
    other_company = factories.organisation(kind="enterprise")
    db.session.commit()
    response = client.post("/partnerships/deals/new", data=deal_form(other_company, company))
    assert response.status_code == 200
    assert deals() == 0


def test_recipient_must_be_a_company_and_date_not_in_future(login_as, university, other_university):
    client, _ = login_as("admin")
    response = client.post("/partnerships/deals/new", data=deal_form(university, other_university))
    assert response.status_code == 200
    page = client.post("/partnerships/deals/new",
                       data=deal_form(university, factories.organisation(), deal_date="2027-01-01")).get_data(as_text=True)
    assert "The date of a deal may not be in the future." in page
    assert deals() == 0


def test_value_with_too_many_decimals_is_refused(login_as, university, company):
    client, _ = login_as("admin")
    page = client.post("/partnerships/deals/new", data=deal_form(university, company, value="1.23456")).get_data(
        as_text=True)
    assert "Use at most 4 decimal places." in page and 'value="1.23456"' in page
    assert deals() == 0


def test_totals_by_year_are_exact_and_computed_by_the_database(login_as, university, company, count_queries):
    client, admin = login_as("admin")
    factories.deal(university, company, date(2025, 3, 1), value=1, kind="licence")
    factories.deal(university, company, date(2025, 9, 1), value=2, kind="equity")
    factories.deal(university, company, date(2026, 1, 5), value=100_000, kind="licence")
    db.session.commit()
    totals = {t.year: t for t in services.deal_totals_by_year(admin)}
    assert (totals[2025].deals, totals[2025].value) == (2, 3)
    assert totals[2025].by_kind == {"licence": (1, 1), "equity": (1, 2)}
    assert (totals[2026].deals, totals[2026].value) == (1, 100_000)
    client.get("/partnerships/deals")
    with count_queries() as few:
        client.get("/partnerships/deals")
    for n in range(40):
        factories.deal(university, factories.organisation(), date(2020 + n % 6, 1 + n % 12, 1), value=n)
    db.session.commit()
    with count_queries() as many:
        page = client.get("/partnerships/deals?year=2025").get_data(as_text=True)
    assert many.count == few.count
    assert 'data-year="2025"' in page


def test_list_filters_by_year_and_searches_patents(login_as, university, company):
    client, _ = login_as("admin")
    factories.deal(university, company, date(2025, 3, 1), reference="OLD", patents="ZL1")
    factories.deal(university, company, date(2026, 3, 1), reference="NEW", patents="ZL2024999")
    db.session.commit()
    page = client.get("/partnerships/deals?year=2025").get_data(as_text=True)
    assert ">OLD</a>" in page and ">NEW</a>" not in page
    page = client.get("/partnerships/deals?q=ZL2024999").get_data(as_text=True)
    assert ">NEW</a>" in page and ">OLD</a>" not in page


def test_manager_sees_and_records_deals_of_their_companies_only(managed, university, company):
    client, _user, tenant = managed
    foreign = factories.deal(university, company, date(2026, 1, 1), reference="FOREIGN")
    own = factories.deal(university, tenant, date(2026, 1, 1), reference="OWN")
    db.session.commit()
    page = client.get("/partnerships/deals").get_data(as_text=True)
    assert ">OWN</a>" in page and "FOREIGN" not in html_text(page)
    assert client.get(f"/partnerships/deals/{foreign.id}").status_code == 404
    assert client.get(f"/partnerships/deals/{own.id}").status_code == 200
    response = client.post("/partnerships/deals/new", data=deal_form(university, company, reference="ZH-X"))
    assert response.status_code == 200  # a company outside their platforms is not offered
    assert db.session.scalar(select(TechTransferDeal).where(TechTransferDeal.reference == "ZH-X")) is None


def test_csv_export_has_the_import_columns_exact_amounts_and_no_formulas(login_as, university, company):
    client, _ = login_as("admin")
    factories.deal(university, company, date(2025, 3, 1), reference="ZH-1", title="=HYPERLINK(1)", value=123_456,
                   kind="equity")
    factories.deal(university, company, date(2024, 3, 1), reference="ZH-OLD")
    db.session.commit()
    response = client.get("/partnerships/deals?year=2025&export=csv")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "reference,date,title,kind,source_credit_code,recipient_credit_code,value"
    assert lines[1] == (f"ZH-1,2025-03-01,'=HYPERLINK(1),equity,{university.credit_code},{company.credit_code},"
                        "12.3456")
    assert len(lines) == 2


def test_manager_export_holds_only_their_deals(managed, university, company):
    client, _user, tenant = managed
    factories.deal(university, company, date(2026, 1, 1), reference="FOREIGN")
    factories.deal(university, tenant, date(2026, 1, 1), reference="OWN")
    db.session.commit()
    text = client.get("/partnerships/deals?export=csv").get_data(as_text=True)
    assert "OWN" in text and "FOREIGN" not in text
