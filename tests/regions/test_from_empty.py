"""From an empty migrated database (no demo seed, no reference data from a fixture): the command line makes a
province and two zones, each zone's administrator publishes the quarter on the evaluation page, and the
province's staff see the sum of the two published versions."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from incubator import clock
from incubator.auth.models import User
from incubator.evaluation.models import EvaluationSnapshot
from incubator.evaluation.services import ScopeResult
from incubator.extensions import db
from incubator.platforms.models import Platform
from incubator.zones.models import Zone
from tests import factories
from tests.conftest import AuthActions

from .conftest import indicator_cells

PASSWORD = "a-long-enough-password\n"


def test_from_empty_two_zones_publish_and_the_region_user_sees_the_sum(app, runner):
    assert db.session.scalar(select(func.count()).select_from(Platform)) == 0
    for args in (["init"],
                 ["create-region", "JS", "--level", "province", "--name-zh", "江苏省", "--name-en", "Jiangsu"],
                 ["create-zone", "N1", "--name-zh", "一区", "--name-en", "Zone One", "--region", "JS"],
                 ["create-zone", "N2", "--name-zh", "二区", "--name-en", "Zone Two", "--region", "JS"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    for args in (["create-user", "admin@n1.cn", "--role", "admin", "--zone", "N1"],
                 ["create-user", "admin@n2.cn", "--role", "admin", "--zone", "N2"],
                 ["create-user", "staff@js.cn", "--role", "admin", "--region", "JS"]):
        result = runner.invoke(args=args, input=PASSWORD)
        assert result.exit_code == 0, (args, result.output)
    zones = {zone.code: zone for zone in db.session.scalars(select(Zone).order_by(Zone.code))}

    clock.freeze(datetime(2026, 10, 10, 9, 0, 0))
    companies = {}
    for code, revenue in (("N1", 1_000_000), ("N2", 3_000_000)):
        platform = factories.platform(code=f"P{code}", zone_id=zones[code].id)
        companies[code] = (factories.organisation(name=f"{code}公司"), revenue)
        factories.incubation(companies[code][0], platform, date(2026, 1, 5))
    db.session.commit()
    for code in ("N1", "N2"):
        company, revenue = companies[code]
        factories.report(company, "2026Q3", revenue=revenue, rd_expense=revenue // 10, employees=10, rd_staff=3)
        db.session.commit()
        admin = app.test_client()
        AuthActions(admin).login(f"admin@{code.lower()}.cn", PASSWORD.strip())
        assert admin.post("/evaluation/2026Q3/publish", data={"note": ""}).status_code == 302

    snapshots = list(db.session.scalars(select(EvaluationSnapshot).order_by(EvaluationSnapshot.zone_id)))
    assert [snapshot.zone_id for snapshot in snapshots] == [zones["N1"].id, zones["N2"].id]
    published_revenue = sum(ScopeResult.from_json(s.summary["zone"]).result("REVENUE").ytd_value for s in snapshots)
    published_staff = sum(ScopeResult.from_json(s.summary["zone"]).result("EMPLOYEES").ytd_value for s in snapshots)

    staff = app.test_client()
    AuthActions(staff).login("staff@js.cn", PASSWORD.strip())
    db.session.scalar(select(User).where(User.email == "staff@js.cn")).locale = "en"
    db.session.commit()
    response = staff.get("/region/2026Q3")
    assert response.status_code == 200
    cells = indicator_cells(response)
    assert cells[("REVENUE", "ytd")] == f"{published_revenue:,.2f}"
    assert cells[("EMPLOYEES", "ytd")] == f"{published_staff:,}"
