"""Fixtures of the platforms tests: a small zone with a maker space, its units and a company."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from incubator import clock
from incubator.extensions import db
from incubator.platforms import services

from .. import factories

TODAY = date(2026, 6, 15)


@pytest.fixture
def today():
    clock.freeze(datetime(2026, 6, 15, 10, 0))
    return TODAY


@pytest.fixture
def space(app, today):
    """A maker space with two desks, an office and a public meeting room, and a company."""
    platform = factories.platform(code="ZC-T1", kind="maker_space", level="municipal", name="测试众创空间")
    desk1 = services.create_unit(platform, code="D01", kind="desk", purpose="tenant", area_m2=Decimal("6"),
                                 monthly_rent=500)
    desk2 = services.create_unit(platform, code="D02", kind="desk", purpose="tenant", area_m2=Decimal("6"),
                                 monthly_rent=500)
    office = services.create_unit(platform, code="201", kind="office", purpose="tenant", area_m2=Decimal("48"),
                                  monthly_rent=3000)
    room = services.create_unit(platform, code="M01", kind="room", purpose="public_service",
                                area_m2=Decimal("40"), monthly_rent=0, bookable=True)
    company = factories.organisation(name="星光科技有限公司")
    db.session.commit()
    return {"platform": platform, "desk1": desk1, "desk2": desk2, "office": office, "room": room,
            "company": company}


@pytest.fixture(autouse=True)
def _english(app):
    """Messages raised outside a request are read in English here (the zone's default is Chinese)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield
