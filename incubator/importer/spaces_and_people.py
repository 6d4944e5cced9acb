"""The import kinds of platforms' spaces and people, on the same engine as ``kinds.py``, so a zone can
move in everything it keeps in spreadsheets: space units, tenancies, experts and talents (columns in the
README's import section)."""
from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from ..organisations.models import COMPANY_KINDS, INSTITUTION_KINDS
from ..partnerships.models import TALENT_CATEGORIES, Talent
from ..platforms.models import ACADEMIES, EXPERT_KINDS, UNIT_KINDS, UNIT_PURPOSES, Expert, SpaceUnit, Tenancy, \
    tenancy_units
from ..platforms.rules import academy_problem
from ..sorting import pinyin_sort_key
from . import values as v
from .engine import Column, Kind, register
from .kinds import COMPANY_EXAMPLE, CREDIT_CODE, INSTITUTE_EXAMPLE, PLATFORM_CODE, _organisation, _platform

UNIT_CODE = "单元编号"


def _registry(codes: tuple[str, ...], labels_of):
    """A ``Coded`` source: each code of ``codes`` with the label its area's registry gives it."""

    def source() -> dict:
        labels = labels_of()
        return {code: (labels[code],) for code in codes}

    return source


def _platform_labels(name: str):
    def labels() -> dict:
        from ..platforms import kinds

        return getattr(kinds, name)

    return labels


def _talent_category_labels() -> dict:
    from ..partnerships.forms import talent_category_labels

    return talent_category_labels()


# Coded columns: the code or the label the interface shows, in either language (spec/import.md).
UNIT_KIND = v.Coded(_registry(UNIT_KINDS, _platform_labels("UNIT_KIND_LABELS")), "platforms")
UNIT_PURPOSE = v.Coded(_registry(UNIT_PURPOSES, _platform_labels("UNIT_PURPOSE_LABELS")), "platforms")
EXPERT_KIND = v.Coded(_registry(EXPERT_KINDS, _platform_labels("EXPERT_KIND_LABELS")), "platforms")
ACADEMY = v.Coded(_registry(ACADEMIES, _platform_labels("ACADEMY_LABELS")), "platforms")
TALENT_CATEGORY = v.Coded(_registry(TALENT_CATEGORIES, _talent_category_labels), "partnerships")
_LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")


def unit_codes(value) -> tuple[str, ...]:
    """Unit codes separated by commas, 、, semicolons or spaces."""
    codes = tuple(dict.fromkeys(code for code in _LIST_SEPARATORS.split(v.code(2000)(value)) if code))
    if any(len(code) > 40 for code in codes):
        raise v.CellError(_l("At most %(n)d characters.", n=40))
    return codes


class YesNo:
    """A yes/no cell: yes, y, true, 1 or 是; no, n, false, 0 or 否 (a Chinese template shows 是 and 否)."""

    WORDS = {"yes": "是", "no": "否"}

    def __call__(self, value) -> bool:
        text = str(value).strip().lower()
        if value is True or text in ("yes", "y", "true", "1", "是"):
            return True
        if value is False or text in ("no", "n", "false", "0", "否"):
            return False
        raise v.CellError(_l("Use yes or no (是 or 否)."))

    def label(self, example: str, lang: str) -> str:
        return self.WORDS.get(example, example) if lang == "zh" else example


yes_no = YesNo()


@register
class SpaceUnits(Kind):
    name = "space_units"
    label = _l("Space units")
    sheet_zh = "场地单元"
    model = SpaceUnit
    order = 90
    columns = (
        Column("platform_code", PLATFORM_CODE, v.code(30), required=True, example="P001"),
        Column("unit_code", UNIT_CODE, v.code(40), required=True, example="A-101"),
        Column("unit_name", "单元名称", v.text(100), example="101 办公室"),
        Column("kind", "类型", UNIT_KIND, required=True, example="office", note=v.options_note(UNIT_KIND)),
        Column("purpose", "用途", UNIT_PURPOSE, default="tenant", example="tenant",
               note=v.options_note(UNIT_PURPOSE)),
        Column("area_m2", "场地面积", v.decimal_places(2, Decimal("99999999")), required=True, example=45.5,
               note=_l("square metres, up to 2 decimals")),
        Column("monthly_rent", "月租金", v.amount, default=0, example=0.18, note=_l("万元 per month, up to 4 decimals")),
        Column("floor", "楼层", v.text(20), example="1F"),
        Column("bookable", "可预约", yes_no, default=False, example="no", note=_l("yes or no (是 or 否)")),
    )
    key = ("platform_code", "unit_code")
    db_key = ("platform_id", "code")
    fields = ("name", "kind", "purpose", "area_m2", "monthly_rent", "floor", "bookable")
    record_sources = {"code": "unit_code", "name": "unit_name"}

    def check(self, values, ctx, report):
        values["platform_id"] = _platform(ctx, values, "platform_code", report)


@register
class Tenancies(Kind):
    name = "tenancies"
    label = _l("Tenancies")
    sheet_zh = "租户"
    model = Tenancy
    order = 100
    columns = (
        Column("credit_code", CREDIT_CODE, v.credit_code, required=True, example=COMPANY_EXAMPLE),
        Column("platform_code", PLATFORM_CODE, v.code(30), required=True, example="P001"),
        Column("starts_on", "开始日期", v.day, required=True, example="2025-03-01", note=v.DATE_NOTE),
        Column("ends_on", "结束日期", v.day, example="2027-02-28", note=_l("YYYY-MM-DD; empty: until further notice")),
        Column("unit_codes", "租用单元", unit_codes, default=(), example="A-101, A-102",
               note=_l("the platform's unit codes, separated by commas")),
        Column("monthly_rent", "月租金", v.amount, default=0, example=0.36, note=_l("万元 per month, up to 4 decimals")),
        Column("contract_no", "合同编号", v.text(60), example="ZL-2025-017"),
    )
    key = ("credit_code", "platform_code", "starts_on")
    db_key = ("organisation_id", "platform_id", "starts_on")
    fields = ("ends_on", "monthly_rent", "contract_no")
    links = (tenancy_units, "tenancy_id", "unit_id", "unit_ids")

    def check(self, values, ctx, report):
        values["organisation_id"] = _organisation(ctx, values, "credit_code", report, COMPANY_KINDS,
                                                  _l("The tenant must be a startup or enterprise."))
        platform_id = values["platform_id"] = _platform(ctx, values, "platform_code", report)
        starts, ends = values.get("starts_on"), values.get("ends_on")
        if starts and ends and ends < starts:
            report("ends_on", _l("The end date is before the start date."))
        units = []
        if platform_id is not None:
            for code in values.get("unit_codes", ()):
                unit_id = ctx.space_units.get((platform_id, code))
                if unit_id is None:
                    report("unit_codes", _l("The platform has no unit %(code)s: import the space units first.",
                                            code=code))
                else:
                    units.append(unit_id)
        values["unit_ids"] = frozenset(units)


@register
class Experts(Kind):
    name = "experts"
    label = _l("Experts")
    sheet_zh = "专家"
    model = Expert
    order = 110
    columns = (
        Column("name", "姓名", v.text(100), required=True, example="王建国"),
        Column("affiliation", "工作单位", v.text(200), example="示范大学"),
        Column("kind", "专家类型", EXPERT_KIND, required=True, example="academician",
               note=v.options_note(EXPERT_KIND)),
        Column("academy", "院士所属", ACADEMY, example="CAE",
               note=_l("CAS or CAE; academicians only")),
        Column("title", "职称", v.text(100), example="教授"),
        Column("field", "研究领域", v.text(200), example="新能源材料"),
        Column("phone", "电话", v.text(40), example=""),
        Column("email", "邮箱", v.text(254), example=""),
    )
    key = ("name", "affiliation")
    db_key = ("name", "affiliation")
    fields = ("name_sort", "kind", "academy", "title", "field", "phone", "email")

    def check(self, values, ctx, report):
        kind = values.get("kind")
        if kind and ("academy" in values or kind != "academician"):  # a sheet without the column keeps it
            problem = academy_problem(kind, values.get("academy"))
            if problem:
                report("academy", problem)
        email = values.get("email")
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            report("email", _l("Enter an e-mail address."))

    def record(self, values, ctx):
        return {"name": values["name"], "affiliation": values["affiliation"],
                "name_sort": pinyin_sort_key(values["name"], 300),  # the column holds 300 characters
                "kind": values["kind"], "academy": values["academy"], "title": values["title"],
                "field": values["field"], "phone": values["phone"], "email": values["email"]}


@register
class Talents(Kind):
    name = "talents"
    label = _l("Talents")
    sheet_zh = "高层次人才"
    model = Talent
    order = 120
    columns = (
        Column("name", "姓名", v.text(200), required=True, example="李明团队"),
        Column("category", "人才类别", TALENT_CATEGORY, required=True, example="team",
               note=v.options_note(TALENT_CATEGORY)),
        Column("joined_on", "引进日期", v.day, required=True, example="2025-07-01", note=v.DATE_NOTE),
        Column("members", "团队人数", v.count, default=1, example=6, note=_l("1 for a person")),
        Column("field", "研究领域", v.text(200), example="集成电路"),
        Column("company_credit_code", "合作企业信用代码", v.credit_code, example=COMPANY_EXAMPLE,
               note=_l("the company joined; or give the platform")),
        Column("platform_code", PLATFORM_CODE, v.code(30), example="",
               note=_l("the platform joined; or give the company")),
        Column("institution_credit_code", "来源院所信用代码", v.credit_code, example=INSTITUTE_EXAMPLE,
               note=_l("a university or institute, if any")),
    )
    key = ("name", "joined_on")
    db_key = ("name", "joined_on")
    fields = ("category", "members", "field", "company_id", "platform_id", "institution_id")

    def check(self, values, ctx, report):
        values["company_id"] = _organisation(ctx, values, "company_credit_code", report, COMPANY_KINDS,
                                             _l("The company must be a startup or enterprise."))
        values["platform_id"] = _platform(ctx, values, "platform_code", report)
        values["institution_id"] = _organisation(ctx, values, "institution_credit_code", report,
                                                 INSTITUTION_KINDS, _l("The institution must be a university or "
                                                                       "institute."))
        company, platform = values.get("company_credit_code"), values.get("platform_code")
        if "company_credit_code" in values and "platform_code" in values:
            if company and platform:
                report("platform_code", _l("Give a company or a platform, not both."))
            elif not company and not platform:
                report("company_credit_code", _l("Give the company or the platform the talent joined."))
        if values.get("members") == 0:
            report("members", _l("A team has at least one member."))
