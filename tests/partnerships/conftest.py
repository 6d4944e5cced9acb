"""Fixtures of the partnerships tests: institutions, companies, a platform with its manager, a partner contact."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from incubator import clock
from incubator.extensions import db
from incubator.organisations.credit_code import make as make_credit_code
from incubator.platforms.models import platform_managers

from .. import factories

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today(app):
    """Every test of this area runs on 2026-06-15 (zone time)."""
    clock.freeze(datetime(2026, 6, 15, 2, 0, tzinfo=timezone.utc))
    yield TODAY


_codes = iter(range(1, 10_000))


def institution_code() -> str:
    return make_credit_code(f"12329900{next(_codes):09d}")


@pytest.fixture
def make_institution(app):
    def factory(name: str = "测试大学", kind: str = "university"):
        org = factories.organisation(kind=kind, name=name, code=institution_code())
        db.session.commit()
        return org

    return factory


@pytest.fixture
def university(make_institution):
    return make_institution("南京测试大学", "university")


@pytest.fixture
def other_university(make_institution):
    return make_institution("苏州另一大学", "university")


@pytest.fixture
def company(app):
    org = factories.organisation(kind="startup", name="智造科技有限公司")
    db.session.commit()
    return org


@pytest.fixture
def platform(app):
    item = factories.platform(code="INC01", name="开发区科技孵化器")
    db.session.commit()
    return item


@pytest.fixture
def managed(app, login_as, platform):
    """A manager client of ``platform``, with one company incubating there: (client, user, company)."""
    client, user = login_as("manager")
    db.session.execute(platform_managers.insert().values(platform_id=platform.id, user_id=user.id))
    tenant = factories.organisation(kind="startup", name="在孵企业甲")
    factories.incubation(tenant, platform, date(2025, 3, 1))
    db.session.commit()
    return client, user, tenant


@pytest.fixture
def partner_of(login_as):
    """A partner-contact client bound to an institution: ``partner_of(institution) -> (client, user)``."""

    def factory(institution):
        return login_as("partner", organisation_id=institution.id)

    return factory
