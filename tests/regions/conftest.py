"""A province with a city, three zones of it and a zone of another province, each publishing (or not) a quarter.

Zone A (the first zone, in the city SZ) and zone B (directly in the province JS) publish 2026Q3 from different
data: A publishes before B's company has reported, so the two published versions differ and a roll-up that
counted anything live, or one zone twice, would show it. Zone C (in SZ) never publishes; zone D belongs to the
province ZJ and publishes too, so it must never appear in JS's roll-up.
"""
from __future__ import annotations

from datetime import date, datetime
from html.parser import HTMLParser

import pytest
from flask_login import login_user, logout_user
from sqlalchemy import select

from incubator import clock
from incubator.auth.models import User
from incubator.evaluation.services import publish
from incubator.extensions import db
from incubator.outcomes.models import Target
from incubator.periods import Period
from incubator.zones.models import Zone
from incubator.zones.services import create_region, create_zone
from tests import factories

Q3, Q3_BEFORE = Period(2026, 3), Period(2025, 3)


def publish_as(app, user, period: Period):
    """Publish ``period`` as ``user`` does from the evaluation page (the snapshot takes their zone)."""
    with app.test_request_context():
        login_user(db.session.get(User, user.id))
        snapshot = publish(period, db.session.get(User, user.id))
        db.session.commit()
        logout_user()
    return snapshot


def zone_target(zone, platform, code, value_wan):
    db.session.add(Target(year=2026, scope=platform.code if platform else "ZONE",
                          platform_id=platform.id if platform else None, indicator=code,
                          value_scaled=value_wan * 10_000, status="approved", zone_id=zone.id))


def build_region(app, make_user, previous_year_for=("a", "b")):
    clock.freeze(datetime(2026, 10, 10, 9, 0, 0))
    province = create_region("JS", "江苏省", "Jiangsu", "province")
    city = create_region("SZ", "苏州市", "Suzhou", "city", province)
    other = create_region("ZJ", "浙江省", "Zhejiang", "province")
    zone_a = db.session.scalar(select(Zone).order_by(Zone.id))
    zone_a.region = city
    zone_b = create_zone("B", "乙区", "Zone B", province)
    zone_c = create_zone("C", "丙区", "Zone C", city)
    zone_d = create_zone("D", "丁区", "Zone D", other)
    pa = factories.platform(code="PA", name="甲平台")
    pb = factories.platform(code="PB", name="乙平台", zone_id=zone_b.id)
    pd = factories.platform(code="PD", name="丁平台", zone_id=zone_d.id)
    ours, theirs = factories.organisation(name="甲区公司"), factories.organisation(name="乙区公司")
    factories.incubation(ours, pa, date(2025, 1, 1))
    factories.incubation(theirs, pb, date(2026, 8, 1))
    factories.report(ours, "2025Q3", revenue=500_000, rd_expense=10_000, employees=8, rd_staff=1)
    factories.report(ours, "2026Q3", revenue=1_000_000, rd_expense=50_000, employees=10, rd_staff=2,
                     invention_patents_filed=1)
    zone_target(zone_a, None, "REVENUE", 200)
    zone_target(zone_b, None, "REVENUE", 400)
    zone_target(zone_a, pa, "REVENUE", 100)
    zone_target(zone_b, pb, "REVENUE", 1000)
    db.session.commit()
    users = {"admin_a": make_user("admin"), "admin_b": make_user("admin", zone_id=zone_b.id),
             "admin_d": make_user("admin", zone_id=zone_d.id),
             "staff_js": make_user("admin", email="staff@js.cn", zone_id=None, region_id=province.id),
             "staff_sz": make_user("manager", email="staff@sz.cn", zone_id=None, region_id=city.id),
             "staff_zj": make_user("admin", email="staff@zj.cn", zone_id=None, region_id=other.id)}
    for name in previous_year_for:
        publish_as(app, users[f"admin_{name}"], Q3_BEFORE)
    publish_as(app, users["admin_a"], Q3)
    # B's company reports after A published: B's published figures are not A's.
    factories.report(theirs, "2026Q3", revenue=3_000_000, rd_expense=600_000, employees=30, rd_staff=15,
                     invention_patents_filed=4)
    db.session.commit()
    publish_as(app, users["admin_b"], Q3)
    publish_as(app, users["admin_d"], Q3)
    db.session.expire_all()
    return {"province": province, "city": city, "other": other, "a": zone_a, "b": zone_b, "c": zone_c,
            "d": zone_d, "pa": pa, "pb": pb, "pd": pd, **users}


@pytest.fixture
def region(app, make_user):
    return build_region(app, make_user)


class IndicatorCells(HTMLParser):
    """The values of ``<td data-value=...>`` cells by (indicator code, value kind), as the page shows them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells: dict[tuple[str, str], str] = {}
        self._row: str | None = None
        self._cell: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "tr":
            self._row = attributes.get("data-indicator")
        elif tag == "td" and self._row and attributes.get("data-value"):
            self._cell = attributes["data-value"]
            self.cells[(self._row, self._cell)] = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None

    def handle_data(self, data):
        if self._row and self._cell:
            self.cells[(self._row, self._cell)] += data.strip()


def indicator_cells(response) -> dict[tuple[str, str], str]:
    reader = IndicatorCells()
    reader.feed(response.get_data(as_text=True))
    return reader.cells
