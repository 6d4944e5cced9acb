"""Alerts: a criterion newly met or lost, companies newly eligible; baseline first, notifications, the CLI."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from incubator.compliance.alerts import alerts_for, refresh
from incubator.compliance.models import ComplianceAlert, ComplianceState
from incubator.extensions import db
from incubator.notifications.models import Notification
from tests import factories

from .conftest import build_incubator
from .test_hightech import company

pytestmark = pytest.mark.usefixtures("rule_sets")


def kinds():
    return sorted((a.kind, a.criterion_code) for a in db.session.scalars(select(ComplianceAlert)))


def test_first_refresh_sets_a_baseline_then_changes_raise_alerts(app, make_user):
    admin = make_user("admin")
    manager = make_user("manager")
    other_manager = make_user("manager")
    platform, companies = build_incubator(tenants=49, with_patent_applications=25, with_valid_ip=15, financed=5)
    platform.managers.append(manager)
    db.session.commit()
    summary = refresh(2025)
    db.session.commit()
    assert summary.alerts == 0 and db.session.scalar(select(ComplianceState.id).limit(1)) is not None

    org = factories.organisation()
    factories.incubation(org, platform, date(2024, 1, 1))
    db.session.commit()
    summary = refresh(2025)
    db.session.commit()
    assert ("criterion_met", "tenants") in kinds()
    assert summary.notified >= 2
    subjects = [n.subject for n in db.session.scalars(select(Notification).where(Notification.user_id == manager.id))]
    assert any("now meets" in s for s in subjects)
    assert not list(db.session.scalars(select(Notification).where(Notification.user_id == other_manager.id)))
    assert [a.kind for a in alerts_for(manager)] and not alerts_for(other_manager)
    assert alerts_for(admin)

    assert refresh(2025).alerts == 0  # nothing changed: nothing new

    db.session.delete(db.session.scalar(select(factories.Incubation).where(factories.Incubation.organisation_id == org.id)))
    db.session.commit()
    refresh(2025)
    db.session.commit()
    assert ("criterion_lost", "tenants") in kinds()


def test_companies_newly_eligible_for_high_tech_and_graduation(app, make_user):
    make_user("admin")
    platform = factories.platform(code="G1", kind="incubator")
    org = company(ip=False, revenue_per_year=4_000_000, rd_total=600_000)  # 8 M over two years: not yet graduating
    factories.incubation(org, platform, date(2024, 1, 1))
    db.session.commit()
    refresh(2026)
    db.session.commit()
    assert kinds() == []  # the baseline
    from .conftest import add_ip
    add_ip(org, status="granted", granted_on=date(2025, 1, 1))
    factories.report(org, "2026Q1", financing=5_000_000, employees=20, rd_staff=2)
    db.session.commit()
    refresh(2026)
    db.session.commit()
    assert [k for k, _ in kinds() if not k.startswith("criterion")] == ["graduation_eligible", "high_tech_eligible"]


def test_cli_refreshes_and_reports(app, runner):
    build_incubator()
    result = runner.invoke(args=["refresh-compliance-alerts", "--year", "2025"])
    assert result.exit_code == 0, result.output
    assert "new alerts 0" in result.output
    assert db.session.scalar(select(ComplianceState.id).limit(1)) is not None


def test_home_page_shows_the_alerts_panel(app, login_as):
    client, admin = login_as("admin")
    platform, _ = build_incubator(graduates=19)
    refresh(2025)
    factories.incubation(factories.organisation(), platform, date(2020, 1, 1), status="graduated",
                         ended_on=date(2024, 1, 1))
    db.session.commit()
    refresh(2025)
    db.session.commit()
    html = client.get("/home").get_data(as_text=True)
    assert 'id="compliance-alerts"' in html and 'data-alert="criterion_met"' in html
