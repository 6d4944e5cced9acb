"""A small hand-built zone for the compliance tests: an incubator exactly at the national thresholds."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from incubator import clock
from incubator.compliance.services import install_default_rule_sets, save_facts
from incubator.extensions import db
from incubator.organisations.models import IntellectualProperty
from tests import factories
from tests.locale import english_messages

JUDGED_YEAR = 2025  # judged at 31 December 2025; the clock stands in 2026


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.freeze(datetime(2026, 6, 30, 10, 0))
    yield


english = pytest.fixture(autouse=True, name="english")(english_messages)


@pytest.fixture
def rule_sets(app):
    install_default_rule_sets()
    db.session.commit()


def add_ip(org, kind="invention_patent", status="filed", filed_on=date(2025, 3, 1), granted_on=None, expires_on=None):
    db.session.add(IntellectualProperty(organisation_id=org.id, kind=kind, number=f"ZL{org.id}{kind[:2]}{status}",
                                        title="一种装置", status=status, filed_on=filed_on, granted_on=granted_on,
                                        expires_on=expires_on))


def build_incubator(tenants=50, graduates=20, area=Decimal("10000"), operating_since=date(2022, 12, 31),
                    with_patent_applications=25, with_valid_ip=15, financed=5, service_staff=5, mentors=5,
                    tenant_area=Decimal("7000"), public_area=Decimal("500"), code="INC1", kind="incubator"):
    """An incubator whose every national criterion sits exactly at its threshold with the defaults."""
    platform = factories.platform(code=code, kind=kind, level="provincial", operating_since=operating_since,
                                  area_m2=area, stations=40)
    companies = []
    for n in range(tenants):
        org = factories.organisation(name=f"{code}在孵{n}", founded_on=date(2023, 1, 1))
        factories.incubation(org, platform, date(2024, 1, 1))
        companies.append(org)
    for n in range(graduates):
        org = factories.organisation(name=f"{code}毕业{n}")
        factories.incubation(org, platform, date(2020, 1, 1), status="graduated", ended_on=date(2024, 6, 30))
    for org in companies[:with_patent_applications]:
        add_ip(org)
    for org in companies[:with_valid_ip]:
        add_ip(org, kind="software_copyright", status="granted", filed_on=date(2023, 1, 1), granted_on=date(2024, 1, 1))
    for org in companies[:financed]:
        factories.report(org, "2025Q2", financing=1_000_000, revenue=2_000_000, employees=10, rd_staff=2)
    save_facts(platform, JUDGED_YEAR, {"service_staff": service_staff, "mentors": mentors, "area_tenant_m2": tenant_area,
                                       "area_public_service_m2": public_area})
    db.session.commit()
    return platform, companies
