"""The eight kinds of ``spec/import.md``: columns, keys, rules and how a row becomes a record.

A zone moving in imports them in this order: organizations, platforms, incubations, reports, targets,
tech_transfers, partnerships, training. Each kind is one registered class; the engine does the rest.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from ..organisations.credit_code import make as make_credit_code
from ..organisations.models import COMPANY_KINDS, INSTITUTION_KINDS, ORGANISATION_KINDS, Organisation
from ..outcomes.models import ZONE_SCOPE, Target, to_scaled
from ..partnerships.models import DEAL_KINDS, PARTNERSHIP_KINDS, Partnership, TechTransferDeal, TrainingCohort
from ..platforms.models import PLATFORM_KINDS, PLATFORM_LEVELS, Platform
from ..sorting import pinyin_sort_key
from ..startups.models import INCUBATION_STATUSES, REPORT_FIGURES, Incubation, QuarterlyReport
from . import values as v
from .engine import Column, Kind, register

# Chinese headers: a key has the same Chinese name in every kind where it appears.
CREDIT_CODE = "统一社会信用代码"
PLATFORM_CODE = "平台编号"
REFERENCE = "编号"

# Valid example credit codes for the downloadable templates (a company and an institute).
COMPANY_EXAMPLE = make_credit_code("91320500MA1X0000X")
INSTITUTE_EXAMPLE = make_credit_code("12100000400000000")


def scope_code(value) -> str:
    """``ZONE`` (any case) or a platform code."""
    text = v.code(30)(value)
    return ZONE_SCOPE if text.upper() == ZONE_SCOPE else text


def indicator_code(value) -> str:
    return v.code(40)(value).upper()


def _organisation(ctx, values, column, report, kinds=None, kind_message=None):
    """The id of the organisation whose credit code is in ``column`` (reported when unknown)."""
    code = values.get(column)
    if not code:
        return None
    found = ctx.organisations.get(code)
    if found is None:
        report(column, _l("No organisation has this credit code: import it with the organizations first."))
        return None
    if kinds and found[1] not in kinds:
        report(column, kind_message)
        return None
    return found[0]


def _platform(ctx, values, column, report):
    code = values.get(column)
    if not code:
        return None
    found = ctx.platforms.get(code)
    if found is None:
        report(column, _l("No platform has this code: import it with the platforms first."))
    return found


@register
class Organizations(Kind):
    name = "organizations"
    label = _l("Organisations")
    sheet_zh = "单位"
    model = Organisation
    order = 10
    columns = (
        Column("credit_code", CREDIT_CODE, v.credit_code, required=True, example=COMPANY_EXAMPLE,
               note=_l("18 characters with a valid check character")),
        Column("name", "名称", v.text(200), required=True, example="苏州示例科技有限公司"),
        Column("kind", "类别", v.choice(ORGANISATION_KINDS), required=True, example="startup",
               note=", ".join(ORGANISATION_KINDS)),
        Column("industry", "行业", v.text(100), example="",
               note=_l("an industry of the zone's list, by code or name")),
        Column("founded_on", "成立日期", v.day, example="2024-05-20", note="YYYY-MM-DD"),
    )
    key = ("credit_code",)
    db_key = ("credit_code",)
    fields = ("name", "name_sort", "kind", "industry_id", "founded_on")

    def check(self, values, ctx, report):
        industry = values.get("industry")
        if industry and industry.strip().lower() not in ctx.industries:
            report("industry", _l("This industry is not on the zone's list."))

    def record(self, values, ctx):
        industry = values.get("industry")
        return {
            "credit_code": values["credit_code"], "name": values["name"], "name_sort": pinyin_sort_key(values["name"]),
            "kind": values["kind"], "founded_on": values.get("founded_on"),
            "industry_id": ctx.industries[industry.strip().lower()] if industry else None,
        }


@register
class Platforms(Kind):
    name = "platforms"
    label = _l("Platforms")
    sheet_zh = "平台"
    model = Platform
    order = 20
    columns = (
        Column("code", PLATFORM_CODE, v.code(30), required=True, example="P001"),
        Column("name", "平台名称", v.text(200), required=True, example="示例众创空间"),
        Column("kind", "类型", v.choice(PLATFORM_KINDS), required=True, example="maker_space",
               note=", ".join(PLATFORM_KINDS)),
        Column("level", "级别", v.choice(PLATFORM_LEVELS), required=True, example="provincial",
               note=", ".join(PLATFORM_LEVELS)),
        Column("host_credit_code", "依托单位信用代码", v.credit_code, example="",
               note=_l("credit code of an organisation already imported")),
        Column("recognized_on", "认定日期", v.day, example="2023-06-30", note="YYYY-MM-DD"),
        Column("expires_on", "有效期至", v.day, example="2026-06-29", note="YYYY-MM-DD"),
        Column("area_m2", "场地面积", v.decimal_places(2), default=Decimal(0), example=1200.5,
               note=_l("square metres, up to 2 decimals")),
        Column("stations", "工位数", v.count, default=0, example=80),
    )
    key = ("code",)
    db_key = ("code",)
    fields = ("name", "kind", "level", "host_id", "recognized_on", "expires_on", "area_m2", "stations")

    def check(self, values, ctx, report):
        values["host_id"] = _organisation(ctx, values, "host_credit_code", report)
        recognized, expires = values.get("recognized_on"), values.get("expires_on")
        if recognized and expires and expires < recognized:
            report("expires_on", _l("The expiry date is before the recognition date."))

    def record(self, values, ctx):
        return {name: values[name] for name in ("code", "name", "kind", "level", "recognized_on", "expires_on",
                                                 "area_m2", "stations")} | {"host_id": values["host_id"]}


@register
class Incubations(Kind):
    name = "incubations"
    label = _l("Incubations")
    sheet_zh = "入孵企业"
    model = Incubation
    order = 30
    managers_may_import = True
    columns = (
        Column("credit_code", CREDIT_CODE, v.credit_code, required=True, example=COMPANY_EXAMPLE),
        Column("platform_code", PLATFORM_CODE, v.code(30), required=True, example="P001"),
        Column("admitted_on", "入孵日期", v.day, required=True, example="2025-03-01", note="YYYY-MM-DD"),
        Column("status", "状态", v.choice(INCUBATION_STATUSES), default="incubating", example="incubating",
               note=", ".join(INCUBATION_STATUSES)),
        Column("ended_on", "毕业/退出日期", v.day, example="",
               note=_l("required when graduated or exited, empty otherwise")),
    )
    key = ("credit_code", "platform_code", "admitted_on")
    db_key = ("organisation_id", "platform_id", "admitted_on")
    fields = ("status", "ended_on")

    def check(self, values, ctx, report):
        values["organisation_id"] = _organisation(ctx, values, "credit_code", report)
        if ctx.scope.platform_ids is not None:  # a manager: unknown and foreign platforms look the same
            platform_id = ctx.platforms.get(values.get("platform_code"))
            if values.get("platform_code") and (platform_id is None or not ctx.may_use_platform(platform_id)):
                report("platform_code", _l("This is not one of your platforms."))
                platform_id = None
            values["platform_id"] = platform_id
        else:
            values["platform_id"] = _platform(ctx, values, "platform_code", report)
        status, ended, admitted = values.get("status"), values.get("ended_on"), values.get("admitted_on")
        if "ended_on" in values and status:
            if status in ("graduated", "exited") and ended is None:
                report("ended_on", _l("A graduated or exited incubation needs its end date."))
            elif status == "incubating" and ended is not None:
                report("ended_on", _l("An incubation still incubating has no end date."))
        if ended and admitted and ended < admitted:
            report("ended_on", _l("The end date is before the admission date."))

    def record(self, values, ctx):
        return {"organisation_id": values["organisation_id"], "platform_id": values["platform_id"],
                "admitted_on": values["admitted_on"], "status": values["status"], "ended_on": values["ended_on"]}



MONEY_FIGURES = ("revenue", "rd_expense", "tech_contract_value", "financing", "tax_paid")


def _figure_column(key, zh, required=False, example=0):
    money = key in MONEY_FIGURES
    return Column(key, zh, v.amount if money else v.count, required=required, default=0,
                  example=example, note=_l("万元, up to 4 decimals") if money else _l("whole number"))


@register
class Reports(Kind):
    name = "reports"
    label = _l("Quarterly reports")
    sheet_zh = "季度报表"
    model = QuarterlyReport
    order = 40
    managers_may_import = True
    columns = (
        Column("credit_code", CREDIT_CODE, v.credit_code, required=True, example=COMPANY_EXAMPLE),
        Column("period", "报告期", v.period, required=True, example="2026Q1",
               note=_l("a quarter such as 2026Q1, not after the current one")),
        _figure_column("revenue", "营业收入", required=True, example=1234.5),
        _figure_column("rd_expense", "研发经费支出", required=True, example=120),
        _figure_column("employees", "期末从业人员", required=True, example=35),
        _figure_column("rd_staff", "期末研发人员", example=12),
        _figure_column("invention_patents_filed", "发明专利申请数", example=2),
        _figure_column("invention_patents_granted", "发明专利授权数", example=1),
        _figure_column("other_ip_granted", "其他知识产权授权数", example=3),
        _figure_column("tech_contract_value", "技术合同成交额", example=50),
        _figure_column("financing", "获得股权融资额", example=0),
        _figure_column("tax_paid", "上缴税费", example=36.25),
        _figure_column("graduates_hired", "吸纳高校毕业生数", example=4),
    )
    key = ("credit_code", "period")
    db_key = ("organisation_id", "period")
    fields = (*REPORT_FIGURES, "status")
    extra_fields = ("verified_at", "verified_by_id", "returned_reason")

    def check(self, values, ctx, report):
        if ctx.scope.company_ids is not None:  # a manager: unknown and foreign companies look the same
            found = ctx.organisations.get(values.get("credit_code"))
            organisation_id = found[0] if found else None
            if values.get("credit_code") and (organisation_id is None or not ctx.may_use_company(organisation_id)):
                report("credit_code", _l("This company is not incubated in one of your platforms."))
                organisation_id = None
        else:
            organisation_id = _organisation(ctx, values, "credit_code", report)
        values["organisation_id"] = organisation_id
        rd_staff, employees = values.get("rd_staff"), values.get("employees")
        if rd_staff is not None and employees is not None and rd_staff > employees:
            report("rd_staff", _l("R&D staff may not exceed the employees."))

    def record(self, values, ctx):
        record = {name: values[name] for name in REPORT_FIGURES}
        record.update(organisation_id=values["organisation_id"], period=str(values["period"]), status="verified")
        return record

    def insert_values(self, record, ctx):
        period = ctx.period(record["period"])
        return {**record, "year": period.year, "quarter": period.quarter, "quarter_end": period.end,
                "verified_at": ctx.now, "verified_by_id": ctx.actor.id if ctx.actor else None}

    def update_values(self, ctx):
        return {"verified_at": ctx.now, "verified_by_id": ctx.actor.id if ctx.actor else None,
                "returned_reason": None}


def _target_value(value):
    return v.to_decimal(value)


@register
class Targets(Kind):
    name = "targets"
    label = _l("Targets")
    sheet_zh = "年度目标"
    model = Target
    order = 50
    columns = (
        Column("year", "年度", v.year, required=True, example=2026),
        Column("scope", "范围", scope_code, required=True, example="ZONE",
               note=_l("ZONE or a platform code")),
        Column("indicator", "指标", indicator_code, required=True, example="REVENUE",
               note=_l("an indicator code of the evaluation catalogue")),
        Column("target", "年度目标", _target_value, required=True, example=50000,
               note=_l("in the indicator's unit; whole number for counts")),
    )
    key = ("year", "scope", "indicator")
    db_key = ("year", "scope", "indicator")
    fields = ("platform_id", "value_scaled", "status")

    def check(self, values, ctx, report):
        scope = values.get("scope")
        values["platform_id"] = None
        if scope is not None and scope != ZONE_SCOPE:
            values["platform_id"] = _platform(ctx, values, "scope", report)
        indicator = values.get("indicator")
        units = ctx.indicator_units
        if indicator is not None:
            if indicator not in units:
                report("indicator", _l("This is not an indicator code of the evaluation catalogue."))
        target = values.get("target")
        if target is not None:
            if target < 0:
                report("target", _l("A target may not be negative."))
            elif indicator in units and units[indicator] == 0 and target != target.to_integral_value():
                report("target", _l("This indicator is counted in whole numbers."))
            elif target != target.quantize(Decimal("0.0001")):
                report("target", _l("Use at most 4 decimal places."))
            elif target > Decimal("100000000000000"):
                report("target", _l("The number is too large."))

    def record(self, values, ctx):
        return {"year": values["year"], "scope": values["scope"], "indicator": values["indicator"],
                "platform_id": values["platform_id"], "value_scaled": to_scaled(values["target"]),
                "status": "approved"}


@register
class TechTransfers(Kind):
    name = "tech_transfers"
    label = _l("Tech-transfer deals")
    sheet_zh = "科技成果转化"
    model = TechTransferDeal
    order = 60
    columns = (
        Column("reference", REFERENCE, v.code(40), required=True, example="TT-2026-001"),
        Column("date", "日期", v.day, required=True, example="2026-02-15", note="YYYY-MM-DD"),
        Column("title", "成果名称", v.text(300), required=True, example="一种高效电池隔膜制备方法"),
        Column("kind", "方式", v.choice(DEAL_KINDS), required=True, example="licence", note=", ".join(DEAL_KINDS)),
        Column("source_credit_code", "输出单位信用代码", v.credit_code, required=True,
               example=INSTITUTE_EXAMPLE, note=_l("a university or institute")),
        Column("recipient_credit_code", "承接企业信用代码", v.credit_code, required=True,
               example=COMPANY_EXAMPLE, note=_l("a startup or enterprise")),
        Column("value", "金额", v.amount, default=0, example=80, note=_l("万元, up to 4 decimals")),
    )
    key = ("reference",)
    db_key = ("reference",)
    fields = ("deal_date", "title", "kind", "source_id", "recipient_id", "value")

    def check(self, values, ctx, report):
        values["source_id"] = _organisation(ctx, values, "source_credit_code", report, INSTITUTION_KINDS,
                                            _l("The source must be a university or institute."))
        values["recipient_id"] = _organisation(ctx, values, "recipient_credit_code", report, COMPANY_KINDS,
                                               _l("The recipient must be a startup or enterprise."))

    def record(self, values, ctx):
        return {"reference": values["reference"], "deal_date": values["date"], "title": values["title"],
                "kind": values["kind"], "source_id": values["source_id"], "recipient_id": values["recipient_id"],
                "value": values["value"]}


@register
class Partnerships(Kind):
    name = "partnerships"
    label = _l("Partnerships")
    sheet_zh = "产学研合作"
    model = Partnership
    order = 70
    columns = (
        Column("reference", REFERENCE, v.code(40), required=True, example="AG-2026-001"),
        Column("partner_credit_code", "合作院所信用代码", v.credit_code, required=True,
               example=INSTITUTE_EXAMPLE, note=_l("a university or institute")),
        Column("kind", "合作类型", v.choice(PARTNERSHIP_KINDS), required=True, example="talent_training",
               note=", ".join(PARTNERSHIP_KINDS)),
        Column("title", "协议名称", v.text(300), required=True, example="订单式人才培养协议"),
        Column("starts_on", "开始日期", v.day, required=True, example="2025-09-01", note="YYYY-MM-DD"),
        Column("ends_on", "结束日期", v.day, example="2028-08-31", note="YYYY-MM-DD"),
        Column("company_credit_code", "合作企业信用代码", v.credit_code, example="",
               note=_l("the company side; leave empty for a platform or the zone")),
        Column("platform_code", PLATFORM_CODE, v.code(30), example="",
               note=_l("the platform side; leave empty for a company or the zone")),
        Column("contract_value", "合同金额", v.amount, default=0, example=30, note=_l("万元, up to 4 decimals")),
    )
    key = ("reference",)
    db_key = ("reference",)
    fields = ("partner_id", "kind", "title", "starts_on", "ends_on", "company_id", "platform_id", "contract_value")

    def check(self, values, ctx, report):
        values["partner_id"] = _organisation(ctx, values, "partner_credit_code", report, INSTITUTION_KINDS,
                                             _l("The partner must be a university or institute."))
        values["company_id"] = _organisation(ctx, values, "company_credit_code", report, COMPANY_KINDS,
                                             _l("The company must be a startup or enterprise."))
        values["platform_id"] = _platform(ctx, values, "platform_code", report)
        if values.get("company_credit_code") and values.get("platform_code"):
            report("platform_code", _l("Give a company or a platform, not both."))
        starts, ends = values.get("starts_on"), values.get("ends_on")
        if starts and ends and ends < starts:
            report("ends_on", _l("The end date is before the start date."))

    def record(self, values, ctx):
        return {"reference": values["reference"], "partner_id": values["partner_id"], "kind": values["kind"],
                "title": values["title"], "starts_on": values["starts_on"], "ends_on": values["ends_on"],
                "company_id": values["company_id"], "platform_id": values["platform_id"],
                "contract_value": values["contract_value"]}


@register
class Training(Kind):
    name = "training"
    label = _l("Training cohorts")
    sheet_zh = "订单式培养"
    model = TrainingCohort
    order = 80
    columns = (
        Column("partnership_reference", "协议编号", v.code(40), required=True, example="AG-2026-001",
               note=_l("a talent_training partnership")),
        Column("cohort_year", "届别", v.year, required=True, example=2025),
        Column("enrolled", "培养人数", v.count, required=True, example=40),
        Column("completed", "结业人数", v.count, default=0, example=36),
        Column("hired_in_zone", "园区企业录用人数", v.count, default=0, example=20,
               note=_l("hired_in_zone ≤ completed ≤ enrolled")),
        Column("completed_on", "结业日期", v.day, example="2026-06-30", note="YYYY-MM-DD"),
    )
    key = ("partnership_reference", "cohort_year")
    db_key = ("partnership_id", "cohort_year")
    fields = ("enrolled", "completed", "hired_in_zone", "completed_on")

    def check(self, values, ctx, report):
        reference = values.get("partnership_reference")
        values["partnership_id"] = None
        if reference:
            found = ctx.partnerships.get(reference)
            if found is None:
                report("partnership_reference", _l("No partnership has this reference: import it first."))
            elif found[1] != "talent_training":
                report("partnership_reference", _l("This partnership is not a talent_training agreement."))
            else:
                values["partnership_id"] = found[0]
        enrolled, completed, hired = values.get("enrolled"), values.get("completed"), values.get("hired_in_zone")
        if completed is not None and enrolled is not None and completed > enrolled:
            report("completed", _l("More completed than enrolled."))
        if hired is not None and completed is not None and hired > completed:
            report("hired_in_zone", _l("More hired in the zone than completed."))

    def record(self, values, ctx):
        return {"partnership_id": values["partnership_id"], "cohort_year": values["cohort_year"],
                "enrolled": values["enrolled"], "completed": values["completed"],
                "hired_in_zone": values["hired_in_zone"], "completed_on": values["completed_on"]}
