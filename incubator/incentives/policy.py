"""Who may see which claims and take which step of a claim or a policy: the scoping and the actions."""
from __future__ import annotations

from sqlalchemy import select

from ..access import changeable_company_ids_for, define_action, platform_ids_for
from ..extensions import db
from .models import Claim, Policy
from .services import OPEN_STATUSES, PAYABLE_STATUSES, RECOMMENDABLE_STATUSES

STAFF = ("admin", "manager")
READERS = ("admin", "manager", "startup")


def visible_company_ids(user) -> set[int] | None:
    """None for every company (admins); otherwise the set of organisation ids whose claims ``user`` may see.

    Claims and ledgers follow the write scope (``access.changeable_company_ids_for``): a manager sees and
    recommends the claims of the companies incubating or renting on their platforms now, not of former ones
    (a subsidy is not a quarter's figures)."""
    ids = changeable_company_ids_for(user)
    return None if ids is None else set(db.session.scalars(ids))


def visible_platform_ids(user) -> set[int] | None:
    ids = platform_ids_for(user)
    return None if ids is None else set(db.session.scalars(ids))


def claim_is_visible(user, claim: Claim) -> bool:
    companies = visible_company_ids(user)
    if companies is None:
        return True
    platforms = visible_platform_ids(user) or set()
    return (claim.organisation_id in companies) or (claim.platform_id is not None and claim.platform_id in platforms)


def scoped_claims(user, policy_id: int | None = None):
    """A SELECT of the claims ``user`` sees (of the policy ``policy_id``): a company's claims by the write scope,
    and for a manager the claims of their platforms themselves."""
    query = select(Claim).join(Policy)
    if policy_id is not None:
        query = query.where(Claim.policy_id == policy_id)
    if user.role != "admin":
        companies = changeable_company_ids_for(user)
        condition = Claim.organisation_id.in_(companies)
        if user.role == "manager":
            condition = condition | Claim.platform_id.in_(platform_ids_for(user))
        query = query.where(condition)
    return query


def visible_entitlements(evaluation, user):
    """The beneficiaries of a policy's evaluation that ``user`` may see (and, staff, create claims for)."""
    companies = visible_company_ids(user)
    if companies is None:
        return evaluation.entitlements
    platforms = visible_platform_ids(user) or set()
    return [item for item in evaluation.entitlements
            if item.candidate.organisation_id in companies or item.candidate.platform_id in platforms]


def claims_to_decide(user):
    """Claims waiting for ``user``: a manager recommends submitted ones, the zone office decides recommended ones."""
    waiting = RECOMMENDABLE_STATUSES if user.role == "manager" else OPEN_STATUSES
    return scoped_claims(user).where(Claim.status.in_(waiting))


def may_see_ledger(user, organisation_id) -> bool:
    companies = visible_company_ids(user)
    return companies is None or organisation_id in companies


def _claim_in(statuses):
    """The rule of a step on a claim: the claim is one ``user`` sees, in one of ``statuses``."""
    return lambda user, claim: claim.status in statuses and claim_is_visible(user, claim)


def _open_policy(_user, policy: Policy) -> bool:
    return policy.status == "open"


READ = define_action("incentives.read", READERS)
DASHBOARD = define_action("incentives.dashboard", STAFF)
CREATE_POLICY = define_action("policy.create", ("admin",))
EDIT_POLICY = define_action("policy.edit", ("admin",))
COPY_POLICY = define_action("policy.copy", ("admin",))
CLOSE_POLICY = define_action("policy.close", ("admin",), _open_policy)
APPROVAL_LIST = define_action("policy.approval_list", ("admin",))
EXPORT_CLAIMS = define_action("policy.export", STAFF)
CLAIM = define_action("claim.create", ("startup",), lambda user, policy: bool(user.organisation_id)
                      and _open_policy(user, policy))
CLAIM_IN_BULK = define_action("claim.create_in_bulk", STAFF, _open_policy)
DECIDE = define_action("claim.decide", STAFF)
RECOMMEND = define_action("claim.recommend", STAFF, _claim_in(RECOMMENDABLE_STATUSES))
APPROVE = define_action("claim.approve", ("admin",), _claim_in(OPEN_STATUSES))
REJECT = define_action("claim.reject", ("admin",), _claim_in(OPEN_STATUSES))
PAY = define_action("claim.pay", ("admin",), _claim_in(PAYABLE_STATUSES))
OWN_LEDGER = define_action("ledger.own", ("startup",), lambda user, _record: bool(user.organisation_id))
LEDGER = define_action("ledger.view", READERS, lambda user, organisation_id: may_see_ledger(user, organisation_id))
