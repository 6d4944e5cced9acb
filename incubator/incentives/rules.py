"""How a policy computes who is eligible and for how much: bases, conditions and allocation.

A policy names a *basis* (what is measured for each beneficiary), a rate (percent of the basis) or fixed
amounts per level or category, a minimum the basis must reach, a cap per beneficiary, conditions, and
how the budget is shared when the amounts asked exceed it. Every basis and condition reads the database
set-based (one query each, whatever the number of companies). Arithmetic is exact (Decimal yuan);
amounts are rounded to the yuan only at the end.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..database import round_half_up
from ..extensions import db
from ..organisations.models import Organisation
from ..partnerships.models import Talent, TechTransferDeal
from ..platforms.models import Platform, Recognition, Tenancy
from ..startups.models import Incubation, QuarterlyReport

HUNDRED = Decimal(100)
LEVEL_RANK = {"county": 1, "municipal": 2, "provincial": 3, "national": 4}
TALENT_CATEGORIES = ("academician", "national", "provincial", "doctoral", "team")


@dataclass
class Candidate:
    """One possible beneficiary with the value of the basis and how it was obtained."""

    key: str  # "org:12", "platform:3", "talent:7"
    name: str
    organisation_id: int | None  # who is paid
    platform_id: int | None = None
    talent_id: int | None = None
    basis_value: Decimal | None = None  # yuan, for rate bases
    level: str | None = None  # level or category, for fixed-amount bases
    inputs: list[tuple[str, str]] = field(default_factory=list)  # (label, value) lines of the explanation
    report_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Basis:
    key: str
    label: object
    policy_kinds: tuple[str, ...]
    mode: str  # "rate" or "fixed"
    collect: Callable[[object], list[Candidate]]
    levels: tuple[str, ...] = ()


def _yuan_text(amount: Decimal | int) -> str:
    return f"{Decimal(amount):,.0f}"


def _company_names(ids) -> dict[int, Organisation]:
    if not ids:
        return {}
    return {org.id: org for org in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}


def _verified_reports(years: tuple[int, ...]):
    return db.session.execute(
        select(QuarterlyReport.id, QuarterlyReport.organisation_id, QuarterlyReport.year, QuarterlyReport.period,
               QuarterlyReport.rd_expense)
        .where(QuarterlyReport.status == "verified", QuarterlyReport.year.in_(years))
        .order_by(QuarterlyReport.organisation_id, QuarterlyReport.period)
    ).all()


def collect_rd_expense(policy) -> list[Candidate]:
    """Verified R&D expense of the reference year, quarter by quarter."""
    year = policy.reference_year
    rows = _verified_reports((year,))
    by_company: dict[int, list] = defaultdict(list)
    for row in rows:
        by_company[row.organisation_id].append(row)
    orgs = _company_names(list(by_company))
    candidates = []
    for org_id, reports in by_company.items():
        total = sum((Decimal(r.rd_expense) for r in reports), Decimal(0))
        candidates.append(Candidate(
            key=f"org:{org_id}", name=orgs[org_id].name, organisation_id=org_id, basis_value=total,
            inputs=[(f"{r.period}", _yuan_text(r.rd_expense)) for r in reports],
            report_ids=[r.id for r in reports]))
    return candidates


def collect_rd_increase(policy) -> list[Candidate]:
    """Increase of verified R&D expense in the reference year over the year before (only increases)."""
    year = policy.reference_year
    rows = _verified_reports((year - 1, year))
    sums: dict[int, dict[int, Decimal]] = defaultdict(lambda: {year - 1: Decimal(0), year: Decimal(0)})
    used: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        sums[row.organisation_id][row.year] += Decimal(row.rd_expense)
        used[row.organisation_id].append(row.id)
    orgs = _company_names([org_id for org_id, s in sums.items() if s[year] > s[year - 1]])
    candidates = []
    for org_id, totals in sums.items():
        increase = totals[year] - totals[year - 1]
        if increase <= 0:
            continue
        candidates.append(Candidate(
            key=f"org:{org_id}", name=orgs[org_id].name, organisation_id=org_id, basis_value=increase,
            inputs=[(str(year), _yuan_text(totals[year])), (str(year - 1), _yuan_text(totals[year - 1]))],
            report_ids=used[org_id]))
    return candidates


def months_covered(starts_on: date, ends_on: date | None, year: int) -> int:
    """Months of ``year`` whose first day falls within the tenancy (a month's rent is due on its 1st)."""
    return sum(1 for month in range(1, 13)
               if starts_on <= date(year, month, 1) and (ends_on is None or ends_on >= date(year, month, 1)))


def collect_rent(policy) -> list[Candidate]:
    """Rent due under tenancies in the reference year: months × the agreed monthly rent."""
    year = policy.reference_year
    rows = db.session.execute(
        select(Tenancy.id, Tenancy.organisation_id, Tenancy.starts_on, Tenancy.ends_on, Tenancy.monthly_rent,
               Platform.code)
        .join(Platform, Platform.id == Tenancy.platform_id)
        .where(Tenancy.starts_on <= date(year, 12, 31),
               (Tenancy.ends_on.is_(None)) | (Tenancy.ends_on >= date(year, 1, 1)))
        .order_by(Tenancy.organisation_id, Tenancy.starts_on)
    ).all()
    totals: dict[int, Decimal] = defaultdict(Decimal)
    lines: dict[int, list] = defaultdict(list)
    for row in rows:
        months = months_covered(row.starts_on, row.ends_on, year)
        if not months:
            continue
        totals[row.organisation_id] += Decimal(months) * Decimal(row.monthly_rent)
        lines[row.organisation_id].append((f"{row.code} {row.starts_on.isoformat()}",
                                           f"{months} × {_yuan_text(row.monthly_rent)}"))
    orgs = _company_names(list(totals))
    return [Candidate(key=f"org:{org_id}", name=orgs[org_id].name, organisation_id=org_id, basis_value=total,
                      inputs=lines[org_id]) for org_id, total in totals.items() if total > 0]


def collect_deals(policy) -> list[Candidate]:
    """Value of the tech-transfer deals a company received in the reference year."""
    year = policy.reference_year
    rows = db.session.execute(
        select(TechTransferDeal.reference, TechTransferDeal.recipient_id, TechTransferDeal.value)
        .where(TechTransferDeal.deal_date >= date(year, 1, 1), TechTransferDeal.deal_date <= date(year, 12, 31))
        .order_by(TechTransferDeal.recipient_id, TechTransferDeal.reference)
    ).all()
    totals: dict[int, Decimal] = defaultdict(Decimal)
    lines: dict[int, list] = defaultdict(list)
    for row in rows:
        totals[row.recipient_id] += Decimal(row.value)
        lines[row.recipient_id].append((row.reference, _yuan_text(row.value)))
    orgs = _company_names(list(totals))
    return [Candidate(key=f"org:{org_id}", name=orgs[org_id].name, organisation_id=org_id, basis_value=total,
                      inputs=lines[org_id]) for org_id, total in totals.items() if total > 0]


def collect_new_recognitions(policy) -> list[Candidate]:
    """Platforms recognised in the reference year at a level higher than their previous recognition."""
    year = policy.reference_year
    rows = db.session.execute(
        select(Recognition.platform_id, Recognition.level, Recognition.recognized_on, Recognition.issuing_body,
               Platform.code, Platform.name, Platform.host_id)
        .join(Platform, Platform.id == Recognition.platform_id)
        .where(Recognition.recognized_on <= date(year, 12, 31))
        .order_by(Recognition.platform_id, Recognition.recognized_on, Recognition.id)
    ).all()
    best_before: dict[int, int] = {}
    candidates: dict[int, Candidate] = {}
    for row in rows:
        rank = LEVEL_RANK.get(row.level, 0)
        previous = best_before.get(row.platform_id, 0)
        if row.recognized_on.year == year and rank > previous:
            candidates[row.platform_id] = Candidate(
                key=f"platform:{row.platform_id}", name=f"{row.code} {row.name}", organisation_id=row.host_id,
                platform_id=row.platform_id, level=row.level,
                inputs=[(row.recognized_on.isoformat(), f"{row.level} · {row.issuing_body}")])
        best_before[row.platform_id] = max(previous, rank)
    return list(candidates.values())


def collect_talents(policy) -> list[Candidate]:
    """Talents and teams who joined a company (or a platform, paid to its host) in the reference year."""
    year = policy.reference_year
    rows = db.session.execute(
        select(Talent.id, Talent.name, Talent.category, Talent.joined_on, Talent.company_id, Platform.host_id)
        .outerjoin(Platform, Platform.id == Talent.platform_id)
        .where(Talent.joined_on >= date(year, 1, 1), Talent.joined_on <= date(year, 12, 31))
        .order_by(Talent.joined_on, Talent.id)
    ).all()
    return [Candidate(key=f"talent:{row.id}", name=row.name, organisation_id=row.company_id or row.host_id,
                      talent_id=row.id, level=row.category,
                      inputs=[(row.joined_on.isoformat(), row.category)])
            for row in rows if (row.company_id or row.host_id)]


BASES: dict[str, Basis] = {basis.key: basis for basis in (
    Basis("rd_expense_last_year", _l("Verified R&D expense of the reference year"), ("rd_subsidy",), "rate",
          collect_rd_expense),
    Basis("rd_expense_increase", _l("Increase of verified R&D expense over the year before"), ("rd_subsidy",),
          "rate", collect_rd_increase),
    Basis("rent_paid", _l("Rent due under tenancies in the reference year"), ("rent_relief",), "rate",
          collect_rent),
    Basis("deal_value", _l("Value of tech-transfer deals received in the reference year"),
          ("tech_transfer_award",), "rate", collect_deals),
    Basis("new_recognition_level", _l("A platform's new, higher recognition level in the reference year"),
          ("platform_award",), "fixed", collect_new_recognitions, levels=tuple(LEVEL_RANK)),
    Basis("talent_category", _l("Talents joining in the reference year, by category"), ("talent_award",),
          "fixed", collect_talents, levels=TALENT_CATEGORIES),
)}


# --- conditions: each returns the organisation ids that meet it -----------------------------------------

def in_zone(policy) -> set[int]:
    """Incubating at the end of the reference year, or registered in the zone."""
    year_end = date(policy.reference_year, 12, 31)
    incubating = db.session.scalars(select(Incubation.organisation_id).where(
        Incubation.admitted_on <= year_end, (Incubation.ended_on.is_(None)) | (Incubation.ended_on >= year_end)))
    registered = db.session.scalars(select(Organisation.id).where(Organisation.registered_in_zone.is_(True)))
    return set(incubating) | set(registered)


def reports_complete(policy) -> set[int]:
    """Four verified quarterly reports for the reference year."""
    return set(db.session.scalars(
        select(QuarterlyReport.organisation_id)
        .where(QuarterlyReport.year == policy.reference_year, QuarterlyReport.status == "verified")
        .group_by(QuarterlyReport.organisation_id).having(func.count() == 4)))


def no_open_returned_report(policy) -> set[int] | None:
    """No report currently returned for correction (returns the ids that FAIL, see ``negative``)."""
    return set(db.session.scalars(select(QuarterlyReport.organisation_id).where(QuarterlyReport.status == "returned")))


@dataclass(frozen=True)
class Condition:
    key: str
    label: object
    members: Callable[[object], set[int]]
    negative: bool = False  # members are those who fail


CONDITIONS: dict[str, Condition] = {condition.key: condition for condition in (
    Condition("in_zone", _l("Incubating or registered in the zone"), in_zone),
    Condition("reports_complete", _l("Four verified quarterly reports for the reference year"), reports_complete),
    Condition("no_open_returned_report", _l("No quarterly report returned and not yet corrected"),
              no_open_returned_report, negative=True),
)}


# --- amounts and allocation --------------------------------------------------------------------------

@dataclass
class Entitlement:
    candidate: Candidate
    eligible: bool
    amount: Decimal = Decimal(0)  # after cap, before allocation (exact)
    allocated: int = 0  # whole yuan after allocation
    steps: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@dataclass
class Evaluation:
    entitlements: list[Entitlement]
    requested: Decimal
    budget: int
    allocation_steps: list[str]

    @property
    def eligible(self) -> list[Entitlement]:
        return [item for item in self.entitlements if item.eligible]

    def for_key(self, key: str) -> Entitlement | None:
        return next((item for item in self.entitlements if item.candidate.key == key), None)


def rate_of(policy) -> Decimal:
    return Decimal(policy.rate_scaled or 0) / Decimal(10_000)


def entitle(policy, candidate: Candidate, failing: dict[str, set[int]]) -> Entitlement:
    basis = BASES[policy.basis]
    item = Entitlement(candidate, eligible=True)
    for key in policy.conditions or ():
        if candidate.organisation_id in failing.get(key, set()):
            item.eligible = False
            item.failed.append(key)
    if basis.mode == "rate":
        value = candidate.basis_value or Decimal(0)
        if value < Decimal(policy.minimum_basis or 0):
            item.eligible = False
            item.failed.append("minimum_basis")
        rate = rate_of(policy)
        item.amount = value * rate / HUNDRED
        item.steps.append(f"{_yuan_text(value)} × {rate.normalize():f}% = {item.amount.normalize():f}")
    else:
        amounts = policy.fixed_amounts or {}
        if candidate.level not in amounts:
            item.eligible = False
            item.failed.append("no_amount_for_level")
        item.amount = Decimal(amounts.get(candidate.level, 0))
        item.steps.append(f"{candidate.level} → {_yuan_text(item.amount)}")
    if policy.cap is not None and item.amount > policy.cap:
        item.steps.append(f"min({item.amount.normalize():f}, cap {_yuan_text(policy.cap)}) = {_yuan_text(policy.cap)}")
        item.amount = Decimal(policy.cap)
    if not item.eligible:
        item.amount = Decimal(0)
    return item


def allocate(items: list[Entitlement], budget: int, method: str) -> list[str]:
    """Share ``budget`` among eligible ``items`` (sets ``allocated``); returns the arithmetic shown."""
    eligible = [item for item in items if item.eligible]
    requested = sum((item.amount for item in eligible), Decimal(0))
    budget_d = Decimal(budget)
    if requested <= budget_d:
        for item in eligible:
            item.allocated = int(round_half_up(item.amount, 0))
        return [f"Σ {requested.normalize():f} ≤ {_yuan_text(budget)}"]
    if method == "ranked":
        steps = [f"Σ {requested.normalize():f} > {_yuan_text(budget)}: ranked"]
        remaining = budget_d
        ordered = sorted(eligible, key=lambda item: (-item.amount, item.candidate.name, item.candidate.key))
        for rank, item in enumerate(ordered, start=1):
            granted = min(int(round_half_up(item.amount, 0)), int(remaining))
            item.allocated = max(granted, 0)
            remaining -= item.allocated
            item.steps.append(f"#{rank}: {_yuan_text(item.allocated)}")
        steps.append(f"{_yuan_text(budget)} − Σ = {_yuan_text(remaining)}")
        return steps
    # Pro rata: exact shares, floored to the yuan, then the yuan left over go to the largest remainders,
    # so the total is exactly the budget.
    factor = budget_d / requested
    steps = [f"{_yuan_text(budget)} ÷ {requested.normalize():f} = {factor:.10f}"]
    shares = [(item, item.amount * factor) for item in eligible]
    for item, share in shares:
        item.allocated = int(share.to_integral_value(rounding=ROUND_FLOOR))
        item.steps.append(f"{item.amount.normalize():f} × {factor:.10f} = {share:.4f}")
    leftover = budget - sum(item.allocated for item, _ in shares)
    by_remainder = sorted(shares, key=lambda pair: (-(pair[1] - pair[0].allocated), pair[0].candidate.key))
    for item, _share in by_remainder[:leftover]:
        item.allocated += 1
    steps.append(f"+1 yuan for the {leftover} largest remainders")
    return steps


def evaluate(policy) -> Evaluation:
    """Every candidate of ``policy`` with eligibility, exact amount and allocation (a fixed number of queries)."""
    basis = BASES[policy.basis]
    candidates = basis.collect(policy)
    failing: dict[str, set[int]] = {}
    for key in policy.conditions or ():
        condition = CONDITIONS[key]
        members = condition.members(policy)
        if condition.negative:
            failing[key] = members
        else:
            ids = {c.organisation_id for c in candidates}
            failing[key] = ids - members
    items = [entitle(policy, candidate, failing) for candidate in candidates]
    items.sort(key=lambda item: (not item.eligible, -item.amount, item.candidate.name))
    steps = allocate(items, policy.budget, policy.allocation)
    requested = sum((item.amount for item in items if item.eligible), Decimal(0))
    return Evaluation(items, requested, policy.budget, steps)
