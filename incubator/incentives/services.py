"""Incentive rules: policies, claims and their decisions, budgets, ledgers and the effect of a policy."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..audit import services as audit
from ..database import yuan_to_wan
from ..extensions import db
from ..saving import FieldRuleBroken
from ..startups.models import QuarterlyReport
from .models import Claim, Policy
from .rules import BASES, CONDITIONS, Evaluation, evaluate

SPENT_STATUSES = ("approved", "paid")
OPEN_STATUSES = ("submitted", "recommended")
RECOMMENDABLE_STATUSES = ("submitted",)  # a platform recommends before the zone office decides
PAYABLE_STATUSES = ("approved",)


class IncentiveError(FieldRuleBroken):
    """A rule about policies or claims was broken; the message is shown to the user."""


# --- policies ------------------------------------------------------------------------------------------

def check_policy(policy: Policy) -> None:
    basis = BASES.get(policy.basis)
    if basis is None or policy.kind not in basis.policy_kinds:
        raise IncentiveError(_l("This basis does not suit a policy of this kind."))
    if basis.mode == "rate" and not policy.rate_scaled:
        raise IncentiveError(_l("Give the rate (percent of the basis) for this basis."))
    if basis.mode == "fixed" and not policy.fixed_amounts:
        raise IncentiveError(_l("Give a fixed amount for at least one level or category."))
    if policy.cap is not None and policy.cap < 0:
        raise IncentiveError(_l("The cap may not be negative."))
    unknown = set(policy.conditions or ()) - set(CONDITIONS)
    if unknown:
        raise IncentiveError(_l("Unknown condition."))


def save_policy(policy: Policy, before: dict | None = None) -> Policy:
    check_policy(policy)
    duplicate = db.session.scalar(select(Policy.id).where(Policy.name == policy.name, Policy.year == policy.year,
                                                          Policy.id != (policy.id or 0)))
    if duplicate:
        raise IncentiveError(_l("A policy with this name already exists for that year."))
    if policy.id is None:
        db.session.add(policy)
        db.session.flush()
        audit.record("create", policy, after=audit.snapshot(policy))
    else:
        audit.record_changes("update", policy, before or {})
    return policy


def apply_policy(policy: Policy, values: dict) -> Policy:
    """Set ``values`` (attribute name: value) on ``policy``, new or existing, and save it with its audit event."""
    before = audit.snapshot(policy) if policy.id else None
    for name, value in values.items():
        setattr(policy, name, value)
    return save_policy(policy, before)


def attach_claim_documents(claim: Claim, files: list, titles: list[str], owner) -> None:
    """Store each uploaded file (checked by content) as the claim's document of the same position in ``titles``.

    :raises uploads.UploadError: a file that is empty or not a document; nothing is kept."""
    from .. import uploads
    from .models import ClaimDocument

    for title, storage in zip(titles, files, strict=True):
        stored = uploads.store_upload(storage, kind="incentive_claim", owner=owner,
                                      organisation_id=claim.organisation_id)
        db.session.add(ClaimDocument(claim_id=claim.id, stored_file_id=stored.id, title=title))


def copy_policy(policy: Policy) -> Policy:
    """Next year's policy with the same rule (budget and all), open, ready to adjust."""
    copy = Policy(
        name=policy.name, year=policy.year + 1, kind=policy.kind, basis=policy.basis,
        reference_year=policy.reference_year + 1, rate_scaled=policy.rate_scaled,
        fixed_amounts=dict(policy.fixed_amounts or {}), minimum_basis=policy.minimum_basis, cap=policy.cap,
        budget=policy.budget, conditions=list(policy.conditions or []), allocation=policy.allocation,
        required_documents=policy.required_documents, description=policy.description, status="open")
    save_policy(copy)
    audit.record("copy", copy, reason=f"copied from policy {policy.id}")
    return copy


def close_policy(policy: Policy) -> None:
    if policy.status == "closed":
        return
    policy.status = "closed"
    audit.record("close", policy, before={"status": "open"}, after={"status": "closed"})


@dataclass
class Budget:
    total: int
    consumed: int  # approved or paid
    paid: int

    @property
    def left(self) -> int:
        return self.total - self.consumed


def budget_of(policy: Policy) -> Budget:
    consumed, paid = db.session.execute(
        select(func.coalesce(func.sum(func.coalesce(Claim.paid_amount, Claim.approved_amount)), 0),
               func.coalesce(func.sum(Claim.paid_amount), 0))
        .where(Claim.policy_id == policy.id, Claim.status.in_(SPENT_STATUSES))).one()
    return Budget(policy.budget, int(consumed), int(paid))


# --- claims ----------------------------------------------------------------------------------------------

def explanation_of(policy: Policy, evaluation: Evaluation, key: str) -> dict:
    item = evaluation.for_key(key)
    basis = BASES[policy.basis]
    return {
        "basis": policy.basis, "basis_label": str(basis.label), "reference_year": policy.reference_year,
        "inputs": item.candidate.inputs, "steps": item.steps, "allocation": evaluation.allocation_steps,
        "report_ids": item.candidate.report_ids, "amount_exact": str(item.amount), "allocated": item.allocated,
    }


def create_claim(policy: Policy, key: str, actor, evaluation: Evaluation | None = None) -> Claim:
    """A claim for the beneficiary ``key`` of ``policy``, at the amount the rule gives it."""
    if policy.status != "open":
        raise IncentiveError(_l("This policy is closed; no new claims are accepted."))
    evaluation = evaluation or evaluate(policy)
    item = evaluation.for_key(key)
    if item is None or not item.eligible:
        raise IncentiveError(_l("This beneficiary is not eligible under the policy."))
    if db.session.scalar(select(Claim.id).where(Claim.policy_id == policy.id, Claim.beneficiary_key == key)):
        raise IncentiveError(_l("A claim under this policy already exists for this beneficiary."))
    candidate = item.candidate
    claim = Claim(policy_id=policy.id, beneficiary_key=key, organisation_id=candidate.organisation_id,
                  platform_id=candidate.platform_id, talent_id=candidate.talent_id,
                  computed_amount=item.allocated, explanation=explanation_of(policy, evaluation, key),
                  status="submitted", created_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(claim)
            db.session.flush()
    except IntegrityError:
        raise IncentiveError(_l("A claim under this policy already exists for this beneficiary.")) from None
    audit.record("create", claim, after=audit.snapshot(claim))
    return claim


def create_claims_in_bulk(policy: Policy, keys: list[str], actor) -> int:
    evaluation = evaluate(policy)
    existing = set(db.session.scalars(select(Claim.beneficiary_key).where(Claim.policy_id == policy.id)))
    created = 0
    for key in keys:
        if key in existing:
            continue
        create_claim(policy, key, actor, evaluation)
        created += 1
    return created


def _require(claim: Claim, statuses: tuple[str, ...]) -> None:
    if claim.status == "paid":
        raise IncentiveError(_l("This claim has been paid and can no longer change."))
    if claim.status not in statuses:
        raise IncentiveError(_l("This action is not possible while the claim is %(status)s.", status=claim.status))


def recommend(claim: Claim, actor, note: str | None) -> None:
    _require(claim, RECOMMENDABLE_STATUSES)
    claim.status, claim.recommended_by_id, claim.recommended_at = "recommended", actor.id, clock.utcnow()
    claim.recommendation_note = note
    audit.record("recommend", claim, before={"status": "submitted"}, after={"status": "recommended"}, reason=note)


def approve(claim: Claim, actor, amount: int, reason: str | None) -> None:
    """Approve at ``amount`` yuan: a different amount than computed needs a reason; cap and budget hold."""
    _require(claim, OPEN_STATUSES)
    policy = claim.policy
    if amount < 0:
        raise IncentiveError(_l("The amount may not be negative."))
    if amount != claim.computed_amount and not (reason or "").strip():
        raise IncentiveError(_l("Give a reason for approving an amount different from the computed one."))
    if policy.cap is not None and amount > policy.cap:
        raise IncentiveError(_l("The amount is above the policy's cap per beneficiary (%(cap)s × 10,000 CNY).",
                                cap=yuan_to_wan(policy.cap)))
    left = budget_of(policy).left
    if amount > left:
        raise IncentiveError(_l("The amount is above what is left of the budget (%(left)s × 10,000 CNY).",
                                left=yuan_to_wan(left)))
    before = {"status": claim.status}
    claim.status, claim.approved_amount = "approved", amount
    claim.decided_by_id, claim.decided_at, claim.decision_reason = actor.id, clock.utcnow(), reason
    audit.record("approve", claim, before=before, after={"status": "approved", "approved_amount": amount},
                 reason=reason)


def reject(claim: Claim, actor, reason: str) -> None:
    _require(claim, OPEN_STATUSES)
    if not (reason or "").strip():
        raise IncentiveError(_l("Give the reason for the rejection."))
    before = {"status": claim.status}
    claim.status, claim.decided_by_id, claim.decided_at, claim.decision_reason = "rejected", actor.id, \
        clock.utcnow(), reason
    audit.record("reject", claim, before=before, after={"status": "rejected"}, reason=reason)


def record_payment(claim: Claim, actor, paid_on: date, amount: int, voucher_no: str) -> None:
    _require(claim, PAYABLE_STATUSES)
    if amount <= 0 or amount > (claim.approved_amount or 0):
        raise IncentiveError(_l("The payment must be positive and at most the approved amount."))
    if paid_on > clock.today():
        raise IncentiveError(_l("The payment date may not be in the future."))
    if not (voucher_no or "").strip():
        raise IncentiveError(_l("Give the voucher number."))
    claim.status, claim.paid_on, claim.paid_amount, claim.voucher_no = "paid", paid_on, amount, voucher_no.strip()
    audit.record("pay", claim, before={"status": "approved"},
                 after={"status": "paid", "paid_on": paid_on, "paid_amount": amount, "voucher_no": voucher_no})


# --- ledgers and effect ----------------------------------------------------------------------------------

def company_ledger(organisation_id: int) -> list[Claim]:
    return list(db.session.scalars(
        select(Claim).join(Policy).where(Claim.organisation_id == organisation_id)
        .order_by(Policy.year.desc(), Policy.name, Claim.id)))


def paid_by_policy_and_year() -> list:
    """Amounts paid and beneficiaries by policy and year (one query)."""
    return db.session.execute(
        select(Policy.id, Policy.year, Policy.name, Policy.kind,
               func.coalesce(func.sum(Claim.paid_amount), 0).label("paid"),
               func.count(func.distinct(Claim.organisation_id)).label("beneficiaries"))
        .join(Claim, (Claim.policy_id == Policy.id) & (Claim.status == "paid"), isouter=True)
        .group_by(Policy.id, Policy.year, Policy.name, Policy.kind)
        .order_by(Policy.year.desc(), Policy.name)).all()


@dataclass
class GroupGrowth:
    companies: int
    before: int
    after: int

    @property
    def growth_pct(self) -> Decimal | None:
        if not self.before:
            return None
        return (Decimal(self.after) - Decimal(self.before)) / Decimal(self.before) * 100


def rd_growth_comparison(policy: Policy) -> tuple[GroupGrowth, GroupGrowth, int, int]:
    """Year-on-year growth of verified R&D expense, beneficiaries (approved or paid) against the others.

    Compares the policy's year with its reference year, over companies with verified reports in both.
    """
    before_year, after_year = policy.reference_year, policy.year
    beneficiaries = set(db.session.scalars(select(Claim.organisation_id).where(
        Claim.policy_id == policy.id, Claim.status.in_(SPENT_STATUSES), Claim.organisation_id.is_not(None))))
    rows = db.session.execute(
        select(QuarterlyReport.organisation_id, QuarterlyReport.year, func.sum(QuarterlyReport.rd_expense))
        .where(QuarterlyReport.status == "verified", QuarterlyReport.year.in_((before_year, after_year)))
        .group_by(QuarterlyReport.organisation_id, QuarterlyReport.year)).all()
    totals: dict[int, dict[int, int]] = {}
    for org_id, year, amount in rows:
        totals.setdefault(org_id, {})[year] = int(amount or 0)
    groups = {True: GroupGrowth(0, 0, 0), False: GroupGrowth(0, 0, 0)}
    for org_id, years in totals.items():
        if before_year in years and after_year in years:
            group = groups[org_id in beneficiaries]
            group.companies += 1
            group.before += years[before_year]
            group.after += years[after_year]
    return groups[True], groups[False], before_year, after_year
