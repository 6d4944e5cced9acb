"""The one clock: every "now" and "today" in the zone's time zone comes from here, so tests can set it."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

_frozen: datetime | None = None
DEFAULT_ZONE = "Asia/Shanghai"


def zone_tz() -> ZoneInfo:
    name = current_app.config.get("ZONE_TIMEZONE", DEFAULT_ZONE) if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def now() -> datetime:
    """The current moment as an aware datetime in the zone's time zone."""
    moment = _frozen or datetime.now(timezone.utc)
    return moment.astimezone(zone_tz())


def utcnow() -> datetime:
    """The current moment in UTC (aware), for timestamps stored in the database."""
    return now().astimezone(timezone.utc)


def today() -> date:
    """Today's date in the zone."""
    return now().date()


def freeze(moment: datetime | None) -> None:
    """Set the clock (tests only); ``None`` lets it run again. Naive values are read as zone time."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone_tz())
    _frozen = moment
