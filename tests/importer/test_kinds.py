"""Each of the eight kinds imports from xlsx and from CSV in UTF-8, UTF-8 with BOM and GB18030, stores
exactly what the file says, and a second import of the same file changes nothing."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.importer.engine import get_kind
from incubator.organisations.models import Industry, Organisation
from incubator.outcomes.models import Target
from incubator.partnerships.models import Partnership, TechTransferDeal, TrainingCohort
from incubator.platforms.models import Platform
from incubator.startups.models import Incubation, QuarterlyReport

from .. import factories
from .conftest import FORMATS


def headers(kind: str, chinese: bool) -> list[str]:
    columns = get_kind(kind).columns
    return [column.zh if chinese else column.key for column in columns]


def base():
    company = factories.organisation("startup", code=factories.credit_code(101))
    university = factories.organisation("university", code=factories.credit_code(102))
    host = factories.organisation("enterprise", code=factories.credit_code(103))
    platform = factories.platform(code="P001")
    industry = db.session.scalar(select(Industry).where(Industry.code == "artificial_intelligence"))  # from init
    talent = factories.partnership(university, kind="talent_training", reference="AG-T1")
    db.session.commit()
    return {"company": company, "university": university, "host": host, "platform": platform,
            "industry": industry, "talent": talent}


C1, C2, C3 = factories.credit_code(101), factories.credit_code(102), factories.credit_code(103)
NEW1, NEW2 = factories.credit_code(201), factories.credit_code(202)

CASES = {
    "organizations": (
        [[NEW1, "苏州智算科技有限公司", "startup", "人工智能", date(2024, 5, 20)],
         [NEW2.lower(), "示范大学", "university", "artificial_intelligence", None]],
        lambda refs: (
            db.session.scalar(select(Organisation).where(Organisation.credit_code == NEW1)).name_sort
            == "su zhou zhi suan ke ji you xian gong si"
            and db.session.scalar(select(Organisation).where(Organisation.credit_code == NEW2)).kind == "university"
            and db.session.scalar(select(Organisation).where(Organisation.credit_code == NEW1)).industry_id
            == refs["industry"].id
        ),
    ),
    "platforms": (
        [["P100", "示范众创空间", "maker_space", "national", C3, date(2023, 6, 30), date(2026, 6, 29), 1200.5, 80],
         ["P101", "重点实验室", "key_lab", "county", None, None, None, None, None]],
        lambda refs: (
            db.session.scalar(select(Platform).where(Platform.code == "P100")).area_m2 == Decimal("1200.5")
            and db.session.scalar(select(Platform).where(Platform.code == "P100")).host_id == refs["host"].id
            and db.session.scalar(select(Platform).where(Platform.code == "P101")).stations == 0
        ),
    ),
    "incubations": (
        [[C1, "P001", date(2025, 3, 1), "incubating", None],
         [C1, "P001", date(2023, 3, 1), "graduated", date(2024, 12, 31)]],
        lambda refs: db.session.scalar(select(Incubation).where(Incubation.admitted_on == date(2023, 3, 1))).ended_on
        == date(2024, 12, 31),
    ),
    "reports": (
        [[C1, "2026Q3", "1,234.5", 120, 35, 12, 2, 1, 3, 50, 0, 36.25, 4],
         [C1, "2026年第2季度", 81.09999999999999, "１２０", 30, None, None, None, None, None, None, None, None]],
        lambda refs: (
            db.session.scalar(select(QuarterlyReport).where(QuarterlyReport.period == "2026Q3")).revenue == 12_345_000
            and db.session.scalar(select(QuarterlyReport).where(QuarterlyReport.period == "2026Q3")).tax_paid == 362_500
            and db.session.scalar(select(QuarterlyReport).where(QuarterlyReport.period == "2026Q2")).revenue == 811_000
            and db.session.scalar(select(QuarterlyReport).where(QuarterlyReport.period == "2026Q2")).rd_expense
            == 1_200_000
            and db.session.scalar(select(QuarterlyReport).where(QuarterlyReport.period == "2026Q2")).status == "verified"
        ),
    ),
    "targets": (
        [[2026, "ZONE", "REVENUE", "50,000.5"], [2026, "P001", "STARTUPS_ADMITTED", 12]],
        lambda refs: (
            db.session.scalar(select(Target).where(Target.indicator == "REVENUE")).value_scaled == 500_005_000
            and db.session.scalar(select(Target).where(Target.scope == "P001")).platform_id == refs["platform"].id
        ),
    ),
    "tech_transfers": (
        [["TT-1", date(2026, 2, 15), "电池隔膜制备方法", "licence", C2, C1, 80],
         ["TT-2", "2026-03-01", "专利转让", "patent_assignment", C2, C1, None]],
        lambda refs: db.session.scalar(select(TechTransferDeal).where(TechTransferDeal.reference == "TT-1")).value
        == 800_000,
    ),
    "partnerships": (
        [["AG-1", C2, "joint_lab", "联合实验室", date(2025, 9, 1), date(2028, 8, 31), C1, None, 30],
         ["AG-2", C2, "joint_rd", "联合研发", date(2025, 1, 1), None, None, "P001", None]],
        lambda refs: (
            db.session.scalar(select(Partnership).where(Partnership.reference == "AG-1")).company_id
            == refs["company"].id
            and db.session.scalar(select(Partnership).where(Partnership.reference == "AG-2")).platform_id
            == refs["platform"].id
        ),
    ),
    "training": (
        [["AG-T1", 2025, 40, 36, 20, date(2026, 6, 30)], ["AG-T1", 2026, 30, None, None, None]],
        lambda refs: db.session.scalar(select(TrainingCohort).where(TrainingCohort.cohort_year == 2025)).hired_in_zone
        == 20,
    ),
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", list(CASES))
def test_each_kind_imports_from_each_format_and_reimport_changes_nothing(app, run_import, sheet, kind, fmt):
    refs = base()
    rows, check = CASES[kind]
    # xlsx and GB18030 files use the Chinese headers, the UTF-8 ones the keys.
    chinese = fmt in ("xlsx", "csv-gb18030")
    path = sheet([headers(kind, chinese), *rows], fmt=fmt, name=kind)

    first = run_import(kind, path)
    assert first.problems == []
    assert first.summary == "created 2, updated 0, unchanged 0, rejected 0"
    assert first.exit_code == 0
    db.session.expire_all()
    assert check(refs)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.source == "import")).all()
    assert sorted(event.source_detail for event in events) == [f"{path.name} row 2", f"{path.name} row 3"]

    again = run_import(kind, path)
    assert again.summary == "created 0, updated 0, unchanged 2, rejected 0"
    assert again.exit_code == 0
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.source == "import")) == 2
