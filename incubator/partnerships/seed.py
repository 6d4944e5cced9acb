"""Demo data of the partnerships area (seeder order 45): institutions, agreements, cohorts, deals, talent.

Uses the platforms and companies earlier seeders made (``context.made["platforms"]`` / ``["companies"]``)
when there are any, and falls back to the database or a few demo enterprises of its own otherwise.
"""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..organisations.credit_code import make as make_credit_code
from ..organisations.models import COMPANY_KINDS, Organisation
from ..platforms.models import Platform
from ..seed import SeedContext
from ..sorting import pinyin_sort_key
from . import services
from .models import DEAL_KINDS, PARTNERSHIP_KINDS

# name, kind, short name, address, contact, position, phone
INSTITUTIONS = [
    ("南京理工大学", "university", "南理工", "南京市玄武区孝陵卫200号", "刘晓燕", "科技处副处长", "025-84315001"),
    ("江苏大学", "university", "江大", "镇江市京口区学府路301号", "周建国", "产学研合作处处长", "0511-88780101"),
    ("苏州大学", "university", "苏大", "苏州市姑苏区十梓街1号", "沈丽华", "技术转移中心主任", "0512-65112201"),
    ("东南大学", "university", "东大", "南京市江宁区东南大学路2号", "王志强", "科研院副院长", "025-52090301"),
    ("南京工业大学", "university", "南工大", "南京市浦口区浦珠南路30号", "陈海峰", "校地合作办主任", "025-58139401"),
    ("江南大学", "university", "江南大", "无锡市滨湖区蠡湖大道1800号", "顾敏", "就业指导中心主任", "0510-85913501"),
    ("中国科学院苏州纳米技术与纳米仿生研究所", "institute", "苏州纳米所", "苏州工业园区若水路398号", "赵磊",
     "成果转化处处长", "0512-62872601"),
    ("江苏省产业技术研究院", "institute", "产研院", "南京市江北新区药谷大道11号", "孙婷", "项目经理",
     "025-58600701"),
    ("中国科学院南京土壤研究所", "institute", "土壤所", "南京市玄武区北京东路71号", "吴鹏", "科技合作处副处长",
     "025-86881801"),
]

TITLES = {
    "joint_lab": "{short}—{side}联合实验室共建协议",
    "joint_rd": "{short}与{side}关键技术联合研发合同",
    "talent_training": "{short}{side}订单式人才培养协议",
    "internship_base": "{short}大学生实习实践基地共建协议",
    "tech_service": "{short}面向{side}技术服务合同",
}
DELIVERABLES = {
    "joint_lab": ["实验室挂牌运行", "年度联合研究报告", "申请发明专利"],
    "joint_rd": ["中期技术报告", "样机研制", "项目验收"],
    "talent_training": ["培养方案制定", "企业实训安排", "结业考核"],
    "internship_base": ["实习生进驻", "实习总结报告"],
    "tech_service": ["检测报告交付", "技术咨询报告"],
}
RESULTS = ["高性能锂电池正极材料制备技术", "工业机器人视觉定位算法", "纳米银导电浆料", "智能灌溉控制系统",
           "新型生物降解包装材料", "芯片封装散热结构", "农产品冷链溯源平台", "高精度减速器设计方法",
           "光伏组件缺陷检测方法", "土壤重金属修复菌剂", "医用抗菌涂层", "5G 小基站天线阵列"]
TALENTS = [
    ("张院士团队", "academician", 6, "新材料"), ("李建华", "national", 1, "集成电路"), ("王海燕", "provincial", 1, "人工智能"),
    ("陈博士", "doctoral", 1, "生物医药"), ("智能装备创新团队", "team", 8, "高端装备"), ("周立", "national", 1, "新能源"),
    ("徐明", "provincial", 1, "大数据"), ("刘博士", "doctoral", 1, "现代农业"), ("纳米材料创业团队", "team", 5, "新材料"),
    ("赵欣", "doctoral", 1, "电子信息"), ("孙院士工作团队", "academician", 4, "土壤与环境"), ("吴磊", "provincial", 1, "集成电路"),
    ("郑博士", "doctoral", 1, "人工智能"), ("储能技术团队", "team", 6, "新能源"), ("钱晓", "national", 1, "生物医药"),
]


def _as_list(value) -> list:
    if not value:
        return []
    if isinstance(value, dict):
        return list(value.values())
    return list(value)


def _companies(context: SeedContext) -> list[Organisation]:
    companies = [c for c in _as_list(context.made.get("companies")) if getattr(c, "kind", None) in COMPANY_KINDS]
    if companies:
        return companies
    companies = list(db.session.scalars(select(Organisation).where(Organisation.kind.in_(COMPANY_KINDS))
                                        .order_by(Organisation.id).limit(40)).unique())
    if companies:
        return companies
    names = ["江苏智造装备有限公司", "开发区新材料科技有限公司", "云帆信息技术有限公司", "绿源农业科技有限公司",
             "芯联微电子有限公司", "康宁生物医药有限公司"]
    made = []
    for n, name in enumerate(names, start=1):
        org = Organisation(kind="enterprise", name=name, name_sort=pinyin_sort_key(name),
                           credit_code=make_credit_code(f"91320599880{n:06d}"), registered_in_zone=True)
        db.session.add(org)
        made.append(org)
    db.session.flush()
    return made


def _platforms(context: SeedContext) -> list[Platform]:
    platforms = _as_list(context.made.get("platforms"))
    if platforms:
        return platforms
    return list(db.session.scalars(select(Platform).order_by(Platform.id)).unique())


def seed_partnerships(context: SeedContext) -> None:
    rng = context.rng
    today = clock.today()
    users = context.made.get("users", {})
    actor = users.get("admin@demo.zone") or SimpleNamespace(role="admin", id=None, organisation_id=None)

    institutions = []
    for n, (name, kind, short, address, contact, position, phone) in enumerate(INSTITUTIONS, start=1):
        institution = services.create_institution({
            "name": name, "kind": kind, "credit_code": make_credit_code(f"12320000{n:09d}"), "address": address,
            "contact_name": contact, "contact_phone": phone,
            "contact_email": f"contact{n}@partner.example.cn",
        })
        services.add_contact(institution, {"name": contact, "position": position, "phone": phone})
        services.add_contact(institution, {"name": rng.choice(["李", "张", "黄", "杨"]) + rng.choice(["老师", "研究员"]),
                                           "position": "联络员", "email": f"liaison{n}@partner.example.cn"})
        institution.short_name = short
        institutions.append(institution)
    context.made["institutions"] = institutions

    companies = _companies(context)
    platforms = _platforms(context)

    # Agreements: every kind, spread over time so each list (active, expiring, upcoming, ended) has some.
    agreements = []
    offsets = [-1400, -1100, -900, -700, -500, -400, -300, -200, -120, -60, -30, 20]
    for n in range(context.scaled(34, 12)):
        kind = PARTNERSHIP_KINDS[n % len(PARTNERSHIP_KINDS)]
        institution = institutions[0] if n in (2, 7, 12) else institutions[n % len(institutions)]
        starts_on = today + timedelta(days=rng.choice(offsets) + rng.randint(-10, 10))
        length = rng.choice([365, 730, 1095, None]) if n % 6 else 365
        ends_on = starts_on + timedelta(days=length) if length else None
        if n % 7 == 3:  # some that expire within 90 days
            ends_on = today + timedelta(days=rng.randint(5, 85))
            starts_on = min(starts_on, ends_on - timedelta(days=365))
        platform = platforms[n % len(platforms)] if platforms and n % 3 == 1 else None
        company = companies[n % len(companies)] if companies and n % 3 == 2 else None
        side = platform.name if platform else company.name if company else "开发区"
        agreement = services.create_agreement(actor, {
            "reference": f"HZ-{starts_on.year}-{n + 1:03d}", "partner_id": institution.id, "kind": kind,
            "title": TITLES[kind].format(short=institution.short_name, side=side),
            "starts_on": starts_on, "ends_on": ends_on,
            "platform_id": platform.id if platform else None, "company_id": company.id if company else None,
            "contract_value": rng.choice([0, 5, 10, 20, 30, 50, 80, 120, 200]) * 10_000 + rng.randint(0, 9) * 1_000,
            "description": "双方围绕产业需求开展合作，约定成果归属与人员交流。",
        })
        agreements.append(agreement)
        for k, title in enumerate(DELIVERABLES[kind]):
            due_on = starts_on + timedelta(days=120 * (k + 1))
            if due_on < today - timedelta(days=30):
                status = rng.choice(["delivered", "delivered", "delivered", "in_progress"])
            else:
                status = rng.choice(["planned", "in_progress"])
            services.add_deliverable(agreement, title, due_on, status,
                                     delivered_on=min(due_on, today) if status == "delivered" else None)

    # Order-based training: cohorts over the last three years; the current year's await their figures.
    for agreement in [a for a in agreements if a.kind == "talent_training"]:
        first = max(agreement.starts_on.year, today.year - 2)
        for year in range(first, today.year + 1):
            enrolled = rng.randint(20, 60)
            if year < today.year:
                completed = enrolled - rng.randint(0, 5)
                hired = rng.randint(completed // 3, completed)
                completed_on = max(date(year, 6, 30), agreement.starts_on)
                if completed_on > today:
                    completed, hired, completed_on = 0, 0, None
            else:
                completed, hired, completed_on = 0, 0, None
            services.add_cohort(agreement, {"cohort_year": year, "enrolled": enrolled, "completed": completed,
                                            "hired_in_zone": hired, "completed_on": completed_on})

    # Tech-transfer deals: 56 over four years, never in the future.
    if companies:
        for n in range(context.scaled(56, 8)):
            year = today.year - (n % 4)
            deal_date = date(year, rng.randint(1, 12), rng.randint(1, 28))
            if deal_date > today:
                deal_date = today - timedelta(days=rng.randint(0, 60))
            institution = institutions[n % len(institutions)]
            patents = "\n".join(f"ZL{year - rng.randint(1, 4)}1{rng.randint(0, 9999999):07d}.{rng.randint(0, 9)}"
                                for _ in range(rng.randint(0, 3)))
            services.create_deal(actor, {
                "reference": f"ZH-{deal_date.year}-{n + 1:03d}", "deal_date": deal_date,
                "title": RESULTS[n % len(RESULTS)], "kind": DEAL_KINDS[n % len(DEAL_KINDS)],
                "source_id": institution.id, "recipient_id": companies[(n * 7) % len(companies)].id,
                "value": rng.choice([3, 8, 15, 30, 50, 100, 260]) * 10_000 + rng.randint(0, 99) * 100,
                "patents": patents,
            })

    # High-level talent and teams, each joining a company or a platform.
    for n, (name, category, members, field) in enumerate(TALENTS):
        company = companies[n % len(companies)] if companies and (n % 2 == 0 or not platforms) else None
        platform = None if company else (platforms[n % len(platforms)] if platforms else None)
        if company is None and platform is None:
            break
        services.create_talent(actor, {
            "name": name, "category": category, "members": members, "field": field,
            "joined_on": today - timedelta(days=rng.randint(30, 1400)),
            "company_id": company.id if company else None, "platform_id": platform.id if platform else None,
            "institution_id": institutions[n % len(institutions)].id if n % 3 else None, "note": None,
        })

    partner = users.get("partner@demo.zone")
    if partner is not None:
        services.bind_partner_account(partner, institutions[0].credit_code)
