"""Demo data of the platforms area (seeders 20-29): industries, hosts, platforms of every kind and level,
their spaces and tenants, experts with residencies and on-site days, recognitions, managers, alerts.

Dates are relative to the clock's today so the demo zone always looks current.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ..extensions import db
from ..organisations import credit_code
from ..organisations.services import create_organisation, ensure_default_industries
from ..seed import SeedContext
from . import services

HOSTS = [
    # (key, name, kind, industry code)
    ("group", "示范区科技创新发展集团有限公司", "enterprise", "other"),
    ("univ", "江南理工大学", "university", "other"),
    ("inst", "中国科学院苏州先进材料研究所", "institute", "new_energy_materials"),
    ("equip", "恒力智能装备股份有限公司", "enterprise", "high_end_equipment"),
    ("pharma", "康润生物医药股份有限公司", "enterprise", "biomedicine"),
    ("chip", "华芯微电子股份有限公司", "enterprise", "integrated_circuits"),
]

# (code, name, kind, level, host key, managers, area m², stations, attributes)
PLATFORMS = [
    ("FH-001", "示范区科技企业孵化器", "incubator", "national", "group", ["manager@demo.zone"], "32000", 600,
     {"focus": "电子信息、人工智能", "mentors_on_staff": 18, "incubation_area_m2": 26000}),
    ("FH-002", "智能制造孵化基地", "incubator", "provincial", "equip", ["manager@demo.zone"], "15000", 220,
     {"focus": "高端装备、智能制造", "mentors_on_staff": 9, "incubation_area_m2": 12000}),
    ("ZC-001", "星火众创空间", "maker_space", "national", "univ", ["manager2@demo.zone"], "3200", 260,
     {"focus": "大学生创业、硬件创新", "mentors_on_staff": 12, "open_stations": 120}),
    ("ZC-002", "青禾创客工场", "maker_space", "municipal", "group", ["manager2@demo.zone"], "1800", 150,
     {"focus": "数字创意、现代农业", "mentors_on_staff": 6, "open_stations": 80}),
    ("SYS-001", "新型储能材料重点实验室", "key_lab", "provincial", "inst", [], "4500", None,
     {"discipline": "材料科学与工程", "director": "周立新", "supervising_department": "省科学技术厅"}),
    ("GC-001", "高端装备工程技术研究中心", "engineering_center", "municipal", "equip", [], "2600", None,
     {"technology_field": "精密传动与数控系统", "director": "孙建国", "researchers": 46}),
    ("YS-001", "生物医药院士工作站", "academician_workstation", "provincial", "pharma", [], "800", None,
     {"cooperation_field": "创新药物与生物制剂"}),
    ("YS-002", "集成电路院士工作站", "academician_workstation", "county", "chip", [], "600", None,
     {"cooperation_field": "先进封装与芯片设计"}),
    ("YF-001", "华芯微电子企业研发中心", "rd_institution", "county", "chip", [], "5200", None,
     {"rd_field": "模拟芯片与功率器件", "rd_staff": 120}),
]

ISSUERS = {"national": "科学技术部", "provincial": "省科学技术厅", "municipal": "市科学技术局", "county": "区科技局"}

COMPANY_STEMS = ["智芯", "云帆", "蓝鲸", "星途", "极光", "瀚海", "青藤", "锐思", "微澜", "天工", "睿联", "凌云",
                 "恒川", "数擎", "绿源", "博雅", "启明", "卓远", "灵犀", "澄明", "新禾", "鼎信", "光量", "辰宇",
                 "沐风", "拓维", "聚能", "安格", "海纳", "易科", "芯跃", "禾丰"]
COMPANY_TRADES = [("信息技术", "electronic_information"), ("智能科技", "artificial_intelligence"),
                  ("数据科技", "big_data"), ("生物科技", "biomedicine"), ("新材料科技", "new_energy_materials"),
                  ("智能装备", "high_end_equipment"), ("微电子", "integrated_circuits"), ("农业科技", "modern_agriculture")]

EXPERTS = [
    # name, kind, academy, retired, title, affiliation, field
    ("陈志远", "academician", "CAS", False, "研究员", "中国科学院上海药物研究所", "药物化学"),
    ("刘海峰", "academician", "CAE", False, "教授", "东南大学", "微电子学与集成电路"),
    ("王德明", "academician", "CAE", True, "教授", "浙江大学", "生物医学工程"),
    ("赵文华", "professor", None, False, "教授", "江南理工大学", "机器人与智能制造"),
    ("钱晓燕", "professor", None, False, "副教授", "江南理工大学", "新能源材料"),
    ("黄立群", "mentor", None, False, "合伙人", "苏州天使投资基金", "早期投资"),
    ("吴佳怡", "mentor", None, False, "创始人", "独立创业导师", "产品与市场"),
]


def _today():
    from .. import clock

    return clock.today()


def seed_organisations(context: SeedContext) -> None:
    """The zone's industries and the organisations that host platforms."""
    industries = {industry.code: industry for industry in ensure_default_industries()}
    hosts = {}
    for number, (key, name, kind, industry) in enumerate(HOSTS, start=1):
        prefix = "12320500" if kind in ("university", "institute") else "91320594"
        hosts[key] = create_organisation(
            name=name, kind=kind, credit_code=credit_code.make(f"{prefix}{700000000 + number:09d}"),
            industry_id=industries[industry].id, registered_in_zone=True,
            founded_on=date(1985 + number * 4, 3, 1), address=f"示范区创新大道{100 + number * 8}号",
            contact_name="办公室", contact_phone=f"0512-6688{number:04d}")
    context.made["industries"] = industries
    context.made["hosts"] = hosts


def seed_platforms(context: SeedContext) -> None:
    """At least one platform of every kind and every level, with recognition histories and managers."""
    today = _today()
    users = context.made.get("users", {})
    hosts = context.made["hosts"]
    made = {}
    for index, (code, name, kind, level, host, managers, area, stations, attributes) in enumerate(PLATFORMS):
        platform = services.create_platform(
            code=code, name=name, kind=kind, level=level, host_id=hosts[host].id,
            operating_since=date(2012 + index % 8, 1 + index % 12, 1), area_m2=Decimal(area), stations=stations,
            status="active", description=f"{name}是示范区重要的创新载体。", attributes=attributes,
            managers=[users[email] for email in managers if email in users])
        lower = {"national": "provincial", "provincial": "municipal", "municipal": "county"}.get(level)
        first_on = date(today.year - 7, 6, 1) + timedelta(days=index * 11)
        if lower:  # promoted: an earlier recognition at the level below
            services.add_recognition(platform, level=lower, recognized_on=first_on, issuing_body=ISSUERS[lower],
                                     document_no=f"{ISSUERS[lower][:2]}〔{first_on.year}〕{10 + index}号",
                                     expires_on=first_on.replace(year=first_on.year + 3))
        # Every third platform's current recognition expires within 90 days: the alerts have work.
        expires = today + timedelta(days=30 + index * 10) if index % 3 == 1 else today + timedelta(days=400 + index * 60)
        recognized = expires.replace(year=expires.year - 3) if expires.replace(year=expires.year - 3) <= today \
            else today - timedelta(days=30)
        services.add_recognition(platform, level=level, recognized_on=recognized, issuing_body=ISSUERS[level],
                                 document_no=f"{ISSUERS[level][:2]}〔{recognized.year}〕{30 + index}号",
                                 expires_on=expires)
        made[code] = platform
    context.made["platforms"] = made


def _company(context: SeedContext, number: int, industries) -> object:
    stem = COMPANY_STEMS[number % len(COMPANY_STEMS)]
    trade, industry = COMPANY_TRADES[number % len(COMPANY_TRADES)]
    today = _today()
    registered = number % 10 != 7  # a few founding teams not yet registered: no credit code
    values = dict(
        name=f"苏州{stem}{trade}有限公司" if registered else f"{stem}{trade}创业团队",
        kind="startup", industry_id=industries[industry].id, registered_in_zone=registered,
        credit_code=credit_code.make(f"91320594{310000000 + number * 7919:09d}") if registered else None,
        founded_on=today - timedelta(days=200 + number * 37) if registered else None,
        address=f"示范区创新大道{200 + number}号{number % 9 + 1}楼" if registered else None,
        contact_name=f"{'张王李赵刘陈杨黄周吴'[number % 10]}总", contact_phone=f"1380512{number:04d}")
    if number % 6 == 0 and registered:
        values.update(high_tech_cert_no=f"GR{today.year - 1}3200{number:04d}",
                      high_tech_valid_from=date(today.year - 1, 11, 1), high_tech_valid_until=date(today.year + 2, 10, 31))
    return create_organisation(**values)


def seed_spaces(context: SeedContext) -> None:
    """Units for the platforms that let space, about 30 tenant companies with incubations and tenancies."""
    from ..organisations.services import add_ip
    from ..startups.models import Incubation

    today = _today()
    platforms = context.made["platforms"]
    industries = context.made["industries"]
    rng = context.rng
    units_by_platform = {}
    for code, platform in platforms.items():
        units = []
        if platform.kind in ("incubator", "maker_space"):
            offices = 12 if platform.kind == "incubator" else 4
            desks = 6 if platform.kind == "incubator" else 14
            for n in range(1, offices + 1):
                units.append(services.create_unit(platform, code=f"{n // 5 + 2}{n:02d}", name=f"{n}号办公室",
                                                  kind="office", purpose="tenant",
                                                  area_m2=Decimal(rng.choice([45, 60, 80, 120, 150])),
                                                  monthly_rent=rng.choice([2400, 3200, 4500, 6000]),
                                                  floor=str(n // 5 + 2)))
            for n in range(1, desks + 1):
                units.append(services.create_unit(platform, code=f"D{n:02d}", name=f"开放工位{n}", kind="desk",
                                                  purpose="tenant", area_m2=Decimal("6"), monthly_rent=500))
            if platform.kind == "incubator":
                units.append(services.create_unit(platform, code="W01", name="中试车间一号", kind="workshop_bay",
                                                  purpose="tenant", area_m2=Decimal("400"), monthly_rent=16000))
            units.append(services.create_unit(platform, code="M01", name="路演厅", kind="room",
                                              purpose="public_service", area_m2=Decimal("180"), monthly_rent=0,
                                              bookable=True))
            units.append(services.create_unit(platform, code="M02", name="小会议室", kind="room",
                                              purpose="public_service", area_m2=Decimal("30"), monthly_rent=0,
                                              bookable=True))
        elif platform.kind in ("key_lab", "engineering_center"):
            for n in range(1, 4):
                units.append(services.create_unit(platform, code=f"B{n:02d}", name=f"实验台{n}", kind="lab_bench",
                                                  purpose="public_service", area_m2=Decimal("12"), monthly_rent=0,
                                                  bookable=True))
        units_by_platform[code] = units

    companies = []
    hosts_for_tenants = [code for code, platform in platforms.items() if platform.kind in ("incubator", "maker_space")]
    number = 0
    for code in hosts_for_tenants:
        platform = platforms[code]
        lettable = [unit for unit in units_by_platform[code] if unit.purpose == "tenant"]
        share = context.scaled(10 if platform.kind == "incubator" else 5, 2)
        for unit_index in range(min(share, len(lettable))):
            number += 1
            company = _company(context, number, industries)
            companies.append(company)
            admitted = today - timedelta(days=rng.randint(60, 900))
            db.session.add(Incubation(organisation_id=company.id, platform_id=platform.id, admitted_on=admitted,
                                      status="incubating"))
            # A past tenancy on some units, then the current one.
            unit = lettable[unit_index]
            if unit_index % 4 == 3:
                services.create_tenancy(company, [unit], admitted, admitted + timedelta(days=29), unit.monthly_rent,
                                        contract_no=f"{code}-Z{number:03d}")
                start = admitted + timedelta(days=30)
            else:
                start = admitted
            ends = start + timedelta(days=rng.choice([365, 730, 1095]))
            services.create_tenancy(company, [unit], start, ends if ends >= today else today + timedelta(days=180),
                                    unit.monthly_rent - (unit.monthly_rent // 10 if number % 3 == 0 else 0),
                                    contract_no=f"{code}-{number:03d}")
            if number % 4 == 0 and company.credit_code:
                add_ip(company, kind="invention_patent", number=f"CN{today.year - 1}1{number:07d}.X",
                       title="一种基于深度学习的检测方法", status="granted", filed_on=today - timedelta(days=700),
                       granted_on=today - timedelta(days=120))
            if number % 5 == 0:
                add_ip(company, kind="software_copyright", number=f"{today.year - 1}SR{number:07d}",
                       title=f"{company.name[:6]}管理平台软件V1.0", status="granted",
                       filed_on=today - timedelta(days=300), granted_on=today - timedelta(days=200))
    # A few graduated companies that left their space.
    for offset in range(2):
        number += 1
        company = _company(context, number, industries)
        companies.append(company)
        platform = platforms["FH-001"]
        admitted = today - timedelta(days=1400 + offset * 100)
        graduated = today - timedelta(days=200 + offset * 30)
        db.session.add(Incubation(organisation_id=company.id, platform_id=platform.id, admitted_on=admitted,
                                  status="graduated", ended_on=graduated, end_reason="达到毕业条件"))
        unit = [u for u in units_by_platform["FH-001"] if u.purpose == "tenant"][10 + offset]
        services.create_tenancy(company, [unit], admitted, graduated, unit.monthly_rent,
                                contract_no=f"FH-001-G{offset + 1}")
    db.session.flush()
    context.made["companies"] = companies
    context.made["units"] = units_by_platform


def seed_experts(context: SeedContext) -> None:
    """Experts, academicians' residencies at the workstations with on-site days, joint projects, talents."""
    today = _today()
    platforms = context.made["platforms"]
    experts = [services.create_expert(name=name, kind=kind, academy=academy, retired=retired, title=title,
                                      affiliation=affiliation, field=field)
               for name, kind, academy, retired, title, affiliation, field in EXPERTS]
    chen, liu, wang, zhao, qian, huang, wu = experts
    year_start = date(today.year, 1, 1)
    plan = [
        # (platform, expert, starts, min days, days on site this year, projects, talents)
        ("YS-001", chen, date(today.year - 2, 3, 1), 90, max(1, (today - year_start).days // 3), 2, 5),
        ("YS-001", wang, date(today.year - 1, 9, 1), 60, 6, 1, 2),  # falls short
        ("YS-002", liu, date(today.year - 1, 5, 1), 90, max(1, (today - year_start).days // 5), 1, 3),
        ("YS-002", chen, date(today.year, 1, 1), 90, 4, 0, 0),  # a serving academician in two workstations
        ("SYS-001", qian, date(today.year - 3, 1, 1), 0, 20, 2, 4),
        ("GC-001", zhao, date(today.year - 2, 7, 1), 0, 12, 1, 2),
        ("FH-001", huang, date(today.year - 1, 1, 1), 0, 5, 0, 0),
        ("ZC-001", wu, date(today.year - 1, 4, 1), 0, 8, 0, 0),
    ]
    for code, expert, starts, minimum, days, projects, talents in plan:
        residency = services.create_residency(platforms[code], expert, starts_on=starts,
                                              ends_on=starts.replace(year=starts.year + 5), min_onsite_days=minimum,
                                              agreement_no=f"{code}-XY{starts.year}", research_topic=expert.field)
        first = max(year_start, starts)
        logged = 0
        day = first
        while logged < context.scaled(days) and day <= today:
            if day.weekday() < 5 and context.rng.random() < 0.8:
                services.log_onsite_days(residency, day, note="进站指导")
                logged += 1
            day += timedelta(days=1)
        for n in range(projects):
            services.add_residency_record(residency, kind="joint_project", title=f"{expert.field}联合攻关项目{n + 1}",
                                          occurred_on=max(starts, today - timedelta(days=100 + 60 * n)))
        if talents:
            services.add_residency_record(residency, kind="talent_trained", title="联合培养研究生",
                                          occurred_on=max(starts, today - timedelta(days=40)), people=talents)
    context.made["experts"] = experts


def seed_alerts(context: SeedContext) -> None:
    """Send the recognition alerts once, as the daily command would."""
    context.made["recognition_alerts"] = services.send_recognition_alerts()
