"""Space units, tenancies, experts and talents import with the same engine, in every format."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from incubator.extensions import db
from incubator.importer.engine import get_kind
from incubator.partnerships.models import Talent
from incubator.platforms.models import Expert, SpaceUnit, Tenancy

from .. import factories
from .conftest import FORMATS

COMPANY, UNIVERSITY = factories.credit_code(601), factories.credit_code(602)


@pytest.fixture
def refs(app):
    company = factories.organisation("startup", code=COMPANY)
    university = factories.organisation("university", code=UNIVERSITY)
    platform = factories.platform(code="P001")
    for code in ("A-101", "A-102"):
        db.session.add(SpaceUnit(platform_id=platform.id, code=code, kind="office", area_m2=Decimal(20)))
    db.session.commit()
    return {"company": company, "university": university, "platform": platform}


def headers(kind: str, chinese: bool) -> list[str]:
    return [column.zh if chinese else column.key for column in get_kind(kind).columns]


CASES = {
    "space_units": [["P001", "B-201", "201 办公室", "office", "tenant", 45.5, 0.18, "2F", "是"],
                    ["P001", "B-202", None, "desk", "public_service", "12", None, None, "no"]],
    "tenancies": [[COMPANY, "P001", date(2025, 3, 1), date(2027, 2, 28), "A-101、A-102", 0.36, "ZL-1"],
                  [COMPANY, "P001", date(2024, 1, 1), "2024-12-31", None, None, None]],
    "experts": [["王建国", "示范大学", "academician", "CAE", "教授", "新能源材料", None, "wang@example.cn"],
                ["李华", None, "mentor", None, None, None, None, None]],
    "talents": [["李明团队", "team", date(2025, 7, 1), 6, "集成电路", COMPANY, None, UNIVERSITY],
                ["张博士", "doctoral", "2025-08-01", None, None, None, "P001", None]],
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", list(CASES))
def test_each_extra_kind_imports_from_each_format_and_reimport_changes_nothing(refs, run_import, sheet, kind, fmt):
    path = sheet([headers(kind, fmt in ("xlsx", "csv-gb18030")), *CASES[kind]], fmt=fmt, name=kind)
    first = run_import(kind, path)
    assert first.problems == []
    assert first.summary == "created 2, updated 0, unchanged 0, rejected 0"
    again = run_import(kind, path)
    assert again.summary == "created 0, updated 0, unchanged 2, rejected 0"


def test_space_unit_values(refs, run_import, sheet):
    run_import("space_units", sheet([headers("space_units", False), *CASES["space_units"]]))
    unit = db.session.scalar(select(SpaceUnit).where(SpaceUnit.code == "B-201"))
    assert (unit.area_m2, unit.monthly_rent, unit.bookable, unit.name) == (Decimal("45.5"), 1800, True, "201 办公室")


def test_tenancy_units_are_linked_and_relinked_on_update(refs, run_import, sheet):
    header = headers("tenancies", False)
    run_import("tenancies", sheet([header, CASES["tenancies"][0]], name="first"))
    tenancy = db.session.scalar(select(Tenancy))
    assert sorted(unit.code for unit in tenancy.units) == ["A-101", "A-102"]
    changed = [*CASES["tenancies"][0][:4], "A-102", 0.36, "ZL-1"]
    result = run_import("tenancies", sheet([header, changed], name="second"))
    assert result.summary == "created 0, updated 1, unchanged 0, rejected 0"
    db.session.expire_all()
    assert [unit.code for unit in db.session.get(Tenancy, tenancy.id).units] == ["A-102"]


@pytest.mark.parametrize("kind, row, line", [
    ("tenancies", [COMPANY, "P001", "2025-01-01", "", "A-101, Z-9", "", ""],
     "row 2, column unit_codes: The platform has no unit Z-9: import the space units first."),
    ("tenancies", [UNIVERSITY, "P001", "2025-01-01", "", "", "", ""],
     "row 2, column credit_code: The tenant must be a startup or enterprise."),
    ("space_units", ["P001", "C-1", "", "cave", "", "10", "", "", ""],
     "row 2, column kind: “cave” is not one of the accepted values: Room (room), Office (office), Desk (desk), "
     "Workshop bay (workshop_bay), Lab bench (lab_bench)."),
    ("space_units", ["P001", "C-1", "", "room", "", "10", "", "", "maybe"],
     "row 2, column bookable: Use yes or no (是 or 否)."),
    ("experts", ["王", "", "academician", "", "", "", "", ""],
     "row 2, column academy: An academician belongs to CAS or CAE."),
    ("experts", ["王", "", "mentor", "CAS", "", "", "", ""],
     "row 2, column academy: Only academicians belong to an academy."),
    ("talents", ["李", "team", "2025-01-01", "", "", "", "", ""],
     "row 2, column company_credit_code: Give the company or the platform the talent joined."),
    ("talents", ["李", "team", "2025-01-01", "", "", COMPANY, "P001", ""],
     "row 2, column platform_code: Give a company or a platform, not both."),
    ("talents", ["李", "team", "2025-01-01", "0", "", COMPANY, "", ""],
     "row 2, column members: A team has at least one member."),
])
def test_extra_kind_rules(refs, run_import, sheet, kind, row, line):
    result = run_import(kind, sheet([headers(kind, False), row], fmt="csv-utf8"))
    assert result.problems == [line]
    assert result.exit_code == 1


def test_extra_kinds_store_their_records(refs, run_import, sheet):
    for kind in ("experts", "talents"):
        assert run_import(kind, sheet([headers(kind, True), *CASES[kind]], name=kind)).exit_code == 0
    expert = db.session.scalar(select(Expert).where(Expert.name == "王建国"))
    assert (expert.name_sort, expert.academy, expert.affiliation) == ("wang jian guo", "CAE", "示范大学")
    team = db.session.scalar(select(Talent).where(Talent.name == "李明团队"))
    assert (team.members, team.company_id, team.institution_id, team.joined_on) == \
        (6, refs["company"].id, refs["university"].id, date(2025, 7, 1))
    assert db.session.scalar(select(func.count()).select_from(Talent).where(Talent.platform_id.is_not(None))) == 1


def test_coded_columns_of_the_extra_kinds_read_the_labels_in_either_language(refs, run_import, sheet):
    """A zone's own spreadsheet writes 办公室, 公共服务空间, 院士, 中国工程院, 团队: the same as the codes."""
    from incubator.partnerships.models import Talent
    from incubator.platforms.models import Expert

    run_import("space_units", sheet([headers("space_units", True),
                                     ["P001", "B-301", None, "办公室", "公共服务空间", "20", None, None, "否"],
                                     ["P001", "B-302", None, " Lab bench ", "Tenant space", "8", None, None, ""]],
                                    fmt="csv-gb18030", name="units"))
    run_import("experts", sheet([headers("experts", True), ["赵院士", None, "院士", "中国工程院", *[None] * 4],
                                 ["钱导师", None, "Startup mentor", None, *[None] * 4]], name="experts"))
    result = run_import("talents", sheet([headers("talents", True), ["孙团队", "团队", "2025年7月1日", 3, None,
                                                                     COMPANY, None, None]], name="talents"))
    assert result.summary == "created 1, updated 0, unchanged 0, rejected 0"
    db.session.expire_all()
    assert db.session.execute(select(SpaceUnit.code, SpaceUnit.kind, SpaceUnit.purpose)
                              .where(SpaceUnit.code.like("B-%")).order_by(SpaceUnit.code)).all() == [("B-301", "office", "public_service"),
                                                                    ("B-302", "lab_bench", "tenant")]
    assert db.session.execute(select(Expert.name, Expert.kind, Expert.academy).order_by(Expert.kind)).all() == [
        ("赵院士", "academician", "CAE"), ("钱导师", "mentor", None)]
    assert db.session.scalar(select(Talent.category)) == "team"
