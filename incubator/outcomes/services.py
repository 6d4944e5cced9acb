"""Targets and weights: the rules for setting, proposing, approving and copying them.

Only approved targets count in the evaluation. An administrator sets a target directly (approved); a
platform manager proposes one for their own platform, which waits for an administrator's approval. An
approved target with a pending proposal keeps counting with its approved value until the proposal is
approved. Functions flush, never commit; every change is audited.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit.services import record, snapshot
from ..access import in_acting_zones
from ..extensions import db
from ..saving import FieldRuleBroken
from ..platforms.models import Platform
from .catalogue import BY_CODE, CATALOGUE
from .computations import ZONE
from .models import IndicatorWeight, Target, from_scaled, to_scaled


class TargetError(FieldRuleBroken):
    """A target or weight change that the rules refuse (the message is translatable)."""


def scope_code(platform: Platform | None) -> str:
    return ZONE if platform is None else platform.code


def approved_targets(year: int) -> dict:
    """Approved targets of ``year``: ``{"ZONE": {code: value}, platform_id: {code: value}}``."""
    rows = db.session.execute(
        select(Target.scope, Target.platform_id, Target.indicator, Target.value_scaled)
        .where(Target.year == year, Target.status == "approved", *in_acting_zones(Target.zone_id))).all()
    platform_ids = None
    result: dict = {}
    for scope, platform_id, indicator, value_scaled in rows:
        if indicator not in BY_CODE:
            continue
        if scope == ZONE and platform_id is None:
            key = ZONE
        elif platform_id is not None:
            key = platform_id
        else:
            if platform_ids is None:
                platform_ids = dict(db.session.execute(select(Platform.code, Platform.id)).all())
            key = platform_ids.get(scope)
            if key is None:
                continue
        result.setdefault(key, {})[indicator] = from_scaled(value_scaled)
    return result


def weights_for(year: int) -> dict[str, Decimal]:
    """The weight of every catalogue indicator in ``year`` (the catalogue default where none is set)."""
    stored = dict(db.session.execute(select(IndicatorWeight.indicator, IndicatorWeight.weight_scaled)
                                     .where(IndicatorWeight.year == year,
                                            *in_acting_zones(IndicatorWeight.zone_id))).all())
    return {indicator.code: (from_scaled(stored[indicator.code]) if indicator.code in stored
                             else indicator.default_weight) for indicator in CATALOGUE}


def targets_of(year: int, platform: Platform | None) -> dict[str, Target]:
    """Every target row (approved or proposed) of a scope and year, by indicator code."""
    query = select(Target).where(Target.year == year, *in_acting_zones(Target.zone_id))
    if platform is None:
        query = query.where(Target.scope == ZONE, Target.platform_id.is_(None))
    else:
        query = query.where(Target.platform_id == platform.id)
    return {target.indicator: target for target in db.session.scalars(query)}


def pending_proposals(platform_ids=None) -> list[Target]:
    """Proposals awaiting approval (optionally only for some platforms), oldest first."""
    query = select(Target).where(Target.proposed_value_scaled.is_not(None), *in_acting_zones(Target.zone_id)).order_by(Target.year, Target.scope,
                                                                                       Target.indicator)
    if platform_ids is not None:
        query = query.where(Target.platform_id.in_(platform_ids))
    return list(db.session.scalars(query))


def _check(value: Decimal, code: str) -> None:
    indicator = BY_CODE.get(code)
    if indicator is None:
        raise TargetError(_l("Unknown indicator."))
    if value < 0:
        raise TargetError(_l("A target may not be negative."))
    if indicator.places == 0 and value != value.to_integral_value():
        raise TargetError(_l("Enter a whole number for %(name)s.", name=indicator.en))
    to_scaled(value)  # at most 4 decimal places


def set_targets(year: int, platform: Platform | None, values: dict[str, Decimal | None], user) -> int:
    """An administrator sets (approves) the targets of a scope; ``None`` removes a target. Returns changes."""
    existing = targets_of(year, platform)
    changed = 0
    for code, value in values.items():
        target = existing.get(code)
        if value is None:
            if target is not None:
                before = snapshot(target)
                db.session.delete(target)
                record("target.delete", target, before=before)
                changed += 1
            continue
        _check(value, code)
        if target is None:
            target = Target(year=year, scope=scope_code(platform), platform_id=getattr(platform, "id", None),
                            indicator=code, value_scaled=to_scaled(value), status="approved",
                            approved_by_id=user.id)
            db.session.add(target)
            db.session.flush()
            record("target.create", target, after=snapshot(target))
            changed += 1
        elif target.status != "approved" or target.value_scaled != to_scaled(value) or target.proposed_value_scaled:
            before = snapshot(target)
            target.value_scaled, target.status, target.approved_by_id = to_scaled(value), "approved", user.id
            target.proposed_value_scaled = None
            db.session.flush()
            record("target.update", target, before=before, after=snapshot(target))
            changed += 1
    db.session.flush()
    return changed


def propose_targets(year: int, platform: Platform, values: dict[str, Decimal | None], user) -> list[Target]:
    """A manager proposes targets for their platform; each waits for an administrator's approval."""
    existing = targets_of(year, platform)
    proposed = []
    for code, value in values.items():
        if value is None:
            continue
        _check(value, code)
        target = existing.get(code)
        scaled = to_scaled(value)
        if target is None:
            target = Target(year=year, scope=platform.code, platform_id=platform.id, indicator=code,
                            value_scaled=scaled, status="proposed", proposed_value_scaled=scaled,
                            proposed_by_id=user.id)
            db.session.add(target)
            db.session.flush()
            record("target.propose", target, after=snapshot(target))
            proposed.append(target)
        elif (target.status == "approved" and target.value_scaled == scaled and target.proposed_value_scaled is None):
            continue
        elif target.proposed_value_scaled != scaled:
            before = snapshot(target)
            target.proposed_value_scaled, target.proposed_by_id = scaled, user.id
            if target.status == "proposed":
                target.value_scaled = scaled
            db.session.flush()
            record("target.propose", target, before=before, after=snapshot(target))
            proposed.append(target)
    return proposed


def approve_proposal(target: Target, user) -> Target:
    if target.proposed_value_scaled is None:
        raise TargetError(_l("There is no proposal to approve."))
    before = snapshot(target)
    target.value_scaled, target.status = target.proposed_value_scaled, "approved"
    target.proposed_value_scaled, target.approved_by_id = None, user.id
    db.session.flush()
    record("target.approve", target, before=before, after=snapshot(target))
    return target


def reject_proposal(target: Target, user, reason: str | None = None) -> None:
    if target.proposed_value_scaled is None:
        raise TargetError(_l("There is no proposal to reject."))
    before = snapshot(target)
    if target.status == "proposed":
        db.session.delete(target)
        record("target.reject", target, before=before, reason=reason)
    else:
        target.proposed_value_scaled = None
        db.session.flush()
        record("target.reject", target, before=before, after=snapshot(target), reason=reason)
    db.session.flush()


def copy_last_year(year: int, user) -> int:
    """Copy the approved targets and the weights of ``year - 1`` where ``year`` has none yet."""
    zone = in_acting_zones(Target.zone_id)
    have = {(t.scope, t.platform_id, t.indicator)
            for t in db.session.scalars(select(Target).where(Target.year == year, *zone))}
    copied = 0
    for old in db.session.scalars(select(Target).where(Target.year == year - 1, Target.status == "approved", *zone)
                                  .order_by(Target.id)):
        if (old.scope, old.platform_id, old.indicator) in have:
            continue
        target = Target(year=year, scope=old.scope, platform_id=old.platform_id, indicator=old.indicator,
                        value_scaled=old.value_scaled, status="approved", approved_by_id=user.id)
        db.session.add(target)
        db.session.flush()
        record("target.create", target, after=snapshot(target), reason=f"copied from {year - 1}")
        copied += 1
    zone = in_acting_zones(IndicatorWeight.zone_id)
    have_weights = set(db.session.scalars(select(IndicatorWeight.indicator).where(IndicatorWeight.year == year, *zone)))
    for old in db.session.scalars(select(IndicatorWeight).where(IndicatorWeight.year == year - 1, *zone)):
        if old.indicator in have_weights:
            continue
        weight = IndicatorWeight(year=year, indicator=old.indicator, weight_scaled=old.weight_scaled)
        db.session.add(weight)
        db.session.flush()
        record("weight.create", weight, after=snapshot(weight), reason=f"copied from {year - 1}")
    db.session.flush()
    return copied


def set_weights(year: int, values: dict[str, Decimal], user) -> int:
    """Set the weights of ``year`` (the same for every scope); at least one must be above zero."""
    for code, value in values.items():
        if code not in BY_CODE:
            raise TargetError(_l("Unknown indicator."))
        if value is None or value < 0:
            raise TargetError(_l("A weight may not be negative."))
        to_scaled(value)
    complete = {**weights_for(year), **values}
    if not any(value > 0 for value in complete.values()):
        raise TargetError(_l("At least one weight must be above zero."))
    existing = {w.indicator: w for w in db.session.scalars(select(IndicatorWeight).where(
        IndicatorWeight.year == year, *in_acting_zones(IndicatorWeight.zone_id)))}
    changed = 0
    for code, value in values.items():
        weight = existing.get(code)
        if weight is None:
            if value == BY_CODE[code].default_weight:
                continue
            weight = IndicatorWeight(year=year, indicator=code, weight_scaled=to_scaled(value))
            db.session.add(weight)
            db.session.flush()
            record("weight.create", weight, after=snapshot(weight))
            changed += 1
        elif weight.weight_scaled != to_scaled(value):
            before = snapshot(weight)
            weight.weight_scaled = to_scaled(value)
            db.session.flush()
            record("weight.update", weight, before=before, after=snapshot(weight))
            changed += 1
    return changed
