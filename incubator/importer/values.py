"""Reading one cell: text, codes, choices, amounts in 万元, counts, dates and periods, as the import spec says.

Each parser takes the raw cell (a ``str`` from CSV; ``str``, ``float``, ``int``, ``bool``, ``date`` or
``datetime`` from xlsx) and returns the stored value or raises ``CellError`` with a translatable message.
Blank cells never reach a parser: the engine applies the column's default or reports a missing value.
"""
from __future__ import annotations

import contextvars
import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from ..fields import strip_controls
from ..organisations import credit_code as credit_codes
from ..periods import Period, PeriodError


class CellError(ValueError):
    """What is wrong with one cell, as a lazy (translatable) message."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# A formula cell whose cached value is missing (Excel has not computed it): an error for its row.
class _FormulaWithoutValue:
    def __repr__(self) -> str:
        return "<formula without cached value>"


FORMULA_WITHOUT_VALUE = _FormulaWithoutValue()


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９．，－＋", "0123456789.,-+")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _number_text(text: str) -> str:
    value = text.translate(_FULL_WIDTH_DIGITS)
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    return value.strip().replace(",", "").replace(" ", "").replace("\u00a0", "")


def to_decimal(value) -> Decimal:
    """The exact decimal a cell holds: a float cell as the shortest decimal that gives it back."""
    if isinstance(value, bool) or isinstance(value, (date, datetime, timedelta)):
        raise CellError(_l("Enter a number, for example 1,234.5."))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError(_l("Enter a number, for example 1,234.5."))
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    text = _number_text(str(value))
    if not _NUMBER_RE.match(text):
        raise CellError(_l("Enter a number, for example 1,234.5."))
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above admits only valid numbers
        raise CellError(_l("Enter a number, for example 1,234.5.")) from None


_PLAIN_AMOUNT = re.compile(r"^\s*(\d{1,12})(?:\.(\d{0,4}))?\s*$")
MAX_WAN = Decimal("1000000000000")  # 10^12 万元: far beyond any real amount, well inside a BIGINT of yuan
YUAN_PER_WAN = 10_000


def amount(value) -> int:
    """An amount in 万元 (≥ 0, at most 4 decimal places) as whole yuan."""
    if value.__class__ is float:
        if value.is_integer() and 0 <= value < 1e12:
            return int(value) * YUAN_PER_WAN
        match = _PLAIN_AMOUNT.match(repr(value))  # the shortest decimal that gives the float back
        if match:
            whole, fraction = match.groups()
            return int(whole) * YUAN_PER_WAN + (int(fraction.ljust(4, "0")) if fraction else 0)
    elif value.__class__ is str:  # the usual CSV cell: plain digits, at most 4 decimals
        match = _PLAIN_AMOUNT.match(value)
        if match:
            whole, fraction = match.groups()
            return int(whole) * YUAN_PER_WAN + (int(fraction.ljust(4, "0")) if fraction else 0)
    number = to_decimal(value)
    if number < 0:
        raise CellError(_l("An amount may not be negative."))
    if number > MAX_WAN:
        raise CellError(_l("The amount is too large."))
    yuan = number * YUAN_PER_WAN
    if yuan != yuan.to_integral_value():
        raise CellError(_l("Use at most 4 decimal places."))
    return int(yuan)


MAX_COUNT = 2_000_000_000


def count(value) -> int:
    """A whole number ≥ 0 (persons, items)."""
    if value.__class__ is str:
        text = value.strip()
        if text.isdigit() and text.isascii() and len(text) < 10:
            return int(text)
    elif value.__class__ is float and value.is_integer() and 0 <= value <= MAX_COUNT:
        return int(value)
    number = to_decimal(value)
    if number != number.to_integral_value():
        raise CellError(_l("Enter a whole number."))
    if number < 0:
        raise CellError(_l("The number may not be negative."))
    if number > MAX_COUNT:
        raise CellError(_l("The number is too large."))
    return int(number)


def decimal_places(places: int, maximum: Decimal = Decimal("1000000000")):
    """A parser of a number ≥ 0 with at most ``places`` decimals (floor areas), as Decimal."""

    def parse(value) -> Decimal:
        number = to_decimal(value)
        if number < 0:
            raise CellError(_l("The number may not be negative."))
        if number > maximum:
            raise CellError(_l("The number is too large."))
        if number != number.quantize(Decimal(1).scaleb(-places)):
            raise CellError(_l("Use at most %(n)d decimal places.", n=places))
        return number

    return parse


def year(value) -> int:
    """A calendar year such as 2026."""
    try:
        number = count(value)
    except CellError:
        raise CellError(_l("Enter a year such as 2026.")) from None
    if not 1900 <= number <= 2200:
        raise CellError(_l("Enter a year such as 2026."))
    return number


_DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def day(value) -> date:
    """``YYYY-MM-DD`` text or an Excel date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        match = _DATE_RE.match(text)
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                raise CellError(_l("There is no such date.")) from None
    raise CellError(_l("Enter a date as YYYY-MM-DD, for example 2026-03-31."))


# The current quarter during an import (set once by the engine instead of reading the clock per cell).
current_period: contextvars.ContextVar[Period | None] = contextvars.ContextVar("current_period", default=None)


@lru_cache(maxsize=4096)
def _parse_period(text: str) -> Period | None:
    try:
        return Period.parse(text)
    except PeriodError:
        return None


def period(value) -> Period:
    """A quarter (``2026Q3``, ``2026q3``, ``2026-Q3``, ``2026年第3季度``), not after the current one."""
    if isinstance(value, float) and value.is_integer():
        value = str(int(value))
    result = _parse_period(str(value))
    if result is None:
        raise CellError(_l("Enter a quarter such as 2026Q3."))
    current = current_period.get() or Period.current()
    if result > current:
        raise CellError(_l("The period is after the current quarter (%(current)s).", current=str(current)))
    return result


def text(max_length: int):
    """A parser of free text (names, titles) up to ``max_length`` characters."""

    def parse(value) -> str:
        result = _plain_text(value)
        if not result:  # only control characters: as blank as an empty cell
            raise CellError(_l("A value is required."))
        if len(result) > max_length:
            raise CellError(_l("At most %(n)d characters.", n=max_length))
        return result

    return parse


def code(max_length: int):
    """A parser of an identifier (platform code, reference): text without surrounding spaces."""

    def parse(value) -> str:
        result = _plain_text(value)
        if not result:
            raise CellError(_l("A value is required."))
        if len(result) > max_length:
            raise CellError(_l("At most %(n)d characters.", n=max_length))
        return result

    return parse


def _plain_text(value) -> str:
    """The cell as text: whole floats without ``.0``, dates as ISO, C0 control characters dropped."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return strip_controls(str(value)).strip()


def choice(options: tuple[str, ...]):
    """A parser of one of ``options`` (codes, matched ignoring case)."""
    lookup = {option.lower(): option for option in options}
    listed = ", ".join(options)

    def parse(value) -> str:
        found = lookup.get(_plain_text(value).lower())
        if found is None:
            raise CellError(_l("Use one of: %(options)s.", options=listed))
        return found

    return parse


def credit_code(value) -> str:
    """A unified social credit code with a valid check character (lower case is upper-cased)."""
    normalised = _valid_code(value) if value.__class__ is str else None
    if normalised:
        return normalised
    normalised = credit_codes.normalise(_plain_text(value))
    if not normalised.isascii():
        normalised = unicodedata.normalize("NFKC", normalised).upper()
    problem = credit_codes.problem(normalised)
    if problem:
        raise CellError(problem[0])
    return normalised


@lru_cache(maxsize=65536)
def _valid_code(text: str) -> str | None:
    """The normalised code when ``text`` is a valid credit code, else None (cached: codes repeat)."""
    normalised = credit_codes.normalise(text)
    return normalised if credit_codes.is_valid(normalised) else None
