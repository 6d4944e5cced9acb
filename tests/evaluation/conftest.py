"""A small zone whose every evaluation figure for 2026Q3 was worked out by hand (see test_csv_export.py).

Money is given in 万元 and stored in yuan. Companies C1..C9 have credit codes in that order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import pytest

from incubator import clock
from incubator.extensions import db
from incubator.outcomes.models import IndicatorWeight, Target
from tests import factories


def wan(amount) -> int:
    return int(Decimal(str(amount)) * 10_000)


@dataclass
class HandZone:
    platforms: dict = field(default_factory=dict)
    companies: dict = field(default_factory=dict)
    codes: dict = field(default_factory=dict)
    university: object = None


def report(company, period, status="verified", revenue=0, rd=0, employees=0, rd_staff=0, **figures):
    money = {key: wan(figures.pop(key)) for key in ("tech_contract_value", "financing", "tax_paid") if key in figures}
    return factories.report(company, period, status=status, revenue=wan(revenue), rd_expense=wan(rd),
                            employees=employees, rd_staff=rd_staff, **money, **figures)


def build_hand_zone() -> HandZone:
    zone = HandZone()
    inc = factories.platform("INC01", kind="incubator", level="national", name="创业孵化器")
    lab = factories.platform("LAB03", kind="key_lab", level="provincial", name="@重点实验室")
    mks = factories.platform("MKS02", kind="maker_space", level="municipal", name="众创空间")
    zone.platforms = {"INC01": inc, "LAB03": lab, "MKS02": mks}
    names = {1: "甲科技有限公司", 2: '乙, "智能" 公司', 3: "丙材料", 4: "丁生物", 5: "+戊数据", 6: "己能源",
             7: "-庚信息", 8: "辛电子", 9: "壬"}
    for n, name in names.items():
        company = factories.organisation(name=name, code=factories.credit_code(900 + n))
        zone.companies[n] = company
        zone.codes[n] = company.credit_code
    zone.university = factories.organisation(kind="university", name="某大学", code=factories.credit_code(899))
    c = zone.companies

    # Incubations
    factories.incubation(c[1], inc, date(2025, 1, 10))
    factories.incubation(c[2], inc, date(2025, 6, 1), status="exited", ended_on=date(2026, 4, 15))
    factories.incubation(c[2], mks, date(2026, 4, 16))
    factories.incubation(c[3], inc, date(2024, 3, 1), status="graduated", ended_on=date(2026, 9, 30))
    factories.incubation(c[3], lab, date(2026, 9, 30))
    factories.incubation(c[4], mks, date(2026, 7, 1))
    factories.incubation(c[4], inc, date(2026, 7, 1))
    factories.incubation(c[6], mks, date(2026, 5, 1))
    factories.incubation(c[7], inc, date(2025, 1, 1))
    factories.incubation(c[9], mks, date(2025, 2, 1), status="graduated", ended_on=date(2026, 2, 15))

    # Quarterly reports (verified unless said otherwise)
    report(c[1], "2025Q3", revenue=150, rd=15, employees=8, rd_staff=2)
    report(c[1], "2026Q1", revenue=100, rd=10, employees=10, rd_staff=2, invention_patents_filed=1)
    report(c[1], "2026Q2", revenue=200, rd=30, employees=12, rd_staff=3)
    report(c[1], "2026Q3", revenue=300, rd=33, employees=15, rd_staff=4, invention_patents_granted=1,
           other_ip_granted=2, tech_contract_value=5, financing=50, tax_paid="12.3456", graduates_hired=2)
    report(c[2], "2026Q1", revenue=60, rd=6, employees=5, rd_staff=1)
    report(c[2], "2026Q2", revenue=40, rd=4, employees=6, rd_staff=1)
    report(c[2], "2026Q3", revenue=0, rd=7, employees=6, rd_staff=2, invention_patents_filed=2)
    report(c[3], "2026Q3", revenue=20, rd=0, employees=3, rd_staff=0)
    report(c[4], "2026Q3", revenue=40, employees=4, rd_staff=1)
    report(c[5], "2026Q3", revenue=10)
    report(c[6], "2026Q3", status="submitted", revenue=999, employees=9)
    report(c[7], "2025Q3", revenue=50, rd=5, employees=26, rd_staff=3)
    report(c[7], "2026Q1", revenue=30, rd=3, employees=2, rd_staff=1)
    report(c[8], "2026Q3", status="returned", revenue=5)

    # Tech-transfer deals
    u = zone.university
    factories.deal(u, c[1], date(2026, 8, 15), wan(80), reference="TT-2026-003", title='=HYPERLINK("http://evil")')
    factories.deal(u, c[2], date(2026, 3, 20), wan(20), reference="TT-2026-001", title="专利许可")
    factories.deal(u, c[2], date(2026, 5, 10), wan("12.5"), reference="TT-2026-002", title="专利转让",
                   kind="patent_assignment")
    factories.deal(u, c[1], date(2025, 8, 1), wan(30), reference="TT-2025-001", title="去年的成果")
    factories.deal(u, c[5], date(2026, 8, 15), 1, reference="TT-2026-000", title="一元成果")

    # Partnerships and training cohorts
    factories.partnership(u, kind="joint_lab", starts_on=date(2025, 1, 1), platform_id=mks.id, reference="AG-1")
    a2 = factories.partnership(u, kind="talent_training", starts_on=date(2026, 1, 1), ends_on=date(2026, 9, 30),
                               company_id=c[1].id, reference="AG-2")
    a3 = factories.partnership(u, kind="talent_training", starts_on=date(2026, 6, 1), ends_on=date(2026, 9, 29),
                               reference="AG-3")
    a4 = factories.partnership(u, kind="talent_training", starts_on=date(2025, 1, 1), company_id=c[2].id,
                               reference="AG-4")
    factories.cohort(a2, 2026, 10, 8, 5, completed_on=date(2026, 7, 10))
    factories.cohort(a2, 2025, 10, 6, 3, completed_on=date(2026, 2, 1))
    factories.cohort(a3, 2026, 10, 5, 4, completed_on=date(2026, 9, 1))
    factories.cohort(a4, 2025, 10, 5, 2, completed_on=date(2025, 7, 20))

    # Targets (approved count; proposals do not) and weights of 2026
    def target(scope, code, value, status="approved", platform=None, proposed=None):
        db.session.add(Target(year=2026, scope=scope, platform_id=getattr(platform, "id", None), indicator=code,
                              value_scaled=wan(value), status=status,
                              proposed_value_scaled=None if proposed is None else wan(proposed)))

    target("ZONE", "REVENUE", 1000)
    target("ZONE", "RD_INTENSITY", 10)
    target("ZONE", "EMPLOYEES", 50)
    target("ZONE", "RD_STAFF", 7)
    target("ZONE", "STARTUPS_ADMITTED", 8)
    target("ZONE", "TECH_TRANSFER_VALUE", 100)
    target("ZONE", "ACTIVE_PARTNERSHIPS", 3)
    target("ZONE", "TALENTS_HIRED", 0)
    target("ZONE", "FINANCING", 100, status="proposed", proposed=100)
    target("INC01", "REVENUE", 800, platform=inc)
    target("INC01", "STARTUPS_INCUBATING", 5, platform=inc)
    target("MKS02", "REVENUE", 100, platform=mks, proposed=50)
    target("MKS02", "RD_INTENSITY", 20, platform=mks)
    target("MKS02", "EMPLOYEES", 10, status="proposed", platform=mks, proposed=10)
    db.session.add(Target(year=2025, scope="ZONE", indicator="REVENUE", value_scaled=wan(1), status="approved"))
    db.session.add(IndicatorWeight(year=2026, indicator="REVENUE", weight_scaled=wan(2)))
    db.session.add(IndicatorWeight(year=2026, indicator="EMPLOYEES", weight_scaled=wan("0.5")))
    db.session.add(IndicatorWeight(year=2025, indicator="REVENUE", weight_scaled=wan(9)))
    db.session.commit()
    return zone


@pytest.fixture
def hand_zone(app):
    clock.freeze(datetime(2026, 10, 10, 9, 0, 0))
    return build_hand_zone()
