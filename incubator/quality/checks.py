"""The anomaly checks on quarterly reports, as a registry: each check is one entry with its code, names and
explanations in both languages, a severity, its thresholds (editable by an admin, defaults justified in the
README) and a computation over a ``Dataset`` — every report of a period read in a few queries, whatever the
number of companies (``services.load_dataset``).

A check answers ``Flag``s: the report, the catalogue code of the figure flagged, the value judged, the range it
was expected in (when the check has one) and the numbers its explanation prints. Money stays whole yuan and
``Decimal``; robust statistics are taken on logarithms in floats, and every bound they give is turned into
whole yuan (or a rounded ``Decimal`` for ratios) before a value is compared with it.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..database import round_half_up
from ..i18n import current_language
from ..outcomes.catalogue import BY_CODE
from ..periods import Period
from . import rules

WARNING, LIKELY_ERROR = "warning", "likely_error"
SEVERITIES = (WARNING, LIKELY_ERROR)
SEVERITY_NAMES = {WARNING: ("警示", "Warning"), LIKELY_ERROR: ("疑似错误", "Likely error")}

# The flows of a report and the catalogue codes of the money flows a jump is looked for in.
FLOWS = ("revenue", "rd_expense", "tech_contract_value", "financing", "tax_paid", "invention_patents_filed",
         "invention_patents_granted", "other_ip_granted", "graduates_hired")
JUMP_FLOWS = (("REVENUE", "revenue"), ("RD_EXPENSE", "rd_expense"), ("TAX_PAID", "tax_paid"),
              ("FINANCING", "financing"), ("TECH_CONTRACT_VALUE", "tech_contract_value"))
# Size bands by employees at quarter end (the micro / small / medium / larger split of the SME rules).
SIZE_BANDS = ((0, 9), (10, 49), (50, 199), (200, None))
MAD_TO_SIGMA = 1.4826  # the MAD of a normal distribution times this is its standard deviation
YUAN = Decimal(10_000)
# The jump check takes logarithms of (amount + this share of its minimum amount, in 万元): amounts near zero then
# do not blow the spread up, and a drop from 80 万元 to 1 万元 still reads as the drop it is (about ×14; with the
# whole minimum amount as offset it would read ×5 and hide a decimal point moved by two places). Measured in
# bench/anomalies.py.
JUMP_LOG_OFFSET_SHARE = 0.25


@dataclass(frozen=True)
class Parameter:
    """A threshold of a check: its key, names, default (exact decimal), allowed range and unit label."""

    key: str
    zh: str
    en: str
    default: Decimal
    minimum: Decimal
    maximum: Decimal
    unit_zh: str = ""
    unit_en: str = ""

    def name(self, lang: str | None = None) -> str:
        return self.zh if (lang or current_language()) == "zh" else self.en

    def unit(self, lang: str | None = None) -> str:
        return self.unit_zh if (lang or current_language()) == "zh" else self.unit_en


@dataclass
class ReportFigures:
    """One report's figures as the checks read them (money in whole yuan)."""

    report_id: int | None
    organisation_id: int
    industry_id: int | None
    period: Period
    status: str
    values: dict[str, int]


@dataclass
class Dataset:
    """What the checks of one period read: the reports judged, their history and the peer reports."""

    period: Period
    targets: list[ReportFigures]
    history: dict[int, dict[Period, ReportFigures]]  # organisation -> earlier quarter -> report
    # organisation -> (invention patents filed, granted) before the period: in its reports, and for filed also
    # those of its register filed before its first report
    cumulative: dict[int, tuple[int, int]]
    peers: list[ReportFigures]


@dataclass(frozen=True)
class Flag:
    """One anomaly found on one report."""

    report_id: int | None
    organisation_id: int
    check: str
    indicator: str
    severity: str
    rule: str  # the explanation's key within the check
    value: Decimal | int
    expected_low: Decimal | int | None = None
    expected_high: Decimal | int | None = None
    facts: dict = field(default_factory=dict)  # formatted numbers and codes the explanation prints

    @property
    def key(self) -> tuple[str, str]:
        """A note belongs to a report's (check, indicator)."""
        return self.check, self.indicator

    def explanation(self, lang: str | None = None) -> str:
        lang = lang or current_language()
        template = EXPLANATIONS[(self.check, self.rule)][0 if lang == "zh" else 1]
        figure = self.facts.get("figure", self.indicator)
        names = QUANTITIES.get(figure) or (BY_CODE[figure].zh, BY_CODE[figure].en, BY_CODE[figure].unit.zh,
                                            BY_CODE[figure].unit.en)
        return template.format(name=names[0 if lang == "zh" else 1], unit=names[2 if lang == "zh" else 3],
                               **{k: v for k, v in self.facts.items() if k != "figure"})

    def severity_name(self, lang: str | None = None) -> str:
        return SEVERITY_NAMES[self.severity][0 if (lang or current_language()) == "zh" else 1]

    @property
    def is_likely_error(self) -> bool:
        return self.severity == LIKELY_ERROR


@dataclass(frozen=True)
class Check:
    code: str
    zh: str
    en: str
    description_zh: str
    description_en: str
    severity: str  # the highest severity its flags take
    parameters: tuple[Parameter, ...]
    compute: Callable[[Dataset, dict], Iterable[Flag]]

    def name(self, lang: str | None = None) -> str:
        return self.zh if (lang or current_language()) == "zh" else self.en

    def description(self, lang: str | None = None) -> str:
        return self.description_zh if (lang or current_language()) == "zh" else self.description_en

    def defaults(self) -> dict[str, Decimal]:
        return {parameter.key: parameter.default for parameter in self.parameters}


# --- formatting of the numbers an explanation prints ------------------------------------------------------

def amount(yuan: int | Decimal) -> str:
    """Whole yuan as 万元 with thousands separators and two decimals, as people read amounts: 1,250.00."""
    return f"{round_half_up(Decimal(yuan) / YUAN, 2):,}"


def decimal_text(value: Decimal, places: int = 2) -> str:
    return f"{round_half_up(Decimal(value), places):,}"


def times(value: Decimal) -> str:
    return f"{round_half_up(value, 1):,}"


def wan(yuan: int) -> Decimal:
    """Whole yuan as exact 万元 (four decimals)."""
    return (Decimal(int(yuan)) / YUAN).quantize(Decimal("0.0001"))


def to_yuan(wan_float: float) -> int:
    """A bound computed in floats (万元) as whole yuan, half up: what values are compared with."""
    return int((Decimal(wan_float) * YUAN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_places(value: float, places: int) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def median(values: list) -> float | Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def log_spread(logs: list[float], factor: Decimal, multiplier: Decimal) -> tuple[float, float]:
    """Centre and half-width on the log scale: the median, and the larger of ln(factor) and
    ``multiplier`` robust standard deviations (1.4826 × the median absolute deviation)."""
    centre = median(logs)
    mad = median([abs(item - centre) for item in logs])
    return centre, max(math.log(float(factor)), float(multiplier) * MAD_TO_SIGMA * mad)


def size_band(employees: int) -> int:
    for index, (low, high) in enumerate(SIZE_BANDS):
        if employees >= low and (high is None or employees <= high):
            return index
    return 0


# --- jump: a flow far outside the company's own history ----------------------------------------------------

def compute_jump(data: Dataset, params: dict) -> Iterable[Flag]:
    factor, multiplier = params["factor"], params["spread_multiplier"]
    minimum_yuan = int(params["min_amount"] * YUAN)
    offset = float(params["min_amount"]) * JUMP_LOG_OFFSET_SHARE
    needed = int(params["min_history"])
    earlier = [data.period.previous()]
    for _ in range(3):
        earlier.append(earlier[-1].previous())  # the last four quarters, the oldest the same quarter last year
    for report in data.targets:
        history = [data.history.get(report.organisation_id, {}).get(period) for period in earlier]
        history = [item for item in history if item is not None]
        if len(history) < needed:
            continue
        for code, name in JUMP_FLOWS:
            past = [item.values[name] for item in history]
            typical = median([Decimal(value) for value in past])
            if typical <= 0:
                continue  # a flow the company usually does not have (financing rounds): an event, not a jump
            centre, width = log_spread([math.log(value / 10_000 + offset) for value in past], factor, multiplier)
            high = to_yuan(math.exp(centre + width) - offset)
            low = max(0, to_yuan(math.exp(centre - width) - offset))
            value = report.values[name]
            if value > high and value - typical >= minimum_yuan:
                rule = "high"
            elif 0 < value < low and typical - value >= minimum_yuan:
                # A quarter without the flow at all (no contract signed, R&D paused) is an event, not a figure
                # typed wrong; a figure far below the usual one is the moved decimal point looked for.
                rule = "low"
            else:
                continue
            ratio = Decimal(value) / typical
            yield Flag(report.report_id, report.organisation_id, "jump", code, WARNING, rule, wan(value), wan(low),
                       wan(high), {"value": amount(value), "median": amount(typical), "ratio": times(ratio),
                                   "low": amount(low), "high": amount(high), "quarters": len(history)})


# --- peer_outlier: ratios far from companies of the same industry and size ----------------------------------

def _intensity(report: ReportFigures, params) -> Decimal | None:
    revenue, rd = report.values["revenue"], report.values["rd_expense"]
    if revenue < params["min_revenue"] * YUAN or rd <= 0:
        return None
    return Decimal(rd) * 100 / Decimal(revenue)


def _revenue_per_employee(report: ReportFigures, params) -> Decimal | None:
    revenue, employees = report.values["revenue"], report.values["employees"]
    if revenue < params["min_revenue"] * YUAN or employees <= 0:
        return None
    return Decimal(revenue) / YUAN / employees


def _staff_share(report: ReportFigures, params) -> Decimal | None:
    employees, staff = report.values["employees"], report.values["rd_staff"]
    if employees < params["min_employees"] or staff <= 0:
        return None
    return Decimal(staff) * 100 / Decimal(employees)


# (the catalogue code flagged, the quantity's key, how it is computed, decimals printed)
PEER_RATIOS = (("RD_INTENSITY", "RD_INTENSITY", _intensity, 2),
               ("REVENUE", "REVENUE_PER_EMPLOYEE", _revenue_per_employee, 4),
               ("RD_STAFF_SHARE", "RD_STAFF_SHARE", _staff_share, 2))
QUANTITIES = {"REVENUE_PER_EMPLOYEE": ("人均营业收入", "Revenue per employee", "万元/人", "10,000 CNY per person"),
              "RD_INTENSITY": ("研发投入强度", "R&D intensity", "%", "%"),
              "RD_STAFF_SHARE": ("研发人员占比", "R&D staff share", "%", "%")}


def compute_peer_outlier(data: Dataset, params: dict) -> Iterable[Flag]:
    factor, multiplier, needed = params["factor"], params["spread_multiplier"], int(params["min_peers"])
    for code, quantity, measure, places in PEER_RATIOS:
        by_group: dict = defaultdict(list)
        by_industry: dict = defaultdict(list)
        for peer in data.peers:
            value = measure(peer, params)
            if value is not None:
                by_group[(peer.industry_id, size_band(peer.values["employees"]))].append(math.log(value))
                by_industry[peer.industry_id].append(math.log(value))
        spreads: dict = {}
        for report in data.targets:
            value = measure(report, params)
            if value is None:
                continue
            key = (report.industry_id, size_band(report.values["employees"]))
            logs = by_group.get(key, [])
            if len(logs) < needed:
                key, logs = report.industry_id, by_industry.get(report.industry_id, [])
                if len(logs) < needed:
                    continue
            if key not in spreads:
                centre, width = log_spread(logs, factor, multiplier)
                spreads[key] = (to_places(math.exp(centre - width), places),
                                to_places(math.exp(centre + width), places), to_places(math.exp(centre), places),
                                len(logs))
            low, high, typical, count = spreads[key]
            if low <= value <= high:
                continue
            yield Flag(report.report_id, report.organisation_id, "peer_outlier", code, WARNING,
                       "high" if value > high else "low", round_half_up(value, places), low, high,
                       {"figure": quantity, "value": decimal_text(value, places), "median": decimal_text(typical, places),
                        "low": decimal_text(low, places), "high": decimal_text(high, places), "peers": count})


# --- copied: every flow the same as the previous quarter's ------------------------------------------------

def compute_copied(data: Dataset, params: dict) -> Iterable[Flag]:
    needed = int(params["min_nonzero_flows"])
    previous = data.period.previous()
    for report in data.targets:
        before = data.history.get(report.organisation_id, {}).get(previous)
        if before is None:
            continue
        if sum(1 for name in FLOWS if report.values[name]) < needed:
            continue  # a dormant company's zeros are not copied figures
        if all(report.values[name] == before.values[name] for name in FLOWS):
            yield Flag(report.report_id, report.organisation_id, "copied", "REVENUE", LIKELY_ERROR, "same",
                       wan(report.values["revenue"]), None, None,
                       {"value": amount(report.values["revenue"]), "previous": str(previous)})


# --- inconsistent: figures that contradict each other or earlier reports ------------------------------------

def compute_inconsistent(data: Dataset, params: dict) -> Iterable[Flag]:
    previous = data.period.previous()
    for report in data.targets:
        v = report.values
        org = report.organisation_id
        if rules.rd_above_revenue(v["rd_expense"], v["revenue"]):
            yield Flag(report.report_id, org, "inconsistent", "RD_EXPENSE", WARNING, "rd_above_revenue",
                       wan(v["rd_expense"]), None, wan(v["revenue"]),
                       {"value": amount(v["rd_expense"]), "bound": amount(v["revenue"])})
        if rules.tax_above_revenue(v["tax_paid"], v["revenue"]):
            yield Flag(report.report_id, org, "inconsistent", "TAX_PAID", LIKELY_ERROR, "tax_above_revenue",
                       wan(v["tax_paid"]), None, wan(v["revenue"]),
                       {"value": amount(v["tax_paid"]), "bound": amount(v["revenue"])})
        filed, granted = data.cumulative.get(org, (0, 0))
        filed, granted = filed + v["invention_patents_filed"], granted + v["invention_patents_granted"]
        if v["invention_patents_granted"] and rules.granted_above_filed(granted, filed):
            yield Flag(report.report_id, org, "inconsistent", "INVENTION_PATENTS_GRANTED", WARNING,
                       "granted_above_filed", granted, None, filed, {"value": granted, "bound": filed})
        if rules.graduates_above_employees(v["graduates_hired"], v["employees"]):
            yield Flag(report.report_id, org, "inconsistent", "GRADUATES_HIRED", LIKELY_ERROR,
                       "graduates_above_employees", v["graduates_hired"], None, v["employees"],
                       {"value": v["graduates_hired"], "bound": v["employees"]})
        before = data.history.get(org, {}).get(previous)
        if before is not None and rules.staff_gone_while_revenue_rises(
                v["employees"], before.values["employees"], v["revenue"], before.values["revenue"]):
            yield Flag(report.report_id, org, "inconsistent", "EMPLOYEES", LIKELY_ERROR, "staff_gone", 0, 1, None,
                       {"previous_employees": before.values["employees"], "previous": amount(before.values["revenue"]),
                        "revenue": amount(v["revenue"])})


# --- the registry ---------------------------------------------------------------------------------------------

def _p(key, zh, en, default, minimum, maximum, unit_zh="", unit_en=""):
    return Parameter(key, zh, en, Decimal(default), Decimal(minimum), Decimal(maximum), unit_zh, unit_en)


CHECKS: tuple[Check, ...] = (
    Check("jump", "异常波动", "Jump",
          "营业收入、研发经费、税费、融资、技术合同额远离该企业近四个季度（含上年同期）的水平：以对数尺度的中位数和中位数绝对偏差衡量，小额不计。",
          "Revenue, R&D expense, tax, financing or contract value far from the company's last four quarters (the "
          "same quarter last year among them): median and median absolute deviation on a log scale; small amounts "
          "never flag.",
          WARNING,
          (_p("factor", "最小倍数", "Minimum factor", "5", "1.5", "1000", "倍", "×"),
           _p("spread_multiplier", "离散倍数（稳健标准差）", "Spread multiplier (robust SDs)", "4", "1", "20"),
           _p("min_amount", "最小金额", "Minimum amount", "20", "0", "100000", "万元", "10,000 CNY"),
           _p("min_history", "最少历史季度", "Minimum quarters of history", "3", "1", "4", "个", "quarters")),
          compute_jump),
    Check("peer_outlier", "偏离同行", "Peer outlier",
          "研发投入强度、人均营业收入、研发人员占比远离园区内同行业、同规模企业：以对数尺度的中位数和中位数绝对偏差衡量。",
          "R&D intensity, revenue per employee and R&D staff share far from companies of the same industry and size "
          "band in the zone: median and median absolute deviation on a log scale.",
          WARNING,
          (_p("factor", "最小倍数", "Minimum factor", "6", "1.5", "1000", "倍", "×"),
           _p("spread_multiplier", "离散倍数（稳健标准差）", "Spread multiplier (robust SDs)", "4", "1", "20"),
           _p("min_peers", "最少同行企业数", "Minimum peers", "10", "3", "1000", "家", "companies"),
           _p("min_revenue", "最低营业收入", "Minimum revenue", "50", "0", "100000", "万元", "10,000 CNY"),
           _p("min_employees", "最少从业人员（研发人员占比）", "Minimum employees (R&D staff share)", "5", "1", "10000",
              "人", "persons")),
          compute_peer_outlier),
    Check("copied", "照抄上季度", "Copied",
          "本季度所有流量指标与上一季度完全相同（复制粘贴填报）。", "Every flow identical to the previous quarter's "
          "(copy-paste reporting).",
          LIKELY_ERROR,
          (_p("min_nonzero_flows", "最少非零流量指标", "Minimum non-zero flows", "2", "1", "9", "项", "flows"),),
          compute_copied),
    Check("inconsistent", "前后矛盾", "Inconsistent",
          "相互矛盾或与以往报告矛盾的数据：研发经费或税费高于营业收入、累计发明专利授权多于申请、当季吸纳毕业生多于季末从业人员、从业人员降为零而收入增长。",
          "Figures that contradict each other or earlier reports: R&D or tax above revenue, invention patents "
          "granted in total above those ever filed, graduates hired above employees at quarter end, employees "
          "falling to zero while revenue rises.",
          LIKELY_ERROR, (), compute_inconsistent),
)
BY_CHECK: dict[str, Check] = {check.code: check for check in CHECKS}

# (check, rule) -> (zh, en) explanation templates; {name} and {unit} are the figure's, the rest the flag's facts.
EXPLANATIONS = {
    ("jump", "high"): ("{name} {value} 万元，是该企业近四个季度中位数（{median} 万元）的 {ratio} 倍；通常范围 {low}–{high} 万元。",
                       "{name} {value} (10,000 CNY) is {ratio} times the median of the company's last four quarters "
                       "({median}); usual range {low}–{high}."),
    ("jump", "low"): ("{name} {value} 万元，仅为该企业近四个季度中位数（{median} 万元）的 {ratio} 倍；通常范围 {low}–{high} 万元。",
                      "{name} {value} (10,000 CNY) is only {ratio} times the median of the company's last four "
                      "quarters ({median}); usual range {low}–{high}."),
    ("peer_outlier", "high"): ("{name} {value} {unit}，远高于同行业同规模的 {peers} 家企业（中位数 {median} {unit}，通常范围 {low}–{high} {unit}）。",
                               "{name} {value} {unit} is far above {peers} companies of the same industry and size "
                               "(median {median} {unit}, usual range {low}–{high} {unit})."),
    ("peer_outlier", "low"): ("{name} {value} {unit}，远低于同行业同规模的 {peers} 家企业（中位数 {median} {unit}，通常范围 {low}–{high} {unit}）。",
                              "{name} {value} {unit} is far below {peers} companies of the same industry and size "
                              "(median {median} {unit}, usual range {low}–{high} {unit})."),
    ("copied", "same"): ("本季度所有流量指标与上一季度（{previous}）完全相同（营业收入 {value} 万元），疑似照抄上季度数据。",
                         "Every flow of this quarter is identical to the previous quarter's ({previous}; revenue "
                         "{value} 10,000 CNY): copied from the last report?"),
    ("inconsistent", "rd_above_revenue"): ("研发经费支出 {value} 万元高于营业收入 {bound} 万元。",
                                           "R&D spending is above revenue: {value} against {bound} (10,000 CNY)."),
    ("inconsistent", "tax_above_revenue"): ("上缴税费 {value} 万元高于营业收入 {bound} 万元。",
                                            "Taxes paid are above revenue: {value} against {bound} (10,000 CNY)."),
    ("inconsistent", "granted_above_filed"): ("累计发明专利授权 {value} 件，多于该企业申请过的发明专利 {bound} 件（历次报告所报及首次报告前已登记的）。",
                                              "{value} invention patents granted in total, more than the {bound} the "
                                              "company ever filed (in its reports, and registered before its first "
                                              "report)."),
    ("inconsistent", "graduates_above_employees"): ("本季度吸纳高校毕业生 {value} 人，多于季末从业人员 {bound} 人。",
                                                    "{value} new graduates hired this quarter, more than the {bound} "
                                                    "employees at quarter end."),
    ("inconsistent", "staff_gone"): ("季末从业人员为 0（上季度 {previous_employees} 人），而营业收入由 {previous} 万元增至 {revenue} 万元。",
                                     "No employees at quarter end (last quarter {previous_employees}), while revenue "
                                     "rose from {previous} to {revenue} (10,000 CNY)."),
}


def get(code: str) -> Check:
    return BY_CHECK[code]
