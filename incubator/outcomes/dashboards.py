"""Dashboards: a scope's year-to-date values against target and expected progress, quarterly trends, yoy.

One call of ``compute_figures`` per scope level gives every quarter the charts need (this year's
quarters up to the period and all four of last year), so a dashboard costs a fixed number of queries.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..periods import Period
from . import catalogue
from .computations import ZONE, compute_figures, indicator_values
from .formatting import plain
from .labels import STATUS_COLOURS, STATUS_LABELS
from .results import rating_of, score_of, scope_results
from .services import approved_targets, weights_for


@dataclass
class Dashboard:
    period: Period
    results: list
    score: object
    rating: str | None
    trends: dict = field(default_factory=dict)  # code -> {"this_year": [...], "last_year": [...]}
    quarters_this_year: list = field(default_factory=list)
    quarters_last_year: list = field(default_factory=list)
    figures: object = None  # the base measures behind it (reused by the zone dashboard's platform list)

    def chart_data(self, lang: str) -> dict:
        """The JSON the charts read (``static/js/charts.js``); the page shows the same numbers as tables."""
        achievement = []
        for result in self.results:
            indicator = catalogue.get(result.code)
            achievement.append({
                "code": result.code, "name": indicator.name(lang),
                "achievement": plain(result.achievement * 100, 1) if result.achievement is not None else None,
                "expected": plain(result.expected * 100, 1), "status": result.status,
                "status_label": str(STATUS_LABELS[result.status]) if result.status else "",
                "colour": STATUS_COLOURS.get(result.status, STATUS_COLOURS[None]),
            })
        trends = []
        for indicator in catalogue.CATALOGUE:
            trend = self.trends[indicator.code]
            trends.append({"code": indicator.code, "name": indicator.name(lang), "unit": indicator.unit.label(lang),
                           "this_year": [plain(v, indicator.places) for v in trend["this_year"]],
                           "last_year": [plain(v, indicator.places) for v in trend["last_year"]]})
        from flask_babel import gettext

        return {"quarters": ["Q1", "Q2", "Q3", "Q4"], "year": self.period.year, "last_year": self.period.year - 1,
                "achievement": achievement, "trends": trends,
                "labels": {"achievement": gettext("Achievement"), "expected": gettext("Expected progress")}}


def trend_periods(period: Period) -> list[Period]:
    return [Period(period.year - 1, q) for q in range(1, 5)] + period.year_to_date()


def build_dashboard(period: Period, platform_id: int | None = None, figures=None) -> Dashboard:
    """The zone's dashboard, or a platform's when ``platform_id`` is given."""
    previous = Period(period.year - 1, period.quarter)
    periods = sorted(set(trend_periods(period)) | {previous})
    if platform_id is None:
        figures = figures or compute_figures("zone", periods)
        key = ZONE
    else:
        figures = figures or compute_figures("platform", periods, scope_ids=[platform_id])
        key = platform_id
    targets = approved_targets(period.year).get(key, {})
    results = scope_results(indicator_values(figures, key, period), indicator_values(figures, key, previous),
                            targets, period)
    score = score_of(results, weights_for(period.year))
    this_year = {q: indicator_values(figures, key, q) for q in period.year_to_date()}
    last_year = {q: indicator_values(figures, key, q) for q in trend_periods(period)[:4]}
    trends = {}
    for indicator in catalogue.CATALOGUE:
        trends[indicator.code] = {
            "this_year": [this_year[q][indicator.code][0] for q in period.year_to_date()],
            "last_year": [last_year[q][indicator.code][0] for q in trend_periods(period)[:4]],
        }
    return Dashboard(period, results, score, rating_of(score), trends, period.year_to_date(),
                     trend_periods(period)[:4], figures)


def company_trends(period: Period, organisation_id: int, readable: set | None = None) -> dict:
    """A company's report indicators quarter by quarter (this year to the period, and last year).

    ``readable``: the quarters the viewer may read (None: all); the others, and a year to date that includes
    one of them, are left empty (a manager of a former incubatee reads only its quarters placed with them)."""
    periods = trend_periods(period)
    figures = compute_figures("company", periods, scope_ids=[organisation_id])
    values = {q: indicator_values(figures, organisation_id, q) for q in periods}

    def shown(quarter):
        return readable is None or quarter in readable

    ytd_shown = all(shown(q) for q in period.year_to_date())
    return {indicator.code: {"this_year": [values[q][indicator.code][0] if shown(q) else None
                                           for q in period.year_to_date()],
                             "last_year": [values[q][indicator.code][0] if shown(q) else None for q in periods[:4]],
                             "ytd": values[period][indicator.code][1] if ytd_shown else None}
            for indicator in catalogue.REPORT_INDICATORS}
