"""Claims: who may claim, the decisions and payments, the refusals, the budget, the audit trail."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.incentives.models import Claim
from incubator.incentives.services import (IncentiveError, approve, budget_of, copy_policy, create_claim,
                                           create_claims_in_bulk, rd_growth_comparison, recommend, record_payment,
                                           reject)

from .conftest import WAN, make_policy


@pytest.fixture
def admin(make_user):
    return make_user("admin")


def key_of(company) -> str:
    return f"org:{company.id}"


def test_claim_records_the_computed_amount_and_its_explanation(zone, admin):
    policy = make_policy()
    claim = create_claim(policy, key_of(zone["alpha"]), admin)
    db.session.commit()
    assert claim.computed_amount == 120_000
    assert claim.explanation["steps"] == ["1,200,000 × 10% = 120000"]
    assert len(claim.explanation["report_ids"]) == 4


def test_second_claim_for_the_same_policy_is_refused(zone, admin):
    policy = make_policy()
    create_claim(policy, key_of(zone["alpha"]), admin)
    db.session.commit()
    with pytest.raises(IncentiveError, match="already exists"):
        create_claim(policy, key_of(zone["alpha"]), admin)


def test_ineligible_beneficiary_cannot_claim(zone, admin):
    policy = make_policy(conditions=["in_zone"])
    with pytest.raises(IncentiveError, match="not eligible"):
        create_claim(policy, key_of(zone["outsider"]), admin)


def test_closed_policy_accepts_no_claim(zone, admin):
    policy = make_policy(status="closed")
    with pytest.raises(IncentiveError, match="closed"):
        create_claim(policy, key_of(zone["alpha"]), admin)


def test_approval_above_the_cap_is_refused(zone, admin):
    policy = make_policy(cap=150_000)
    claim = create_claim(policy, key_of(zone["beta"]), admin)
    with pytest.raises(IncentiveError, match="cap"):
        approve(claim, admin, 150_001, "more")
    approve(claim, admin, 150_000, None)
    assert claim.status == "approved"


def test_approval_above_the_remaining_budget_is_refused(zone, admin):
    policy = make_policy(budget=250_000)
    first = create_claim(policy, key_of(zone["beta"]), admin)
    second = create_claim(policy, key_of(zone["alpha"]), admin)
    approve(first, admin, first.computed_amount, None)
    db.session.flush()
    left = budget_of(policy).left
    assert left == 250_000 - first.computed_amount
    with pytest.raises(IncentiveError, match="left of the budget"):
        approve(second, admin, left + 1, "the remaining budget is smaller")


def test_a_different_amount_needs_a_reason(zone, admin):
    claim = create_claim(make_policy(), key_of(zone["alpha"]), admin)
    with pytest.raises(IncentiveError, match="reason"):
        approve(claim, admin, 100_000, "  ")
    approve(claim, admin, 100_000, "审计调减研发费用")
    assert claim.approved_amount == 100_000 and claim.decision_reason == "审计调减研发费用"


def test_full_workflow_recommend_approve_pay_and_budget_consumed(zone, admin, make_user):
    manager = make_user("manager")
    policy = make_policy()
    claim = create_claim(policy, key_of(zone["alpha"]), admin)
    recommend(claim, manager, "材料齐全")
    approve(claim, admin, 120_000, None)
    record_payment(claim, admin, date(2026, 11, 20), 120_000, "PZ-0001")
    db.session.commit()
    assert claim.status == "paid"
    budget = budget_of(policy)
    assert (budget.consumed, budget.paid, budget.left) == (120_000, 120_000, 1_000 * WAN - 120_000)
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.entity_type == "incentive_claims", AuditEvent.entity_id == str(claim.id))
        .order_by(AuditEvent.id)).all()
    assert actions == ["create", "recommend", "approve", "pay"]


def test_a_paid_claim_can_no_longer_change(zone, admin):
    claim = create_claim(make_policy(), key_of(zone["alpha"]), admin)
    approve(claim, admin, 120_000, None)
    record_payment(claim, admin, date(2026, 11, 20), 120_000, "PZ-1")
    for action in (lambda: approve(claim, admin, 1, "x"), lambda: reject(claim, admin, "x"),
                   lambda: record_payment(claim, admin, date(2026, 11, 21), 1, "PZ-2")):
        with pytest.raises(IncentiveError, match="paid"):
            action()


def test_payment_rules(zone, admin):
    claim = create_claim(make_policy(), key_of(zone["alpha"]), admin)
    with pytest.raises(IncentiveError):
        record_payment(claim, admin, date(2026, 11, 20), 1, "PZ")  # not approved yet
    approve(claim, admin, 120_000, None)
    with pytest.raises(IncentiveError, match="at most the approved"):
        record_payment(claim, admin, date(2026, 11, 20), 120_001, "PZ")
    with pytest.raises(IncentiveError, match="future"):
        record_payment(claim, admin, date(2026, 12, 1), 120_000, "PZ")
    with pytest.raises(IncentiveError, match="voucher"):
        record_payment(claim, admin, date(2026, 11, 20), 120_000, " ")


def test_rejection_needs_a_reason(zone, admin):
    claim = create_claim(make_policy(), key_of(zone["alpha"]), admin)
    with pytest.raises(IncentiveError, match="reason"):
        reject(claim, admin, "")
    reject(claim, admin, "不符合条件")
    assert claim.status == "rejected"


def test_bulk_creation_skips_existing_claims(zone, admin):
    policy = make_policy()
    create_claim(policy, key_of(zone["alpha"]), admin)
    created = create_claims_in_bulk(policy, [key_of(zone["alpha"]), key_of(zone["beta"])], admin)
    assert created == 1
    assert db.session.scalar(select(db.func.count()).select_from(Claim)) == 2


def test_copy_from_last_year_shifts_the_years(zone):
    policy = make_policy(cap=5 * WAN)
    copy = copy_policy(policy)
    assert (copy.year, copy.reference_year, copy.cap, copy.status) == (2027, 2026, 5 * WAN, "open")


def test_effect_compares_rd_growth_of_beneficiaries_and_others(zone, admin):
    policy = make_policy(reference_year=2025, year=2026)
    claim = create_claim(policy, key_of(zone["alpha"]), admin)
    approve(claim, admin, claim.computed_amount, None)
    db.session.commit()
    beneficiaries, others, before, after = rd_growth_comparison(policy)
    # alpha: 1,200,000 (2025) -> 600,000 (2026 so far); beta: 2,000,000 -> 500,000
    assert (before, after) == (2025, 2026)
    assert (beneficiaries.companies, beneficiaries.before, beneficiaries.after) == (1, 1_200_000, 600_000)
    assert beneficiaries.growth_pct == -50
    assert (others.companies, others.before, others.after) == (1, 2_000_000, 500_000)
    assert others.growth_pct == -75
