"""Torch statistics (火炬统计): the annual figures of incubators and maker spaces, in thousands of CNY.

The columns are data (``TORCH_COLUMNS``): a key, the Chinese and English headers, the unit and the source
that computes the value, so the form can follow the official one by editing this list. ``docs/torch-statistics.md``
documents each column. Values come from a fixed number of queries for all platforms of a year.
"""
from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import lazyload

from ..extensions import db
from ..i18n import localized
from ..organisations.models import IntellectualProperty, Organisation
from ..platforms.models import Platform
from ..quality import rules
from ..startups.models import Incubation, QuarterlyReport
from .computations import (Context, _facts, _graduates, _tenants_financed, covering, platform_area,
                           used_areas, valid_ip)
from .hightech import TECH_SME_MAX_SALES, TECH_SME_MAX_STAFF

TORCH_KINDS = ("incubator", "maker_space")
THOUSAND = Decimal(1000)


def yuan_to_thousands(yuan: int | None) -> Decimal:
    """Whole yuan as an exact amount in 千元 (three decimals, no rounding)."""
    return (Decimal(int(yuan or 0)) / THOUSAND).quantize(Decimal("0.001"))


@dataclass(frozen=True)
class TorchColumn:
    key: str
    header_zh: str
    header_en: str
    unit: str  # 千元, 人, 家, 项, 个, 场, m², %
    source: str  # a key of SOURCES
    section: str

    def header(self, lang: str | None = None) -> str:
        return localized(self.header_zh, self.header_en, lang)

    @property
    def is_money(self) -> bool:
        return self.unit == "千元"


def _col(key, zh, en, unit, source, section):
    return TorchColumn(key, zh, en, unit, source, section)


SECTIONS = {
    "platform": ("基本情况", "Platform"), "operator": ("运营主体", "Operator"), "staff": ("从业人员", "Staff"),
    "area": ("场地面积", "Floor area"), "tenants": ("在孵企业", "Tenants"), "graduates": ("毕业企业", "Graduates"),
    "founders": ("创业者", "Founders"), "maker": ("众创空间", "Maker space"),
}

TORCH_COLUMNS: list[TorchColumn] = [
    _col("platform_code", "平台编号", "Platform code", "", "platform.code", "platform"),
    _col("platform_name", "平台名称", "Platform name", "", "platform.name", "platform"),
    _col("platform_kind", "载体类型", "Kind", "", "platform.kind", "platform"),
    _col("platform_level", "级别", "Level", "", "platform.level", "platform"),
    _col("income_total", "总收入", "Operator income, total", "千元", "facts.income_total", "operator"),
    _col("income_services", "其中：综合服务收入", "of which from services", "千元", "facts.income_services", "operator"),
    _col("income_property", "其中：物业收入", "of which from property", "千元", "facts.income_property", "operator"),
    _col("income_investment", "其中：投资收入", "of which from investment", "千元", "facts.income_investment", "operator"),
    _col("profit", "利润总额", "Profit", "千元", "facts.profit", "operator"),
    _col("taxes", "上缴税费", "Taxes paid", "千元", "facts.taxes", "operator"),
    _col("subsidies_received", "获得财政资助额", "Subsidies received", "千元", "facts.subsidies_received", "operator"),
    _col("incubation_fund", "孵化基金总额", "Incubation fund", "千元", "facts.incubation_fund", "operator"),
    _col("staff_total", "管理机构从业人员", "Staff", "人", "facts.full_time_staff", "staff"),
    _col("staff_professional", "其中：接受专业培训的人员", "of which professional", "人", "facts.professional_staff", "staff"),
    _col("staff_degree", "其中：大专以上学历人员", "of which with a degree", "人", "facts.staff_with_degree", "staff"),
    _col("staff_returnees", "其中：留学人员", "of which returned from study abroad", "人", "facts.returnee_staff", "staff"),
    _col("mentors", "创业导师人数", "Mentors", "人", "facts.mentors", "staff"),
    _col("area_total", "场地总面积", "Floor area, total", "m²", "area.total", "area"),
    _col("area_offices", "其中：孵化器自用面积", "of which offices", "m²", "facts.area_offices_m2", "area"),
    _col("area_tenants", "其中：在孵企业使用面积", "of which tenant space", "m²", "area.tenants", "area"),
    _col("area_public", "其中：公共服务面积", "of which public service space", "m²", "area.public", "area"),
    _col("tenants", "在孵企业数", "Tenants", "家", "tenants.count", "tenants"),
    _col("tenants_revenue", "在孵企业总收入", "Tenants' revenue", "千元", "tenants.revenue", "tenants"),
    _col("tenants_rd", "在孵企业研发经费支出", "Tenants' R&D expenditure", "千元", "tenants.rd_expense", "tenants"),
    _col("tenants_rd_intensity", "在孵企业研发投入强度", "Tenants' R&D intensity", "%", "tenants.rd_intensity", "tenants"),
    _col("tenants_subsidies", "在孵企业获得财政资助额", "Subsidies received by tenants", "千元", "facts.tenant_subsidies",
         "tenants"),
    _col("tenants_venture_capital", "在孵企业获得风险投资额", "Venture capital received by tenants", "千元",
         "tenants.financing", "tenants"),
    _col("tenants_financed", "当年获得投融资的在孵企业数", "Tenants financed in the year", "家", "tenants.financed",
         "tenants"),
    _col("tenants_valid_ip", "在孵企业拥有有效知识产权数", "Valid IP held by tenants", "项", "tenants.valid_ip", "tenants"),
    _col("tenants_invention_patents", "其中：发明专利", "of which invention patents", "项",
         "tenants.invention_patents", "tenants"),
    _col("tenants_tech_sme", "在孵科技型中小企业数", "Tech-based SMEs among tenants", "家", "tenants.tech_sme", "tenants"),
    _col("tenants_high_tech", "在孵高新技术企业数", "High-tech enterprises among tenants", "家", "tenants.high_tech",
         "tenants"),
    _col("tenants_jobs", "在孵企业从业人员", "Jobs in tenants", "人", "tenants.employees", "tenants"),
    _col("tenants_graduates_hired", "其中：吸纳应届大学毕业生", "of which new graduates hired", "人",
         "tenants.graduates_hired", "tenants"),
    _col("graduates_total", "累计毕业企业数", "Graduated companies, total", "家", "graduates.total", "graduates"),
    _col("graduates_listed", "其中：上市（挂牌）企业", "of which listed or quoted", "家", "graduates.listed", "graduates"),
    _col("founders_students", "大学生创业者", "Founders who are students", "人", "facts.founders_students", "founders"),
    _col("founders_researchers", "科技人员创业者", "Founders who are researchers", "人", "facts.founders_researchers",
         "founders"),
    _col("founders_returnees", "留学归国创业者", "Founders returned from abroad", "人", "facts.founders_returnees",
         "founders"),
    _col("teams_signed_in", "当年入驻创业团队数", "Teams signed in during the year", "个", "facts.teams_signed_in", "maker"),
    _col("team_members", "创业团队人数", "Members of those teams", "人", "facts.team_members", "maker"),
    _col("events_held", "当年举办创新创业活动", "Events held", "场", "facts.events_held", "maker"),
    _col("stations", "提供工位数", "Stations", "个", "platform.stations", "maker"),
]


# --- data (fixed number of queries for all platforms) -----------------------------------------------------

def _tenant_rows(ctx: Context) -> list[tuple[int, Organisation]]:
    """(platform id, company) of each tenant incubating on the date judged."""
    rows = db.session.execute(
        select(Incubation.platform_id, Organisation)
        .join(Organisation, Organisation.id == Incubation.organisation_id)
        .where(Incubation.platform_id.in_(ctx.subject_ids), covering(ctx.as_of)))
    seen, result = set(), []
    for platform_id, org in rows:
        if (platform_id, org.id) not in seen:
            seen.add((platform_id, org.id))
            result.append((platform_id, org))
    return result


def _tenant_reports(ctx: Context, org_ids: list[int]) -> tuple[dict, dict]:
    """The year's verified report sums by company, and the latest verified report's staff figures."""
    if not org_ids:
        return {}, {}
    sums = {row[0]: row[1:] for row in db.session.execute(
        select(QuarterlyReport.organisation_id, func.sum(QuarterlyReport.revenue), func.sum(QuarterlyReport.rd_expense),
               func.sum(QuarterlyReport.financing), func.sum(QuarterlyReport.graduates_hired), func.count())
        .where(QuarterlyReport.organisation_id.in_(org_ids), QuarterlyReport.status == "verified",
               QuarterlyReport.year == ctx.year, QuarterlyReport.quarter_end <= ctx.as_of)
        .group_by(QuarterlyReport.organisation_id))}
    latest = (select(QuarterlyReport.organisation_id, func.max(QuarterlyReport.quarter_end).label("last"))
              .where(QuarterlyReport.organisation_id.in_(org_ids), QuarterlyReport.status == "verified",
                     QuarterlyReport.year == ctx.year, QuarterlyReport.quarter_end <= ctx.as_of)
              .group_by(QuarterlyReport.organisation_id).subquery())
    staff = {row[0]: row[1] for row in db.session.execute(
        select(QuarterlyReport.organisation_id, QuarterlyReport.employees)
        .join(latest, and_(latest.c.organisation_id == QuarterlyReport.organisation_id,
                           latest.c.last == QuarterlyReport.quarter_end))
        .where(QuarterlyReport.status == "verified"))}
    return sums, staff


def _tenant_ip(ctx: Context, org_ids: list[int]) -> dict[int, tuple[int, int]]:
    if not org_ids:
        return {}
    return {row[0]: (int(row[1] or 0), int(row[2] or 0)) for row in db.session.execute(
        select(IntellectualProperty.organisation_id, func.count(),
               func.sum(case((IntellectualProperty.kind == "invention_patent", 1), else_=0)))
        .where(IntellectualProperty.organisation_id.in_(org_ids), valid_ip(ctx.as_of))
        .group_by(IntellectualProperty.organisation_id))}


def _graduates_listed(ctx: Context) -> dict[int, int]:
    return dict(db.session.execute(
        select(Incubation.platform_id, func.count(func.distinct(Incubation.organisation_id)))
        .join(Organisation, Organisation.id == Incubation.organisation_id)
        .where(Incubation.platform_id.in_(ctx.subject_ids), Incubation.status == "graduated",
               Incubation.ended_on <= ctx.as_of, Organisation.listing_status.in_(("listed", "quoted")))
        .group_by(Incubation.platform_id)).all())


@dataclass
class TorchRow:
    platform: Platform
    values: dict[str, object]
    warnings: list[str]
    has_facts: bool


def torch_platforms(platform_ids_query) -> list[Platform]:
    from ..access import scoped

    query = select(Platform).where(Platform.kind.in_(TORCH_KINDS)).order_by(Platform.code).options(lazyload("*"))
    return list(db.session.scalars(scoped(query, platform_ids_query, Platform.id)))


def torch_rows(platforms: list[Platform], year: int) -> list[TorchRow]:
    """One row per platform: every column's value (money in 千元, exact) and the cross-check warnings."""
    ctx = Context.for_year(year, [p.id for p in platforms], platforms=platforms)
    if not platforms:
        return []
    facts = ctx.dataset("facts", _facts)
    graduates = ctx.dataset("graduates", _graduates)
    listed = ctx.dataset("graduates_listed", _graduates_listed)
    financed = ctx.dataset("tenants_financed", _tenants_financed)
    tenants = _tenant_rows(ctx)
    org_ids = sorted({org.id for _, org in tenants})
    sums, staff = _tenant_reports(ctx, org_ids)
    ip = _tenant_ip(ctx, org_ids)

    per_platform: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for platform_id, org in tenants:
        bucket = per_platform[platform_id]
        revenue, rd, financing, hired, reports = sums.get(org.id, (0, 0, 0, 0, 0))
        employees = staff.get(org.id, 0)
        bucket["count"] += 1
        bucket["revenue"] += int(revenue or 0)
        bucket["rd_expense"] += int(rd or 0)
        bucket["financing"] += int(financing or 0)
        bucket["graduates_hired"] += int(hired or 0)
        bucket["employees"] += employees
        bucket["without_report"] += 0 if reports else 1
        bucket["valid_ip"] += ip.get(org.id, (0, 0))[0]
        bucket["invention_patents"] += ip.get(org.id, (0, 0))[1]
        bucket["high_tech"] += 1 if org.is_high_tech_on(ctx.as_of) else 0
        bucket["tech_sme"] += 1 if reports and employees <= TECH_SME_MAX_STAFF and int(revenue or 0) <= TECH_SME_MAX_SALES else 0

    rows = []
    for platform in platforms:
        fact = facts.get(platform.id)
        bucket = per_platform[platform.id]
        tenant_area, public_area = used_areas(ctx, platform.id)
        total_area = platform_area(ctx, platform.id)
        derived = {
            "platform.code": platform.code, "platform.name": platform.name, "platform.kind": platform.kind,
            "platform.level": platform.level, "platform.stations": platform.stations or 0,
            "area.total": total_area, "area.tenants": tenant_area, "area.public": public_area,
            "tenants.count": bucket["count"], "tenants.financed": financed.get(platform.id, 0),
            "tenants.rd_intensity": (Decimal(bucket["rd_expense"]) * 100 / Decimal(bucket["revenue"])
                                     ).quantize(Decimal("0.01")) if bucket["revenue"] else None,
            "graduates.total": graduates.get(platform.id, 0), "graduates.listed": listed.get(platform.id, 0),
        }
        for name in ("revenue", "rd_expense", "financing", "graduates_hired", "employees", "valid_ip",
                     "invention_patents", "high_tech", "tech_sme"):
            derived[f"tenants.{name}"] = bucket[name]
        values = {}
        for column in TORCH_COLUMNS:
            if column.source.startswith("facts."):
                raw = getattr(fact, column.source[6:]) if fact is not None else None
                raw = raw if raw is not None else 0
            else:
                raw = derived[column.source]
            if column.is_money:
                raw = yuan_to_thousands(raw)
            elif isinstance(raw, Decimal) and column.unit == "m²":
                raw = raw.quantize(Decimal("0.01"))
            values[column.key] = raw
        rows.append(TorchRow(platform, values, cross_checks(values, fact is not None, bucket["without_report"], year),
                             fact is not None))
    return rows


def cross_checks(values: dict, has_facts: bool, without_report: int, year: int) -> list[str]:
    """The plausibility checks the statistics office applies, as messages to resolve before filing."""
    found = []
    if not has_facts:
        found.append(_("No annual figures were entered for %(year)s: the operator, staff and founder columns are zero.",
                       year=year))
    if values["tenants"] and values["tenants_jobs"] < values["tenants"]:
        found.append(_("%(tenants)s tenants report only %(jobs)s employees in total: every tenant has at least one.",
                       tenants=values["tenants"], jobs=values["tenants_jobs"]))
    if values["teams_signed_in"] and values["team_members"] < values["teams_signed_in"]:
        found.append(_("%(teams)s teams signed in but only %(members)s team members: every team has at least one.",
                       teams=values["teams_signed_in"], members=values["team_members"]))
    parts = values["income_services"] + values["income_property"] + values["income_investment"]
    if parts > values["income_total"]:
        found.append(_("The income by source (%(parts)s thousand CNY) exceeds the total income (%(total)s).",
                       parts=parts, total=values["income_total"]))
    total_area = values["area_total"] or Decimal(0)
    used = values["area_offices"] + values["area_tenants"] + values["area_public"]
    if used > total_area:
        found.append(_("Offices, tenant and public-service space (%(used)s m²) exceed the floor area (%(total)s m²).",
                       used=used, total=total_area))
    for part in ("staff_professional", "staff_degree", "staff_returnees"):
        if values[part] > values["staff_total"]:
            found.append(_("A part of the staff (%(part)s) exceeds the staff in total (%(total)s).",
                           part=values[part], total=values["staff_total"]))
            break
    # The company-level rules of the anomaly checks, applied to the tenants' totals (written once, in quality).
    if rules.rd_above_revenue(values["tenants_rd"], values["tenants_revenue"]):
        found.append(_("The tenants' R&D expenditure exceeds their revenue."))
    if rules.graduates_above_employees(values["tenants_graduates_hired"], values["tenants_jobs"]):
        found.append(_("New graduates hired exceed the jobs in tenants."))
    if without_report:
        found.append(_("%(n)s tenants have no verified report for the year: their figures count as zero.",
                       n=without_report))
    return found


# --- files ------------------------------------------------------------------------------------------------

def export_rows(rows: list[TorchRow]):
    for row in rows:
        yield [row.values[column.key] for column in TORCH_COLUMNS]


def headers(lang: str) -> list[str]:
    return [f"{column.header(lang)}（{column.unit}）" if column.unit and lang == "zh"
            else (f"{column.header(lang)} ({column.unit})" if column.unit else column.header(lang))
            for column in TORCH_COLUMNS]


def torch_csv(rows: list[TorchRow], lang: str) -> bytes:
    """UTF-8 CSV with BOM: a header row of column names with units, one row per platform."""
    from ..spreadsheets import write_csv

    buffer = io.StringIO(newline="")
    write_csv(buffer, headers(lang), export_rows(rows))
    return buffer.getvalue().encode("utf-8")


def torch_xlsx(rows: list[TorchRow], lang: str, year: int) -> bytes:
    """A workbook: the statistics sheet (numbers as numbers, 千元 to three decimals) and the warnings."""
    from ..spreadsheets import Column, XlsxStreamWriter

    buffer = io.BytesIO()
    writer = XlsxStreamWriter(buffer)
    columns = []
    for column, header in zip(TORCH_COLUMNS, headers(lang)):
        if not column.unit:
            columns.append(Column(header))
        elif column.is_money:
            columns.append(Column(header, "number", "#,##0.000"))
        elif column.unit in ("m²", "%"):
            columns.append(Column(header, "number", "#,##0.00"))
        else:
            columns.append(Column(header, "number", "#,##0"))
    from ..i18n import zone_name

    title = f"{zone_name(lang)} · {_('Torch statistics %(year)s', year=year)}"  # printed in every page header
    writer.add_sheet(_("Torch statistics %(year)s", year=year), columns, export_rows(rows), print_title=title)
    warnings = [[row.platform.code, message] for row in rows for message in row.warnings]
    writer.add_sheet(_("Warnings"), [Column(_("Platform code")), Column(_("Warning"), max_width=100)], warnings,
                     print_title=title)
    writer.close()
    return buffer.getvalue()
