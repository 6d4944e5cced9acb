"""Each check at its threshold and just beyond it, on datasets built by hand (no database: the checks are pure
functions of a period's data; ``services.load_dataset`` reads that data, tested in test_flags.py)."""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pytest

from incubator.periods import Period
from incubator.quality import checks, rules
from incubator.quality.checks import CHECKS, Dataset, ReportFigures
from incubator.startups.models import REPORT_FIGURES

PERIOD = Period(2026, 3)
WAN = 10_000


def figures(org: int, period: Period = PERIOD, industry: int | None = 1, report_id: int | None = None, **values):
    base = {name: 0 for name in REPORT_FIGURES}
    base.update(values)
    return ReportFigures(report_id if report_id is not None else org, org, industry, period, "verified", base)


def history_of(org: int, values: list[dict]) -> dict:
    """Reports of the four quarters before PERIOD, newest first."""
    result, period = {}, PERIOD
    for item in values:
        period = period.previous()
        result[period] = figures(org, period, **item)
    return {org: result}


def run(code: str, data: Dataset, **params):
    check = checks.get(code)
    settings = {**check.defaults(), **{key: Decimal(str(value)) for key, value in params.items()}}
    return list(check.compute(data, settings))


def dataset(targets, history=None, cumulative=None, peers=None) -> Dataset:
    return Dataset(PERIOD, targets, history or {}, cumulative or {}, peers if peers is not None else targets)


def test_the_registry_has_the_four_checks_with_names_explanations_and_defaults_in_both_languages():
    assert [check.code for check in CHECKS] == ["jump", "peer_outlier", "copied", "inconsistent"]
    for check in CHECKS:
        assert check.zh and check.en and check.description_zh and check.description_en
        assert check.severity in checks.SEVERITIES
        for parameter in check.parameters:
            assert parameter.minimum <= parameter.default <= parameter.maximum and parameter.zh and parameter.en
    assert {key for key in checks.EXPLANATIONS} >= {("jump", "high"), ("jump", "low"), ("copied", "same")}


# --- jump ------------------------------------------------------------------------------------------------------

FLAT = [{"revenue": 100 * WAN}] * 4  # a steady 100 万元: median 100, no spread


def test_jump_flags_just_above_the_high_bound_and_not_at_it():
    # ln(100 + 5) ± ln 5 with no spread (the offset is a quarter of the 20 万元 minimum):
    # high = 105 × 5 − 5 = 520 万元, low = 105 ÷ 5 − 5 = 16 万元.
    history = history_of(1, FLAT)
    assert run("jump", dataset([figures(1, revenue=520 * WAN)], history)) == []
    flags = run("jump", dataset([figures(1, revenue=520 * WAN + 1)], history))
    assert [(f.check, f.indicator, f.rule) for f in flags] == [("jump", "REVENUE", "high")]
    flag = flags[0]
    assert (flag.value, flag.expected_low, flag.expected_high) == (Decimal("520.0001"), Decimal("16.0000"),
                                                                    Decimal("520.0000"))
    assert flag.explanation("zh") == ("营业收入 520.00 万元，是该企业近四个季度中位数（100.00 万元）的 5.2 倍；"
                                      "通常范围 16.00–520.00 万元。")
    assert "5.2 times the median" in flag.explanation("en")


def test_jump_flags_just_below_the_low_bound_and_not_at_it():
    history = history_of(1, FLAT)
    assert run("jump", dataset([figures(1, revenue=16 * WAN)], history)) == []
    flags = run("jump", dataset([figures(1, revenue=16 * WAN - 1)], history))
    assert [f.rule for f in flags] == ["low"]
    assert flags[0].explanation("zh").startswith("营业收入 16.00 万元，仅为该企业近四个季度中位数（100.00 万元）的 0.2 倍")


def test_jump_finds_a_decimal_point_moved_down_but_not_a_quarter_without_the_flow():
    history = history_of(1, [{"revenue": 80 * WAN, "rd_expense": 60 * WAN}] * 4)
    moved = run("jump", dataset([figures(1, revenue=80 * WAN, rd_expense=6000)], history))  # 60 万元 typed 0.6
    assert [(f.indicator, f.rule) for f in moved] == [("RD_EXPENSE", "low")]
    assert run("jump", dataset([figures(1, revenue=80 * WAN, rd_expense=0)], history)) == []  # R&D paused


def test_jump_ignores_small_amounts_short_histories_and_flows_the_company_usually_lacks():
    # With a factor of 1.5 the range of a steady 1 万元 is narrow (high = 6 × 1.5 − 5 = 4 万元): the minimum
    # amount decides, a flag needs a difference of 20 万元 or more.
    small = history_of(1, [{"revenue": 1 * WAN}] * 4)
    assert run("jump", dataset([figures(1, revenue=21 * WAN - 1)], small), factor="1.5") == []
    assert run("jump", dataset([figures(1, revenue=21 * WAN)], small), factor="1.5")
    # With a minimum amount of 100 万元 a difference of 99 万元 never flags.
    assert run("jump", dataset([figures(1, revenue=100 * WAN)], small), factor="1.5", min_amount=100) == []
    assert run("jump", dataset([figures(1, revenue=101 * WAN)], small), factor="1.5", min_amount=100)
    short = history_of(1, FLAT[:2])
    assert run("jump", dataset([figures(1, revenue=5000 * WAN)], short)) == []  # 2 quarters < 3
    assert run("jump", dataset([figures(1, revenue=5000 * WAN)], short), min_history=2)
    rounds = history_of(1, [{"financing": 0}, {"financing": 0}, {"financing": 500 * WAN}, {"financing": 0}])
    assert run("jump", dataset([figures(1, financing=3000 * WAN)], rounds)) == []  # a round is an event


def test_jump_widens_its_range_for_a_company_whose_figures_vary():
    # log(v + 5): 4.654, 5.460, 4.654, 5.460 → median 5.057, MAD 0.403; 4 × 1.4826 × 0.403 = 2.389 > ln 5.
    history = history_of(1, [{"revenue": 100 * WAN}, {"revenue": 230 * WAN}] * 2)
    high = math.exp(5.057 + 2.389) - 5
    assert run("jump", dataset([figures(1, revenue=int(high * 0.95) * WAN)], history)) == []
    assert run("jump", dataset([figures(1, revenue=int(high * 1.05) * WAN)], history))


# --- peer_outlier -----------------------------------------------------------------------------------------------

def peers_with_intensity(percents: list[int]) -> list[ReportFigures]:
    return [figures(100 + n, revenue=1000 * WAN, rd_expense=percent * 10 * WAN, employees=20)
            for n, percent in enumerate(percents)]


def intensity_high_bound(percents: list[int], factor: float = 6, multiplier: float = 4) -> Decimal:
    logs = [math.log(p) for p in percents]
    centre = checks.median(logs)
    width = max(math.log(factor), multiplier * 1.4826 * checks.median([abs(x - centre) for x in logs]))
    return Decimal(math.exp(centre + width)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_peer_outlier_flags_rd_intensity_just_above_the_peers_range_and_not_at_it():
    percents = [5] * 5 + [10] * 5  # median ln 7.071, MAD ln 2 ÷ 2 → width 4 × 1.4826 × 0.3466 = 2.0555 > ln 6
    high = intensity_high_bound(percents)
    assert high == Decimal("55.22")
    peers = peers_with_intensity(percents)
    at = figures(1, revenue=1000 * WAN, rd_expense=int(high * 10 * WAN), employees=20)  # exactly 55.22 %
    assert [f for f in run("peer_outlier", dataset([at], peers=peers)) if f.organisation_id == 1] == []
    beyond = figures(1, revenue=1000 * WAN, rd_expense=int(high * 10 * WAN) + 100, employees=20)  # 55.221 %: 100 yuan more
    flags = [f for f in run("peer_outlier", dataset([beyond], peers=peers)) if f.organisation_id == 1]
    assert [(f.indicator, f.rule, f.value, f.expected_high) for f in flags] == [
        ("RD_INTENSITY", "high", Decimal("55.22"), high)]  # printed rounded, compared exactly
    assert "研发投入强度 55.22 %，远高于同行业同规模的 10 家企业" in flags[0].explanation("zh")


def test_peer_outlier_needs_enough_peers_and_a_meaningful_revenue():
    peers = peers_with_intensity([5] * 8)
    odd = figures(1, revenue=1000 * WAN, rd_expense=900 * WAN, employees=20)  # 90 %
    assert run("peer_outlier", dataset([odd], peers=peers + [odd])) == []  # 9 peers < 10
    assert run("peer_outlier", dataset([odd], peers=peers + [odd]), min_peers=9)
    small = figures(1, revenue=49 * WAN, rd_expense=45 * WAN, employees=20)  # below 50 万元 of revenue
    assert run("peer_outlier", dataset([small], peers=peers_with_intensity([5] * 12) + [small])) == []


def test_peer_outlier_compares_within_the_size_band_and_falls_back_to_the_industry():
    # 12 small companies (20 staff) at 50 万元 per employee; one company of 300 staff at 1 万元 each.
    small = [figures(100 + n, revenue=1000 * WAN, employees=20) for n in range(12)]
    large = figures(1, revenue=300 * WAN, employees=300)
    flags = run("peer_outlier", dataset([large], peers=small + [large]))
    assert [(f.indicator, f.rule, f.facts["figure"]) for f in flags] == [("REVENUE", "low", "REVENUE_PER_EMPLOYEE")]
    assert "人均营业收入 1.0000 万元/人" in flags[0].explanation("zh")
    other_industry = figures(2, industry=2, revenue=300 * WAN, employees=300)
    assert run("peer_outlier", dataset([other_industry], peers=small + [other_industry])) == []


# --- copied -------------------------------------------------------------------------------------------------

SAME = {"revenue": 123 * WAN + 45, "rd_expense": 12 * WAN, "tax_paid": 3 * WAN, "graduates_hired": 1}


def test_copied_flags_identical_flows_and_not_a_one_yuan_difference():
    history = history_of(1, [SAME])
    flags = run("copied", dataset([figures(1, **SAME)], history))
    assert [(f.indicator, f.severity, f.expected_low, f.expected_high) for f in flags] == [
        ("REVENUE", "likely_error", None, None)]
    assert "2026Q2" in flags[0].explanation("en")
    assert run("copied", dataset([figures(1, **{**SAME, "tax_paid": 3 * WAN + 1})], history)) == []


def test_copied_needs_enough_non_zero_flows():
    two = {"revenue": 50 * WAN, "rd_expense": 5 * WAN}
    assert run("copied", dataset([figures(1, **two)], history_of(1, [two])))  # exactly 2 non-zero flows
    one = {"revenue": 50 * WAN}
    assert run("copied", dataset([figures(1, **one)], history_of(1, [one]))) == []  # 1 < 2
    assert run("copied", dataset([figures(1)], history_of(1, [{}]))) == []  # a dormant company's zeros


# --- inconsistent -----------------------------------------------------------------------------------------------

def test_inconsistent_rules_at_and_beyond_their_bounds():
    def found(target, history=None, cumulative=None):
        return [(f.indicator, f.rule) for f in run("inconsistent", dataset([target], history, cumulative))]

    assert found(figures(1, revenue=100, rd_expense=100)) == []
    assert found(figures(1, revenue=100, rd_expense=101)) == [("RD_EXPENSE", "rd_above_revenue")]
    assert found(figures(1, revenue=0, rd_expense=50 * WAN)) == []  # a startup before revenue spends on R&D
    assert found(figures(1, revenue=100, tax_paid=100)) == []
    assert found(figures(1, revenue=100, tax_paid=101)) == [("TAX_PAID", "tax_above_revenue")]
    assert found(figures(1, employees=5, graduates_hired=5)) == []
    assert found(figures(1, employees=5, graduates_hired=6)) == [("GRADUATES_HIRED", "graduates_above_employees")]
    assert found(figures(1, invention_patents_granted=1), cumulative={1: (3, 2)}) == []  # 3 granted of 3 filed
    assert found(figures(1, invention_patents_granted=2), cumulative={1: (3, 2)}) == [
        ("INVENTION_PATENTS_GRANTED", "granted_above_filed")]
    before = history_of(1, [{"employees": 4, "revenue": 100}])
    assert found(figures(1, employees=0, revenue=100), before) == []
    assert found(figures(1, employees=0, revenue=101), before) == [("EMPLOYEES", "staff_gone")]
    assert found(figures(1, employees=1, revenue=101), before) == []


def test_the_shared_rules_are_the_ones_torch_applies_to_platform_totals():
    assert rules.rd_above_revenue(Decimal("150.001"), Decimal("150.000"))
    assert not rules.rd_above_revenue(Decimal("150.001"), Decimal("0"))
    assert rules.graduates_above_employees(3, 2) and not rules.graduates_above_employees(2, 2)


def test_explanations_format_amounts_with_separators_and_keep_placeholders_complete():
    assert checks.amount(12_500_000) == "1,250.00" and checks.amount(5) == "0.00"
    history = history_of(1, [{"revenue": 150 * WAN, "rd_expense": 10 * WAN, "employees": 3}])
    target = figures(1, revenue=1250 * WAN, rd_expense=2000 * WAN, tax_paid=1300 * WAN, employees=0,
                     graduates_hired=2, invention_patents_granted=1)
    flags = [f for code in ("inconsistent",) for f in run(code, dataset([target], history))]
    assert len(flags) == 5
    for flag in flags:
        for lang in ("zh", "en"):
            text = flag.explanation(lang)
            assert "{" not in text and text


@pytest.mark.parametrize("employees, band", [(0, 0), (9, 0), (10, 1), (49, 1), (50, 2), (199, 2), (200, 3)])
def test_size_bands(employees, band):
    assert checks.size_band(employees) == band
