"""Command line (recognition alerts, create-user --platform) and the demo zone of this area."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from incubator.auth.models import User
from incubator.extensions import db
from incubator.notifications.models import Notification
from incubator.organisations import credit_code
from incubator.platforms import services
from incubator.platforms.models import PLATFORM_KINDS, PLATFORM_LEVELS, Residency

from .. import factories


def notifications_of(user) -> list[str]:
    return list(db.session.scalars(select(Notification.subject).where(Notification.user_id == user.id)))


def test_recognition_alerts_reach_admins_and_the_platforms_managers_once(runner, make_user, today):
    admin = make_user("admin")
    manager = make_user("manager")
    bystander = make_user("manager")
    platform = factories.platform(code="SOON", name="将到期孵化器", expires_on=today + timedelta(days=45))
    factories.platform(code="FAR", name="远期平台", expires_on=today + timedelta(days=120))
    services.set_managers(platform, [manager])
    db.session.commit()
    result = runner.invoke(args=["send-recognition-alerts"])
    assert result.exit_code == 0 and "recognition alerts sent: 1" in result.output
    assert any("将到期孵化器" in subject for subject in notifications_of(admin))
    assert any("将到期孵化器" in subject for subject in notifications_of(manager))
    assert notifications_of(bystander) == []
    again = runner.invoke(args=["send-recognition-alerts"])
    assert "recognition alerts sent: 0" in again.output
    assert len(notifications_of(admin)) == 1
    # A renewal with a new expiry that again falls within 90 days alerts again.
    platform.expires_on = today + timedelta(days=80)
    db.session.commit()
    assert "recognition alerts sent: 1" in runner.invoke(args=["send-recognition-alerts"]).output
    assert len(notifications_of(admin)) == 2


def test_create_user_binds_a_manager_to_platforms_by_code(runner, today):
    factories.platform(code="FH-001")
    factories.platform(code="ZC-002")
    db.session.commit()
    result = runner.invoke(args=["create-user", "li@example.cn", "--role", "manager", "--platform", "fh-001",
                                 "--platform", "ZC-002"], input="a-long-password-123\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "li@example.cn"))
    assert sorted(p.code for p in user.managed_platforms) == ["FH-001", "ZC-002"]


def test_create_user_with_an_unknown_platform_creates_nothing(runner, today):
    result = runner.invoke(args=["create-user", "li@example.cn", "--role", "manager", "--platform", "NOPE"],
                           input="a-long-password-123\n")
    assert result.exit_code != 0 and "NOPE" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_the_demo_zone_has_every_kind_and_level_spaces_tenants_experts_and_managers(app):
    from incubator.auth.seed import seed_users
    from incubator.platforms import seed
    from incubator.seed import SeedContext
    import random

    context = SeedContext(rng=random.Random(2026))
    seed_users(context)
    for step in (seed.seed_organisations, seed.seed_platforms, seed.seed_spaces, seed.seed_experts, seed.seed_alerts):
        step(context)
        db.session.flush()
    db.session.commit()
    platforms = context.made["platforms"]
    assert len(platforms) >= 8
    assert {p.kind for p in platforms.values()} == set(PLATFORM_KINDS)
    assert {p.level for p in platforms.values()} == set(PLATFORM_LEVELS)
    companies = context.made["companies"]
    assert len(companies) >= 28
    assert all(credit_code.is_valid(c.credit_code) for c in companies if c.credit_code)
    assert all(c.kind == "startup" for c in companies)
    users = context.made["users"]
    assert {p.kind for p in users["manager@demo.zone"].managed_platforms} == {"incubator"}
    assert {p.kind for p in users["manager2@demo.zone"].managed_platforms} == {"maker_space"}
    assert services.expiring_platforms()  # some recognitions expire within 90 days
    assert context.made["recognition_alerts"] >= 1
    occupancy = services.occupancy([platforms["FH-001"].id])[platforms["FH-001"].id]
    assert 0 < occupancy.units_let < occupancy.units_total
    residencies = db.session.scalars(select(Residency)).all()
    statuses = services.residency_statuses(residencies)
    assert any(s.falls_short for s in statuses) and any(s.applies and not s.falls_short for s in statuses)
    assert services.expert_flags()  # the academician in two workstations
