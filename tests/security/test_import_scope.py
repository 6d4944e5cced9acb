"""Import obeys the web's rules (issue 15, the class of bug): for every import kind, a file whose rows name
records a platform manager could not open or change in the browser is refused for that manager, and the same
file loads for an administrator.

The kinds a manager may import (incubations, reports) refuse such rows one by one, with a row error; the other
kinds are refused to managers as a whole, as the upload page does not offer them. Starts from the empty migrated
database: the world is built by the test.
"""
from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select

import pytest

from incubator.extensions import db
from incubator.importer import services as imports
from incubator.importer.engine import kinds
from tests import factories
from tests.security.scope_world import world  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("zone_industries")

REPORT = "credit_code,period,revenue,rd_expense,employees"


def foreign_rows(w, institute, agreement_b) -> dict[str, list[str]]:
    """For each kind: a header and rows naming only what manager A may not change (or not even see)."""
    elsewhere, former, free = w["elsewhere"].credit_code, w["former"].credit_code, w["free"].credit_code
    return {
        "organizations": ["credit_code,name,kind", f"{elsewhere},改名公司,startup"],
        "platforms": ["code,name,kind,level", "PB,改名平台,incubator,provincial"],
        # A company incubated on B, on A's own platform; a free company on B's platform.
        "incubations": ["credit_code,platform_code,admitted_on", f"{elsewhere},PA,2026-08-01",
                        f"{free},PB,2026-08-01"],
        # B's company; A's former incubatee in B's quarter, and in A's own quarter (readable, not changeable).
        "reports": [REPORT, f"{elsewhere},2026Q1,1,0,1", f"{former},2026Q1,1,0,1", f"{former},2025Q1,1,0,1"],
        "targets": ["year,scope,indicator,target", "2026,PB,REVENUE,100"],
        "tech_transfers": ["reference,date,title,kind,source_credit_code,recipient_credit_code,value",
                           f"TT-SCOPE,2026-05-01,视觉算法,licence,{institute.credit_code},{elsewhere},10"],
        "partnerships": ["reference,partner_credit_code,kind,title,starts_on,company_credit_code",
                         f"AG-SCOPE,{institute.credit_code},joint_rd,联合研发,2026-01-01,{elsewhere}"],
        "training": ["partnership_reference,cohort_year,enrolled", f"{agreement_b.reference},2025,10"],
        "space_units": ["platform_code,unit_code,kind,area_m2", "PB,B-101,office,45"],
        "tenancies": ["credit_code,platform_code,starts_on", f"{elsewhere},PB,2026-08-01",
                      f"{free},PA,2026-08-01"],
        # Anyone but an admin: experts are the zone's shared register, managed by the zone office.
        "experts": ["name,affiliation,kind", "王建国,示范大学,mentor"],
        "talents": ["name,category,joined_on,company_credit_code", f"李明团队,team,2026-07-01,{elsewhere}"],
    }


def digest() -> str:
    """A digest of every table's rows but the audit trail's and the sessions' (what an import may change)."""
    parts = []
    for table in db.metadata.sorted_tables:
        if table.name in ("audit_events", "user_sessions", "login_throttles", "alembic_version"):
            continue
        rows = db.session.execute(select(table).order_by(*(table.primary_key.columns or table.columns))).all()
        parts.append(f"{table.name}:{rows!r}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def test_every_kind_refuses_to_a_manager_what_the_web_refuses_and_loads_for_an_admin(world, make_user, tmp_path):
    institute = factories.organisation("institute", name="某大学研究院")
    agreement_b = factories.partnership(institute, kind="talent_training", platform_id=world["b"].id,
                                        starts_on=date(2024, 1, 1))
    db.session.commit()
    admin = make_user("admin")
    files = foreign_rows(world, institute, agreement_b)
    assert set(files) == {kind.name for kind in kinds()}, "a new import kind needs its foreign rows here"
    for kind in kinds():
        lines = files[kind.name]
        path = tmp_path / f"{kind.name}.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        before = digest()
        result = imports.import_file(kind.name, path, user=world["manager_a"], partial=True)
        db.session.commit()
        assert digest() == before, f"{kind.name}: a manager's foreign rows changed data"
        if kind.managers_may_import:
            refused_rows = sorted({problem.row for problem in result.problems})
            assert refused_rows == list(range(2, len(lines) + 1)), (kind.name, [p.line() for p in result.problems])
            assert result.rejected == len(lines) - 1 and not result.unusable
        else:
            assert result.unusable and [p.row for p in result.problems] == [1], kind.name
        result = imports.import_file(kind.name, path, user=admin)
        db.session.commit()
        assert (result.rejected, result.unusable) == (0, False), (kind.name, [p.line() for p in result.problems])
        assert result.created + result.updated == len(lines) - 1, kind.name
