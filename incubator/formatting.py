"""How figures, dates and statuses read for people: the one place pages, the PDF and the xlsx take them from.

- Amounts are stored as whole yuan and shown in 万元 (10,000 CNY) with 2 decimals; the exact value (4
  decimals) stays in the exports and on hover (``title``). Forms never go through here: they show what was typed.
- Achievement, expected progress and shares are ratios in the data (the CSV and the API keep them so);
  people read them as percentages: ``83.7%`` on pages and in the PDF, a ``0.0%`` number format in the xlsx.
- Dates and times are in the user's language and the zone's time zone, on a 24-hour clock:
  ``2026年12月7日 16:42`` / ``7 Dec 2026, 16:42``.
- Each evaluation status has one word per language wherever it shows (dashboard, evaluation, PDF, xlsx):
  the words carry their own message context, so no area's catalogue can give the same code another word.
Rounding is half up (away from zero), as the evaluation contract rounds its output.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_pgettext
from markupsafe import Markup, escape

from . import clock
from .database import round_half_up, yuan_to_wan

AMOUNT_PLACES = 2  # 万元 as people read them
EXACT_AMOUNT_PLACES = 4  # 万元 to the yuan: exports, hover
PERCENT_PLACES = 1  # achievement, expected progress, shares

# Number formats of the xlsx, so a workbook reads as the pages do while its cells keep the exact values.
XLSX_EXACT_AMOUNT = "#,##0.0000"
XLSX_PERCENT = "0.0%"

# The evaluation statuses (codes of ../shared/spec/evaluation.md), one word each per language.
STATUS_WORDS = {
    "on_track": lazy_pgettext("evaluation status", "On track"),
    "at_risk": lazy_pgettext("evaluation status", "At risk"),
    "behind": lazy_pgettext("evaluation status", "Behind"),
}

# Babel's own medium date reads "Dec 7, 2026" in English and its short time "4:42 PM": the zone writes
# day month year and a 24-hour clock.
DATE_PATTERNS = {"zh": "y年M月d日", "en": "d MMM y"}
DATETIME_PATTERNS = {"zh": "y年M月d日 HH:mm", "en": "d MMM y, HH:mm"}
TIME_PATTERN = "HH:mm"


def _language() -> str:
    locale = get_locale()
    return "zh" if locale is not None and str(locale).startswith("zh") else "en"


def fixed(value: Decimal | int | None, places: int, grouping: bool = True) -> str:
    """A number rounded half up to ``places`` decimals with the reader's separators; empty when undefined."""
    if value is None:
        return ""
    rounded = round_half_up(Decimal(value), places)
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * places if places else "")
    return format_decimal(rounded, format=pattern)


def amount(wan: Decimal | None, places: int = AMOUNT_PLACES) -> str:
    """An amount in 万元, rounded for reading (2 decimals unless told)."""
    return fixed(wan, places)


def exact_amount(wan: Decimal | None) -> str:
    """An amount in 万元 to the yuan (4 decimals)."""
    return fixed(wan, EXACT_AMOUNT_PLACES)


def amount_html(wan: Decimal | None, places: int = AMOUNT_PLACES) -> Markup:
    """The rounded amount, with the exact one on hover when rounding dropped something."""
    if wan is None:
        return Markup("")
    shown, exact = amount(wan, places), exact_amount(wan)
    if round_half_up(Decimal(wan), places) == Decimal(wan):
        return Markup(escape(shown))
    return Markup('<span class="exact-amount" title="{exact}" data-exact="{exact}">{shown}</span>').format(
        exact=exact, shown=shown)


def yuan_amount(yuan: int | None, places: int = AMOUNT_PLACES) -> str:
    return amount(yuan_to_wan(yuan), places) if yuan is not None else ""


def yuan_amount_html(yuan: int | None, places: int = AMOUNT_PLACES) -> Markup:
    """Whole yuan shown in 万元 for reading, exact on hover (the ``wan`` template filter)."""
    return amount_html(yuan_to_wan(yuan), places) if yuan is not None else Markup("")


def percent(ratio: Decimal | None, places: int = PERCENT_PLACES) -> str:
    """A ratio (0.8372) as people read it (83.7%); empty when undefined."""
    if ratio is None:
        return ""
    return fixed(Decimal(ratio) * 100, places) + "%"


def percent_figure(value: Decimal | None, places: int = 2) -> str:
    """A figure already in percent (R&D intensity 3.45, growth -17.39) with its sign: 3.45%."""
    if value is None:
        return ""
    return fixed(value, places) + "%"


def wan_unit() -> str:
    """The unit of amounts in the reader's language (万元 / 10,000 CNY), from the indicator catalogue."""
    from .outcomes.catalogue import WAN

    return WAN.label(_language())


def status_word(code: str | None) -> str:
    return str(STATUS_WORDS[code]) if code else ""


def local_datetime(value: datetime | None, fmt: str | None = None) -> str:
    """A moment in the zone's time zone and the reader's language, 24-hour clock."""
    if value is None:
        return ""
    local = value.astimezone(clock.zone_tz())
    if fmt in (None, "short", "medium"):
        return format_datetime(local, DATETIME_PATTERNS[_language()])
    if fmt == "time":
        return format_datetime(local, TIME_PATTERN)
    return format_datetime(local, fmt)


def local_date(value: date | None, fmt: str | None = None) -> str:
    """A day in the reader's language: 2026年12月7日 / 7 Dec 2026 (other Babel formats on request)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(clock.zone_tz()).date()
    if fmt in (None, "medium"):
        return format_date(value, DATE_PATTERNS[_language()])
    return format_date(value, fmt)


def register(app) -> None:
    """The template filters and globals every page shares."""
    app.jinja_env.filters.update(
        wan=yuan_amount_html, amount=amount_html, percent=percent, percent_figure=percent_figure,
        local_dt=local_datetime, local_date=local_date,
    )
    app.jinja_env.globals.update(status_word=status_word, wan_unit=wan_unit, STATUS_WORDS=STATUS_WORDS)
