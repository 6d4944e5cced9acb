"""Showing indicator figures on pages and in the PDF, through the shared formatting module.

Amounts (万元) read with 2 decimals and keep the exact value on hover; other figures keep the places of
their unit; achievement and expected progress read as percentages. The exports write exact values.
"""
from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup

from .. import formatting
from ..database import round_half_up
from ..formatting import fixed  # noqa: F401  (charts and older callers import it from here)
from . import catalogue


def indicator_value(value: Decimal | None, code: str) -> Markup | str:
    """A figure of indicator ``code`` as people read it."""
    unit = catalogue.get(code).unit
    if unit is catalogue.WAN:
        return formatting.amount_html(value)
    return formatting.fixed(value, unit.places)


def percent_value(value: Decimal | None) -> str:
    return formatting.fixed(value, 2)


def ratio_value(value: Decimal | None) -> str:
    return formatting.fixed(value, 4)


def score_value(value: Decimal | None) -> str:
    return formatting.fixed(value, 1)


def plain(value: Decimal | None, places: int) -> float | None:
    """A rounded figure for chart data (JSON)."""
    return None if value is None else float(round_half_up(Decimal(value), places))


def register_filters(app) -> None:
    app.jinja_env.filters.update(indicator_value=indicator_value, percent_value=percent_value,
                                 ratio_value=ratio_value, score_value=score_value)
