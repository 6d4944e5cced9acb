"""Showing indicator figures on pages: rounded as in the exports, with the reader's number format."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import format_decimal

from ..database import round_half_up
from . import catalogue


def fixed(value: Decimal | None, places: int, grouping: bool = True) -> str:
    """A figure rounded half up to ``places`` decimals; empty when undefined."""
    if value is None:
        return ""
    rounded = round_half_up(Decimal(value), places)
    pattern = ("#,##0" if grouping else "0") + ("." + "0" * places if places else "")
    return format_decimal(rounded, format=pattern)


def indicator_value(value: Decimal | None, code: str) -> str:
    return fixed(value, catalogue.get(code).places)


def percent_value(value: Decimal | None) -> str:
    return fixed(value, 2)


def ratio_value(value: Decimal | None) -> str:
    return fixed(value, 4)


def score_value(value: Decimal | None) -> str:
    return fixed(value, 1)


def plain(value: Decimal | None, places: int) -> float | None:
    """A rounded figure for chart data (JSON)."""
    return None if value is None else float(round_half_up(Decimal(value), places))


def register_filters(app) -> None:
    app.jinja_env.filters.update(indicator_value=indicator_value, percent_value=percent_value,
                                 ratio_value=ratio_value, score_value=score_value)
