"""The booking rules: who may book what and when, quotas, trainings, approvals, blocks, use and exports.

Every function here changes the session and flushes; the caller (a view, the CLI, a test) commits once.
Times given by users are zone-local (``clock.zone_tz()``); the database holds UTC.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..access import changeable_company_ids_for, may_change_company, platform_ids_for, scoped
from ..audit import services as audit
from ..database import round_half_up
from ..extensions import db
from ..saving import FieldRuleBroken
from ..organisations.models import COMPANY_KINDS, Organisation
from ..platforms.models import Platform, SpaceUnit, Tenancy, platform_managers
from ..startups.models import Incubation
from .models import (ACTIVE_BOOKING_STATUSES, SLOT_UNIT_MINUTES, BookableResource, Booking, BookingBlock,
                     BookingSlot, BookingTraining)

UNIT = timedelta(minutes=SLOT_UNIT_MINUTES)
BOOKER_ROLES = ("startup", "partner", "reviewer")
MANAGER_ROLES = ("admin", "manager")
# Space unit kinds a room or desk resource may stand for.
UNIT_KINDS_FOR = {"room": ("room", "office", "workshop_bay", "lab_bench"), "desk": ("desk",)}
RESOURCE_FIELDS = ("platform_id", "kind", "space_unit_id", "name", "description", "capacity", "status", "opens_at",
                   "closes_at", "open_days", "slot_minutes", "price_tenant", "price_outsider", "audience",
                   "max_hours_per_day", "max_hours_per_week", "cancel_deadline_hours", "requires_approval",
                   "requires_training", "photo_id")
BOOKING_FIELDS = ("resource_id", "user_id", "organisation_id", "starts_at", "ends_at", "status", "rate", "price",
                  "purpose")


class BookingError(FieldRuleBroken):
    """A booking refused by a rule; the message is shown to the user (localized)."""


# --- time ------------------------------------------------------------------------------------------

def local(day: date, at: time) -> datetime:
    """The zone-local moment ``at`` on ``day`` (aware)."""
    return datetime.combine(day, at).replace(tzinfo=clock.zone_tz())


def as_local(moment: datetime) -> datetime:
    return moment.astimezone(clock.zone_tz())


def units_between(start: datetime, end: datetime) -> list[datetime]:
    """The UTC starts of the 15-minute units from ``start`` (inclusive) to ``end`` (exclusive)."""
    moment = start.astimezone(timezone.utc)
    end = end.astimezone(timezone.utc)
    result = []
    while moment < end:
        result.append(moment)
        moment += UNIT
    return result


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def minutes_of(at: time) -> int:
    return at.hour * 60 + at.minute


# --- who sees what ---------------------------------------------------------------------------------

def managed_resources(user):
    """A SELECT of the resources ``user`` manages (all for administrators)."""
    return scoped(select(BookableResource), platform_ids_for(user), BookableResource.platform_id)


def get_managed_resource_or_404(user, resource_id: int) -> BookableResource:
    if user.role not in MANAGER_ROLES:
        abort(404)
    resource = db.session.scalar(managed_resources(user).where(BookableResource.id == resource_id))
    if resource is None:
        abort(404)
    return resource


def get_resource_or_404(resource_id: int, *, include_retired: bool = False) -> BookableResource:
    """A resource anyone logged in may look at (its calendar); retired ones only for its managers."""
    resource = db.session.get(BookableResource, resource_id)
    if resource is None or (resource.status == "retired" and not include_retired):
        abort(404)
    return resource


def can_manage(user, resource: BookableResource) -> bool:
    if user.role == "admin":
        return True
    if user.role != "manager":
        return False
    return db.session.scalar(select(exists().where(platform_managers.c.user_id == user.id,
                                                   platform_managers.c.platform_id == resource.platform_id)))


def managed_platforms(user) -> list[Platform]:
    query = scoped(select(Platform), platform_ids_for(user), Platform.id).order_by(Platform.code)
    return list(db.session.scalars(query))


def visible_bookings(user):
    """A SELECT of the bookings ``user`` may see: their company's (or their own), or their platforms'."""
    query = select(Booking)
    if user.role == "admin":
        return query
    if user.role == "manager":
        return query.join(BookableResource, Booking.resource_id == BookableResource.id).where(
            BookableResource.platform_id.in_(platform_ids_for(user)))
    return query.where(own_bookings_clause(user))


def own_bookings_clause(user):
    """The bookings that belong to ``user``'s side: their company's, or their own if they have none."""
    if user.organisation_id:
        return Booking.organisation_id == user.organisation_id
    return and_(Booking.user_id == user.id, Booking.organisation_id.is_(None))


def get_visible_booking_or_404(user, booking_id: int) -> Booking:
    booking = db.session.scalar(visible_bookings(user).where(Booking.id == booking_id))
    if booking is None:
        abort(404)
    return booking


def is_own_booking(user, booking: Booking) -> bool:
    if user.organisation_id:
        return booking.organisation_id == user.organisation_id
    return booking.user_id == user.id and booking.organisation_id is None


# --- resources -------------------------------------------------------------------------------------

def unit_choices(platform_id: int, kind: str, current_unit_id: int | None = None) -> list[SpaceUnit]:
    """Units of the platform that may become a ``kind`` resource (not yet one, or the current one)."""
    kinds = UNIT_KINDS_FOR.get(kind, ())
    taken = select(BookableResource.space_unit_id).where(BookableResource.space_unit_id.is_not(None))
    if current_unit_id:
        taken = taken.where(BookableResource.space_unit_id != current_unit_id)
    return list(db.session.scalars(
        select(SpaceUnit).where(SpaceUnit.platform_id == platform_id, SpaceUnit.kind.in_(kinds),
                                SpaceUnit.is_active.is_(True), SpaceUnit.id.not_in(taken))
        .order_by(SpaceUnit.code)))


def validate_resource_values(values: dict, resource: BookableResource | None = None) -> dict[str, object]:
    """Rule errors by field name for a resource's values (empty when they are fine)."""
    errors: dict[str, object] = {}
    if values["kind"] == "equipment":
        values["space_unit_id"] = None
    else:
        unit = db.session.get(SpaceUnit, values.get("space_unit_id") or 0)
        current = resource.space_unit_id if resource is not None else None
        allowed = {u.id for u in unit_choices(values["platform_id"], values["kind"], current)}
        if unit is None or unit.id not in allowed:
            errors["space_unit_id"] = _l("Choose one of this platform's space units of the right kind.")
    opens, closes = values.get("opens_at"), values.get("closes_at")
    if opens and closes:
        if opens >= closes:
            errors["closes_at"] = _l("Closing time must be after opening time.")
        elif minutes_of(opens) % SLOT_UNIT_MINUTES or minutes_of(closes) % SLOT_UNIT_MINUTES:
            errors["opens_at"] = _l("Opening and closing times must be on a quarter hour.")
        elif (minutes_of(closes) - minutes_of(opens)) % values["slot_minutes"]:
            errors["slot_minutes"] = _l("The opening hours must be a whole number of slots long.")
    if not values.get("open_days"):
        errors["open_days"] = _l("Choose at least one opening day.")
    day, week = values.get("max_hours_per_day"), values.get("max_hours_per_week")
    if day is not None and day < values["slot_minutes"] / 60:
        errors["max_hours_per_day"] = _l("The daily limit must allow at least one slot.")
    if day is not None and week is not None and week < day:
        errors["max_hours_per_week"] = _l("The weekly limit may not be below the daily limit.")
    return errors


def save_resource(resource: BookableResource | None, values: dict, *, photo=None) -> BookableResource:
    """Create or update a resource with checked values; a room or desk marks its space unit bookable."""
    creating = resource is None
    if creating:
        resource = BookableResource()
        db.session.add(resource)
    before = {} if creating else audit.snapshot(resource, RESOURCE_FIELDS)
    for name in RESOURCE_FIELDS:
        if name in values:
            setattr(resource, name, values[name])
    if photo is not None:
        resource.photo_id = photo.id
    db.session.flush()
    if resource.space_unit_id:
        unit = db.session.get(SpaceUnit, resource.space_unit_id)
        if not unit.bookable:
            audit.apply_changes("space_unit_marked_bookable", unit, {"bookable": True}, fields=("bookable",))
    if creating:
        audit.record("booking_resource_created", resource, after=audit.snapshot(resource, RESOURCE_FIELDS))
    else:
        audit.record_changes("booking_resource_updated", resource, before, fields=RESOURCE_FIELDS)
    return resource


def set_hours_bulk(resources: list[BookableResource], *, opens_at: time | None, closes_at: time | None,
                   open_days: str | None, status: str | None) -> list[BookableResource]:
    """Apply the same opening hours, days and/or status to many resources; each change is audited.

    :raises BookingError: when the new hours do not fit a resource's slot length.
    """
    for resource in resources:
        values = {name: getattr(resource, name) for name in RESOURCE_FIELDS}
        if opens_at is not None:
            values["opens_at"] = opens_at
        if closes_at is not None:
            values["closes_at"] = closes_at
        if open_days:
            values["open_days"] = open_days
        if status:
            values["status"] = status
        errors = validate_resource_values(values, resource)
        if errors:
            first = next(iter(errors.values()))
            raise BookingError(_l("%(name)s: %(error)s", name=resource.name, error=first))
        save_resource(resource, {k: values[k] for k in ("opens_at", "closes_at", "open_days", "status")})
    return resources


# --- trainings -------------------------------------------------------------------------------------

def record_training(resource: BookableResource, user, completed_on: date, expires_on: date | None,
                    note: str | None = None) -> BookingTraining:
    """Record (or renew) that ``user`` completed the training for ``resource``."""
    if expires_on is not None and expires_on < completed_on:
        raise BookingError(_l("The training cannot expire before it was completed."))
    if completed_on > clock.today():
        raise BookingError(_l("A training cannot be completed in the future."))
    training = db.session.scalar(select(BookingTraining).where(BookingTraining.resource_id == resource.id,
                                                               BookingTraining.user_id == user.id))
    created = training is None
    if created:
        training = BookingTraining(resource_id=resource.id, user_id=user.id)
        db.session.add(training)
    audit.apply_changes("booking_training_recorded", training,
                        {"completed_on": completed_on, "expires_on": expires_on, "note": note,
                         "recorded_by_id": _actor_id()},
                        fields=("resource_id", "user_id", "completed_on", "expires_on", "note"), created=created,
                        always=True)
    return training


def remove_training(training: BookingTraining) -> None:
    audit.record("booking_training_removed", training,
                 before=audit.snapshot(training, ("resource_id", "user_id", "completed_on", "expires_on")))
    db.session.delete(training)
    db.session.flush()


def is_trained(resource: BookableResource, user_id: int, day: date) -> bool:
    return bool(db.session.scalar(select(exists().where(
        BookingTraining.resource_id == resource.id, BookingTraining.user_id == user_id,
        BookingTraining.completed_on <= day,
        or_(BookingTraining.expires_on.is_(None), BookingTraining.expires_on >= day)))))


def trainings_of(resource: BookableResource) -> list[BookingTraining]:
    return list(db.session.scalars(select(BookingTraining).where(BookingTraining.resource_id == resource.id)
                                   .order_by(BookingTraining.completed_on.desc(), BookingTraining.id)))


# --- eligibility -----------------------------------------------------------------------------------

def is_tenant(organisation_id: int | None, platform_id: int, day: date) -> bool:
    """Whether the company rents space in (tenancy) or is incubated by (incubation) the platform on ``day``."""
    if not organisation_id:
        return False
    tenancy = exists().where(Tenancy.organisation_id == organisation_id, Tenancy.platform_id == platform_id,
                             Tenancy.starts_on <= day, or_(Tenancy.ends_on.is_(None), Tenancy.ends_on >= day))
    incubation = exists().where(Incubation.organisation_id == organisation_id, Incubation.platform_id == platform_id,
                                Incubation.admitted_on <= day,
                                or_(Incubation.ended_on.is_(None), Incubation.ended_on >= day))
    return bool(db.session.scalar(select(or_(tenancy, incubation))))


def is_zone_company(organisation_id: int | None) -> bool:
    """A company registered in the zone, or one that any platform of the zone hosts."""
    if not organisation_id:
        return False
    org = db.session.get(Organisation, organisation_id)
    if org is None or org.kind not in COMPANY_KINDS:
        return False
    if org.registered_in_zone:
        return True
    hosted = or_(exists().where(Tenancy.organisation_id == org.id), exists().where(Incubation.organisation_id == org.id))
    return bool(db.session.scalar(select(hosted)))


@dataclass
class Party:
    """Who a booking is for and at which rate."""

    organisation_id: int | None
    rate: str  # tenant | outsider


def booking_party(resource: BookableResource, user, day: date) -> Party:
    """The company (and rate) a booking by ``user`` on ``day`` counts for, or ``BookingError``."""
    if user.role not in BOOKER_ROLES:
        raise BookingError(_l("Only tenants and registered users book resources for themselves; managers book "
                                  "for a company from the calendar, or block time."))
    return company_party(resource, user.organisation_id, day)


def company_party(resource: BookableResource, org_id: int | None, day: date) -> Party:
    """The rate of a booking for the company ``org_id`` (None: an outside user) on ``day``, or ``BookingError``
    when the resource's audience leaves that company out."""
    tenant = is_tenant(org_id, resource.platform_id, day)
    if resource.audience == "tenants":
        if not tenant:
            raise BookingError(_l("Only companies with a tenancy or incubation at %(platform)s on %(day)s may book "
                                  "this resource.", platform=resource.platform.name, day=day.isoformat()))
        return Party(org_id, "tenant")
    zone = tenant or is_zone_company(org_id)
    if resource.audience == "zone":
        if not zone:
            raise BookingError(_l("Only companies of the zone may book this resource."))
        return Party(org_id, "tenant")
    return Party(org_id, "tenant" if zone else "outsider")


# --- booking ---------------------------------------------------------------------------------------

def check_times(resource: BookableResource, start: datetime, end: datetime) -> None:
    """Refuse times that are not bookable on ``resource`` (zone-local aware datetimes)."""
    start, end = as_local(start), as_local(end)
    if resource.status != "available":
        raise BookingError(_l("This resource is under maintenance.") if resource.status == "maintenance"
                           else _l("This resource is retired and cannot be booked."))
    if end <= start:
        raise BookingError(_l("The end must be after the start."))
    if start <= clock.now():
        raise BookingError(_l("This time has already passed; choose a later slot."))
    if start.date() != end.date() and not (end.time() == time(0) and end.date() == start.date() + timedelta(days=1)):
        raise BookingError(_l("A booking must start and end on the same day."))
    if start.isoweekday() not in resource.weekdays:
        raise BookingError(_l("%(name)s is closed on that day.", name=resource.name))
    opens, closes = local(start.date(), resource.opens_at), local(start.date(), resource.closes_at)
    if start < opens or end > closes:
        raise BookingError(_l("Outside opening hours (%(opens)s–%(closes)s).",
                              opens=resource.opens_at.strftime("%H:%M"), closes=resource.closes_at.strftime("%H:%M")))
    slot = timedelta(minutes=resource.slot_minutes)
    if (start - opens) % slot or (end - start) % slot:
        raise BookingError(_l("Bookings go by slots of %(minutes)d minutes from opening time.",
                              minutes=resource.slot_minutes))


def price_for(resource: BookableResource, rate: str, start: datetime, end: datetime) -> int:
    """The whole-yuan price: the hourly price of the rate times the hours, rounded half up."""
    hourly = resource.price_tenant if rate == "tenant" else resource.price_outsider
    hours = Decimal(int((end - start).total_seconds() // 60)) / Decimal(60)
    return int(round_half_up(Decimal(hourly) * hours, 0))


def booked_hours(resource: BookableResource, party: Party, user, start: datetime, end: datetime,
                 exclude_booking_id: int | None = None) -> Decimal:
    """Hours the party holds on ``resource`` (active bookings) between two moments."""
    minutes = func.coalesce(func.count(BookingSlot.id), 0) * SLOT_UNIT_MINUTES
    query = (select(minutes).select_from(BookingSlot).join(Booking, BookingSlot.booking_id == Booking.id)
             .where(BookingSlot.resource_id == resource.id, BookingSlot.slot_start >= start,
                    BookingSlot.slot_start < end, Booking.status.in_(ACTIVE_BOOKING_STATUSES)))
    if party.organisation_id:
        query = query.where(Booking.organisation_id == party.organisation_id)
    else:
        query = query.where(Booking.user_id == user.id, Booking.organisation_id.is_(None))
    if exclude_booking_id:
        query = query.where(Booking.id != exclude_booking_id)
    return Decimal(db.session.scalar(query) or 0) / Decimal(60)


def check_quota(resource: BookableResource, party: Party, user, start: datetime, end: datetime,
                exclude_booking_id: int | None = None) -> None:
    """Refuse a booking that takes the company over the resource's daily or weekly hours."""
    wanted = Decimal(int((end - start).total_seconds() // 60)) / Decimal(60)
    day = as_local(start).date()
    if resource.max_hours_per_day is not None:
        used = booked_hours(resource, party, user, local(day, time(0)), local(day + timedelta(days=1), time(0)),
                            exclude_booking_id)
        if used + wanted > resource.max_hours_per_day:
            raise BookingError(_l("Your company may book at most %(limit)d hours a day here; it already has "
                                  "%(used)s hours on %(day)s.", limit=resource.max_hours_per_day,
                                  used=_hours_text(used), day=day.isoformat()))
    if resource.max_hours_per_week is not None:
        monday = week_start(day)
        used = booked_hours(resource, party, user, local(monday, time(0)), local(monday + timedelta(days=7), time(0)),
                            exclude_booking_id)
        if used + wanted > resource.max_hours_per_week:
            raise BookingError(_l("Your company may book at most %(limit)d hours a week here; it already has "
                                  "%(used)s hours in the week of %(day)s.", limit=resource.max_hours_per_week,
                                  used=_hours_text(used), day=monday.isoformat()))


def _hours_text(hours: Decimal) -> str:
    return format(hours.normalize(), "f")


def _lock_resource(resource: BookableResource) -> None:
    """Serialise bookings of one resource (PostgreSQL row lock; SQLite writers are serial already)."""
    db.session.execute(select(BookableResource.id).where(BookableResource.id == resource.id).with_for_update())


def _clashing_holder(resource_id: int, units: list[datetime], exclude_booking_id: int | None = None) -> BookingSlot | None:
    if not units:
        return None
    query = select(BookingSlot).where(BookingSlot.resource_id == resource_id,
                                      BookingSlot.slot_start >= units[0], BookingSlot.slot_start <= units[-1])
    if exclude_booking_id:
        query = query.where(or_(BookingSlot.booking_id.is_(None), BookingSlot.booking_id != exclude_booking_id))
    return db.session.scalars(query.order_by(BookingSlot.slot_start).limit(1)).first()


def taken_message(slot: BookingSlot | None = None):
    if slot is not None and slot.block_id:
        return _l("This time is blocked (maintenance, a course or a closure); choose another slot.")
    return _l("This time is already booked; choose another slot.")


def _take_slots(resource_id: int, units: list[datetime], *, booking_id: int | None = None,
                block_id: int | None = None) -> None:
    """Insert the slot rows; the unique (resource, slot start) constraint refuses a taken slot."""
    rows = [{"resource_id": resource_id, "slot_start": unit, "booking_id": booking_id, "block_id": block_id}
            for unit in units]
    try:
        with db.session.begin_nested():
            db.session.execute(insert(BookingSlot), rows)
    except IntegrityError:
        raise BookingError(taken_message()) from None


def book(resource: BookableResource, user, start: datetime, end: datetime, purpose: str | None = None) -> Booking:
    """Book ``resource`` for ``user`` (their company) from ``start`` to ``end`` (zone-local), within the rules.

    :raises BookingError: closed, past, outside hours, not eligible, untrained, over the quota, or taken.
    """
    _lock_resource(resource)
    check_times(resource, start, end)
    day = as_local(start).date()
    party = booking_party(resource, user, day)
    if resource.requires_training and not is_trained(resource, user.id, day):
        raise BookingError(_l("%(name)s may only be booked by users trained on it; ask the platform's manager "
                              "to record your training.", name=resource.name))
    check_quota(resource, party, user, start, end)
    units = units_between(start, end)
    clash = _clashing_holder(resource.id, units)
    if clash is not None:
        raise BookingError(taken_message(clash))
    booking = Booking(resource_id=resource.id, user_id=user.id, organisation_id=party.organisation_id,
                      starts_at=start.astimezone(timezone.utc), ends_at=end.astimezone(timezone.utc),
                      status="pending" if resource.requires_approval else "confirmed", rate=party.rate,
                      price=price_for(resource, party.rate, start, end), purpose=(purpose or None))
    db.session.add(booking)
    db.session.flush()
    _take_slots(resource.id, units, booking_id=booking.id)
    audit.record("booking_created", booking, after=audit.snapshot(booking, BOOKING_FIELDS))
    if booking.status == "pending":
        _notify_managers_of_pending(booking)
    return booking


def bookable_companies(manager, resource: BookableResource) -> list[Organisation]:
    """The companies a manager may book ``resource`` for: those whose records they may change (incubating or
    renting on one of their platforms; every company for an administrator), by name."""
    query = scoped(select(Organisation).where(Organisation.kind.in_(COMPANY_KINDS)),
                   changeable_company_ids_for(manager), Organisation.id)
    return list(db.session.scalars(query.order_by(Organisation.name, Organisation.id)))


def book_for_company(resource: BookableResource, manager, organisation_id: int, start: datetime, end: datetime,
                     purpose: str | None = None) -> Booking:
    """A manager books ``resource`` for a company in their scope: the same times, audience, quota and clash rules
    as a founder's booking, confirmed at once (the manager is the one who would approve it). The training rule
    is the user's, not the company's, so it is left to the manager who books.

    :raises BookingError: not the manager of the resource, a company outside their scope, or any booking rule.
    """
    if not can_manage(manager, resource):
        raise BookingError(_l("Only the managers of this resource's platform book it for a company."))
    if not organisation_id or not may_change_company(manager, organisation_id):
        raise BookingError(_l("You may book only for companies incubating or renting on your platforms."),
                           field="organisation_id")
    _lock_resource(resource)
    check_times(resource, start, end)
    party = company_party(resource, organisation_id, as_local(start).date())
    check_quota(resource, party, manager, start, end)
    units = units_between(start, end)
    clash = _clashing_holder(resource.id, units)
    if clash is not None:
        raise BookingError(taken_message(clash))
    booking = Booking(resource_id=resource.id, user_id=manager.id, organisation_id=organisation_id,
                      starts_at=start.astimezone(timezone.utc), ends_at=end.astimezone(timezone.utc),
                      status="confirmed", rate=party.rate, price=price_for(resource, party.rate, start, end),
                      purpose=(purpose or None))
    db.session.add(booking)
    db.session.flush()
    _take_slots(resource.id, units, booking_id=booking.id)
    audit.record("booking_created", booking, after=audit.snapshot(booking, BOOKING_FIELDS))
    return booking


def before_deadline(booking: Booking) -> bool:
    deadline = booking.starts_at - timedelta(hours=booking.resource.cancel_deadline_hours)
    return clock.utcnow() <= deadline


def change_booking(booking: Booking, user, start: datetime, end: datetime, purpose: str | None = None) -> Booking:
    """Move a booking to a new time on the same resource, within every rule (and the change deadline)."""
    resource = booking.resource
    if not booking.is_active:
        raise BookingError(_l("Only a pending or confirmed booking can be changed."))
    if not before_deadline(booking):
        raise BookingError(_l("Bookings can only be changed or cancelled up to %(hours)d hours before they start.",
                              hours=resource.cancel_deadline_hours))
    _lock_resource(resource)
    check_times(resource, start, end)
    day = as_local(start).date()
    party = booking_party(resource, user, day)
    if party.organisation_id != booking.organisation_id:
        abort(404)
    if resource.requires_training and not is_trained(resource, user.id, day):
        raise BookingError(_l("%(name)s may only be booked by users trained on it; ask the platform's manager "
                              "to record your training.", name=resource.name))
    check_quota(resource, party, user, start, end, exclude_booking_id=booking.id)
    units = units_between(start, end)
    clash = _clashing_holder(resource.id, units, exclude_booking_id=booking.id)
    if clash is not None:
        raise BookingError(taken_message(clash))
    with audit.track_changes("booking_changed", booking, fields=BOOKING_FIELDS, always=True):
        db.session.execute(delete(BookingSlot).where(BookingSlot.booking_id == booking.id))
        booking.starts_at, booking.ends_at = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
        booking.rate = party.rate
        booking.price = price_for(resource, party.rate, start, end)
        if purpose is not None:
            booking.purpose = purpose or None
        if resource.requires_approval:
            booking.status = "pending"
        db.session.flush()
        _take_slots(resource.id, units, booking_id=booking.id)
    if booking.status == "pending":
        _notify_managers_of_pending(booking)
    return booking


def cancel_booking(booking: Booking, user, reason: str | None = None) -> Booking:
    """Cancel a booking and free its slots. Bookers keep the deadline; the resource's managers do not."""
    if not booking.is_active:
        raise BookingError(_l("This booking is already %(status)s.", status=status_label(booking.status)))
    by_manager = can_manage(user, booking.resource)
    if not by_manager and not before_deadline(booking):
        raise BookingError(_l("Bookings can only be changed or cancelled up to %(hours)d hours before they start.",
                              hours=booking.resource.cancel_deadline_hours))
    if by_manager and not is_own_booking(user, booking) and not (reason or "").strip():
        raise BookingError(_l("Give a reason: the booker will be told."))
    before = audit.snapshot(booking, ("status",))
    booking.status = "cancelled"
    booking.cancelled_at = clock.utcnow()
    booking.cancelled_by_id = user.id
    booking.cancel_reason = (reason or "").strip() or None
    db.session.execute(delete(BookingSlot).where(BookingSlot.booking_id == booking.id))
    db.session.flush()
    audit.record("booking_cancelled", booking, before=before, after={"status": "cancelled"},
                 reason=booking.cancel_reason)
    if by_manager and booking.user_id != user.id:
        _notify_booker(booking, _l("Your booking of %(resource)s on %(when)s was cancelled"))
    return booking


def decide(booking: Booking, manager, approve: bool, note: str | None = None) -> Booking:
    """Approve or reject a pending booking (a rejection frees its slots and needs a reason)."""
    if booking.status != "pending":
        raise BookingError(_l("Only a pending booking can be approved or rejected."))
    if not approve and not (note or "").strip():
        raise BookingError(_l("Give a reason for the rejection: the booker will be told."))
    booking.status = "confirmed" if approve else "rejected"
    booking.decided_by_id, booking.decided_at = manager.id, clock.utcnow()
    booking.decision_note = (note or "").strip() or None
    if not approve:
        db.session.execute(delete(BookingSlot).where(BookingSlot.booking_id == booking.id))
    db.session.flush()
    audit.record("booking_approved" if approve else "booking_rejected", booking, before={"status": "pending"},
                 after={"status": booking.status}, reason=booking.decision_note)
    _notify_booker(booking, _l("Your booking of %(resource)s on %(when)s was approved") if approve
                   else _l("Your booking of %(resource)s on %(when)s was rejected"))
    return booking


def status_label(status: str):
    return {"pending": _l("awaiting approval"), "confirmed": _l("confirmed"), "cancelled": _l("cancelled"),
            "rejected": _l("rejected by the manager")}.get(status, status)


def when_text(booking: Booking) -> str:
    start, end = as_local(booking.starts_at), as_local(booking.ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def _notify_booker(booking: Booking, subject) -> None:
    from ..notifications.services import notify

    notify([booking.user], subject, body=booking.decision_note or booking.cancel_reason or "",
           link=f"/bookings/{booking.id}", resource=booking.resource.name, when=when_text(booking))


def _notify_managers_of_pending(booking: Booking) -> None:
    from ..notifications.services import notify

    notify(booking.resource.platform.managers, _l("Booking to approve: %(resource)s on %(when)s"),
           link="/bookings/approvals", resource=booking.resource.name, when=when_text(booking))


def _actor_id() -> int | None:
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user and getattr(current_user, "is_authenticated", False):
        return current_user.id
    return None


# --- blocks ----------------------------------------------------------------------------------------

@dataclass
class BlockPlan:
    """The intervals a bulk block would take, per resource, and the active bookings they clash with."""

    intervals: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    clashes: list[Booking] = field(default_factory=list)
    blocked_already: int = 0  # units already held by other blocks (left as they are)

    @property
    def count(self) -> int:
        return sum(len(items) for items in self.intervals.values())


MAX_BLOCK_DAYS = 366


def plan_blocks(resources: list[BookableResource], first_day: date, last_day: date, weekdays: set[int],
                start_at: time | None, end_at: time | None) -> BlockPlan:
    """Work out a recurring block: on each chosen weekday from ``first_day`` to ``last_day``, the given
    hours (or the whole day when both are None), on every resource; and list the bookings it clashes with.
    """
    if last_day < first_day:
        raise BookingError(_l("The last day must not be before the first day."))
    if (last_day - first_day).days + 1 > MAX_BLOCK_DAYS:
        raise BookingError(_l("A block may span at most a year at once."))
    if (start_at is None) != (end_at is None):
        raise BookingError(_l("Give both times, or neither for whole days."))
    if start_at is not None and end_at is not None and end_at <= start_at and end_at != time(0):
        raise BookingError(_l("The block must end after it starts."))
    for moment in (start_at, end_at):
        if moment is not None and minutes_of(moment) % SLOT_UNIT_MINUTES:
            raise BookingError(_l("Block times must be on a quarter hour."))
    if not weekdays:
        raise BookingError(_l("Choose at least one weekday."))
    plan = BlockPlan()
    day = first_day
    intervals = []
    while day <= last_day:
        if day.isoweekday() in weekdays:
            begin = local(day, start_at or time(0))
            finish = local(day + timedelta(days=1), time(0)) if end_at in (None, time(0)) else local(day, end_at)
            intervals.append((begin, finish))
        day += timedelta(days=1)
    if not intervals:
        raise BookingError(_l("No chosen weekday falls between these dates."))
    for resource in resources:
        plan.intervals[resource.id] = intervals
    if resources:
        plan.clashes = _bookings_in(resources, intervals)
    return plan


def _bookings_in(resources: list[BookableResource], intervals: list[tuple[datetime, datetime]]) -> list[Booking]:
    """Active bookings of ``resources`` overlapping any interval (one query)."""
    overlap = or_(*[and_(Booking.starts_at < end, Booking.ends_at > begin) for begin, end in intervals]) \
        if len(intervals) <= 400 else and_(Booking.starts_at < intervals[-1][1], Booking.ends_at > intervals[0][0])
    rows = db.session.scalars(
        select(Booking).where(Booking.resource_id.in_([r.id for r in resources]),
                              Booking.status.in_(ACTIVE_BOOKING_STATUSES), overlap)
        .order_by(Booking.starts_at, Booking.id))
    rows = list(rows)
    if len(intervals) > 400:  # the coarse filter above: keep only true overlaps
        rows = [b for b in rows if any(b.starts_at < end and b.ends_at > begin for begin, end in intervals)]
    return rows


def create_blocks(resources: list[BookableResource], plan: BlockPlan, kind: str, title: str,
                  cancel_clashing: bool) -> tuple[str, list[Booking]]:
    """Create the planned blocks; clashing bookings are cancelled (and their bookers told) when
    ``cancel_clashing``, else their slots are left to them and the block covers the rest.

    Units already held by another block are skipped. Returns the series id and the cancelled bookings.
    """
    series = secrets.token_hex(8)
    cancelled: list[Booking] = []
    clashes = _bookings_in(resources, next(iter(plan.intervals.values()))) if plan.intervals else []
    if cancel_clashing:
        for booking in clashes:
            before = audit.snapshot(booking, ("status",))
            booking.status = "cancelled"
            booking.cancelled_at = clock.utcnow()
            booking.cancelled_by_id = _actor_id()
            booking.cancel_reason = title
            db.session.execute(delete(BookingSlot).where(BookingSlot.booking_id == booking.id))
            audit.record("booking_cancelled", booking, before=before, after={"status": "cancelled"},
                         reason=title, source_detail=f"block {series}")
            cancelled.append(booking)
        db.session.flush()
        for booking in cancelled:
            _notify_booker(booking, _l("Your booking of %(resource)s on %(when)s was cancelled"))
    by_resource = {r.id: r for r in resources}
    for resource_id, intervals in plan.intervals.items():
        taken = _taken_units(resource_id, intervals)
        blocks = []
        for begin, end in intervals:
            block = BookingBlock(resource_id=resource_id, kind=kind, title=title, starts_at=begin.astimezone(timezone.utc),
                                 ends_at=end.astimezone(timezone.utc), series=series, created_by_id=_actor_id())
            blocks.append(block)
        db.session.add_all(blocks)
        db.session.flush()
        rows = []
        for block, (begin, end) in zip(blocks, intervals):
            for unit in units_between(begin, end):
                if unit not in taken:
                    rows.append({"resource_id": resource_id, "slot_start": unit, "booking_id": None,
                                 "block_id": block.id})
        if rows:
            try:
                with db.session.begin_nested():
                    db.session.execute(insert(BookingSlot), rows)
            except IntegrityError:
                raise BookingError(_l("Someone booked %(name)s meanwhile; review the clashes again.",
                                      name=by_resource[resource_id].name)) from None
    audit.record("booking_blocks_created", entity_type="booking_blocks", entity_id=series,
                 after={"kind": kind, "title": title, "resources": sorted(plan.intervals),
                        "intervals": plan.count, "cancelled_bookings": [b.id for b in cancelled]})
    return series, cancelled


def _taken_units(resource_id: int, intervals: list[tuple[datetime, datetime]]) -> set[datetime]:
    """Units already held (by bookings kept or other blocks) between the first and last interval."""
    rows = db.session.scalars(select(BookingSlot.slot_start).where(
        BookingSlot.resource_id == resource_id, BookingSlot.slot_start >= intervals[0][0],
        BookingSlot.slot_start < intervals[-1][1]))
    return {row for row in rows}


def delete_block_series(series: str, resources_query) -> int:
    """Remove every block of a series among the resources the user manages; their slots become free."""
    blocks = list(db.session.scalars(select(BookingBlock).where(
        BookingBlock.series == series, BookingBlock.resource_id.in_(resources_query.with_only_columns(
            BookableResource.id)))))
    if not blocks:
        abort(404)
    ids = [block.id for block in blocks]
    db.session.execute(delete(BookingSlot).where(BookingSlot.block_id.in_(ids)))
    db.session.execute(delete(BookingBlock).where(BookingBlock.id.in_(ids)))
    audit.record("booking_blocks_deleted", entity_type="booking_blocks", entity_id=series,
                 before={"blocks": len(ids), "title": blocks[0].title, "kind": blocks[0].kind})
    db.session.flush()
    return len(ids)


def slot_times(resource: BookableResource) -> list[time]:
    """The start times of a day's slots (the rows of the week view)."""
    result, minute = [], minutes_of(resource.opens_at)
    while minute + resource.slot_minutes <= minutes_of(resource.closes_at):
        result.append(time(minute // 60, minute % 60))
        minute += resource.slot_minutes
    return result


# --- calendar --------------------------------------------------------------------------------------

@dataclass
class CalendarSlot:
    start: datetime  # zone-local
    end: datetime
    state: str  # free | booked | own | pending | blocked | past
    booking: Booking | None = None
    block: BookingBlock | None = None


@dataclass
class CalendarDay:
    day: date
    open: bool
    slots: list[CalendarSlot]


def calendar(resource: BookableResource, user, first_day: date, days: int) -> list[CalendarDay]:
    """The resource's slots for ``days`` days from ``first_day`` with their state (two queries)."""
    begin, end = local(first_day, time(0)), local(first_day + timedelta(days=days), time(0))
    rows = db.session.execute(
        select(BookingSlot.slot_start, Booking, BookingBlock)
        .outerjoin(Booking, BookingSlot.booking_id == Booking.id)
        .outerjoin(BookingBlock, BookingSlot.block_id == BookingBlock.id)
        .where(BookingSlot.resource_id == resource.id, BookingSlot.slot_start >= begin, BookingSlot.slot_start < end)
    ).all()
    holders = {row[0]: (row[1], row[2]) for row in rows}
    now = clock.now()
    slot = timedelta(minutes=resource.slot_minutes)
    result = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        is_open = day.isoweekday() in resource.weekdays
        slots = []
        if is_open:
            moment, closes = local(day, resource.opens_at), local(day, resource.closes_at)
            while moment + slot <= closes:
                slots.append(_slot_state(moment, moment + slot, holders, user, now))
                moment += slot
        result.append(CalendarDay(day, is_open, slots))
    return result


def _slot_state(start: datetime, end: datetime, holders: dict, user, now: datetime) -> CalendarSlot:
    for unit in units_between(start, end):
        holder = holders.get(unit)
        if holder is None:
            continue
        booking, block = holder
        if block is not None:
            return CalendarSlot(start, end, "blocked", block=block)
        if is_own_booking(user, booking):
            return CalendarSlot(start, end, "own", booking=booking)
        return CalendarSlot(start, end, "pending" if booking.status == "pending" else "booked", booking=booking)
    return CalendarSlot(start, end, "past" if start <= now else "free")


# --- lists, use and panels -------------------------------------------------------------------------

def upcoming_for(user, limit: int = 8) -> list[Booking]:
    """The user's company's coming bookings (pending and confirmed)."""
    return list(db.session.scalars(
        select(Booking).where(own_bookings_clause(user), Booking.status.in_(ACTIVE_BOOKING_STATUSES),
                              Booking.ends_at > clock.utcnow())
        .order_by(Booking.starts_at).limit(limit)))


def pending_for(user, limit: int | None = None) -> list[Booking]:
    query = visible_bookings(user).where(Booking.status == "pending").order_by(Booking.starts_at)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def today_for(user) -> list[Booking]:
    """Today's active bookings on the resources ``user`` manages."""
    today = clock.today()
    begin, end = local(today, time(0)), local(today + timedelta(days=1), time(0))
    return list(db.session.scalars(
        visible_bookings(user).where(Booking.status.in_(ACTIVE_BOOKING_STATUSES), Booking.starts_at < end,
                                     Booking.ends_at > begin).order_by(Booking.starts_at)))


@dataclass
class UseRow:
    key: object
    label: str
    bookings: int
    hours: Decimal
    amount: int


def usage(user, first_day: date, last_day: date, platform_id: int | None = None) -> dict[str, list[UseRow]]:
    """Confirmed use per resource and per company between two days (inclusive), for the user's platforms.

    Two grouped queries whatever the number of resources or companies.
    """
    begin, end = local(first_day, time(0)), local(last_day + timedelta(days=1), time(0))
    base = (select(Booking).join(BookableResource, Booking.resource_id == BookableResource.id)
            .where(Booking.status == "confirmed", Booking.starts_at >= begin, Booking.starts_at < end))
    base = scoped(base, platform_ids_for(user), BookableResource.platform_id)
    if platform_id:
        base = base.where(BookableResource.platform_id == platform_id)
    sub = base.subquery()
    seconds = _seconds_expr(sub.c.starts_at, sub.c.ends_at)
    per_resource = db.session.execute(
        select(BookableResource.id, BookableResource.name, Platform.code, func.count(sub.c.id), func.sum(seconds),
               func.sum(sub.c.price))
        .join(sub, sub.c.resource_id == BookableResource.id).join(Platform, BookableResource.platform_id == Platform.id)
        .group_by(BookableResource.id, BookableResource.name, Platform.code)
        .order_by(Platform.code, BookableResource.name)).all()
    per_company = db.session.execute(
        select(sub.c.organisation_id, Organisation.name, func.count(sub.c.id), func.sum(seconds), func.sum(sub.c.price))
        .outerjoin(Organisation, sub.c.organisation_id == Organisation.id)
        .group_by(sub.c.organisation_id, Organisation.name).order_by(func.sum(seconds).desc())).all()
    return {
        "resources": [UseRow(rid, f"{code} · {name}", n, _hours(secs), int(amount or 0))
                      for rid, name, code, n, secs, amount in per_resource],
        "companies": [UseRow(oid, name or str(_l("Outside users")), n, _hours(secs), int(amount or 0))
                      for oid, name, n, secs, amount in per_company],
    }


def _seconds_expr(start, end):
    """Seconds between two timestamp columns, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400


def _hours(seconds) -> Decimal:
    return (Decimal(str(round(float(seconds or 0)))) / Decimal(3600)).quantize(Decimal("0.01"))


def bookings_for_export(user, first_day: date, last_day: date, platform_id: int | None = None) -> list[Booking]:
    begin, end = local(first_day, time(0)), local(last_day + timedelta(days=1), time(0))
    query = (visible_bookings(user).where(Booking.status.in_(ACTIVE_BOOKING_STATUSES), Booking.starts_at >= begin,
                                          Booking.starts_at < end)
             .order_by(Booking.starts_at, Booking.id))
    if platform_id:
        query = query.where(Booking.resource_id.in_(select(BookableResource.id).where(
            BookableResource.platform_id == platform_id)))
    return list(db.session.scalars(query))


def resource_list_query(user, *, q: str | None = None, kind: str | None = None, platform_id: int | None = None,
                        mine: bool = False, sort: str = "name"):
    """The resources list: everyone sees bookable ones; managers also their retired ones."""
    query = select(BookableResource).join(Platform, BookableResource.platform_id == Platform.id)
    if mine:
        query = scoped(query, platform_ids_for(user), BookableResource.platform_id)
    if user.role in MANAGER_ROLES:
        managed = platform_ids_for(user)
        if managed is not None:
            query = query.where(or_(BookableResource.status != "retired", BookableResource.platform_id.in_(managed)))
    else:
        query = query.where(BookableResource.status != "retired")
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(BookableResource.name.ilike(like), BookableResource.description.ilike(like),
                                Platform.name.ilike(like)))
    if kind:
        query = query.where(BookableResource.kind == kind)
    if platform_id:
        query = query.where(BookableResource.platform_id == platform_id)
    orders = {"name": BookableResource.name, "platform": Platform.code, "kind": BookableResource.kind,
              "price": BookableResource.price_tenant, "status": BookableResource.status}
    key = sort.lstrip("-")
    column = orders.get(key, BookableResource.name)
    return query.order_by(column.desc() if sort.startswith("-") else column, BookableResource.id)


def platforms_with_resources() -> list[Platform]:
    """Platforms that have a resource not retired (the filter of the resources list), by name."""
    return list(db.session.scalars(select(Platform).where(Platform.id.in_(
        select(BookableResource.platform_id).where(BookableResource.status != "retired"))).order_by(Platform.code)))


def booking_list_query(user, *, scope: str = "upcoming", status: str | None = None, resource_id: int | None = None,
                       q: str | None = None):
    query = visible_bookings(user)
    now = clock.utcnow()
    if scope == "upcoming":
        query = query.where(Booking.ends_at > now)
    elif scope == "past":
        query = query.where(Booking.ends_at <= now)
    if status:
        query = query.where(Booking.status == status)
    if resource_id:
        query = query.where(Booking.resource_id == resource_id)
    if q:
        like = f"%{q.strip()}%"
        query = query.where(or_(Booking.purpose.ilike(like), Booking.organisation_id.in_(
            select(Organisation.id).where(Organisation.name.ilike(like)))))
    order = Booking.starts_at if scope == "upcoming" else Booking.starts_at.desc()
    return query.order_by(order, Booking.id)


def blocks_list_query(user):
    """Block series of the user's resources: one row per series with its span and count."""
    managed = managed_resources(user).with_only_columns(BookableResource.id)
    return (select(BookingBlock.series, func.min(BookingBlock.kind), func.min(BookingBlock.title),
                   func.min(BookingBlock.starts_at), func.max(BookingBlock.ends_at), func.count(BookingBlock.id),
                   func.count(BookingBlock.resource_id.distinct()))
            .where(BookingBlock.resource_id.in_(managed))
            .group_by(BookingBlock.series).order_by(func.min(BookingBlock.starts_at).desc()))

