"""The rules of achievement, status, score, rating and rounding; computations in a fixed number of queries."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import insert

from incubator.database import round_half_up
from incubator.evaluation import services
from incubator.outcomes.results import IndicatorResult, achievement_of, rating_of, score_of, status_of, yoy_growth
from incubator.extensions import db
from incubator.organisations.models import Organisation
from incubator.outcomes import catalogue
from incubator.outcomes.computations import compute_figures, divide
from incubator.periods import Period
from incubator.startups.models import Incubation, QuarterlyReport
from tests import factories

D = Decimal


@pytest.mark.parametrize("value, places, printed", [
    (D("2.345"), 2, "2.35"), (D("-2.345"), 2, "-2.35"), (D("-0.004"), 2, "0.00"), (D("-0.00004"), 4, "0.0000"),
    (D("0.00005"), 4, "0.0001"), (D("98.75"), 1, "98.8"), (D("-17.647058"), 2, "-17.65"), (D("2.5"), 0, "3"),
])
def test_output_rounds_half_away_from_zero_without_negative_zero(value, places, printed):
    assert format(round_half_up(value, places), "f") == printed


def test_ratio_is_undefined_on_zero_or_undefined_denominator():
    assert divide(D(1), D(0)) is None
    assert divide(None, D(3)) is None
    assert divide(D(1), D(3), D(100)) == D("33.33333333333333333333333333333333333333")


@pytest.mark.parametrize("achievement, expected, status", [
    (D("0.75"), D("0.75"), "on_track"), (D("0.6"), D("0.75"), "at_risk"), (D("0.5999"), D("0.75"), "behind"),
    (D("0.8"), D(1), "at_risk"), (D("0.7999999"), D(1), "behind"), (None, D(1), None),
])
def test_status_thresholds(achievement, expected, status):
    assert status_of(achievement, expected) == status


def test_achievement_needs_a_nonzero_target_and_a_value():
    assert achievement_of(D(5), None) is None
    assert achievement_of(D(5), D(0)) is None
    assert achievement_of(None, D(5)) is None
    assert achievement_of(D(5), D(4)) == D("1.25")


def test_yoy_growth_undefined_on_zero_or_missing_previous_value():
    assert yoy_growth(D(5), D(0)) is None
    assert yoy_growth(D(5), None) is None
    assert yoy_growth(None, D(5)) is None
    assert round_half_up(yoy_growth(D(19), D(23)), 2) == D("-17.39")


def result(code, achievement, expected):
    return IndicatorResult(code, None, None, None, None, None, achievement, expected, None)


def test_score_caps_each_indicator_at_120_percent_and_weighs():
    results = [result("REVENUE", D(3), D("0.75")), result("EMPLOYEES", D("0.5"), D(1)),
               result("FINANCING", None, D("0.75"))]
    # REVENUE min(4, 1.2) × 2 + EMPLOYEES 0.5 × 1, over weights 3 (FINANCING has no achievement)
    score = score_of(results, {"REVENUE": D(2), "EMPLOYEES": D(1), "FINANCING": D(5)})
    assert round_half_up(score, 20) == D("96.66666666666666666667")
    assert score_of([result("REVENUE", None, D(1))], {}) is None
    assert score_of([result("REVENUE", D(9), D(1))], {"REVENUE": D(1)}) == D(120)


@pytest.mark.parametrize("score, rating", [(D(95), "A"), (D("94.99"), "B"), (D(80), "B"), (D("79.9"), "C"),
                                           (D(60), "C"), (D("59.99"), "D"), (D(0), "D"), (None, None)])
def test_rating_thresholds(score, rating):
    assert rating_of(score) == rating


def test_expected_progress_by_kind():
    assert catalogue.expected(catalogue.get("REVENUE"), 3) == D("0.75")
    assert catalogue.expected(catalogue.get("EMPLOYEES"), 3) == D(1)
    assert catalogue.expected(catalogue.get("RD_INTENSITY"), 1) == D(1)


def test_catalogue_has_every_indicator_of_the_contract_once():
    codes = [indicator.code for indicator in catalogue.CATALOGUE]
    assert codes == ["REVENUE", "RD_EXPENSE", "RD_INTENSITY", "EMPLOYEES", "RD_STAFF", "RD_STAFF_SHARE",
                     "INVENTION_PATENTS_FILED", "INVENTION_PATENTS_GRANTED", "OTHER_IP_GRANTED", "TECH_CONTRACT_VALUE",
                     "FINANCING", "TAX_PAID", "GRADUATES_HIRED", "STARTUPS_ADMITTED", "STARTUPS_GRADUATED",
                     "STARTUPS_INCUBATING", "TECH_TRANSFER_DEALS", "TECH_TRANSFER_VALUE", "ACTIVE_PARTNERSHIPS",
                     "TALENTS_HIRED"]
    assert [i.code for i in catalogue.REPORT_INDICATORS] == codes[:13]
    assert {i.kind for i in catalogue.CATALOGUE} == {"flow", "stock", "ratio"}


# --- a fixed number of queries whatever the number of companies ---------------------------------------

def grow_zone(companies: int, platforms) -> None:
    """``companies`` companies spread over the platforms, each with 3 verified reports (bulk inserts)."""
    first = db.session.scalar(db.select(db.func.coalesce(db.func.max(Organisation.id), 0))) + 1
    db.session.execute(insert(Organisation), [
        {"id": first + n, "kind": "startup", "name": f"企业{n}", "name_sort": f"qiye {n}",
         "credit_code": factories.credit_code(50_000 + first + n)} for n in range(companies)])
    db.session.execute(insert(Incubation), [
        {"organisation_id": first + n, "platform_id": platforms[n % len(platforms)].id,
         "admitted_on": date(2025, 1 + n % 12, 1), "status": "incubating"} for n in range(companies)])
    rows = []
    for n in range(companies):
        for quarter in (1, 2, 3):
            period = Period(2026, quarter)
            rows.append({"organisation_id": first + n, "period": str(period), "year": 2026, "quarter": quarter,
                         "quarter_end": period.end, "status": "verified", "revenue": 10_000 * (n + quarter),
                         "employees": 5, "rd_staff": 1})
    db.session.execute(insert(QuarterlyReport), rows)
    db.session.commit()


def evaluation_queries(count_queries) -> int:
    with count_queries() as counter:
        evaluation = services.live_evaluation(Period(2026, 3))
        companies = list(evaluation.iter_companies())
        list(evaluation.iter_deals())
        list(evaluation.iter_data_quality())
        compute_figures("platform", Period(2026, 3).year_to_date())
    assert companies
    return counter.count


def test_evaluation_queries_do_not_grow_with_the_number_of_companies(app, count_queries):
    platforms = [factories.platform(f"Q{n}") for n in range(3)]
    db.session.commit()
    grow_zone(10, platforms)
    small = evaluation_queries(count_queries)
    grow_zone(990, platforms)
    large = evaluation_queries(count_queries)
    assert small == large
    assert large <= 24
