"""The results of one scope against its targets: achievement, status, year-on-year growth, the weighted score
and its rating. Pure rules beside the indicator catalogue; the dashboards and the evaluation both use them
(``evaluation`` orchestrates, publishes and exports)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..periods import Period
from . import catalogue
from .catalogue import CATALOGUE
from .computations import EXACT, divide

SCORE_CAP = Decimal("1.2")
AT_RISK_FACTOR = Decimal("0.8")
RATINGS = ((Decimal(95), "A"), (Decimal(80), "B"), (Decimal(60), "C"))

# --- rules ------------------------------------------------------------------------------------------------

def achievement_of(value: Decimal | None, target: Decimal | None) -> Decimal | None:
    """``ytd_value ÷ target``; undefined without a target, with a target of 0 or an undefined value."""
    if value is None or target is None or target == 0:
        return None
    return divide(value, target)


def status_of(achievement: Decimal | None, expected: Decimal) -> str | None:
    if achievement is None:
        return None
    if achievement >= expected:
        return "on_track"
    if achievement >= EXACT.multiply(AT_RISK_FACTOR, expected):
        return "at_risk"
    return "behind"


def yoy_growth(value: Decimal | None, previous: Decimal | None) -> Decimal | None:
    if value is None or previous is None or previous == 0:
        return None
    return divide(EXACT.subtract(value, previous), previous, Decimal(100))


def score_of(results: list["IndicatorResult"], weights: dict[str, Decimal]) -> Decimal | None:
    """100 × Σ wᵢ·min(achievementᵢ ÷ expectedᵢ, 1.2) ÷ Σ wᵢ over the indicators with an achievement."""
    numerator, denominator = Decimal(0), Decimal(0)
    for result in results:
        if result.achievement is None:
            continue
        weight = weights.get(result.code, Decimal(1))
        ratio = min(EXACT.divide(result.achievement, result.expected), SCORE_CAP)
        numerator = EXACT.add(numerator, EXACT.multiply(weight, ratio))
        denominator = EXACT.add(denominator, weight)
    if denominator == 0:
        return None
    return EXACT.divide(EXACT.multiply(Decimal(100), numerator), denominator)


def rating_of(score: Decimal | None) -> str | None:
    if score is None:
        return None
    for threshold, letter in RATINGS:
        if score >= threshold:
            return letter
    return "D"


# --- results ---------------------------------------------------------------------------------------------

@dataclass
class IndicatorResult:
    code: str
    period_value: Decimal | None
    ytd_value: Decimal | None
    ytd_prev_year: Decimal | None
    yoy_growth_pct: Decimal | None
    target: Decimal | None
    achievement: Decimal | None
    expected: Decimal
    status: str | None

    @property
    def indicator(self) -> catalogue.Indicator:
        return catalogue.get(self.code)

    def to_json(self) -> list:
        return [self.code, *(decimal_text(getattr(self, name)) for name in RESULT_FIELDS[1:-1]), self.status]

    @classmethod
    def from_json(cls, data: list) -> "IndicatorResult":
        values = [text_decimal(item) for item in data[1:-1]]
        return cls(data[0], *values, data[-1])


RESULT_FIELDS = ("code", "period_value", "ytd_value", "ytd_prev_year", "yoy_growth_pct", "target", "achievement",
                 "expected", "status")


def decimal_text(value) -> str | None:
    """A Decimal as stored in JSON (exact text), None kept."""
    return None if value is None else str(value)


def text_decimal(value) -> Decimal | None:
    """The Decimal back from its JSON text, None kept."""
    return None if value is None else Decimal(value)


def scope_results(values_now: dict, values_before: dict, targets: dict, period: Period) -> list[IndicatorResult]:
    """The catalogue's results of one scope from its (period, ytd) values now and a year earlier."""
    results = []
    for indicator in CATALOGUE:
        period_value, ytd_value = values_now[indicator.code]
        previous = values_before[indicator.code][1]
        target = targets.get(indicator.code)
        expected = catalogue.expected(indicator, period.quarter)
        achievement = achievement_of(ytd_value, target)
        results.append(IndicatorResult(indicator.code, period_value, ytd_value, previous,
                                       yoy_growth(ytd_value, previous), target, achievement, expected,
                                       status_of(achievement, expected)))
    return results
