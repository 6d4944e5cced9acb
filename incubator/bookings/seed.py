"""Demo data of the bookings area (seeder order 60): rooms, desks and instruments on the seeded platforms,
trainings, a maintenance block and a month of bookings (two weeks back, two weeks ahead)."""
from __future__ import annotations

import secrets
from datetime import time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import insert, or_, select

from .. import clock
from ..audit import services as audit
from ..auth.models import User
from ..extensions import db
from ..platforms.models import Platform, SpaceUnit, Tenancy
from ..seed import SeedContext
from ..startups.models import Incubation
from .models import BookableResource, Booking, BookingBlock, BookingSlot, BookingTraining
from .services import UNIT_KINDS_FOR, local, price_for, units_between

# name, description, capacity, slot minutes, tenant price, outsider price, audience, training, approval, day, week
EQUIPMENT = {
    "maker_space": [
        ("3D打印机 (Bambu X1)", "FDM 3D打印机，成型尺寸256×256×256 mm，支持PLA/PETG/ABS。", 1, 60, 20, 60, "zone", True,
         False, 4, 12),
        ("激光切割机", "CO₂激光切割机，幅面1300×900 mm，适用亚克力、木板、皮革。", 1, 60, 50, 150, "public", True, True, 3,
         8),
    ],
    "incubator": [
        ("路演设备套装", "投影仪、无线话筒与录播设备，可借用至路演厅。", 1, 120, 0, 100, "tenants", False, False, None,
         None),
        ("示波器 (Keysight 4GHz)", "高带宽示波器，适合电子产品调试与信号完整性测试。", 1, 60, 30, 120, "zone", True,
         False, 4, 16),
    ],
    "key_lab": [
        ("扫描电子显微镜", "场发射扫描电镜，分辨率1.0 nm，含能谱分析。", 2, 60, 300, 800, "public", True, True, 4, 12),
        ("高低温试验箱", "温度范围−70 ℃～+150 ℃，用于可靠性测试。", 1, 120, 80, 200, "zone", True, False, 8, 24),
    ],
    "engineering_center": [
        ("五轴加工中心", "五轴联动数控加工中心，行程 800×600×500 mm。", 1, 120, 200, 500, "zone", True, True, 6, 18),
    ],
    "rd_institution": [
        ("电磁兼容测试台", "预兼容测试台，传导与辐射发射摸底测试。", 1, 60, 100, 300, "public", True, False, 4, 12),
    ],
    "academician_workstation": [
        ("液相色谱仪", "高效液相色谱仪，适用于药物分析。", 1, 60, 150, 400, "zone", True, True, 4, 12),
    ],
}
PURPOSES = ["客户交流会", "产品评审", "团队周会", "样品打印", "投资人路演", "技术培训", "面试", "样品测试", "项目例会"]


def _platforms(context: SeedContext) -> list[Platform]:
    rows = context.made.get("platforms")
    if isinstance(rows, dict):  # the platforms seeder keeps them by code
        rows = list(rows.values())
    if rows:
        return [p for p in rows if getattr(p, "status", "active") == "active"]
    return list(db.session.scalars(select(Platform).where(Platform.status == "active").order_by(Platform.code)))


def _units(platform: Platform, kind: str, rng) -> list[SpaceUnit]:
    """Public rooms or desks of the platform; a meeting room and a hot desk are added when it has none."""
    units = list(db.session.scalars(select(SpaceUnit).where(
        SpaceUnit.platform_id == platform.id, SpaceUnit.kind.in_(UNIT_KINDS_FOR[kind]), SpaceUnit.is_active.is_(True))
        .order_by(SpaceUnit.purpose.desc(), SpaceUnit.code)))
    free = [u for u in units if u.purpose == "public_service"] or units[-1:] if units else []
    if free:
        return free[:2]
    code = f"{'MR' if kind == 'room' else 'HD'}-{rng.randint(100, 999)}"
    unit = SpaceUnit(platform_id=platform.id, code=code, name="共享会议室" if kind == "room" else "共享工位区",
                     kind=kind, purpose="public_service", area_m2=Decimal("40.00") if kind == "room" else Decimal("6.00"),
                     monthly_rent=0, bookable=True)
    db.session.add(unit)
    db.session.flush()
    audit.record("create", unit, after=audit.snapshot(unit, ["platform_id", "code", "kind", "purpose"]), source="cli")
    return [unit]


def _bookers_by_platform(platforms: list[Platform], today) -> dict[int, list[User]]:
    """Founders whose companies are tenants (tenancy or incubation) of each platform today."""
    ids = [p.id for p in platforms]
    back, ahead = today - timedelta(days=14), today + timedelta(days=14)
    pairs = db.session.execute(
        select(Incubation.platform_id, User.id).join(User, User.organisation_id == Incubation.organisation_id)
        .where(User.role == "startup", Incubation.platform_id.in_(ids), Incubation.admitted_on <= back,
               or_(Incubation.ended_on.is_(None), Incubation.ended_on >= ahead))
        .union(select(Tenancy.platform_id, User.id).join(User, User.organisation_id == Tenancy.organisation_id)
               .where(User.role == "startup", Tenancy.platform_id.in_(ids), Tenancy.starts_on <= back,
                      or_(Tenancy.ends_on.is_(None), Tenancy.ends_on >= ahead)))
    ).all()
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({user_id for _p, user_id in pairs})))}
    result: dict[int, list[User]] = {}
    for platform_id, user_id in sorted(pairs):
        result.setdefault(platform_id, []).append(users[user_id])
    return result


def seed_bookings(context: SeedContext) -> None:
    rng = context.rng
    platforms = _platforms(context)[:10]
    if not platforms:
        return
    today = clock.today()
    resources: list[BookableResource] = []
    for index, platform in enumerate(platforms):
        for kind in ("room", "desk"):
            for unit in _units(platform, kind, rng)[: 1 if kind == "desk" else 2]:
                unit.bookable = True
                room = kind == "room"
                resources.append(BookableResource(
                    platform_id=platform.id, kind=kind, space_unit_id=unit.id,
                    name=(unit.name or unit.code) if room else f"{unit.name or unit.code}（热桌）",
                    description="配投影、白板与视频会议设备。" if room else "开放式共享工位，含电源与网络。",
                    capacity=rng.choice([6, 8, 12, 20]) if room else 1, opens_at=time(8, 0), closes_at=time(21, 0),
                    open_days="123456" if room else "12345", slot_minutes=30 if room else 60,
                    price_tenant=0 if room else 10, price_outsider=120 if room else 50,
                    audience="tenants" if index % 3 else "zone", max_hours_per_day=4 if room else 8,
                    max_hours_per_week=12 if room else 40, cancel_deadline_hours=2,
                    requires_approval=room and index % 4 == 1))
        for spec in EQUIPMENT.get(platform.kind, EQUIPMENT["incubator"]):
            name, description, capacity, slot, p_in, p_out, audience, training, approval, per_day, per_week = spec
            resources.append(BookableResource(
                platform_id=platform.id, kind="equipment", name=name, description=description, capacity=capacity,
                opens_at=time(9, 0), closes_at=time(18, 0), open_days="12345", slot_minutes=slot, price_tenant=p_in,
                price_outsider=p_out, audience=audience, requires_training=training, requires_approval=approval,
                max_hours_per_day=per_day, max_hours_per_week=per_week, cancel_deadline_hours=24))
    db.session.add_all(resources)
    db.session.flush()
    audit.record_many([{"action": "booking_resource_created", "entity_type": "booking_resources",
                        "entity_id": r.id, "after": {"name": r.name, "kind": r.kind, "platform_id": r.platform_id}}
                       for r in resources], source="cli")
    if resources:
        resources[-1].status = "maintenance" if len(resources) > 6 else resources[-1].status

    bookers = _bookers_by_platform(platforms, today)
    trainings = []
    for resource in resources:
        if not resource.requires_training:
            continue
        trained = list(bookers.get(resource.platform_id, []))[:4]
        for user in trained:
            trainings.append(BookingTraining(resource_id=resource.id, user_id=user.id,
                                             completed_on=today - timedelta(days=rng.randint(20, 300)),
                                             expires_on=today + timedelta(days=rng.randint(60, 400)),
                                             note="安全操作培训"))
    db.session.add_all(trainings)
    db.session.flush()

    # A month of bookings: two weeks back, two weeks ahead, on opening days, no overlaps.
    bookings, taken = [], set()
    trained = {(t.resource_id, t.user_id) for t in trainings}
    for resource in resources:
        candidates = bookers.get(resource.platform_id, [])
        if resource.requires_training:
            candidates = [u for u in candidates if (resource.id, u.id) in trained]
        if not candidates or resource.status != "available":
            continue
        for offset in range(-14, 15):
            day = today + timedelta(days=offset)
            if day.isoweekday() not in resource.weekdays or rng.random() < 0.45:
                continue
            slots = (resource.closes_at.hour * 60 - resource.opens_at.hour * 60) // resource.slot_minutes
            length = rng.choice([1, 2]) if resource.slot_minutes >= 60 else rng.choice([2, 3, 4])
            first = rng.randrange(0, max(1, slots - length))
            start = local(day, resource.opens_at) + timedelta(minutes=first * resource.slot_minutes)
            end = start + timedelta(minutes=length * resource.slot_minutes)
            units = units_between(start, end)
            if any((resource.id, unit) in taken for unit in units):
                continue
            user = rng.choice(candidates)
            status = "confirmed"
            if resource.requires_approval and offset > 0 and rng.random() < 0.4:
                status = "pending"
            if offset < 0 and rng.random() < 0.08:
                status = "cancelled"
            booking = Booking(resource_id=resource.id, user_id=user.id, organisation_id=user.organisation_id,
                              starts_at=start.astimezone(timezone.utc), ends_at=end.astimezone(timezone.utc),
                              status=status, rate="tenant", price=price_for(resource, "tenant", start, end),
                              purpose=rng.choice(PURPOSES),
                              created_at=clock.utcnow() - timedelta(days=max(1, 20 - offset)))
            bookings.append((booking, units))
            if status != "cancelled":
                taken.update((resource.id, unit) for unit in units)
    db.session.add_all([b for b, _units in bookings])
    db.session.flush()
    rows = [{"resource_id": b.resource_id, "slot_start": unit, "booking_id": b.id, "block_id": None}
            for b, units in bookings if b.status != "cancelled" for unit in units]
    if rows:
        db.session.execute(insert(BookingSlot), rows)
    audit.record_many([{"action": "booking_created", "entity_type": "bookings", "entity_id": b.id,
                        "after": {"resource_id": b.resource_id, "status": b.status}} for b, _u in bookings],
                      source="cli")

    # Maintenance next week on the first instrument that has no booking then.
    for resource in resources:
        if resource.kind != "equipment" or resource.status != "available":
            continue
        monday = today + timedelta(days=7 - today.weekday() + 7)
        start, end = local(monday, resource.opens_at), local(monday, resource.closes_at)
        units = units_between(start, end)
        if any((resource.id, unit) in taken for unit in units):
            continue
        block = BookingBlock(resource_id=resource.id, kind="maintenance", title="年度校准与保养",
                             starts_at=start.astimezone(timezone.utc), ends_at=end.astimezone(timezone.utc),
                             series=secrets.token_hex(8))
        db.session.add(block)
        db.session.flush()
        db.session.execute(insert(BookingSlot), [{"resource_id": resource.id, "slot_start": unit, "booking_id": None,
                                                  "block_id": block.id} for unit in units])
        audit.record("booking_blocks_created", entity_type="booking_blocks", entity_id=block.series,
                     after={"kind": "maintenance", "title": block.title, "resources": [resource.id]}, source="cli")
        break
    context.made["booking_resources"] = resources
