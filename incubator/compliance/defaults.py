"""The official rule sets as first found (issue 9); installed by ``install-rule-sets`` and the demo seeder.

Numbers are those documented in the issue; an administrator checks them against the official texts and
edits them (or copies a rule set for a province's variant) in the interface.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

CHECK_NOTE = "Numbers as documented in issue 9; check them against the official text before relying on them."


def _c(code, name_zh, name_en, computation, threshold, comparison=">=", group=None):
    return {"code": code, "name_zh": name_zh, "name_en": name_en, "computation": computation,
            "threshold": Decimal(str(threshold)), "comparison": comparison, "group_code": group}


INCUBATOR_CRITERIA = [
    _c("operating", "运营时间满3年", "In operation for at least 3 years", "operating_years", 3),
    _c("area", "孵化场地面积不低于10000平方米", "Incubation floor area at least 10,000 m²", "incubation_area_m2", 10000),
    _c("area_use", "在孵企业及公共服务使用面积占比不低于75%", "At least 75% of the area used by tenants and public services",
       "share_area_tenants_public", 75),
    _c("tenants", "在孵企业不少于50家", "At least 50 tenant startups", "tenant_count", 50),
    _c("tenant_density", "每千平方米平均在孵企业不少于3家", "At least 3 tenants per 1,000 m²", "tenants_per_1000_m2", 3),
    _c("graduates", "累计毕业企业不少于20家", "At least 20 graduated companies in total", "graduates_total", 20),
    _c("patent_applications", "申请专利的在孵企业占比不低于50%", "At least 50% of tenants with patent applications",
       "share_tenants_with_patent_applications", 50, group="ip"),
    _c("valid_ip", "拥有有效知识产权的在孵企业占比不低于30%", "At least 30% of tenants holding valid IP",
       "share_tenants_with_valid_ip", 30, group="ip"),
    _c("financed", "获得投融资的在孵企业占比不低于10%", "At least 10% of tenants financed", "share_tenants_financed", 10),
    _c("service_staff", "每10家在孵企业至少配备1名专业服务人员", "At least 1 service staff member per 10 tenants",
       "service_staff_per_10_tenants", 1),
    _c("mentors", "每10家在孵企业至少配备1名创业导师", "At least 1 mentor per 10 tenants", "mentors_per_10_tenants", 1),
]


def _specialised():
    numbers = {"tenants": (30, "在孵企业不少于30家", "At least 30 tenant startups"),
               "tenant_density": (2, "每千平方米平均在孵企业不少于2家", "At least 2 tenants per 1,000 m²"),
               "graduates": (15, "累计毕业企业不少于15家", "At least 15 graduated companies in total")}
    result = []
    for item in INCUBATOR_CRITERIA:
        item = dict(item)
        if item["code"] in numbers:
            threshold, name_zh, name_en = numbers[item["code"]]
            item.update(threshold=Decimal(threshold), name_zh=name_zh, name_en=name_en)
        result.append(item)
    return result


DEFAULT_RULE_SETS = [
    {
        "code": "national_incubator_2018", "subject": "incubator", "region": None,
        "name_zh": "国家级科技企业孵化器（综合孵化器）", "name_en": "National tech business incubator (general)",
        "source_document": "科技企业孵化器管理办法（国科发区〔2018〕300号）",
        "effective_on": date(2018, 12, 24), "criteria": INCUBATOR_CRITERIA,
    },
    {
        "code": "national_incubator_2018_specialised", "subject": "incubator", "region": None,
        "name_zh": "国家级科技企业孵化器（专业孵化器）", "name_en": "National tech business incubator (specialised)",
        "source_document": "科技企业孵化器管理办法（国科发区〔2018〕300号）",
        "effective_on": date(2018, 12, 24), "criteria": _specialised(),
    },
    {
        "code": "national_maker_space_filing", "subject": "maker_space", "region": None,
        "name_zh": "国家备案众创空间", "name_en": "National filing of a maker space",
        "source_document": "科技部火炬中心 国家众创空间备案要求",
        "effective_on": date(2017, 1, 1),
        "criteria": [
            _c("operating", "运营时间满18个月", "In operation for at least 18 months", "operating_months", 18),
            _c("area", "场地面积不低于500平方米", "Floor area at least 500 m²", "incubation_area_m2", 500, group="space"),
            _c("stations", "提供工位不少于30个", "At least 30 stations", "stations", 30, group="space"),
            _c("teams", "年度入驻创业团队和企业不少于20家", "At least 20 teams or companies signed in a year",
               "teams_signed_in", 20),
            _c("new_companies", "年度新注册企业不少于10家", "At least 10 new companies registered a year",
               "new_companies_registered", 10, group="outcomes"),
            _c("teams_financed", "年度获得投融资的团队和企业不少于5家", "At least 5 teams financed a year",
               "teams_financed", 5, group="outcomes"),
            _c("staff", "专职工作人员不少于3名", "At least 3 full-time staff", "full_time_staff", 3),
            _c("mentors", "创业导师不少于3名", "At least 3 mentors", "mentors", 3),
            _c("events", "年度开展创新创业活动不少于10场", "At least 10 events a year", "events_held", 10),
        ],
    },
    {
        "code": "provincial_academician_workstation", "subject": "academician_workstation", "region": "省级实践",
        "name_zh": "院士工作站（省级实践）", "name_en": "Academician workstation (provincial practice)",
        "source_document": "院士工作站建设管理办法（各省通行做法）",
        "effective_on": date(2020, 1, 1),
        "criteria": [
            _c("academician", "与至少1名院士签订合作协议", "An agreement with at least one academician",
               "academicians_under_agreement", 1),
            _c("term_min", "协议期限不少于3年", "Agreement term at least 3 years", "agreement_years", 3),
            _c("term_max", "协议期限不超过5年", "Agreement term at most 5 years", "agreement_years", 5, comparison="<="),
            _c("onsite", "院士每年在站工作不少于90天", "On-site time at least 90 days a year", "onsite_days", 90),
        ],
    },
    {
        "code": "graduation_national_2018", "subject": "company", "region": None,
        "name_zh": "在孵企业毕业条件（国家孵化器规则，满足其一）",
        "name_en": "Graduation of a tenant (national incubator rules, any one suffices)",
        "source_document": "科技企业孵化器管理办法（国科发区〔2018〕300号）",
        "effective_on": date(2018, 12, 24),
        "criteria": [
            _c("high_tech", "获得高新技术企业认定", "Recognised as a high-tech enterprise", "is_high_tech", 1, group="any"),
            _c("financing", "累计获得股权融资500万元以上", "Cumulative equity financing of 5,000,000 CNY",
               "cumulative_financing_wan", 500, group="any"),
            _c("revenue", "连续2年营业收入累计1000万元以上", "Revenue of 10,000,000 CNY over two consecutive years",
               "revenue_two_consecutive_years_wan", 1000, group="any"),
            _c("listed", "被兼并收购或在资本市场挂牌上市", "Acquired, listed or quoted", "listed_or_acquired", 1,
               group="any"),
        ],
    },
]
