"""High-tech enterprise readiness (高新技术企业认定), the R&D super-deduction estimate and the tech SME pre-check.

Everything is computed for many companies at once in a fixed number of queries: the companies, their
verified report sums by year, their latest verified report, and their valid IP.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import format_decimal, gettext as _, lazy_gettext as _l, ngettext
from sqlalchemy import func, select

from .. import clock
from ..access import changeable_company_ids_for, scoped
from ..database import yuan_to_wan
from ..extensions import db
from ..organisations.models import COMPANY_KINDS, IntellectualProperty, Organisation
from ..startups.models import QuarterlyReport
from .computations import valid_ip

# Recognition rules (科技部 财政部 税务总局《高新技术企业认定管理办法》国科发火〔2016〕32号, 第十一条).
HIGH_TECH_SOURCE = _l("Measures for the Recognition of High-tech Enterprises (Guo Ke Fa Huo [2016] No. 32), art. 11")
SALES_BANDS = (  # (last year's sales up to and including, in yuan; required R&D ratio in %)
    (50_000_000, Decimal(5)),
    (200_000_000, Decimal(4)),
    (None, Decimal(3)),
)
RD_STAFF_SHARE = Decimal(10)
# 研发费用加计扣除: 100 % of expensed R&D is deducted again (财政部 税务总局公告2023年第7号).
SUPER_DEDUCTION_RATE = Decimal(1)
SUPER_DEDUCTION_SOURCE = _l("MOF and STA Announcement No. 7 of 2023: an additional 100% of expensed R&D is "
                            "deducted before tax")
STANDARD_TAX_RATE = Decimal("0.25")
# 科技型中小企业评价办法 (国科发政〔2017〕115号): at most 500 staff and sales of at most 200 million CNY.
TECH_SME_MAX_STAFF = 500
TECH_SME_MAX_SALES = 200_000_000
TECH_SME_SOURCE = _l("Evaluation Measures for Tech-based SMEs (Guo Ke Fa Zheng [2017] No. 115); total assets "
                     "(≤ 200 million CNY) are not held here and are not checked")


def required_rd_ratio(last_year_sales: int) -> Decimal:
    """The R&D ratio required for a company with ``last_year_sales`` yuan of sales last year."""
    for ceiling, ratio in SALES_BANDS:
        if ceiling is None or last_year_sales <= ceiling:
            return ratio
    return SALES_BANDS[-1][1]


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@dataclass
class Check:
    code: str
    name: str
    value: str
    threshold: str
    met: bool
    gap: str = ""


@dataclass
class Readiness:
    organisation: Organisation
    fiscal_years: list[int]
    revenue_3y: int = 0
    rd_3y: int = 0
    last_year_sales: int = 0
    last_year_rd: int = 0
    employees: int = 0
    rd_staff: int = 0
    valid_ip: int = 0
    recognised: bool = False
    checks: list[Check] = field(default_factory=list)
    tech_sme: bool = False

    @property
    def unmet(self) -> int:
        return sum(1 for check in self.checks if not check.met)

    @property
    def eligible(self) -> bool:
        return not self.recognised and self.unmet == 0

    @property
    def candidate(self) -> bool:
        """Not recognised, and at most one requirement short."""
        return not self.recognised and self.unmet <= 1

    @property
    def super_deduction(self) -> int:
        """Additional deduction of last year's expensed R&D, in yuan (exact)."""
        return int(Decimal(self.last_year_rd) * SUPER_DEDUCTION_RATE)

    @property
    def tax_effect(self) -> Decimal:
        """Tax the deduction saves at the standard 25% rate, in yuan (an estimate)."""
        return Decimal(self.super_deduction) * STANDARD_TAX_RATE

    @property
    def required_ratio(self) -> Decimal:
        return required_rd_ratio(self.last_year_sales)


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{format_decimal(value.quantize(Decimal('0.01')), format='#,##0.00')}%"


def _wan(yuan) -> str:
    return format_decimal(yuan_to_wan(int(yuan)), format="#,##0.0000")


def build_checks(item: Readiness, today: date) -> None:
    """The four recognition requirements, with values, thresholds and the distance to each."""
    required = item.required_ratio
    ratio = Decimal(item.rd_3y) * 100 / Decimal(item.revenue_3y) if item.revenue_3y > 0 else None
    met = item.revenue_3y > 0 and Decimal(item.rd_3y) * 100 >= required * Decimal(item.revenue_3y)
    gap = ""
    if not met:
        if item.revenue_3y > 0:
            needed = Decimal(math.ceil(required * Decimal(item.revenue_3y) / 100)) - item.rd_3y
            gap = _("%(n)s (10,000 CNY) more R&D expenditure over the three years", n=_wan(needed))
        else:
            gap = _("no verified revenue in the last three fiscal years")
    item.checks.append(Check("rd_ratio", _("R&D expenditure over sales, last three fiscal years"), _pct(ratio),
                             f"≥ {_pct(required)}", met, gap))

    share = Decimal(item.rd_staff) * 100 / Decimal(item.employees) if item.employees > 0 else None
    met = item.employees > 0 and Decimal(item.rd_staff) * 100 >= RD_STAFF_SHARE * item.employees
    gap = ""
    if not met:
        if item.employees > 0:
            needed = math.ceil(RD_STAFF_SHARE * item.employees / 100) - item.rd_staff
            gap = ngettext("%(num)d more R&D staff member", "%(num)d more R&D staff members", needed)
        else:
            gap = _("no verified staff figures")
    item.checks.append(Check("rd_staff", _("R&D staff share of employees"), _pct(share), f"≥ {_pct(RD_STAFF_SHARE)}",
                             met, gap))

    founded = item.organisation.founded_on
    anniversary = one_year_after(founded) if founded else None
    met = anniversary is not None and anniversary <= today
    gap = "" if met else (_("eligible from %(day)s", day=anniversary.isoformat()) if anniversary
                          else _("founding date not recorded"))
    item.checks.append(Check("registered", _("Registered for at least one year"),
                             founded.isoformat() if founded else "—", _("1 year"), met, gap))

    met = item.valid_ip >= 1
    item.checks.append(Check("valid_ip", _("Valid intellectual property held"), str(item.valid_ip), "≥ 1", met,
                             "" if met else _("at least one granted, valid IP item is needed")))


def readiness_for(company_ids_query, today: date | None = None) -> list[Readiness]:
    """Readiness of the companies selected by ``company_ids_query`` (a SELECT of ids, or None for all)."""
    today = today or clock.today()
    years = [today.year - 3, today.year - 2, today.year - 1]
    query = select(Organisation).where(Organisation.kind.in_(COMPANY_KINDS)).order_by(Organisation.name_sort,
                                                                                      Organisation.id)
    organisations = list(db.session.scalars(scoped(query, company_ids_query, Organisation.id)))
    ids = [org.id for org in organisations]
    if not ids:
        return []

    sums: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for org_id, year, revenue, rd in db.session.execute(
            select(QuarterlyReport.organisation_id, QuarterlyReport.year, func.sum(QuarterlyReport.revenue),
                   func.sum(QuarterlyReport.rd_expense))
            .where(QuarterlyReport.organisation_id.in_(ids), QuarterlyReport.status == "verified",
                   QuarterlyReport.year.in_(years))
            .group_by(QuarterlyReport.organisation_id, QuarterlyReport.year)):
        sums[org_id][year] = (int(revenue or 0), int(rd or 0))

    latest = (select(QuarterlyReport.organisation_id, func.max(QuarterlyReport.quarter_end).label("last"))
              .where(QuarterlyReport.organisation_id.in_(ids), QuarterlyReport.status == "verified",
                     QuarterlyReport.quarter_end <= today)
              .group_by(QuarterlyReport.organisation_id).subquery())
    staff = {org_id: (employees, rd_staff) for org_id, employees, rd_staff in db.session.execute(
        select(QuarterlyReport.organisation_id, QuarterlyReport.employees, QuarterlyReport.rd_staff)
        .join(latest, (latest.c.organisation_id == QuarterlyReport.organisation_id)
              & (latest.c.last == QuarterlyReport.quarter_end))
        .where(QuarterlyReport.status == "verified"))}

    ip = dict(db.session.execute(
        select(IntellectualProperty.organisation_id, func.count())
        .where(IntellectualProperty.organisation_id.in_(ids), valid_ip(today))
        .group_by(IntellectualProperty.organisation_id)).all())

    result = []
    for org in organisations:
        by_year = sums.get(org.id, {})
        item = Readiness(org, years)
        item.revenue_3y = sum(by_year.get(year, (0, 0))[0] for year in years)
        item.rd_3y = sum(by_year.get(year, (0, 0))[1] for year in years)
        item.last_year_sales, item.last_year_rd = by_year.get(years[-1], (0, 0))
        item.employees, item.rd_staff = staff.get(org.id, (0, 0))
        item.valid_ip = ip.get(org.id, 0)
        item.recognised = org.is_high_tech_on(today)
        build_checks(item, today)
        item.tech_sme = item.employees <= TECH_SME_MAX_STAFF and item.last_year_sales <= TECH_SME_MAX_SALES
        result.append(item)
    return result


def readiness_for_user(user, today: date | None = None) -> list[Readiness]:
    return readiness_for(changeable_company_ids_for(user), today)


def candidates(items: list[Readiness]) -> list[Readiness]:
    """Companies not yet recognised that meet every requirement or miss one; the eligible first."""
    return sorted((item for item in items if item.candidate), key=lambda item: (item.unmet, item.organisation.name_sort))
