"""Demo data of the startups area: companies, incubations, two years of quarterly reports, applications in
every state with reviews (all in Chinese)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from .. import clock
from ..audit import services as audit
from ..auth.services import create_user
from ..extensions import db
from ..organisations import credit_code as credit_codes
from ..organisations.models import Industry, Organisation
from ..platforms.kinds import tenant_taking_kinds
from ..platforms.models import Platform
from ..seed import SeedContext
from .. import uploads
from . import services as svc
from .models import Application, ApplicationDocument, Incubation, QuarterlyReport, ReviewAssignment, ReviewMeeting, \
    ReviewScore

CITY = ["苏州", "无锡", "南京", "杭州", "合肥", "常州", "宁波", "上海"]
CORE = ["智芯", "云图", "瑞康", "青禾", "锐视", "星辰", "天工", "海川", "博源", "知行", "微纳", "新元", "启明", "恒远",
        "润泽", "明德", "量子", "深蓝", "极光", "远航", "禾木", "华睿", "科睿", "弘毅"]
TRADE = {"artificial_intelligence": "智能科技", "electronic_information": "信息技术", "biomedicine": "生物医药",
         "integrated_circuits": "半导体", "new_energy_materials": "新材料", "high_end_equipment": "智能装备",
         "big_data": "数据科技", "modern_agriculture": "农业科技", "other": "科技"}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _industries() -> list[Industry]:
    try:
        from ..organisations.services import ensure_default_industries

        ensure_default_industries()
    except ImportError:  # pragma: no cover - the organisations area provides it
        pass
    rows = list(db.session.scalars(select(Industry).order_by(Industry.sort_order)))
    if not rows:
        for order, (code, zh, en) in enumerate([("artificial_intelligence", "人工智能", "Artificial intelligence"),
                                                 ("biomedicine", "生物医药", "Biomedicine"),
                                                 ("integrated_circuits", "集成电路", "Integrated circuits")]):
            rows.append(Industry(code=code, name_zh=zh, name_en=en, sort_order=order))
        db.session.add_all(rows)
        db.session.flush()
    return rows


def _platforms(context: SeedContext) -> list[Platform]:
    rows = list(db.session.scalars(select(Platform).where(Platform.kind.in_(tenant_taking_kinds()),
                                                          Platform.status == "active").order_by(Platform.code)))
    users = context.made["users"]
    if not rows:
        rows = [Platform(code="FHQ-01", name="园区科技创业孵化器", kind="incubator", level="national"),
                Platform(code="ZCKJ-01", name="园区青年众创空间", kind="maker_space", level="provincial")]
        db.session.add_all(rows)
        db.session.flush()
        for row in rows:
            audit.record("create", row, after=audit.snapshot(row), source="cli")
    manager = users["manager@demo.zone"]
    if not manager.managed_platforms:
        rows[0].managers.append(manager)
    manager2 = users.get("manager2@demo.zone")
    if manager2 is not None and not manager2.managed_platforms and len(rows) > 1:
        rows[1].managers.append(manager2)
    return rows


def _company_name(rng, n: int, industry: Industry) -> str:
    return f"{rng.choice(CITY)}{CORE[n % len(CORE)]}{TRADE.get(industry.code, '科技')}有限公司"


def seed_startups(context: SeedContext) -> None:
    rng = context.rng
    users = context.made["users"]
    industries = _industries()
    platforms = _platforms(context)
    svc.rubric_for(None)
    svc.current_criteria()
    today = clock.today()

    companies = [c for c in context.made.get("companies", []) if getattr(c, "kind", None) in ("startup", "enterprise")]
    existing_codes = set(db.session.scalars(select(Organisation.credit_code).where(
        Organisation.credit_code.is_not(None))))
    n = 0
    while len(companies) < context.scaled(110):
        n += 1
        code = credit_codes.make(f"91320594{7000000 + n:09d}")
        if code in existing_codes:
            continue
        industry = rng.choice(industries)
        name = _company_name(rng, n, industry)
        founded = today - timedelta(days=rng.randint(200, 2200))
        org = Organisation(kind="startup", name=name, name_sort=name, credit_code=code, industry_id=industry.id,
            founded_on=founded, registered_in_zone=rng.random() < 0.85, contact_name="联系人",
            contact_phone=f"0512-6{rng.randint(1000000, 9999999)}")
        if rng.random() < 0.12:
            org.high_tech_cert_no = f"GR20233200{rng.randint(1000, 9999)}"
        db.session.add(org)
        companies.append(org)
    db.session.flush()
    context.made["companies"] = companies

    # Incubations for most companies (those of the platforms' demo data already have theirs); a few ended.
    existing = {}
    for row in db.session.scalars(select(Incubation).where(Incubation.organisation_id.in_([c.id for c in companies]))
                                  .order_by(Incubation.admitted_on)):
        existing[row.organisation_id] = row
    incubated, created = [], []
    for index, org in enumerate(companies[:context.scaled(95, 3)]):
        if org.id in existing:
            incubated.append(existing[org.id])
            continue
        platform = platforms[index % len(platforms)]
        admitted = max(org.founded_on or today, today - timedelta(days=rng.randint(400, 1500)))
        item = Incubation(organisation_id=org.id, platform_id=platform.id, admitted_on=admitted)
        if index % 15 == 7:
            item.status, item.ended_on, item.end_reason = "graduated", today - timedelta(days=rng.randint(10, 200)), \
                "获得高新技术企业认定，符合毕业条件"
        elif index % 23 == 11:
            item.status, item.ended_on, item.end_reason = "exited", today - timedelta(days=rng.randint(10, 200)), \
                "经营调整，主动退出"
        if item.ended_on and item.ended_on < item.admitted_on:
            item.ended_on = item.admitted_on
        db.session.add(item)
        incubated.append(item)
        created.append(item)
    db.session.flush()
    audit.record_many([{"action": "create", "entity_type": "incubations", "entity_id": i.id,
                        "after": {"organisation_id": i.organisation_id, "platform_id": i.platform_id,
                                  "admitted_on": i.admitted_on, "status": i.status},
                        "source_detail": "demo data"} for i in created], source="cli")

    # Two years of quarterly reports: mostly verified, some submitted/returned, some missing.
    due = svc.due_period()
    periods = [due]
    for _ in range(7):
        periods.append(periods[-1].previous())
    reports = []
    manager = users["manager@demo.zone"]
    for index, incubation in enumerate(incubated):
        base = rng.randint(30, 800) * 10_000
        staff = rng.randint(5, 80)
        for age, period in enumerate(periods):
            if period.end < incubation.admitted_on:
                continue
            if age == 0 and index % 9 == 4:
                continue  # missing for the due quarter
            growth = 1 + 0.04 * (7 - age)
            revenue = int(base * growth * rng.uniform(0.8, 1.2))
            employees = staff + 7 - age
            report = QuarterlyReport(
                organisation_id=incubation.organisation_id,
                revenue=revenue, rd_expense=int(revenue * rng.uniform(0.05, 0.3)), employees=employees,
                rd_staff=max(1, employees // rng.randint(2, 4)), invention_patents_filed=rng.randint(0, 3),
                invention_patents_granted=rng.randint(0, 1), other_ip_granted=rng.randint(0, 2),
                tech_contract_value=rng.choice([0, 0, 200_000, 500_000]),
                financing=rng.choice([0, 0, 0, 0, 3_000_000, 10_000_000]), tax_paid=int(revenue * 0.03),
                graduates_hired=rng.randint(0, 3))
            report.set_period(period)
            report.submitted_at = clock.utcnow() - timedelta(days=30 * age + 10)
            if age == 0 and index % 5 == 1:
                report.status = "submitted"
            elif age == 0 and index % 13 == 3:
                report.status, report.returned_reason = "returned", "研发人员数与上季度差异较大，请核实"
            elif age == 0 and index % 11 == 2:
                report.status, report.submitted_at = "draft", None
            else:
                report.status, report.verified_at, report.verified_by_id = "verified", report.submitted_at, manager.id
            reports.append(report)
    db.session.add_all(reports)
    db.session.flush()
    audit.record_many([{"action": "report_created", "entity_type": "quarterly_reports", "entity_id": r.id,
                        "after": {"period": r.period, "status": r.status}, "source_detail": "demo data"}
                       for r in reports], source="cli")

    # The demo founders.
    founder = users["founder@demo.zone"]
    running = sorted((i for i in incubated if i.status == "incubating"), key=lambda i: (i.admitted_on, i.id))
    founder.organisation_id = running[0].organisation_id
    founder2 = users.get("founder2@demo.zone")
    if founder2 is not None:
        founder2.organisation_id = running[1].organisation_id
    db.session.flush()

    # Applications in every state, with reviews.
    reviewer = users["reviewer@demo.zone"]
    platform = next((p for p in platforms if manager in p.managers), platforms[0])
    criteria = svc.rubric_for(platform.id)
    meeting = ReviewMeeting(platform_id=platform.id, title="2026年第三批入孵评审会", held_on=today - timedelta(days=5),
                            location="创新中心三楼会议室", created_by_id=manager.id, panel=[reviewer])
    db.session.add(meeting)
    states = ["draft", "submitted", "submitted", "under_review", "under_review", "returned", "admitted", "rejected",
              "withdrawn", "under_review"]
    reasons = {"returned": "请补充核心团队成员的学历与从业经历", "rejected": "技术方案尚不成熟，暂不符合入孵条件",
               "admitted": "评审通过，同意入孵", "withdrawn": "已选择其他园区"}
    for index, state in enumerate(states):
        industry = industries[index % len(industries)]
        name = f"{CITY[index % len(CITY)]}{CORE[(index + 7) % len(CORE)]}{TRADE.get(industry.code, '科技')}有限公司"
        email = f"applicant{index + 1}@demo.zone"
        applicant = create_user(email, "startup", context.new_password(email), name=f"申请人{index + 1}",
                                locale="zh", source="cli")
        org = None
        code = credit_codes.make(f"91320594{8000000 + index:09d}")
        if state != "draft":
            org = Organisation(kind="startup", name=name, name_sort=name, credit_code=code, industry_id=industry.id,
                               founded_on=today - timedelta(days=200 + 40 * index), registered_in_zone=index % 4 != 0)
            db.session.add(org)
            db.session.flush()
            applicant.organisation_id = org.id
        application = Application(
            applicant_id=applicant.id, organisation_id=org.id if org else None, platform_id=platform.id,
            status=state, company_name=name, credit_code=code, founded_on=today - timedelta(days=200 + 40 * index),
            industry_id=industry.id, address="园区星湖街328号", registered_in_zone=index % 4 != 0,
            contact_phone="0512-62880000", binding_status="confirmed" if org else "none",
            team=[{"name": "王磊", "role": "CEO", "education": "清华大学 博士", "ventures": "曾创办一家软件公司"},
                  {"name": "陈晓", "role": "CTO", "education": "浙江大学 硕士", "ventures": ""}],
            technology="基于深度学习的工业视觉检测平台，检测准确率99.5%。", ip_summary="已申请发明专利3项，软件著作权5项。",
            market="面向长三角电子制造企业，目标市场规模约50亿元。", business_model="软件授权+按检测量收费。",
            funding_needed=3_000_000, funding_use="研发投入与市场拓展", space_kind="office", stations_wanted=10,
            steps_done=list(svc.STEPS), pipl_consent_at=clock.utcnow())
        if state != "draft":
            application.submitted_at = clock.utcnow() - timedelta(days=20 - index)
        if state in ("returned",):
            application.return_reason = reasons[state]
        if state in ("admitted", "rejected", "withdrawn"):
            application.decided_at = clock.utcnow() - timedelta(days=3)
            application.decided_by_id = None if state == "withdrawn" else manager.id
            application.decision_reason = reasons[state]
        db.session.add(application)
        db.session.flush()
        if index < 4:
            stored = uploads.store_bytes(PDF, "商业计划书.pdf", kind="business_plan", owner=applicant,
                                         organisation_id=org.id if org else None)
            db.session.add(ApplicationDocument(application_id=application.id, kind="business_plan", file_id=stored.id))
        if state == "admitted":
            incubation = Incubation(organisation_id=org.id, platform_id=platform.id, admitted_on=today - timedelta(days=2))
            db.session.add(incubation)
            db.session.flush()
            application.incubation_id = incubation.id
        if state in ("under_review", "admitted", "rejected"):
            assignment = ReviewAssignment(application_id=application.id, reviewer_id=reviewer.id,
                                          meeting_id=meeting.id if state == "under_review" else None)
            db.session.add(assignment)
            if state != "under_review" or index == 3:
                scores = {c.id: rng.randint(5, 9) for c in criteria}
                assignment.scores = [ReviewScore(criterion_id=cid, score=value) for cid, value in scores.items()]
                assignment.weighted_score = svc.weighted(criteria, scores)
                assignment.status, assignment.submitted_at = "submitted", clock.utcnow()
                assignment.comment = "团队扎实，技术有一定壁垒，建议关注商业化进度。"
        audit.record("create", application, after={"status": state, "company_name": name}, source="cli",
                     source_detail="demo data")
    db.session.flush()
