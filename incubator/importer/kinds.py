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
from ..periods import Period
from . import values as v
from .engine import Column, Kind, register

# Chinese headers: a key has the same Chinese name in every kind where it appears.
CREDIT_CODE = "统一社会信用代码"
PLATFORM_CODE = "平台编号"
REFERENCE = "编号"

# Valid example credit codes for the downloadable templates (a company and an institute).
COMPANY_EXAMPLE = make_credit_code("91320500MA1X0000X")
INSTITUTE_EXAMPLE = make_credit_code("12100000400000000")


# How the interface names the zone scope: the evaluation's column (开发区 / Zone), the partnerships' zone
# side (园区 / The zone); the configured zone name is added when a cell is read (it is a setting).
ZONE_SCOPE_LABELS = ("开发区", "园区", "zone", "the zone")


def scope_code(value) -> str:
    """``ZONE`` or a label of the zone (any case; 开发区, 园区, the zone's name), else a platform code."""
    from ..i18n import zone_name

    text = v.code(30)(value)
    key = text.strip().lower()
    if key == ZONE_SCOPE.lower() or key in ZONE_SCOPE_LABELS or key in (
            zone_name("zh").strip().lower(), zone_name("en").strip().lower()):
        return ZONE_SCOPE
    return text


def _labels(labels: dict) -> dict:
    """``{code: label}`` of a registry as ``{code: (label,)}``, the shape ``Coded`` reads."""
    return {code: (label,) for code, label in labels.items()}


def _organisation_kinds():
    from ..organisations.forms import KIND_LABELS

    return _labels({code: KIND_LABELS[code] for code in ORGANISATION_KINDS})


def _platform_kinds():
    from ..platforms.kinds import KINDS

    return {code: (KINDS[code].label, KINDS[code].short_label) for code in PLATFORM_KINDS}


def _platform_levels():
    from ..platforms.kinds import LEVEL_LABELS

    return _labels({code: LEVEL_LABELS[code] for code in PLATFORM_LEVELS})


def _incubation_statuses():
    from ..organisations.forms import INCUBATION_STATUS_LABELS

    return _labels({code: INCUBATION_STATUS_LABELS[code] for code in INCUBATION_STATUSES})


def _deal_kinds():
    from ..partnerships.forms import deal_kind_labels

    return _labels({code: deal_kind_labels()[code] for code in DEAL_KINDS})


def _partnership_kinds():
    from ..partnerships.forms import kind_labels

    return _labels({code: kind_labels()[code] for code in PARTNERSHIP_KINDS})


def _indicators():
    from ..outcomes.catalogue import CATALOGUE

    return {indicator.code: ((indicator.zh, indicator.en),) for indicator in CATALOGUE}


ORGANISATION_KIND = v.Coded(_organisation_kinds, "organisations")
PLATFORM_KIND = v.Coded(_platform_kinds, "platforms")
PLATFORM_LEVEL = v.Coded(_platform_levels, "platforms")
INCUBATION_STATUS = v.Coded(_incubation_statuses, "organisations")
DEAL_KIND = v.Coded(_deal_kinds, "partnerships")
PARTNERSHIP_KIND = v.Coded(_partnership_kinds, "partnerships")
INDICATOR = v.Coded(_indicators)


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
        Column("kind", "类别", ORGANISATION_KIND, required=True, example="startup",
               note=v.options_note(ORGANISATION_KIND)),
        Column("industry", "行业", v.text(100), example="电子信息",
               note=_l("an industry of the zone's list, by code or name")),
        Column("founded_on", "成立日期", v.day, example="2024-05-20", note=v.DATE_NOTE),
    )
    key = ("credit_code",)
    db_key = ("credit_code",)
    fields = ("name", "name_sort", "kind", "industry_id", "founded_on")

    def unusable_reason(self, ctx):
        if not ctx.industries:
            return _l("The zone has no industries yet: run “flask --app wsgi init” once (it installs the "
                      "zone's reference data), then import again.")
        return None

    def check(self, values, ctx, report):
        industry = values.get("industry")
        if industry and industry.strip().lower() not in ctx.industries:
            names = ctx.industry_names
            report("industry", _l("The industry “%(value)s” is not on the zone's list; use one of: %(options)s.",
                                  value=industry.strip()[:60], options=v.options_text(
                                      lambda lang: v.join_options([zh if lang == "zh" else en
                                                                   for zh, en in names], lang))))

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
        Column("kind", "类型", PLATFORM_KIND, required=True, example="maker_space",
               note=v.options_note(PLATFORM_KIND)),
        Column("level", "级别", PLATFORM_LEVEL, required=True, example="provincial",
               note=v.options_note(PLATFORM_LEVEL)),
        Column("host_credit_code", "依托单位信用代码", v.credit_code, example="",
               note=_l("credit code of an organisation already imported")),
        Column("recognized_on", "认定日期", v.day, example="2023-06-30", note=v.DATE_NOTE),
        Column("expires_on", "有效期至", v.day, example="2026-06-29", note=v.DATE_NOTE),
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
        Column("admitted_on", "入孵日期", v.day, required=True, example="2025-03-01", note=v.DATE_NOTE),
        Column("status", "状态", INCUBATION_STATUS, default="incubating", example="incubating",
               note=v.options_note(INCUBATION_STATUS)),
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
        elif ctx.scope.company_ids is not None and values.get("organisation_id") and values.get("platform_id") \
                and admitted:
            _check_managers_incubation(values, ctx, report)


def _check_managers_incubation(values, ctx, report):
    """A manager's incubation row: the web's rules (``access``). A company the manager may change (incubating or
    renting on their platforms now) may be recorded; another company only admitted, i.e. one no other platform
    incubates or lets space to now, with an incubation still running. Either way the row may not take a past
    quarter the placement rule gives to another platform (which would hand that platform's figures over)."""
    from ..access import placed_platform

    organisation_id, platform_id = values["organisation_id"], values["platform_id"]
    admitted, ended, today = values["admitted_on"], values.get("ended_on"), ctx.today
    mine = ctx.scope.platform_ids
    incubations = ctx.incubations_by_company.get(organisation_id, [])
    if organisation_id not in ctx.scope.company_ids:
        if any(other not in mine and (other_end is None or other_end >= today)
               for _admitted, other_end, other, _code in incubations):
            report("credit_code", _l("This company is incubated by another platform; ask the zone office."))
            return
        if ctx.ongoing_tenancy_platforms.get(organisation_id, set()) - mine:
            report("credit_code", _l("This company rents space on another platform; ask the zone office."))
            return
        if ended is not None and ended < today:
            report("ended_on", _l("None of your platforms manages this company: you may only admit it, with an "
                                  "incubation that has not ended; ask the zone office for its history."))
            return
    code = next(code for code, found in ctx.platforms.items() if found == platform_id)
    after = [item for item in incubations if not (item[0] == admitted and item[2] == platform_id)]
    after.append((admitted, ended, platform_id, code))
    quarter = Period.containing(admitted)
    while quarter.end < today and (ended is None or quarter.end <= ended):
        before = placed_platform(incubations, quarter.end)
        if before is not None and before not in mine and placed_platform(after, quarter.end) != before:
            report("admitted_on", _l("This incubation would take %(period)s, a quarter the company spent on another "
                                     "platform; ask the zone office.", period=str(quarter)))
            return
        quarter = quarter.next()


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
               note=_l("an ended quarter such as 2026Q1 (not the current one)")),
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
            elif organisation_id is not None and values.get("period") is not None:
                from ..access import placed_platform

                placed = placed_platform(ctx.incubations_by_company.get(organisation_id, []), values["period"].end)
                if placed is not None and placed not in ctx.scope.platform_ids:  # as access.report_changeable
                    report("period", _l("The company was not incubated on one of your platforms at the end of this "
                                        "quarter: its report is not yours to import; ask the zone office."))
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


SCOPE_OPTIONS_SHOWN = 20  # a zone has few platforms; a province's list is cut, not printed whole


def _scope_options(ctx, lang: str) -> str:
    codes = sorted(ctx.platforms)
    shown = [ZONE_SCOPE, *codes[:SCOPE_OPTIONS_SHOWN]]
    if len(codes) > SCOPE_OPTIONS_SHOWN:
        shown.append("…")
    return v.join_options(shown, lang)


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
               note=_l("ZONE (or 开发区, 园区, the zone's name) or a platform code")),
        Column("indicator", "指标", INDICATOR, required=True, example="REVENUE",
               note=_l("an indicator of the evaluation catalogue, by code or Chinese name")),
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
            values["platform_id"] = ctx.platforms.get(scope)
            if values["platform_id"] is None:
                report("scope", _l("“%(value)s” is neither the zone (ZONE, 开发区, 园区) nor a platform's code; "
                                   "use one of: %(options)s.", value=scope[:60],
                                   options=v.options_text(lambda lang: _scope_options(ctx, lang))))
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
        Column("date", "日期", v.day, required=True, example="2026-02-15", note=v.DATE_NOTE),
        Column("title", "成果名称", v.text(300), required=True, example="一种高效电池隔膜制备方法"),
        Column("kind", "方式", DEAL_KIND, required=True, example="licence", note=v.options_note(DEAL_KIND)),
        Column("source_credit_code", "输出单位信用代码", v.credit_code, required=True,
               example=INSTITUTE_EXAMPLE, note=_l("a university or institute")),
        Column("recipient_credit_code", "承接企业信用代码", v.credit_code, required=True,
               example=COMPANY_EXAMPLE, note=_l("a startup or enterprise")),
        Column("value", "金额", v.amount, default=0, example=80, note=_l("万元, up to 4 decimals")),
    )
    key = ("reference",)
    db_key = ("reference",)
    fields = ("deal_date", "title", "kind", "source_id", "recipient_id", "value")
    record_sources = {"deal_date": "date"}

    def check(self, values, ctx, report):
        values["source_id"] = _organisation(ctx, values, "source_credit_code", report, INSTITUTION_KINDS,
                                            _l("The source must be a university or institute."))
        values["recipient_id"] = _organisation(ctx, values, "recipient_credit_code", report, COMPANY_KINDS,
                                               _l("The recipient must be a startup or enterprise."))


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
        Column("kind", "合作类型", PARTNERSHIP_KIND, required=True, example="talent_training",
               note=v.options_note(PARTNERSHIP_KIND)),
        Column("title", "协议名称", v.text(300), required=True, example="订单式人才培养协议"),
        Column("starts_on", "开始日期", v.day, required=True, example="2025-09-01", note=v.DATE_NOTE),
        Column("ends_on", "结束日期", v.day, example="2028-08-31", note=v.DATE_NOTE),
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
        Column("completed_on", "结业日期", v.day, example="2026-06-30", note=v.DATE_NOTE),
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
