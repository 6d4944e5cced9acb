"""The incentive pages: forms with validation, scoping by URL and by form field, exports, approval list."""
from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import insert, select

from incubator.extensions import db
from incubator.incentives.models import Claim, Policy
from incubator.incentives.services import approve, create_claim, record_payment
from incubator.platforms.models import platform_managers

from .conftest import WAN, make_policy
from tests.pages import page_text

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def founders(zone, login_as):
    alpha_client, alpha_user = login_as("startup", organisation_id=zone["alpha"].id)
    beta_client, beta_user = login_as("startup", organisation_id=zone["beta"].id)
    return {"alpha": (alpha_client, alpha_user), "beta": (beta_client, beta_user)}


@pytest.fixture
def manager(zone, login_as):
    client, user = login_as("manager")
    db.session.execute(insert(platform_managers).values(platform_id=zone["platform"].id, user_id=user.id))
    db.session.commit()
    return client, user


def policy_form(**values) -> dict:
    data = {"name": "研发补助", "year": "2026", "kind": "rd_subsidy", "basis": "rd_expense_last_year",
            "reference_year": "2025", "rate": "10", "minimum_basis": "", "cap": "50", "budget": "300",
            "conditions": ["in_zone"], "allocation": "pro_rata", "required_documents": "", "description": ""}
    data.update(values)
    return data


def test_admin_creates_a_policy_with_amounts_in_wan(login_as, zone):
    client, _ = login_as("admin")
    response = client.post("/incentives/new", data=policy_form(budget="1,234.5"))
    assert response.status_code == 302
    policy = db.session.scalar(select(Policy))
    assert (policy.budget, policy.cap, policy.rate_scaled, policy.conditions) == (12_345_000, 500_000, 100_000,
                                                                                  ["in_zone"])


@pytest.mark.parametrize("field, value, message", [
    ("budget", "-5", "may not be negative"),
    ("budget", "1.00001", "at most 4 decimal places"),
    ("rate", "", "Give the rate"),
    ("basis", "rent_paid", "does not suit"),
    ("reference_year", "2027", "may not come after"),
])
def test_policy_form_refuses_bad_input_and_keeps_what_was_typed(login_as, zone, field, value, message):
    client, _ = login_as("admin")
    response = client.post("/incentives/new", data=policy_form(**{field: value}))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="研发补助"' in page
    assert db.session.scalar(select(db.func.count()).select_from(Policy)) == 0


def test_only_admins_create_policies(founders, manager):
    for client in (founders["alpha"][0], manager[0]):
        assert client.get("/incentives/new").status_code == 403
        assert client.post("/incentives/new", data=policy_form()).status_code == 403


def test_founder_claims_with_the_required_documents(founders, zone):
    policy = make_policy(required_documents="专项审计报告")
    client, user = founders["alpha"]
    page = page_text(client.get(f"/incentives/{policy.id}/claim"))
    assert "120,000" in page and "Beta 智能" not in page  # only their own eligibility
    missing = client.post(f"/incentives/{policy.id}/claim", data={"beneficiary": f"org:{zone['alpha'].id}"})
    assert "Attach this document." in missing.get_data(as_text=True)
    response = client.post(f"/incentives/{policy.id}/claim", data={
        "beneficiary": f"org:{zone['alpha'].id}",
        "document_0": (io.BytesIO(PDF), "audit.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    claim = db.session.scalar(select(Claim))
    assert (claim.organisation_id, claim.computed_amount, claim.created_by_id) == (zone["alpha"].id, 120_000, user.id)


def test_founder_cannot_claim_for_another_company_by_form_field(founders, zone):
    policy = make_policy()
    client, _ = founders["alpha"]
    response = client.post(f"/incentives/{policy.id}/claim", data={"beneficiary": f"org:{zone['beta'].id}"})
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Claim)) == 0


def test_founder_cannot_see_another_companys_claim_or_ledger(founders, zone, make_user):
    admin = make_user("admin")
    policy = make_policy()
    beta_claim = create_claim(policy, f"org:{zone['beta'].id}", admin)
    db.session.commit()
    client, _ = founders["alpha"]
    assert client.get(f"/incentives/claims/{beta_claim.id}").status_code == 404
    assert client.get(f"/incentives/ledger/{zone['beta'].id}").status_code == 404
    assert client.post(f"/incentives/claims/{beta_claim.id}/recommend").status_code == 403
    policy_page = client.get(f"/incentives/{policy.id}").get_data(as_text=True)
    assert "Beta 智能" not in policy_page


def test_manager_sees_and_recommends_only_their_platforms_companies(manager, zone, make_user):
    admin = make_user("admin")
    policy = make_policy()
    own = create_claim(policy, f"org:{zone['alpha'].id}", admin)
    foreign = create_claim(policy, f"org:{zone['outsider'].id}", admin)
    db.session.commit()
    client, _ = manager
    assert client.get(f"/incentives/claims/{foreign.id}").status_code == 404
    assert client.post(f"/incentives/claims/{foreign.id}/recommend", data={"note": "x"}).status_code == 404
    assert client.post(f"/incentives/claims/{own.id}/recommend", data={"note": "好"}).status_code == 302
    db.session.refresh(own)
    assert own.status == "recommended"
    assert client.post(f"/incentives/claims/{own.id}/approve", data={"amount": "12"}).status_code == 403


def test_manager_bulk_creation_ignores_keys_outside_their_scope(manager, zone):
    policy = make_policy()
    client, _ = manager
    client.post(f"/incentives/{policy.id}/claims/bulk",
                data={"keys": [f"org:{zone['alpha'].id}", f"org:{zone['outsider'].id}"]})
    assert db.session.scalars(select(Claim.organisation_id)).all() == [zone["alpha"].id]


def test_admin_approves_and_pays_through_the_forms(login_as, zone, make_user):
    client, admin = login_as("admin")
    policy = make_policy()
    claim = create_claim(policy, f"org:{zone['alpha'].id}", admin)
    db.session.commit()
    refused = client.post(f"/incentives/claims/{claim.id}/approve", data={"amount": "10", "reason": ""},
                          follow_redirects=True)
    assert "Give a reason" in refused.get_data(as_text=True)
    client.post(f"/incentives/claims/{claim.id}/approve", data={"amount": "12", "reason": ""})
    client.post(f"/incentives/claims/{claim.id}/payment",
                data={"paid_on": "2026-11-20", "amount": "12", "voucher_no": "PZ-9"})
    db.session.refresh(claim)
    assert (claim.status, claim.approved_amount, claim.paid_amount, claim.voucher_no) == ("paid", 120_000, 120_000,
                                                                                          "PZ-9")
    ledger = page_text(client.get(f"/incentives/ledger/{zone['alpha'].id}"))
    assert "PZ-9" in ledger and "12.00" in ledger


def test_exports_are_formula_safe_and_read_back_with_the_same_numbers(login_as, zone, make_user):
    client, admin = login_as("admin")
    zone["alpha"].name = "=HYPERLINK(\"x\")"
    policy = make_policy()
    claim = create_claim(policy, f"org:{zone['alpha'].id}", admin)
    approve(claim, admin, 120_000, None)
    record_payment(claim, admin, date(2026, 11, 20), 120_000, "PZ-1")
    db.session.commit()
    csv_text = client.get(f"/incentives/{policy.id}/export.csv").get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and ",12.0000," in csv_text
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/incentives/{policy.id}/export.xlsx").get_data()))
    sheet = workbook.worksheets[0]
    row = [cell.value for cell in sheet[2]]
    assert row[4] == '=HYPERLINK("x")' and sheet.cell(2, 5).data_type == "s"
    assert row[5] == 12 and row[7] == 12 and row[8] == 12 and row[6] == "paid"
    assert sheet.auto_filter.ref.startswith("A1:") and sheet.page_setup.orientation == "landscape"
    assert policy.name in sheet.oddHeader.left.text and "2026" in sheet.oddHeader.left.text


def test_approval_list_shows_amounts_in_capital_numerals(login_as, zone):
    client, admin = login_as("admin")
    policy = make_policy()
    claim = create_claim(policy, f"org:{zone['beta'].id}", admin)
    approve(claim, admin, 200_000, None)
    db.session.commit()
    page = page_text(client.get(f"/incentives/{policy.id}/approval-list"))
    assert "贰拾万元整" in page and "200,000" in page


def test_policy_page_shows_budget_and_arithmetic(login_as, zone):
    client, _ = login_as("admin")
    policy = make_policy(budget=100_001)
    page = page_text(client.get(f"/incentives/{policy.id}"))
    assert "26,667" in page and "53,334" in page  # the pro-rata shares
    assert "largest remainders" in page


def test_policy_page_queries_do_not_grow_with_companies(login_as, zone, count_queries):
    from .. import factories

    client, _ = login_as("admin")
    policy = make_policy()
    client.get(f"/incentives/{policy.id}")  # warm up: the session's first touch is not part of the page
    with count_queries() as small:
        client.get(f"/incentives/{policy.id}")
    for n in range(20):
        company = factories.organisation()
        factories.report(company, "2025Q1", rd_expense=1000 + n)
    db.session.commit()
    with count_queries() as large:
        client.get(f"/incentives/{policy.id}")
    assert small.count == large.count


def test_dashboard_totals_paid_by_policy_and_year(login_as, zone):
    client, admin = login_as("admin")
    policy = make_policy()
    claim = create_claim(policy, f"org:{zone['alpha'].id}", admin)
    approve(claim, admin, 120_000, None)
    record_payment(claim, admin, date(2026, 11, 20), 100_000, "PZ-1")
    db.session.commit()
    page = page_text(client.get("/incentives/dashboard"))
    assert "10.00" in page
