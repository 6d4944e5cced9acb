"""The indicator catalogue: every figure of the dashboards, targets and the evaluation is defined here once.

Each entry names its code, its Chinese and English names, unit, kind (``flow``, ``stock`` or ``ratio``),
how it is computed from the base measures of ``computations.py`` and its default weight. Targets,
dashboards, the evaluation and every export iterate over ``CATALOGUE``; none of them knows a particular
indicator. Adding an indicator is one entry here (plus a base measure if it needs new data).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..database import round_half_up

FLOW, STOCK, RATIO = "flow", "stock", "ratio"
KINDS = (FLOW, STOCK, RATIO)


@dataclass(frozen=True)
class Unit:
    """A unit: its labels and how many decimals its figures print with (0 = whole numbers)."""

    code: str
    zh: str
    en: str
    places: int

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


WAN = Unit("wan", "万元", "10,000 CNY", 4)
PERCENT = Unit("percent", "%", "%", 2)
PERSONS = Unit("persons", "人", "persons", 0)
ITEMS = Unit("items", "件", "items", 0)
INCUBATIONS = Unit("incubations", "家", "incubations", 0)
DEALS = Unit("deals", "项", "deals", 0)
AGREEMENTS = Unit("agreements", "项", "agreements", 0)


@dataclass(frozen=True)
class Measure:
    """A base measure: ``measure`` names a figure that ``computations`` produces per scope and quarter."""

    measure: str
    money: bool = False  # stored in yuan, shown in 万元

    def value(self, figures: dict, key) -> Decimal:
        raw = figures.get(self.measure, {}).get(key, 0)
        number = Decimal(raw)
        return number.scaleb(-4) if self.money else number


@dataclass(frozen=True)
class Ratio:
    """``numerator`` ÷ ``denominator`` × ``factor`` of two catalogue indicators, column by column."""

    numerator: str
    denominator: str
    factor: Decimal = Decimal(100)


@dataclass(frozen=True)
class Indicator:
    code: str
    zh: str
    en: str
    unit: Unit
    kind: str
    computation: Measure | Ratio
    default_weight: Decimal = Decimal(1)
    from_reports: bool = False  # a figure of the quarterly report (listed per company)

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def places(self) -> int:
        return self.unit.places

    def rounded(self, value: Decimal | None) -> Decimal | None:
        """The value as printed: half up to the unit's places (no negative zero)."""
        return None if value is None else round_half_up(value, self.places)

    @property
    def expected_fraction_is_time_based(self) -> bool:
        return self.kind == FLOW


def _report(code, zh, en, unit, kind, column, money=False):
    return Indicator(code, zh, en, unit, kind, Measure(column, money=money), from_reports=True)


CATALOGUE: tuple[Indicator, ...] = (
    _report("REVENUE", "营业收入", "Operating revenue", WAN, FLOW, "revenue", money=True),
    _report("RD_EXPENSE", "研发经费支出", "R&D expenditure", WAN, FLOW, "rd_expense", money=True),
    Indicator("RD_INTENSITY", "研发投入强度", "R&D intensity", PERCENT, RATIO, Ratio("RD_EXPENSE", "REVENUE"),
              from_reports=True),
    _report("EMPLOYEES", "期末从业人员", "Employees at period end", PERSONS, STOCK, "employees"),
    _report("RD_STAFF", "研发人员", "R&D staff", PERSONS, STOCK, "rd_staff"),
    Indicator("RD_STAFF_SHARE", "研发人员占比", "R&D staff share", PERCENT, RATIO, Ratio("RD_STAFF", "EMPLOYEES"),
              from_reports=True),
    _report("INVENTION_PATENTS_FILED", "发明专利申请", "Invention patent applications", ITEMS, FLOW,
            "invention_patents_filed"),
    _report("INVENTION_PATENTS_GRANTED", "发明专利授权", "Invention patent grants", ITEMS, FLOW,
            "invention_patents_granted"),
    _report("OTHER_IP_GRANTED", "实用新型、外观设计、软件著作权授权", "Utility models, designs, software copyrights granted",
            ITEMS, FLOW, "other_ip_granted"),
    _report("TECH_CONTRACT_VALUE", "技术合同成交额", "Technology contract turnover", WAN, FLOW, "tech_contract_value",
            money=True),
    _report("FINANCING", "股权融资", "Equity financing", WAN, FLOW, "financing", money=True),
    _report("TAX_PAID", "上缴税费", "Taxes paid", WAN, FLOW, "tax_paid", money=True),
    _report("GRADUATES_HIRED", "吸纳高校毕业生", "New graduates hired", PERSONS, FLOW, "graduates_hired"),
    Indicator("STARTUPS_ADMITTED", "新入孵企业", "Startups admitted", INCUBATIONS, FLOW, Measure("admitted")),
    Indicator("STARTUPS_GRADUATED", "毕业企业", "Startups graduated", INCUBATIONS, FLOW, Measure("graduated")),
    Indicator("STARTUPS_INCUBATING", "在孵企业", "Tenant startups", INCUBATIONS, STOCK, Measure("incubating")),
    Indicator("TECH_TRANSFER_DEALS", "科技成果转化项目", "Tech-transfer deals", DEALS, FLOW, Measure("deals")),
    Indicator("TECH_TRANSFER_VALUE", "科技成果转化金额", "Tech-transfer value", WAN, FLOW,
              Measure("deal_value", money=True)),
    Indicator("ACTIVE_PARTNERSHIPS", "有效产学研合作协议", "Active partnerships", AGREEMENTS, STOCK,
              Measure("partnerships")),
    Indicator("TALENTS_HIRED", "订单式培养留区就业", "Trained talents hired in the zone", PERSONS, FLOW,
              Measure("talents")),
)

BY_CODE: dict[str, Indicator] = {indicator.code: indicator for indicator in CATALOGUE}
REPORT_INDICATORS: tuple[Indicator, ...] = tuple(i for i in CATALOGUE if i.from_reports)


def get(code: str) -> Indicator:
    return BY_CODE[code]


def expected(indicator: Indicator, quarter: int) -> Decimal:
    """Expected progress: n ÷ 4 in quarter n for flows; 1 for stocks and ratios."""
    return Decimal(quarter) / Decimal(4) if indicator.kind == FLOW else Decimal(1)
