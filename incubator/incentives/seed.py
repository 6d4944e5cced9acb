"""Demo policies of every kind, with claims at every stage for the R&D subsidy."""
from __future__ import annotations

from datetime import date

from .. import clock
from ..seed import SeedContext
from .models import Policy
from .rules import evaluate
from .services import approve, create_claim, record_payment, recommend, save_policy

WAN = 10_000
ALL_CONDITIONS = ["in_zone", "reports_complete", "no_open_returned_report"]


def demo_policies(year: int) -> list[Policy]:
    last = year - 1
    return [
        Policy(name="研发投入后补助", year=year, kind="rd_subsidy", basis="rd_expense_last_year", reference_year=last,
               rate_scaled=10 * 10_000, minimum_basis=5 * WAN, cap=50 * WAN, budget=300 * WAN,
               conditions=ALL_CONDITIONS, allocation="pro_rata",
               required_documents="研发费用专项审计报告\n企业所得税年度纳税申报表",
               description="按上年度经核实的研发经费支出的10%给予后补助，单个企业最高50万元。"),
        Policy(name="研发投入增量奖励", year=year, kind="rd_subsidy", basis="rd_expense_increase", reference_year=last,
               rate_scaled=20 * 10_000, cap=30 * WAN, budget=100 * WAN, conditions=["in_zone", "reports_complete"],
               allocation="ranked", description="对研发投入较上年增长的部分按20%奖励，按金额排序拨付至预算用完。"),
        Policy(name="初创企业房租减免", year=year, kind="rent_relief", basis="rent_paid", reference_year=year,
               rate_scaled=50 * 10_000, cap=10 * WAN, budget=80 * WAN, conditions=["in_zone"], allocation="pro_rata",
               description="在孵企业当年应缴租金减免50%，单个企业最高10万元。"),
        Policy(name="高层次人才引进奖励", year=year, kind="talent_award", basis="talent_category", reference_year=last,
               fixed_amounts={"academician": 100 * WAN, "national": 50 * WAN, "provincial": 20 * WAN,
                              "doctoral": 5 * WAN, "team": 80 * WAN},
               budget=500 * WAN, conditions=["in_zone"], allocation="ranked",
               description="按引进人才类别给予一次性奖励，由人才所在企业申报。"),
        Policy(name="创新平台新认定奖励", year=year, kind="platform_award", basis="new_recognition_level",
               reference_year=last, fixed_amounts={"national": 100 * WAN, "provincial": 50 * WAN,
                                                   "municipal": 20 * WAN, "county": 10 * WAN},
               budget=300 * WAN, conditions=[], allocation="pro_rata",
               description="平台上年度新获更高级别认定的，奖励其运营（依托）单位。"),
        Policy(name="科技成果转化奖励", year=year, kind="tech_transfer_award", basis="deal_value", reference_year=last,
               rate_scaled=5 * 10_000, cap=20 * WAN, budget=100 * WAN, conditions=["in_zone"], allocation="pro_rata",
               description="按上年度承接高校院所科技成果转化合同金额的5%奖励。"),
    ]


def seed_policies(context: SeedContext) -> None:
    year = clock.today().year
    policies = [save_policy(policy) for policy in demo_policies(year)]
    admin = context.made.get("users", {}).get("admin@demo.zone")
    subsidy = policies[0]
    evaluation = evaluate(subsidy)
    eligible = [item for item in evaluation.eligible][:8]
    if admin is None or not eligible:
        return
    claims = [create_claim(subsidy, item.candidate.key, admin, evaluation) for item in eligible]
    for index, claim in enumerate(claims):
        if index < 6:
            recommend(claim, admin, "材料齐全，建议支持。")
        if index < 4:
            approve(claim, admin, claim.computed_amount, None)
        if index < 2:
            record_payment(claim, admin, date(year, 6, 30), claim.computed_amount, f"PZ{year}-{index + 1:04d}")
    context.made["policies"] = policies
