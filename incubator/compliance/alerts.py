"""Alerts: a criterion newly met or lost, a company newly eligible for graduation or high-tech recognition.

The last evaluated outcome of each check is kept in ``compliance_states``; a refresh evaluates everything
again, compares, stores the new outcomes, records an alert for each change and notifies the people
concerned. A subject seen for the first time sets a baseline (no alert) unless earlier refreshes exist.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from .. import clock
from ..access import changeable_company_ids_for, platform_ids_for
from ..audit import services as audit
from ..auth.models import User
from ..extensions import db
from ..notifications.services import notify
from ..platforms.models import Platform
from ..startups.models import Incubation
from .computations import Context, covering, year_as_of
from .hightech import readiness_for
from .models import ComplianceAlert, ComplianceState
from .services import PLATFORM_SUBJECTS, active_rule_sets, evaluate


@dataclass
class RefreshSummary:
    checked: int = 0
    alerts: int = 0
    notified: int = 0


SUBJECTS = {
    "criterion_met": _l("%(platform)s now meets: %(criterion)s"),
    "criterion_lost": _l("%(platform)s no longer meets: %(criterion)s"),
    "graduation_eligible": _l("%(company)s is now eligible for graduation"),
    "high_tech_eligible": _l("%(company)s now meets the high-tech enterprise requirements"),
}


def _states() -> dict[tuple[str, int, str], ComplianceState]:
    return {(s.subject_type, s.subject_id, s.check_key): s for s in db.session.scalars(select(ComplianceState))}


def refresh(year: int | None = None) -> RefreshSummary:
    """Evaluate every check for ``year`` (default: this year), record changes as alerts and notify."""
    year = year or clock.today().year
    as_of = year_as_of(year)
    summary = RefreshSummary()
    states = _states()
    had_platform_states = any(key[0] == "platform" for key in states)
    had_company_states = any(key[0] == "company" for key in states)
    outcomes: list[tuple[str, int, str, bool, dict]] = []

    platforms = list(db.session.scalars(select(Platform).where(Platform.kind.in_(PLATFORM_SUBJECTS),
                                                               Platform.status == "active")))
    rule_sets = active_rule_sets(PLATFORM_SUBJECTS)
    results = evaluate(rule_sets, Context.for_year(year, [p.id for p in platforms]), {p.id: p.kind for p in platforms})
    by_id = {p.id: p for p in platforms}
    for (_rule_set_id, platform_id), result in results.items():
        for item in result.criteria:
            key = f"{result.rule_set.code}:{item.criterion.code}"
            outcomes.append(("platform", platform_id, key, item.met, {
                "platform_id": platform_id, "rule_set": result.rule_set, "criterion": item.criterion,
                "platform": by_id[platform_id]}))

    tenants = sorted(set(db.session.scalars(select(Incubation.organisation_id).where(
        Incubation.status == "incubating", covering(as_of)))))
    company_sets = active_rule_sets(["company"])
    grad_results = evaluate(company_sets, Context.for_year(year, tenants, as_of=as_of))
    for (_rule_set_id, org_id), result in grad_results.items():
        outcomes.append(("company", org_id, f"graduation:{result.rule_set.code}", result.met,
                         {"organisation_id": org_id, "rule_set": result.rule_set}))
    for item in readiness_for(None, today=as_of):
        outcomes.append(("company", item.organisation.id, "high_tech", item.eligible,
                         {"organisation_id": item.organisation.id, "organisation": item.organisation}))

    alerts: list[ComplianceAlert] = []
    now = clock.utcnow()
    for subject_type, subject_id, key, met, info in outcomes:
        summary.checked += 1
        state = states.get((subject_type, subject_id, key))
        baseline = had_platform_states if subject_type == "platform" else had_company_states
        previous = state.met if state is not None else (False if baseline else None)
        if state is None:
            db.session.add(ComplianceState(subject_type=subject_type, subject_id=subject_id, check_key=key, met=met,
                                           evaluated_year=year, evaluated_at=now))
        else:
            state.met, state.evaluated_year, state.evaluated_at = met, year, now
        if previous is None or previous == met:
            continue
        if subject_type == "platform":
            kind = "criterion_met" if met else "criterion_lost"
            criterion = info["criterion"]
            alerts.append(ComplianceAlert(kind=kind, platform_id=subject_id, rule_set_id=info["rule_set"].id,
                                          criterion_code=criterion.code, year=year, created_at=now, details={
                                              "criterion_zh": criterion.name_zh, "criterion_en": criterion.name_en,
                                              "platform": info["platform"].name}))
        elif met and key.startswith("graduation:"):
            alerts.append(ComplianceAlert(kind="graduation_eligible", organisation_id=subject_id,
                                          rule_set_id=info["rule_set"].id, year=year, created_at=now, details={}))
        elif met and key == "high_tech":
            alerts.append(ComplianceAlert(kind="high_tech_eligible", organisation_id=subject_id, year=year,
                                          created_at=now, details={}))
    db.session.add_all(alerts)
    db.session.flush()
    summary.alerts = len(alerts)
    if alerts:
        audit.record("compliance_alerts_raised", entity_type="compliance_alerts", entity_id=year,
                     after={"alerts": len(alerts), "year": year})
        summary.notified = _notify(alerts, as_of)
    return summary


def _notify(alerts: list[ComplianceAlert], as_of) -> int:
    """Tell the administrators and the managers of the platform concerned (for a company: where it incubates)."""
    admins = list(db.session.scalars(select(User).where(User.role == "admin", User.is_enabled.is_(True))))
    org_ids = [a.organisation_id for a in alerts if a.organisation_id]
    platforms_of: dict[int, list[Platform]] = {}
    if org_ids:
        for incubation in db.session.scalars(select(Incubation).where(Incubation.organisation_id.in_(org_ids),
                                                                      covering(as_of))):
            platforms_of.setdefault(incubation.organisation_id, []).append(incubation.platform)
    count = 0
    for alert in alerts:
        db.session.refresh(alert, ["platform", "organisation"])
        platforms = [alert.platform] if alert.platform else platforms_of.get(alert.organisation_id, [])
        users = {user.id: user for user in admins}
        for platform in platforms:
            users.update({user.id: user for user in platform.managers})
        params = {"platform": alert.platform.name if alert.platform else "",
                  "company": alert.organisation.name if alert.organisation else "",
                  "criterion": (alert.details or {}).get("criterion_zh") or alert.criterion_code or ""}
        link = (f"/compliance/platforms/{alert.platform_id}" if alert.platform_id
                else f"/compliance/companies/{alert.organisation_id}")
        count += notify(users.values(), SUBJECTS[alert.kind], link=link, kind="compliance", **params)
    return count


def alerts_for(user, limit: int = 8) -> list[ComplianceAlert]:
    """The latest alerts ``user`` may see (admins all; managers those of their platforms and companies)."""
    query = select(ComplianceAlert).order_by(ComplianceAlert.id.desc()).limit(limit)
    platform_ids, company_ids = platform_ids_for(user), changeable_company_ids_for(user)
    if platform_ids is not None:
        query = query.where(or_(ComplianceAlert.platform_id.in_(platform_ids),
                                ComplianceAlert.organisation_id.in_(company_ids)))
    return list(db.session.scalars(query))
