"""Recording audit events: every change to data goes through ``record`` or ``record_many``."""
from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import Column, inspect, insert

from .. import clock
from ..extensions import db
from .models import AuditEvent


_PLAIN_TYPES = frozenset({type(None), bool, int, float, str})


def jsonable(value):
    """A value the JSON column accepts, exactly (Decimal as text, dates in ISO form)."""
    if value.__class__ in _PLAIN_TYPES:  # the common case, checked first (bulk imports audit many values)
        return value
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if value.__class__ is dict:
        return {str(key): item if item.__class__ in _PLAIN_TYPES else jsonable(item) for key, item in value.items()}
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(item) for item in value]
    return str(value)


SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "totp_secret", "data"})


def snapshot(obj, fields: Iterable[str] | None = None) -> dict:
    """The column values of a model instance, JSON-ready, without secrets."""
    mapper = inspect(obj).mapper
    # Stored columns only: a value read with the row (``User.deployment_zone_count``) is no part of the record.
    names = list(fields) if fields is not None else [
        prop.key for prop in mapper.column_attrs if all(isinstance(column, Column) for column in prop.columns)]
    return {name: jsonable(getattr(obj, name)) for name in names if name not in SECRET_COLUMNS}


def changes(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose values differ, as (before, after)."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    keys += [key for key in before if key not in after]
    return {key: before.get(key) for key in keys}, {key: after.get(key) for key in keys}


# Columns SQLAlchemy and the model base keep up to date by themselves (the edit lock, the last change): a
# change of them alone is no change a person made, so they never appear in a recorded change.
BOOKKEEPING_COLUMNS = frozenset({"version", "updated_at"})


@dataclass
class TrackedChange:
    """What changed in one record: the changed values ``before`` and ``after`` (both empty when nothing
    changed) and the audit event recorded (None when none was)."""
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    event: AuditEvent | None = None

    def __bool__(self) -> bool:
        return bool(self.after)


def record_changes(action: str, target, before: dict, *, fields: Iterable[str] | None = None,
                   ignore: Iterable[str] = (), always: bool = False, extra_after: Mapping | None = None,
                   **event) -> TrackedChange:
    """Flush ``target`` and record one event of what changed since ``before`` (its ``snapshot`` taken earlier
    with the same ``fields``; ``{}`` for a record just created).

    ``ignore`` names more columns kept up to date from others (a sort key), never recorded as changes.
    Nothing is recorded when nothing changed, unless ``always`` (a step of a process, an event in itself).
    ``extra_after`` is put first in the recorded after values (which step it was); ``event`` passes the other
    arguments of ``record`` (``source``, ``source_detail``, ``reason``, ``actor``).
    """
    db.session.flush()
    old, new = changes(before, snapshot(target, fields))
    for name in BOOKKEEPING_COLUMNS.union(ignore):
        old.pop(name, None), new.pop(name, None)
    change = TrackedChange(old, new)
    if new or always:
        change.event = record(action, target, before=old or None, after={**(extra_after or {}), **new}, **event)
    return change


@contextmanager
def track_changes(action: str, target, *, fields: Iterable[str] | None = None, created: bool = False,
                  **options) -> Iterator[TrackedChange]:
    """Record what the block changes in ``target`` as one audit event (see ``record_changes``).

    ``with audit.track_changes("deliverable.updated", item, fields=FIELDS): item.status = status`` snapshots
    the record, runs the block, flushes and records the changed fields only; ``created`` (a record the block
    fills for the first time) compares with nothing. The yielded ``TrackedChange`` is filled in when the block
    ends (the caller may record a second event from it). A block that raises records nothing.
    """
    fields = tuple(fields) if fields is not None else None
    before = {} if created else snapshot(target, fields)
    change = TrackedChange()
    yield change
    recorded = record_changes(action, target, before, fields=fields, **options)
    change.before, change.after, change.event = recorded.before, recorded.after, recorded.event


def apply_changes(action: str, target, values: Mapping, *, fields: Iterable[str] | None = None,
                  **options) -> TrackedChange:
    """Set every one of ``values`` on ``target``, flush and record what changed among ``fields`` (all columns
    when None): the change-and-audit step of an edit, after Indico's ``populate_from_dict(track_changes=True)``.
    """
    with track_changes(action, target, fields=fields, **options) as change:
        for name, value in values.items():
            setattr(target, name, value)
    return change


def _context() -> dict:
    context = {"source": "cli", "ip": None, "actor_id": None, "actor_email": None}
    if has_request_context():
        context["source"] = "web"
        context["ip"] = (request.remote_addr or "")[:45] or None
        if current_user and getattr(current_user, "is_authenticated", False):
            context["actor_id"] = current_user.id
            context["actor_email"] = current_user.email
    return context


def _entity_key(entity) -> tuple[str | None, str | None]:
    if entity is None:
        return None, None
    state = inspect(entity)
    identity = state.identity or ()
    return entity.__tablename__, ",".join(str(part) for part in identity) or None


def record(action: str, entity=None, *, entity_type: str | None = None, entity_id=None,
           before: dict | None = None, after: dict | None = None, reason: str | None = None,
           source: str | None = None, source_detail: str | None = None, actor=None) -> AuditEvent:
    """Add one audit event to the session (flushed with the change it records).

    :param entity: a model instance (flushed, so it has an id); or give ``entity_type`` and ``entity_id``.
    :param actor: the user responsible; by default the logged-in user of the request.
    """
    if entity is not None:
        entity_type, entity_id = _entity_key(entity)
    context = _context()
    if actor is not None:
        context["actor_id"], context["actor_email"] = actor.id, actor.email
    event = AuditEvent(
        occurred_at=clock.utcnow(),
        actor_id=context["actor_id"], actor_email=context["actor_email"],
        action=action, entity_type=entity_type, entity_id=None if entity_id is None else str(entity_id),
        before=jsonable(before), after=jsonable(after), reason=reason,
        source=source or context["source"], source_detail=source_detail, ip=context["ip"],
    )
    db.session.add(event)
    return event


def record_many(events: Iterable[Mapping], *, source: str | None = None, actor=None) -> int:
    """Insert many audit events in bulk (imports); each mapping has the fields of ``record``."""
    rows = event_rows(events, source=source, actor=actor)
    if rows:
        db.session.execute(insert(AuditEvent.__table__), rows)  # Core executemany: fast for imports
    return len(rows)


def event_rows(events: Iterable[Mapping], *, source: str | None = None, actor=None) -> list[dict]:
    """The ``audit_events`` rows of ``record_many`` (an import prepares them before it takes the write lock)."""
    context = _context()
    if actor is not None:
        context["actor_id"], context["actor_email"] = actor.id, actor.email
    now = clock.utcnow()
    return [
        {
            "occurred_at": now,
            "actor_id": context["actor_id"], "actor_email": context["actor_email"],
            "action": item["action"], "entity_type": item.get("entity_type"),
            "entity_id": None if item.get("entity_id") is None else str(item["entity_id"]),
            "before": jsonable(item.get("before")), "after": jsonable(item.get("after")),
            "reason": item.get("reason"), "source": item.get("source") or source or context["source"],
            "source_detail": item.get("source_detail"), "ip": context["ip"],
        }
        for item in events
    ]


def history_of(entity, limit: int = 50) -> list[AuditEvent]:
    """The latest audit events about one record, newest first (for its history tab)."""
    from sqlalchemy import select

    entity_type, entity_id = _entity_key(entity)
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id.desc()).limit(limit)
    ))
