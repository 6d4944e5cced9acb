"""Reading one cell: text, codes, choices, amounts in 万元, counts, dates and periods, as the import spec says.

Each parser takes the raw cell (a ``str`` from CSV; ``str``, ``float``, ``int``, ``bool``, ``date`` or
``datetime`` from xlsx) and returns the stored value or raises ``CellError`` with a translatable message.
Blank cells never reach a parser: the engine applies the column's default or reports a missing value.
"""
from __future__ import annotations

import contextvars
from collections.abc import Callable
import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from ..fields import NumberTextError, parse_decimal, strip_controls
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


def to_decimal(value) -> Decimal:
    """The exact decimal a cell holds: a float cell as the shortest decimal that gives it back; text as
    typed (``1,234.5`` yes; ``12,5`` and ``1e5`` are errors that say why)."""
    if isinstance(value, bool) or isinstance(value, (date, datetime, timedelta)):
        raise CellError(_l("Enter a number, for example 1,234.5."))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CellError(_l("Enter a number, for example 1,234.5."))
        return Decimal(repr(value))
    if isinstance(value, int):
        return Decimal(value)
    try:
        return parse_decimal(str(value))
    except NumberTextError as error:
        raise CellError(error.message) from None


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


# 2025-03-01, 2025/3/1, 2025.3.1 (one separator throughout) and 2025年3月1日.
_DATE_PATTERNS = (re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})$"),
                  re.compile(r"^(\d{4})\s*年\s*()(\d{1,2})\s*月\s*(\d{1,2})\s*日$"))


def day(value) -> date:
    """``YYYY-MM-DD``, ``YYYY/M/D``, ``YYYY.M.D`` or ``YYYY年M月D日`` text, or an Excel date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        for pattern in _DATE_PATTERNS:
            match = pattern.match(text)
            if match:
                try:
                    return date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
                except ValueError:
                    raise CellError(_l("There is no such date.")) from None
    raise CellError(_l("Enter a date as YYYY-MM-DD, for example 2026-03-31 (2026/3/31, 2026.3.31 and "
                       "2026年3月31日 are read too)."))


# The current quarter during an import (set once by the engine instead of reading the clock per cell).
current_period: contextvars.ContextVar[Period | None] = contextvars.ContextVar("current_period", default=None)


@lru_cache(maxsize=4096)
def _parse_period(text: str) -> Period | None:
    try:
        return Period.parse(text)
    except PeriodError:
        return None


def period(value) -> Period:
    """A quarter (``2026Q3``, ``2026q3``, ``2026-Q3``, ``2026年第3季度``) that has ended."""
    if isinstance(value, float) and value.is_integer():
        value = str(int(value))
    result = _parse_period(str(value))
    if result is None:
        raise CellError(_l("Enter a quarter such as 2026Q3."))
    current = current_period.get() or Period.current()
    if result >= current:
        raise CellError(_l("The quarter %(period)s has not ended yet: a report is for an ended quarter "
                           "(the current one is %(current)s).", period=str(result), current=str(current)))
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


LANGUAGES = ("zh", "en")


def render_label(label, lang: str, area: str | None = None) -> str:
    """A (lazy) label as the interface shows it in ``lang``, read with its own area's catalogue."""
    from flask_babel import force_locale

    from ..i18n import area_catalogue

    with force_locale(lang):
        if area is None:
            return str(label)
        with area_catalogue(area):
            return str(label)


def reader_language() -> str:
    """The language messages are being rendered in (``zh`` or ``en``)."""
    from flask import has_app_context

    from ..i18n import current_language

    return current_language() if has_app_context() else "en"


def join_options(items: list[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(items)


class _Options:
    """The accepted values of a coded column, rendered in the reader's language when the message is."""

    def __init__(self, describe: Callable[[str], str]):
        self.describe = describe

    def __str__(self) -> str:
        return self.describe(reader_language())


def options_text(describe: Callable[[str], str]) -> _Options:
    """A message parameter listing accepted values, rendered when (and in the language) the message is."""
    return _Options(describe)


def options_note(coded: "Coded") -> _Options:
    """A template note listing a coded column's accepted values in the template's language."""
    return _Options(coded.describe)


DATE_NOTE = _l("YYYY-MM-DD (also 2026/3/31, 2026.3.31, 2026年3月31日)")


class Coded:
    """A parser of a coded column: the code, or the label the interface shows for it in either language
    (ignoring case and surrounding spaces). Labels come from the area's registry, never restated here.

    :param source: a callable returning ``{code: labels}``; a label is a lazy string (rendered in both
        languages) or a ``(zh, en)`` pair (the indicator catalogue's names).
    :param area: the area whose catalogue translates the lazy labels.
    """

    def __init__(self, source: Callable[[], dict], area: str | None = None):
        self.source = source
        self.area = area
        self._names: dict[str, dict[str, list[str]]] | None = None
        self._lookup: dict[str, str] | None = None

    def names(self) -> dict[str, dict[str, list[str]]]:
        """code -> language -> its labels (the first is the one pages show)."""
        if self._names is None:
            names = {}
            for code, labels in self.source().items():
                per_language = {lang: [] for lang in LANGUAGES}
                for label in labels:
                    for position, lang in enumerate(LANGUAGES):
                        text = label[position] if isinstance(label, tuple) else render_label(label, lang, self.area)
                        if text and text not in per_language[lang]:
                            per_language[lang].append(text)
                names[code] = per_language
            self._names = names
        return self._names

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.names())

    def lookup(self) -> dict[str, str]:
        if self._lookup is None:
            lookup: dict[str, str] = {}
            for code, per_language in self.names().items():
                for lang in LANGUAGES:
                    for label in per_language[lang]:
                        lookup.setdefault(label.strip().lower(), code)
            for code in self.names():  # a code always means itself
                lookup[code.lower()] = code
            self._lookup = lookup
        return self._lookup

    def label(self, code: str, lang: str) -> str:
        labels = self.names().get(code, {}).get(lang)
        return labels[0] if labels else code

    def describe(self, lang: str) -> str:
        """The accepted values, e.g. ``初创企业（startup）、企业（enterprise）``."""
        template = "{label}（{code}）" if lang == "zh" else "{label} ({code})"
        return join_options([template.format(label=self.label(code, lang), code=code) for code in self.names()],
                            lang)

    def __call__(self, value) -> str:
        text = _plain_text(value)
        if not text.isascii():
            text = unicodedata.normalize("NFKC", text)
        found = self.lookup().get(text.strip().lower())
        if found is None:
            raise CellError(_l("“%(value)s” is not one of the accepted values: %(options)s.",
                               value=text[:60], options=_Options(self.describe)))
        return found


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
