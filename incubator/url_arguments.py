"""What a URL may carry: ids and quarters in the path, numbers and days in the query string.

Out-of-range values used to reach the database or ``date`` and fail there with a 500 (SQLite refuses
integers beyond 64 bits, ``date(10000, 1, 1)`` and year 0 do not exist). Here they are refused first:
a path value that cannot exist answers 404 (no such page), through the converters; a query argument
that is not what its name promises answers 400 with a message saying what is expected, through the one
parser below, before any view runs.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest
from werkzeug.routing import BaseConverter, IntegerConverter, ValidationError

from .periods import FIRST_YEAR, LAST_YEAR, Period, PeriodError

# The largest value of the id columns (INTEGER: 32 bits on PostgreSQL, which refuses a larger parameter;
# SQLite refuses beyond 64 bits).
MAX_ID = 2**31 - 1
MAX_PAGE = 1_000_000


class IdConverter(IntegerConverter):
    """``<int:...>`` with an upper bound: an id no database can hold is a page that does not exist."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max,
                         signed=signed)


class PeriodConverter(BaseConverter):
    """``<period:...>``: a quarter the app can reckon with (``2026Q3``), else 404. The view receives the text
    as written and parses it itself, so routes and views read as before."""

    def to_python(self, value: str) -> str:
        try:
            Period.parse(value)
        except PeriodError:
            raise ValidationError() from None
        return value

    def to_url(self, value) -> str:
        return super().to_url(str(value))


class BadQueryArgument(BadRequest):
    """A query argument out of its range; ``user_message`` says in the user's language what is expected."""

    def __init__(self, user_message) -> None:
        super().__init__(description=str(user_message))
        self.user_message = user_message


def _whole_number(minimum: int, maximum: int) -> Callable[[str, str], int]:
    def parse(name: str, text: str) -> int:
        number = int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else None
        if number is None or not minimum <= number <= maximum:
            raise BadQueryArgument(_l("“%(name)s” must be a whole number from %(minimum)d to %(maximum)d.",
                                      name=name, minimum=minimum, maximum=maximum))
        return number
    return parse


def _read_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text.isascii() and len(text) == 10 else None
    except ValueError:
        return None


def _day_message(name: str):
    return _l("“%(name)s” must be a day written like 2026-03-31, from year %(first)d to %(last)d.",
              name=name, first=FIRST_YEAR, last=LAST_YEAR)


def _day(name: str, text: str) -> date:
    day = _read_day(text)
    if day is None or not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BadQueryArgument(_day_message(name))
    return day


def _filter_form_day(name: str, text: str) -> date | None:
    """A day field of a filter form: the form itself says, beside the field and keeping what was typed,
    that a text is not a day; only a real day out of range (which the form would pass on) is refused."""
    day = _read_day(text)
    if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise BadQueryArgument(_day_message(name))
    return day


@dataclass(frozen=True)
class QueryArgument:
    """A query argument that means the same on every page that reads it."""

    name: str
    parse: Callable[[str, str], object]


_ID = _whole_number(1, MAX_ID)
# The single source of the query arguments checked on every request (an argument one page uses for
# something else, e.g. the audit filter's text ``source``, is not listed).
QUERY_ARGUMENTS = {argument.name: argument for argument in (
    QueryArgument("page", _whole_number(1, MAX_PAGE)),
    QueryArgument("year", _whole_number(FIRST_YEAR, LAST_YEAR)),
    QueryArgument("version", _ID),
    QueryArgument("platform", _ID),
    QueryArgument("resource", _ID),
    QueryArgument("unit", _ID),
    QueryArgument("expert", _ID),
    QueryArgument("partner", _ID),
    QueryArgument("day", _day),
    QueryArgument("on", _day),
    QueryArgument("first_day", _filter_form_day),
    QueryArgument("last_day", _filter_form_day),
    QueryArgument("date_from", _filter_form_day),
    QueryArgument("date_to", _filter_form_day),
)}


def query_argument(name: str, default=None):
    """The value of the query argument ``name`` parsed by its rule (``default`` when absent or empty);
    a value out of range answers 400 with the rule's message."""
    text = request.args.get(name, "").strip()
    if not text:
        return default
    return QUERY_ARGUMENTS[name].parse(name, text)


def check_query_arguments() -> None:
    """Refuse the request (400) when any listed query argument, each of its values, is out of range."""
    for name in request.args.keys():
        argument = QUERY_ARGUMENTS.get(name)
        if argument is None:
            continue
        for text in request.args.getlist(name):
            if text.strip():
                argument.parse(name, text.strip())


def init_app(app) -> None:
    """Install the converters (before any blueprint adds its routes) and the query check."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["period"] = PeriodConverter
    app.before_request(check_query_arguments)
