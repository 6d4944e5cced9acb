"""An audit event as a person reads it: its fields named from the label registry and its values shown as the
forms show them (万元 as typed, yes/no, dates in the reader's language, team members as a small table)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from flask_babel import format_decimal
from flask_babel import gettext as _

from .. import formatting
from ..database import yuan_to_wan
from . import labels
from .labels import Field

EMPTY = "—"


@dataclass(frozen=True)
class Shown:
    """One value as shown: a line of text, or a table (headers, rows) for a list of records."""
    text: str = ""
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def is_table(self) -> bool:
        return bool(self.headers)


@dataclass(frozen=True)
class Change:
    label: str
    before: Shown | None  # None: the event carries no earlier value (a creation, a step)
    after: Shown


def _exact_wan(yuan) -> str:
    """万元 exactly, as a person types them (586.5864, 12, 0.5): no rounding, no padding zeros."""
    wan = yuan_to_wan(int(yuan)).normalize()
    places = max(0, -wan.as_tuple().exponent)
    return format_decimal(wan, format="#,##0" + ("." + "#" * places if places else ""))


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _text(value) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return formatting.local_datetime(value)
    if isinstance(value, date):
        return formatting.local_date(value)
    if isinstance(value, (int, float, Decimal)):
        return format_decimal(value)
    if isinstance(value, dict):
        return "; ".join(f"{_key_label(key)}: {_text(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(item) for item in value) or EMPTY
    return str(value)


def _key_label(key: str) -> str:
    field = labels.FIELD_LABELS.get(key)
    if field is not None and field.label is not None:
        return str(field.label)
    person = labels.PERSON_LABELS.get(key)
    return str(person) if person is not None else key


def _parse_moment(value):
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is None:  # stored in UTC (see UTCDateTime)
            moment = moment.replace(tzinfo=timezone.utc)
        return moment
    return value


def _parse_date(value):
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value


def show(field: Field, value) -> Shown:
    """A stored value (JSON: numbers, text, ISO dates, lists) shown as the field's form shows it."""
    if value is None or value == "" or value == []:
        return Shown(EMPTY)
    kind = field.kind
    if kind == labels.WAN and (number := _decimal(value)) is not None:
        return Shown(_("%(amount)s (10,000 CNY)", amount=_exact_wan(number)))
    if kind == labels.YUAN and (number := _decimal(value)) is not None:
        return Shown(_("%(amount)s yuan", amount=format_decimal(number)))
    if kind == labels.SCALED and (number := _decimal(value)) is not None:
        return Shown(format_decimal((number / 10_000).normalize()))
    if kind == labels.PERCENT_SCALED and (number := _decimal(value)) is not None:
        return Shown(format_decimal((number / 10_000).normalize()) + " %")
    if kind == labels.BOOL:
        return Shown(_text(bool(value)))
    if kind == labels.DATE:
        return Shown(_text(_parse_date(value)))
    if kind == labels.MOMENT:
        return Shown(_text(_parse_moment(value)))
    if kind == labels.PEOPLE and isinstance(value, list) and all(isinstance(item, dict) for item in value):
        keys = [key for key in labels.PERSON_LABELS if any(key in item for item in value)]
        keys += sorted({key for item in value for key in item} - set(keys))
        return Shown(headers=tuple(_key_label(key) for key in keys),
                     rows=tuple(tuple(_text(item.get(key)) for key in keys) for item in value))
    return Shown(_text(value))


def readable_changes(event) -> list[Change]:
    """The fields of an event a person needs, labelled and formatted, in the order they were recorded."""
    before, after = event.before or {}, event.after or {}
    if not isinstance(after, dict):
        after = {"details": after}
    keys = list(after) + [key for key in before if key not in after]
    changes = []
    for key in keys:
        field = labels.field_of(event.entity_type, key) or Field(key)
        if field.kind == labels.HIDDEN:
            continue
        old = show(field, before[key]) if key in before else None
        changes.append(Change(str(field.label) if field.label is not None else key, old,
                              show(field, after.get(key))))
    return changes
