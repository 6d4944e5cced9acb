"""Charts drawn on the server as SVG geometry, for the printable report and its PDF (no script runs there)."""
from __future__ import annotations

from decimal import Decimal

from ..outcomes import catalogue
from ..outcomes.formatting import fixed
from ..outcomes.labels import STATUS_COLOURS

BAR_HEIGHT = 16
ROW_HEIGHT = 24
LABEL_WIDTH = 230
PLOT_WIDTH = 380
SCALE_MAX = Decimal("1.5")  # bars longer than 150 % are drawn at the edge, the label tells the figure


def _x(value: Decimal, maximum: Decimal) -> float:
    return float(min(value, maximum) / maximum) * PLOT_WIDTH


def achievement_chart(results, lang: str) -> dict:
    """Horizontal bars of achievement with a tick at the expected progress, one row per indicator with a target."""
    rows = []
    for result in results:
        if result.achievement is None:
            continue
        indicator = catalogue.get(result.code)
        y = len(rows) * ROW_HEIGHT
        rows.append({
            "label": indicator.name(lang), "y": y, "text_y": y + BAR_HEIGHT - 3,
            "width": round(_x(result.achievement, SCALE_MAX), 1),
            "expected_x": round(LABEL_WIDTH + _x(result.expected, SCALE_MAX), 1),
            "colour": STATUS_COLOURS.get(result.status, STATUS_COLOURS[None]),
            "value": fixed(result.achievement * 100, 1) + "%",
        })
    return {"rows": rows, "height": max(len(rows), 1) * ROW_HEIGHT + 24, "label_width": LABEL_WIDTH,
            "plot_width": PLOT_WIDTH, "bar_height": BAR_HEIGHT, "width": LABEL_WIDTH + PLOT_WIDTH + 70,
            "full_x": LABEL_WIDTH + _x(Decimal(1), SCALE_MAX)}


def score_chart(evaluation, lang: str) -> dict:
    """Bars of the zone's and each platform's score (0-120)."""
    rows = []
    for scope in evaluation.scopes:
        if scope.score is None:
            continue
        y = len(rows) * ROW_HEIGHT
        rows.append({"label": scope.code if scope.scope_type == "platform" else evaluation.zone_name(lang), "y": y,
                     "text_y": y + BAR_HEIGHT - 3, "width": round(_x(scope.score, Decimal(120)), 1),
                     "value": fixed(scope.score, 1) + (f" {scope.rating}" if scope.rating else "")})
    return {"rows": rows, "height": max(len(rows), 1) * ROW_HEIGHT + 24, "label_width": LABEL_WIDTH,
            "plot_width": PLOT_WIDTH, "bar_height": BAR_HEIGHT, "width": LABEL_WIDTH + PLOT_WIDTH + 70}
