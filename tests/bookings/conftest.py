"""A small zone for the booking tests: one platform with a manager, two tenant companies, an outside user,
an instrument, a meeting room (a space unit) and a frozen clock on Monday 2 March 2026, 08:00 zone time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

import pytest

from incubator import clock
from incubator.bookings import services
from incubator.bookings.models import BookableResource
from incubator.extensions import db
from incubator.platforms.models import SpaceUnit, Tenancy

from .. import factories

MONDAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 8, 0)


@dataclass
class World:
    platform: object
    other_platform: object
    manager: object
    other_manager: object
    company_a: object
    company_b: object
    founder_a: object
    colleague_a: object
    founder_b: object
    outsider: object
    instrument: BookableResource
    room: BookableResource
    unit: SpaceUnit


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A zone-local aware moment."""
    return services.local(day, time(hour, minute))


def make_resource(platform, kind: str = "equipment", unit=None, **values) -> BookableResource:
    defaults = dict(name=f"资源{kind}", capacity=1, opens_at=time(9, 0), closes_at=time(18, 0), open_days="12345",
                    slot_minutes=60, price_tenant=20, price_outsider=80, audience="tenants",
                    cancel_deadline_hours=24)
    defaults.update(values)
    resource = BookableResource(platform_id=platform.id, kind=kind, space_unit_id=unit.id if unit else None,
                                **defaults)
    db.session.add(resource)
    db.session.flush()
    return resource


@pytest.fixture
def config_overrides():
    """Messages raised outside a request come in the default language: English here, to match on them."""
    return {"BABEL_DEFAULT_LOCALE": "en"}


@pytest.fixture
def world(app, make_user) -> World:
    clock.freeze(NOW)
    platform = factories.platform(kind="maker_space", name="青年众创空间")
    other_platform = factories.platform(kind="key_lab", name="材料重点实验室")
    company_a = factories.organisation(name="甲公司", registered_in_zone=True)
    company_b = factories.organisation(name="乙公司", registered_in_zone=True)
    factories.incubation(company_a, platform, date(2025, 1, 1))
    db.session.add(Tenancy(platform_id=platform.id, organisation_id=company_b.id, starts_on=date(2025, 6, 1)))
    unit = SpaceUnit(platform_id=platform.id, code="MR-101", name="会议室A", kind="room", purpose="public_service",
                     area_m2=Decimal("30.00"), monthly_rent=0)
    db.session.add(unit)
    db.session.flush()
    instrument = make_resource(platform, name="激光切割机", max_hours_per_day=3, max_hours_per_week=5)
    room = make_resource(platform, "room", unit, name="会议室A", slot_minutes=30, opens_at=time(8, 0),
                         closes_at=time(20, 0), price_tenant=0, price_outsider=100)
    db.session.commit()
    manager = make_user("manager", name="经理")
    other_manager = make_user("manager", name="别的经理")
    platform.managers.append(manager)
    other_platform.managers.append(other_manager)
    db.session.commit()
    founder_a = make_user("startup", name="甲创始人", organisation_id=company_a.id)
    colleague_a = make_user("startup", name="甲同事", organisation_id=company_a.id)
    founder_b = make_user("startup", name="乙创始人", organisation_id=company_b.id)
    outsider = make_user("partner", name="校外用户")
    return World(platform, other_platform, manager, other_manager, company_a, company_b, founder_a, colleague_a,
                 founder_b, outsider, instrument, room, unit)
