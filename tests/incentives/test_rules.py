"""Each kind of policy computes the right amounts on a hand-built zone (every figure checked by hand)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from incubator.incentives.numerals import capital_amount
from incubator.incentives.rules import evaluate, months_covered

from .conftest import WAN, make_policy


def amounts(evaluation) -> dict[str, int]:
    return {item.candidate.name: item.allocated for item in evaluation.eligible}


def test_rd_subsidy_is_rate_times_last_years_verified_rd_expense(zone):
    evaluation = evaluate(make_policy())
    # alpha 1,200,000 × 10%; beta 2,000,000 × 10%; gamma 300,000 × 10%; outsider 4,000,000 × 10%
    assert amounts(evaluation) == {"Alpha 科技": 120_000, "Beta 智能": 200_000, "Gamma 材料": 30_000,
                                   "Outsider 公司": 400_000}
    alpha = next(i for i in evaluation.entitlements if i.candidate.name == "Alpha 科技")
    assert len(alpha.candidate.report_ids) == 4  # the explanation names the reports it used
    assert alpha.steps == ["1,200,000 × 10% = 120000"]


def test_conditions_exclude_outsiders_incomplete_reports_and_open_returns(zone):
    policy = make_policy(conditions=["in_zone", "reports_complete", "no_open_returned_report"])
    evaluation = evaluate(policy)
    assert amounts(evaluation) == {"Alpha 科技": 120_000, "Beta 智能": 200_000}
    failed = {i.candidate.name: set(i.failed) for i in evaluation.entitlements if not i.eligible}
    assert failed == {"Outsider 公司": {"in_zone"},
                      "Gamma 材料": {"reports_complete", "no_open_returned_report"}}


def test_cap_limits_each_beneficiary(zone):
    evaluation = evaluate(make_policy(cap=150_000))
    assert amounts(evaluation)["Beta 智能"] == 150_000
    assert amounts(evaluation)["Outsider 公司"] == 150_000
    assert amounts(evaluation)["Alpha 科技"] == 120_000


def test_minimum_basis_excludes_small_spenders(zone):
    evaluation = evaluate(make_policy(minimum_basis=50 * WAN))
    assert "Gamma 材料" not in amounts(evaluation)  # 300,000 < 500,000
    assert "minimum_basis" in next(i for i in evaluation.entitlements if i.candidate.name == "Gamma 材料").failed


def test_pro_rata_shares_exactly_the_budget_when_requests_exceed_it(zone):
    # requested 120,000 + 200,000 + 30,000 + 400,000 = 750,000; budget 100,001 -> factor 0.1333346666...
    evaluation = evaluate(make_policy(budget=100_001))
    shares = amounts(evaluation)
    assert sum(shares.values()) == 100_001
    # exact shares: 16000.16, 26666.93, 4000.04, 53333.87 -> floors 16000, 26666, 4000, 53333 (99,999)
    # + the 2 yuan left go to the largest remainders (.93 beta and .87 outsider)
    assert shares == {"Alpha 科技": 16_000, "Beta 智能": 26_667, "Gamma 材料": 4_000, "Outsider 公司": 53_334}
    assert evaluation.requested == Decimal(750_000)


def test_ranked_allocation_pays_the_largest_first_until_the_budget_runs_out(zone):
    evaluation = evaluate(make_policy(budget=500_000, allocation="ranked"))
    assert amounts(evaluation) == {"Outsider 公司": 400_000, "Beta 智能": 100_000, "Alpha 科技": 0, "Gamma 材料": 0}


def test_rd_increase_rewards_only_growth_over_the_year_before(zone):
    evaluation = evaluate(make_policy(basis="rd_expense_increase", rate_scaled=20 * 10_000))
    # alpha 1,200,000 − 800,000 = 400,000 × 20%; beta 2,000,000 − 0 × 20%; outsider 4,000,000 × 20%; gamma 300,000 × 20%
    assert amounts(evaluation) == {"Alpha 科技": 80_000, "Beta 智能": 400_000, "Outsider 公司": 800_000,
                                   "Gamma 材料": 60_000}


def test_rent_relief_counts_months_whose_first_day_the_tenancy_covers(zone):
    # tenancy 2025-11-15 .. 2026-06-30: in 2026 the months January to June
    assert months_covered(date(2025, 11, 15), date(2026, 6, 30), 2026) == 6
    assert months_covered(date(2025, 11, 15), date(2026, 6, 30), 2025) == 1  # December only
    policy = make_policy(kind="rent_relief", basis="rent_paid", reference_year=2026, rate_scaled=50 * 10_000)
    assert amounts(evaluate(policy)) == {"Alpha 科技": 9_000}  # 6 × 3,000 × 50%


def test_tech_transfer_award_on_the_deals_received(zone):
    policy = make_policy(kind="tech_transfer_award", basis="deal_value", rate_scaled=5 * 10_000, cap=120_000)
    assert amounts(evaluate(policy)) == {"Alpha 科技": 120_000}  # 3,000,000 × 5% = 150,000, capped


def test_platform_award_only_for_a_new_higher_level(zone):
    policy = make_policy(kind="platform_award", basis="new_recognition_level", rate_scaled=None,
                         fixed_amounts={"provincial": 50 * WAN, "national": 100 * WAN})
    evaluation = evaluate(policy)
    assert [(i.candidate.key, i.allocated, i.candidate.organisation_id) for i in evaluation.eligible] == \
        [(f"platform:{zone['platform'].id}", 500_000, zone["university"].id)]
    # the same level again in 2025 would not be new: no award for the municipal recognition of 2022
    assert evaluate(make_policy(name="x", kind="platform_award", basis="new_recognition_level", reference_year=2022,
                                fixed_amounts={"municipal": 1}, rate_scaled=None)).eligible[0].allocated == 1


def test_talent_award_is_fixed_per_category_and_paid_to_the_company(zone):
    policy = make_policy(kind="talent_award", basis="talent_category", rate_scaled=None,
                         fixed_amounts={"team": 80 * WAN, "doctoral": 5 * WAN})
    evaluation = evaluate(policy)
    assert [(i.candidate.name, i.allocated, i.candidate.organisation_id) for i in evaluation.eligible] == \
        [("王院士团队", 800_000, zone["beta"].id)]


def test_fixed_amount_missing_for_a_category_makes_it_ineligible(zone):
    policy = make_policy(kind="talent_award", basis="talent_category", rate_scaled=None,
                         fixed_amounts={"doctoral": 5 * WAN})
    evaluation = evaluate(policy)
    assert evaluation.eligible == []
    assert evaluation.entitlements[0].failed == ["no_amount_for_level"]


def test_rule_queries_are_a_fixed_number_whatever_the_number_of_companies(zone, count_queries):
    from .. import factories

    policy = make_policy(conditions=["in_zone", "reports_complete", "no_open_returned_report"])
    with count_queries() as small:
        evaluate(policy)
    for n in range(30):
        company = factories.organisation()
        for quarter in range(1, 5):
            factories.report(company, f"2025Q{quarter}", rd_expense=10_000 + n)
    from incubator.extensions import db
    db.session.commit()
    with count_queries() as large:
        evaluate(policy)
    assert small.count == large.count


def test_capital_numerals_for_approval_lists():
    assert capital_amount(123_456) == "壹拾贰万叁仟肆佰伍拾陆元整"
    assert capital_amount(1_000_001) == "壹佰万零壹元整"
    assert capital_amount(100_010_000) == "壹亿零壹万元整"
    assert capital_amount(305_000) == "叁拾万伍仟元整"
    assert capital_amount(Decimal("10.05")) == "壹拾元零伍分"
    assert capital_amount(0) == "零元整"
