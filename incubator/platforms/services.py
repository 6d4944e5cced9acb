"""Rules of the platforms area: platforms, recognitions, managers, spaces, tenancies, experts, residencies.

Plain functions that change the session and flush, never commit; every change is audited. Views, the
CLI, seeders, other areas (the startups area admits a company with ``create_tenancy``) and tests call them.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, distinct, func, or_, select

from .. import clock
from ..access import platform_ids_for, scoped
from ..audit import services as audit
from ..extensions import db
from ..saving import FieldRuleBroken
from ..sorting import pinyin_sort_key
from .kinds import KINDS, kind_of
from .models import (DEFAULT_MIN_ONSITE_DAYS, EXPERT_KINDS, PLATFORM_LEVELS, PLATFORM_STATUSES,
                     RESIDENCY_RECORD_KINDS, UNIT_KINDS, UNIT_PURPOSES, Expert, OnsiteDay, Platform, Recognition,
                     RecognitionAlert, Residency, ResidencyRecord, SpaceUnit, Tenancy, tenancy_units)
from .rules import academy_problem

EXPIRY_WARNING_DAYS = 90


class PlatformError(FieldRuleBroken):
    """A rule a platform, its spaces or residents break; ``field`` names the form field it concerns."""


def _platform_event(action: str, platform_id: int, **after) -> None:
    """Also note a change below a platform on the platform itself, so its history tab shows it."""
    audit.record(action, entity_type="platforms", entity_id=platform_id, after=after)


# --- access ---------------------------------------------------------------------------------------

def visible_platforms(user):
    """A SELECT of the platforms ``user`` may see (managers: theirs; admins: all)."""
    return scoped(select(Platform), platform_ids_for(user), Platform.id)


def platform_for(user, platform_id: int) -> Platform:
    """The platform if ``user`` may see it, otherwise 404."""
    platform = db.session.scalar(visible_platforms(user).where(Platform.id == platform_id))
    if platform is None:
        abort(404)
    return platform


def can_see_platform(user, platform_id: int) -> bool:
    return db.session.scalar(visible_platforms(user).with_only_columns(Platform.id)
                             .where(Platform.id == platform_id)) is not None


# --- platforms ------------------------------------------------------------------------------------

PLATFORM_FIELDS = ("code", "name", "kind", "level", "host_id", "operating_since", "area_m2", "stations",
                   "status", "description", "attributes")
MANAGER_EDITABLE = ("name", "operating_since", "area_m2", "stations", "description", "attributes")


def _clean_attributes(kind: str, attributes: dict | None) -> dict:
    """Keep only the fields of ``kind``'s registry entry, as JSON values (dates in ISO form)."""
    result = {}
    for spec in kind_of(kind).fields:
        value = (attributes or {}).get(spec.name)
        if value in (None, ""):
            continue
        if spec.type == "count":
            if int(value) < 0:
                raise PlatformError(_l("The number may not be negative."), f"attr_{spec.name}")
            value = int(value)
        elif spec.type == "date":
            value = value.isoformat() if isinstance(value, date) else str(value)
        else:
            value = str(value).strip()
        result[spec.name] = value
    return result


def _check_platform(values: dict, platform_id: int | None = None) -> None:
    code = (values.get("code") or "").strip().upper()
    if not code:
        raise PlatformError(_l("Enter a code."), "code")
    values["code"] = code
    clash = select(Platform.id).where(func.upper(Platform.code) == code)
    if platform_id is not None:
        clash = clash.where(Platform.id != platform_id)
    if db.session.scalar(clash) is not None:
        raise PlatformError(_l("Another platform already has the code %(code)s.", code=code), "code")
    if not (values.get("name") or "").strip():
        raise PlatformError(_l("Enter the name."), "name")
    values["name"] = values["name"].strip()
    if values.get("kind") not in KINDS:
        raise PlatformError(_l("Choose a kind."), "kind")
    if values.get("level") not in PLATFORM_LEVELS:
        raise PlatformError(_l("Choose a level."), "level")
    if values.get("status") not in PLATFORM_STATUSES:
        raise PlatformError(_l("Choose a status."), "status")
    if values.get("area_m2") is not None and Decimal(values["area_m2"]) < 0:
        raise PlatformError(_l("The area may not be negative."), "area_m2")
    if values.get("stations") is not None and int(values["stations"]) < 0:
        raise PlatformError(_l("The number of stations may not be negative."), "stations")
    values["attributes"] = _clean_attributes(values["kind"], values.get("attributes"))


def create_platform(*, managers=(), recognition: dict | None = None, **values) -> Platform:
    """Register a platform; ``recognition`` (level, recognized_on, issuing_body, expires_on...) adds the first.

    :param managers: users assigned to it (a manager registering a platform manages it).
    """
    values = {key: values.get(key) for key in PLATFORM_FIELDS}
    values["status"] = values.get("status") or "active"
    if recognition:
        values["level"] = recognition.get("level") or values.get("level")
    _check_platform(values)
    platform = Platform(**values)
    db.session.add(platform)
    db.session.flush()
    audit.record("platform_created", platform, after=audit.snapshot(platform))
    if managers:
        set_managers(platform, managers)
    if recognition:
        add_recognition(platform, **recognition)
    return platform


def update_platform(platform: Platform, *, fields=PLATFORM_FIELDS, **values) -> Platform:
    """Change the platform's facts limited to ``fields`` (a manager may not change code, kind, level, status).

    The level follows the latest recognition once there is one.
    """
    merged = {key: getattr(platform, key) for key in PLATFORM_FIELDS}
    merged.update({key: value for key, value in values.items() if key in fields})
    if has_recognitions(platform):
        merged["level"] = platform.level
    _check_platform(merged, platform.id)
    audit.apply_changes("platform_updated", platform, merged)
    return platform


def set_managers(platform: Platform, users) -> None:
    """Assign exactly ``users`` (managers) to ``platform``."""
    users = list(users)
    for user in users:
        if user.role != "manager":
            raise PlatformError(_l("%(email)s is not a platform manager.", email=user.email), "managers")
    before = sorted(user.email for user in platform.managers)
    platform.managers = users
    db.session.flush()
    after = sorted(user.email for user in users)
    if before != after:
        audit.record("platform_managers_changed", platform, before={"managers": before}, after={"managers": after})


def assign_manager(platform: Platform, user) -> None:
    if user not in platform.managers:
        set_managers(platform, [*platform.managers, user])


def platform_by_code(code: str) -> Platform | None:
    return db.session.scalar(select(Platform).where(func.upper(Platform.code) == (code or "").strip().upper()))


# --- recognitions ---------------------------------------------------------------------------------

def has_recognitions(platform: Platform) -> bool:
    return db.session.scalar(select(func.count()).select_from(Recognition)
                             .where(Recognition.platform_id == platform.id)) > 0


def recognitions_of(platform: Platform) -> list[Recognition]:
    return list(db.session.scalars(select(Recognition).where(Recognition.platform_id == platform.id)
                                   .order_by(Recognition.recognized_on.desc(), Recognition.id.desc())))


def add_recognition(platform: Platform, *, level: str, recognized_on: date, issuing_body: str,
                    expires_on: date | None = None, document_no: str | None = None,
                    notes: str | None = None) -> Recognition:
    """Record a recognition; the latest one sets the platform's level, recognition date and expiry."""
    if level not in PLATFORM_LEVELS:
        raise PlatformError(_l("Choose a level."), "level")
    if recognized_on is None:
        raise PlatformError(_l("Enter the date of the recognition."), "recognized_on")
    if not (issuing_body or "").strip():
        raise PlatformError(_l("Enter the issuing body."), "issuing_body")
    if expires_on is not None and expires_on <= recognized_on:
        raise PlatformError(_l("The expiry (%(expires)s) must be after the recognition date (%(recognized)s).",
                               expires=expires_on.isoformat(), recognized=recognized_on.isoformat()),
                            "expires_on")
    if recognized_on > clock.today():
        raise PlatformError(_l("A recognition cannot be dated in the future."), "recognized_on")
    item = Recognition(platform_id=platform.id, level=level, recognized_on=recognized_on,
                       issuing_body=issuing_body.strip(), expires_on=expires_on,
                       document_no=(document_no or "").strip() or None, notes=notes or None)
    db.session.add(item)
    db.session.flush()
    audit.record("recognition_added", platform, after=audit.snapshot(item))
    refresh_current_recognition(platform)
    return item


def delete_recognition(item: Recognition) -> None:
    platform = item.platform
    audit.record("recognition_deleted", platform, before=audit.snapshot(item))
    db.session.delete(item)
    db.session.flush()
    refresh_current_recognition(platform)


def refresh_current_recognition(platform: Platform) -> None:
    """Copy the latest recognition (by date, then entry) onto the platform."""
    latest = db.session.scalar(select(Recognition).where(Recognition.platform_id == platform.id)
                               .order_by(Recognition.recognized_on.desc(), Recognition.id.desc()).limit(1))
    if latest is None:
        values = {"recognized_on": None, "expires_on": None}
    else:
        values = {"level": latest.level, "recognized_on": latest.recognized_on, "expires_on": latest.expires_on}
    audit.apply_changes("platform_recognition_current", platform, values,
                        fields=("level", "recognized_on", "expires_on"))


def expiring_platforms(user=None, today: date | None = None, within: int = EXPIRY_WARNING_DAYS) -> list[Platform]:
    """Active platforms whose recognition expires within ``within`` days (or has just expired)."""
    today = today or clock.today()
    query = select(Platform).where(Platform.status == "active", Platform.expires_on.is_not(None),
                                   Platform.expires_on <= today + timedelta(days=within),
                                   Platform.expires_on >= today - timedelta(days=within))
    if user is not None:
        query = scoped(query, platform_ids_for(user), Platform.id)
    return list(db.session.scalars(query.order_by(Platform.expires_on, Platform.code)))


def send_recognition_alerts(today: date | None = None) -> int:
    """Notify admins and each platform's managers once per platform and expiry date; returns alerts sent."""
    from ..auth.models import User
    from ..notifications.services import notify

    today = today or clock.today()
    platforms = [platform for platform in expiring_platforms(today=today) if platform.expires_on >= today]
    if not platforms:
        return 0
    sent = set(db.session.execute(select(RecognitionAlert.platform_id, RecognitionAlert.expires_on)
                                  .where(RecognitionAlert.platform_id.in_([p.id for p in platforms]))).all())
    admins = list(db.session.scalars(select(User).where(User.role == "admin", User.is_enabled.is_(True))))
    count = 0
    for platform in platforms:
        if (platform.id, platform.expires_on) in sent:
            continue
        recipients = {user.id: user for user in [*admins, *platform.managers]}
        reached = notify(recipients.values(),
                         _l("Recognition of %(name)s expires on %(date)s"),
                         _l("The recognition of %(name)s (%(code)s) expires on %(date)s, in %(days)s days. "
                            "Prepare the renewal in time."),
                         link=f"/platforms/{platform.id}", kind="warning", name=platform.name,
                         code=platform.code, date=platform.expires_on.isoformat(),
                         days=(platform.expires_on - today).days)
        alert = RecognitionAlert(platform_id=platform.id, expires_on=platform.expires_on, recipients=reached)
        db.session.add(alert)
        db.session.flush()
        audit.record("recognition_alert_sent", platform,
                     after={"expires_on": platform.expires_on, "recipients": reached})
        count += 1
    return count


# --- space units ----------------------------------------------------------------------------------

UNIT_FIELDS = ("code", "name", "kind", "purpose", "area_m2", "monthly_rent", "floor", "bookable", "is_active",
               "notes")


def _check_unit(values: dict, platform_id: int, unit_id: int | None = None) -> None:
    code = (values.get("code") or "").strip()
    if not code:
        raise PlatformError(_l("Enter a code."), "code")
    values["code"] = code
    if values.get("kind") not in UNIT_KINDS:
        raise PlatformError(_l("Choose a kind."), "kind")
    if values.get("purpose") not in UNIT_PURPOSES:
        raise PlatformError(_l("Choose a use."), "purpose")
    if values.get("area_m2") is None:
        raise PlatformError(_l("Enter the area."), "area_m2")
    if Decimal(values["area_m2"]) < 0:
        raise PlatformError(_l("The area may not be negative."), "area_m2")
    if values.get("monthly_rent") is None:
        values["monthly_rent"] = 0
    if int(values["monthly_rent"]) < 0:
        raise PlatformError(_l("The rent may not be negative."), "monthly_rent")
    clash = select(SpaceUnit.id).where(SpaceUnit.platform_id == platform_id, SpaceUnit.code == code)
    if unit_id is not None:
        clash = clash.where(SpaceUnit.id != unit_id)
    if db.session.scalar(clash) is not None:
        raise PlatformError(_l("This platform already has a unit with the code %(code)s.", code=code), "code")


def create_unit(platform: Platform, **values) -> SpaceUnit:
    values = {key: values[key] for key in UNIT_FIELDS if key in values}
    values.setdefault("purpose", "tenant")
    values.setdefault("is_active", True)
    values.setdefault("bookable", False)
    _check_unit(values, platform.id)
    unit = SpaceUnit(platform_id=platform.id, **values)
    db.session.add(unit)
    db.session.flush()
    audit.record("space_unit_created", unit, after=audit.snapshot(unit))
    _platform_event("space_unit_created", platform.id, unit=unit.code, area_m2=unit.area_m2)
    return unit


def update_unit(unit: SpaceUnit, **values) -> SpaceUnit:
    merged = {key: getattr(unit, key) for key in UNIT_FIELDS}
    merged.update({key: value for key, value in values.items() if key in UNIT_FIELDS})
    _check_unit(merged, unit.platform_id, unit.id)
    audit.apply_changes("space_unit_updated", unit, merged)
    return unit


def units_of(platform: Platform, active_only: bool = False) -> list[SpaceUnit]:
    query = select(SpaceUnit).where(SpaceUnit.platform_id == platform.id)
    if active_only:
        query = query.where(SpaceUnit.is_active.is_(True))
    return list(db.session.scalars(query.order_by(SpaceUnit.code)))


# --- tenancies ------------------------------------------------------------------------------------

def _overlaps(starts_on: date, ends_on: date | None):
    """SQL condition: a tenancy's [starts_on, ends_on] (inclusive, open end) meets the given range."""
    condition = or_(Tenancy.ends_on.is_(None), Tenancy.ends_on >= starts_on)
    if ends_on is not None:
        condition = and_(condition, Tenancy.starts_on <= ends_on)
    return condition


def units_let_between(starts_on: date, ends_on: date | None):
    """A SELECT of the ids of units let (to anyone) on some day of [starts_on, ends_on] (None: open end)."""
    return (select(tenancy_units.c.unit_id).join(Tenancy, Tenancy.id == tenancy_units.c.tenancy_id)
            .where(_overlaps(starts_on, ends_on)))


def _lock_units(unit_ids: list[int]) -> None:
    """Serialise tenancies on the same units: on PostgreSQL a row lock held to the end of the transaction.

    (SQLite writers already hold the database's write lock from BEGIN IMMEDIATE.)
    """
    if db.session.get_bind().dialect.name == "postgresql" and unit_ids:
        db.session.execute(select(SpaceUnit.id).where(SpaceUnit.id.in_(sorted(unit_ids)))
                           .order_by(SpaceUnit.id).with_for_update())


def conflicting_tenancies(unit_ids: list[int], starts_on: date, ends_on: date | None,
                          exclude_id: int | None = None) -> list[tuple[str, str, date, date | None]]:
    """(unit code, company name, starts, ends) of tenancies on these units overlapping the range."""
    from ..organisations.models import Organisation

    query = (select(SpaceUnit.code, Organisation.name, Tenancy.starts_on, Tenancy.ends_on)
             .join(tenancy_units, tenancy_units.c.tenancy_id == Tenancy.id)
             .join(SpaceUnit, SpaceUnit.id == tenancy_units.c.unit_id)
             .join(Organisation, Organisation.id == Tenancy.organisation_id)
             .where(tenancy_units.c.unit_id.in_(unit_ids), _overlaps(starts_on, ends_on))
             .order_by(SpaceUnit.code, Tenancy.starts_on))
    if exclude_id is not None:
        query = query.where(Tenancy.id != exclude_id)
    return list(db.session.execute(query).all())


def _overlap_error(conflicts) -> PlatformError:
    code, company, starts, ends = conflicts[0]
    return PlatformError(_l("Unit %(unit)s is already let to %(company)s from %(start)s to %(end)s; "
                            "the dates overlap.", unit=code, company=company, start=starts.isoformat(),
                            end=ends.isoformat() if ends else "—"), "units")


def create_tenancy(company, units, starts_on: date, ends_on: date | None, monthly_rent_yuan: int, *,
                   contract_no: str | None = None, notes: str | None = None) -> Tenancy:
    """Let ``units`` (of one platform) to ``company`` from ``starts_on`` to ``ends_on`` (inclusive; None: open).

    Refuses negative rent, an end before the start, inactive or public-service units, units of several
    platforms, and any overlap with another tenancy of the same unit (safe against concurrent requests:
    the units are locked first). Raises ``PlatformError``; nothing is saved then.
    """
    units = list(units)
    if company is None:
        raise PlatformError(_l("Choose a company."), "organisation_id")
    if not company.is_company:
        raise PlatformError(_l("Only a company can rent space."), "organisation_id")
    if not units:
        raise PlatformError(_l("Choose at least one unit."), "units")
    if len({unit.platform_id for unit in units}) != 1:
        raise PlatformError(_l("All units of a tenancy belong to one platform."), "units")
    if starts_on is None:
        raise PlatformError(_l("Enter the start date."), "starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise PlatformError(_l("The tenancy cannot end before it starts."), "ends_on")
    if monthly_rent_yuan is None or int(monthly_rent_yuan) < 0:
        raise PlatformError(_l("The rent may not be negative."), "monthly_rent")
    for unit in units:
        if not unit.is_active:
            raise PlatformError(_l("Unit %(unit)s is no longer in use.", unit=unit.code), "units")
        if unit.purpose != "tenant":
            raise PlatformError(_l("Unit %(unit)s is public service space and cannot be let.", unit=unit.code),
                                "units")
    unit_ids = [unit.id for unit in units]
    _lock_units(unit_ids)
    conflicts = conflicting_tenancies(unit_ids, starts_on, ends_on)
    if conflicts:
        raise _overlap_error(conflicts)
    tenancy = Tenancy(platform_id=units[0].platform_id, organisation_id=company.id, starts_on=starts_on,
                      ends_on=ends_on, monthly_rent=int(monthly_rent_yuan),
                      contract_no=(contract_no or "").strip() or None, notes=notes or None)
    tenancy.units = units
    db.session.add(tenancy)
    db.session.flush()
    after = {**audit.snapshot(tenancy), "units": [unit.code for unit in units], "company": company.name}
    audit.record("tenancy_created", tenancy, after=after)
    _platform_event("tenancy_created", tenancy.platform_id, company=company.name,
                    units=[unit.code for unit in units], starts_on=starts_on, ends_on=ends_on)
    return tenancy


def end_tenancy(tenancy: Tenancy, ends_on: date, reason: str | None = None) -> Tenancy:
    """Set (or bring forward) the last day of a tenancy."""
    if ends_on is None:
        raise PlatformError(_l("Enter the end date."), "ends_on")
    if ends_on < tenancy.starts_on:
        raise PlatformError(_l("The tenancy cannot end before it starts."), "ends_on")
    if tenancy.ends_on is None or ends_on > tenancy.ends_on:
        unit_ids = [unit.id for unit in tenancy.units]
        _lock_units(unit_ids)
        conflicts = conflicting_tenancies(unit_ids, tenancy.starts_on, ends_on, exclude_id=tenancy.id)
        if conflicts:
            raise _overlap_error(conflicts)
    before = {"ends_on": tenancy.ends_on}
    tenancy.ends_on = ends_on
    db.session.flush()
    audit.record("tenancy_ended", tenancy, before=before, after={"ends_on": ends_on}, reason=reason)
    _platform_event("tenancy_ended", tenancy.platform_id, company=tenancy.organisation.name, ends_on=ends_on)
    return tenancy


def tenancies_of(platform: Platform, day: date | None = None, current_only: bool = False) -> list[Tenancy]:
    """The platform's tenancies (units and companies loaded in a fixed number of queries), newest first."""
    query = select(Tenancy).where(Tenancy.platform_id == platform.id)
    if current_only:
        day = day or clock.today()
        query = query.where(Tenancy.starts_on <= day, or_(Tenancy.ends_on.is_(None), Tenancy.ends_on >= day))
    return list(db.session.scalars(query.order_by(Tenancy.starts_on.desc(), Tenancy.id.desc())))


@dataclass
class Occupancy:
    units_total: int = 0
    units_let: int = 0
    area_total: Decimal = Decimal("0")
    area_let: Decimal = Decimal("0")

    @property
    def units_free(self) -> int:
        return self.units_total - self.units_let

    @property
    def area_rate(self) -> Decimal | None:
        """Share of the lettable area that is let, in per cent (one decimal)."""
        if not self.area_total:
            return None
        return (self.area_let * 100 / self.area_total).quantize(Decimal("0.1"))


def occupancy(platform_ids, day: date | None = None) -> dict[int, Occupancy]:
    """Occupancy of the lettable (tenant, active) units of each platform on ``day``: two queries in all.

    Derived from tenancies, never stored: a unit is let on a day when a tenancy covers that day.
    """
    day = day or clock.today()
    ids = list(platform_ids)
    result = {platform_id: Occupancy() for platform_id in ids}
    if not ids:
        return result
    lettable = (SpaceUnit.platform_id.in_(ids), SpaceUnit.is_active.is_(True), SpaceUnit.purpose == "tenant")
    for platform_id, units, area in db.session.execute(
            select(SpaceUnit.platform_id, func.count(SpaceUnit.id), func.coalesce(func.sum(SpaceUnit.area_m2), 0))
            .where(*lettable).group_by(SpaceUnit.platform_id)):
        result[platform_id].units_total, result[platform_id].area_total = units, Decimal(str(area))
    let_units = (select(tenancy_units.c.unit_id).distinct()
                 .join(Tenancy, Tenancy.id == tenancy_units.c.tenancy_id)
                 .where(Tenancy.starts_on <= day, or_(Tenancy.ends_on.is_(None), Tenancy.ends_on >= day))
                 .subquery())
    for platform_id, units, area in db.session.execute(
            select(SpaceUnit.platform_id, func.count(SpaceUnit.id), func.coalesce(func.sum(SpaceUnit.area_m2), 0))
            .join(let_units, let_units.c.unit_id == SpaceUnit.id)
            .where(*lettable).group_by(SpaceUnit.platform_id)):
        result[platform_id].units_let, result[platform_id].area_let = units, Decimal(str(area))
    for item in result.values():
        item.area_total = item.area_total.quantize(Decimal("0.01"))
        item.area_let = item.area_let.quantize(Decimal("0.01"))
    return result


def unit_tenants_on(unit_ids, day: date) -> dict[int, Tenancy]:
    """The tenancy covering ``day`` for each unit (one query)."""
    if not unit_ids:
        return {}
    rows = db.session.execute(
        select(tenancy_units.c.unit_id, Tenancy).join(Tenancy, Tenancy.id == tenancy_units.c.tenancy_id)
        .where(tenancy_units.c.unit_id.in_(list(unit_ids)), Tenancy.starts_on <= day,
               or_(Tenancy.ends_on.is_(None), Tenancy.ends_on >= day))).all()
    return {unit_id: tenancy for unit_id, tenancy in rows}


# --- experts --------------------------------------------------------------------------------------

EXPERT_FIELDS = ("name", "kind", "academy", "retired", "title", "affiliation", "field", "phone", "email", "notes")


def _check_expert(values: dict) -> None:
    if not (values.get("name") or "").strip():
        raise PlatformError(_l("Enter the name."), "name")
    values["name"] = values["name"].strip()
    if values.get("kind") not in EXPERT_KINDS:
        raise PlatformError(_l("Choose a kind."), "kind")
    if values["kind"] != "academician":  # the form hides these fields for other kinds: clear, not refuse
        values["academy"] = None
        values["retired"] = False
    problem = academy_problem(values["kind"], values.get("academy"))
    if problem:
        raise PlatformError(problem, "academy")
    values["retired"] = bool(values.get("retired"))


def create_expert(**values) -> Expert:
    values = {key: values.get(key) for key in EXPERT_FIELDS}
    _check_expert(values)
    expert = Expert(name_sort=pinyin_sort_key(values["name"], 300), **values)
    db.session.add(expert)
    db.session.flush()
    audit.record("expert_created", expert, after=audit.snapshot(expert))
    return expert


def update_expert(expert: Expert, **values) -> Expert:
    merged = {key: getattr(expert, key) for key in EXPERT_FIELDS}
    merged.update({key: value for key, value in values.items() if key in EXPERT_FIELDS})
    _check_expert(merged)
    audit.apply_changes("expert_updated", expert, {**merged, "name_sort": pinyin_sort_key(merged["name"], 300)})
    return expert


def visible_experts(user):
    """Experts a user may see: admins all; managers those with a residency at one of their platforms
    and those nobody has engaged yet (so a manager can find an expert to engage)."""
    query = select(Expert)
    ids = platform_ids_for(user)
    if ids is None:
        return query
    engaged = select(Residency.expert_id).where(Residency.platform_id.in_(ids))
    anywhere = select(Residency.expert_id)
    return query.where(or_(Expert.id.in_(engaged), Expert.id.not_in(anywhere)))


def expert_for(user, expert_id: int) -> Expert:
    expert = db.session.scalar(visible_experts(user).where(Expert.id == expert_id))
    if expert is None:
        abort(404)
    return expert


# --- residencies ----------------------------------------------------------------------------------

RESIDENCY_FIELDS = ("starts_on", "ends_on", "agreement_no", "min_onsite_days", "research_topic", "notes")


def _check_residency(values: dict) -> None:
    if values.get("starts_on") is None:
        raise PlatformError(_l("Enter the start date of the agreement."), "starts_on")
    if values.get("ends_on") is not None and values["ends_on"] < values["starts_on"]:
        raise PlatformError(_l("The agreement cannot end before it starts."), "ends_on")
    if values.get("min_onsite_days") is None:
        values["min_onsite_days"] = DEFAULT_MIN_ONSITE_DAYS
    if not 0 <= int(values["min_onsite_days"]) <= 366:
        raise PlatformError(_l("The minimum is between 0 and 366 days a year."), "min_onsite_days")


def create_residency(platform: Platform, expert: Expert, **values) -> Residency:
    """Record an expert's residency at a platform (agreement dates, agreed minimum of on-site days)."""
    values = {key: values.get(key) for key in RESIDENCY_FIELDS}
    _check_residency(values)
    clash = db.session.scalar(select(Residency.id).where(
        Residency.platform_id == platform.id, Residency.expert_id == expert.id,
        or_(Residency.ends_on.is_(None), Residency.ends_on >= values["starts_on"]),
        *([Residency.starts_on <= values["ends_on"]] if values.get("ends_on") else [])))
    if clash is not None:
        raise PlatformError(_l("%(name)s already has a residency here for these dates.", name=expert.name),
                            "starts_on")
    residency = Residency(platform_id=platform.id, expert_id=expert.id, **values)
    db.session.add(residency)
    db.session.flush()
    audit.record("residency_created", residency, after={**audit.snapshot(residency), "expert": expert.name})
    _platform_event("residency_created", platform.id, expert=expert.name, starts_on=residency.starts_on,
                    ends_on=residency.ends_on, min_onsite_days=residency.min_onsite_days)
    return residency


def update_residency(residency: Residency, **values) -> Residency:
    merged = {key: getattr(residency, key) for key in RESIDENCY_FIELDS}
    merged.update({key: value for key, value in values.items() if key in RESIDENCY_FIELDS})
    _check_residency(merged)
    audit.apply_changes("residency_updated", residency, merged)
    return residency


def log_onsite_days(residency: Residency, first: date, last: date | None = None, note: str | None = None) -> int:
    """Record the days from ``first`` to ``last`` (inclusive) on site; days already logged are skipped.

    Days must fall within the residency and not in the future. Returns how many days were added.
    """
    last = last or first
    if first is None:
        raise PlatformError(_l("Enter the first day."), "first_day")
    if last < first:
        raise PlatformError(_l("The last day cannot be before the first."), "last_day")
    if (last - first).days > 366:
        raise PlatformError(_l("Log at most a year at a time."), "last_day")
    if last > clock.today():
        raise PlatformError(_l("On-site days cannot be logged in advance."), "last_day")
    if not residency.covers(first) or not residency.covers(last):
        raise PlatformError(_l("The days must fall within the residency (%(start)s to %(end)s).",
                               start=residency.starts_on.isoformat(),
                               end=residency.ends_on.isoformat() if residency.ends_on else "—"), "first_day")
    days = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    existing = set(db.session.scalars(select(OnsiteDay.day).where(OnsiteDay.residency_id == residency.id,
                                                                  OnsiteDay.day.between(first, last))))
    new_days = [day for day in days if day not in existing]
    for day in new_days:
        db.session.add(OnsiteDay(residency_id=residency.id, day=day, note=(note or "").strip() or None))
    db.session.flush()
    if new_days:
        after = {"first_day": first, "last_day": last, "days_added": len(new_days), "note": note or None}
        audit.record("onsite_days_logged", residency, after=after)
        _platform_event("onsite_days_logged", residency.platform_id, expert=residency.expert.name, **after)
    return len(new_days)


def delete_onsite_day(item: OnsiteDay, residency: Residency) -> None:
    audit.record("onsite_day_deleted", residency, before={"day": item.day})
    _platform_event("onsite_day_deleted", residency.platform_id, expert=residency.expert.name, day=item.day)
    db.session.delete(item)
    db.session.flush()


def add_residency_record(residency: Residency, *, kind: str, title: str, occurred_on: date, people: int | None = 0,
                         notes: str | None = None) -> ResidencyRecord:
    """Log a joint project or talents trained under a residency."""
    if kind not in RESIDENCY_RECORD_KINDS:
        raise PlatformError(_l("Choose a kind."), "kind")
    if not (title or "").strip():
        raise PlatformError(_l("Enter the title."), "title")
    if occurred_on is None:
        raise PlatformError(_l("Enter the date."), "occurred_on")
    people = int(people or 0)
    if people < 0:
        raise PlatformError(_l("The number may not be negative."), "people")
    if kind == "talent_trained" and people < 1:
        raise PlatformError(_l("Enter how many talents were trained."), "people")
    item = ResidencyRecord(residency_id=residency.id, kind=kind, title=title.strip(), occurred_on=occurred_on,
                           people=people if kind == "talent_trained" else 0, notes=notes or None)
    db.session.add(item)
    db.session.flush()
    audit.record("residency_record_added", residency, after=audit.snapshot(item))
    _platform_event("residency_record_added", residency.platform_id, expert=residency.expert.name, kind=kind,
                    title=item.title, people=item.people)
    return item


@dataclass
class ResidencyStatus:
    """On-site days of one residency in a year against its agreed minimum."""

    residency: Residency
    year: int
    days: int
    required: int  # the minimum for the part of the year the residency covers
    expected_to_date: int  # the minimum pro rata up to today
    projects: int = 0
    talents: int = 0
    applies: bool = True  # whether the kind of platform carries an on-site minimum

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.days)

    @property
    def falls_short(self) -> bool:
        """Behind the pro-rata minimum to date (for a past year: below the year's minimum)."""
        return self.applies and self.days < self.expected_to_date


def _covered_days(residency: Residency, start: date, end: date) -> int:
    first = max(start, residency.starts_on)
    last = min(end, residency.ends_on) if residency.ends_on else end
    return max(0, (last - first).days + 1)


def residency_statuses(residencies, year: int | None = None, today: date | None = None) -> list[ResidencyStatus]:
    """The status of each residency for ``year`` (default: this year), in three queries whatever the count."""
    today = today or clock.today()
    year = year or today.year
    residencies = list(residencies)
    ids = [residency.id for residency in residencies]
    if not ids:
        return []
    year_start, year_end = date(year, 1, 1), date(year, 12, 31)
    year_days = (year_end - year_start).days + 1
    days = dict(db.session.execute(select(OnsiteDay.residency_id, func.count(OnsiteDay.id))
                                   .where(OnsiteDay.residency_id.in_(ids), OnsiteDay.day.between(year_start, year_end))
                                   .group_by(OnsiteDay.residency_id)).all())
    counts = defaultdict(lambda: [0, 0])
    for residency_id, projects, talents in db.session.execute(
            select(ResidencyRecord.residency_id,
                   func.sum(case((ResidencyRecord.kind == "joint_project", 1), else_=0)),
                   func.sum(ResidencyRecord.people))
            .where(ResidencyRecord.residency_id.in_(ids)).group_by(ResidencyRecord.residency_id)):
        counts[residency_id] = [int(projects or 0), int(talents or 0)]
    platform_kinds = dict(db.session.execute(select(Platform.id, Platform.kind)
                                             .where(Platform.id.in_({r.platform_id for r in residencies}))).all())
    to_date = min(today, year_end)
    result = []
    for residency in residencies:
        minimum = residency.min_onsite_days
        required = math.ceil(minimum * _covered_days(residency, year_start, year_end) / year_days)
        expected = (math.floor(minimum * _covered_days(residency, year_start, to_date) / year_days)
                    if to_date >= year_start else 0)
        applies = KINDS[platform_kinds[residency.platform_id]].onsite_minimum
        result.append(ResidencyStatus(residency, year, int(days.get(residency.id, 0)), min(required, minimum),
                                      min(expected, minimum), *counts[residency.id], applies=applies))
    return result


def residencies_of(platform: Platform) -> list[Residency]:
    return list(db.session.scalars(select(Residency).where(Residency.platform_id == platform.id)
                                   .order_by(Residency.starts_on.desc(), Residency.id.desc())))


def expert_flags(expert_ids=None, today: date | None = None) -> dict[int, object]:
    """Academicians spread too thin, by expert id -> message: a serving academician with a current
    residency at more than one workstation, a retired one at more than three. One query."""
    today = today or clock.today()
    query = (select(Expert.id, Expert.retired, func.count(distinct(Residency.platform_id)))
             .join(Residency, Residency.expert_id == Expert.id)
             .join(Platform, Platform.id == Residency.platform_id)
             .where(Expert.kind == "academician", Platform.kind == "academician_workstation",
                    Platform.status == "active", Residency.starts_on <= today,
                    or_(Residency.ends_on.is_(None), Residency.ends_on >= today))
             .group_by(Expert.id, Expert.retired))
    if expert_ids is not None:
        query = query.where(Expert.id.in_(list(expert_ids)))
    flags = {}
    for expert_id, retired, stations in db.session.execute(query):
        if retired and stations > 3:
            flags[expert_id] = _l("Retired academician in %(n)d workstations (at most 3).", n=stations)
        elif not retired and stations > 1:
            flags[expert_id] = _l("Serving academician in %(n)d workstations (at most 1).", n=stations)
    return flags


# --- counts for lists -----------------------------------------------------------------------------

def tenant_counts(platform_ids, day: date | None = None) -> dict[int, int]:
    """Companies with a tenancy covering ``day``, per platform (one query)."""
    day = day or clock.today()
    ids = list(platform_ids)
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Tenancy.platform_id, func.count(distinct(Tenancy.organisation_id)))
        .where(Tenancy.platform_id.in_(ids), Tenancy.starts_on <= day,
               or_(Tenancy.ends_on.is_(None), Tenancy.ends_on >= day))
        .group_by(Tenancy.platform_id)).all())
