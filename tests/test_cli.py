"""Command-line: create-user reads the password from standard input; seed-demo guards existing data."""
from __future__ import annotations

from sqlalchemy import func, select

from incubator.audit.models import AuditEvent
from incubator.auth.models import User
from incubator.extensions import db

from .conftest import AuthActions


def users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_create_user_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(args=["create-user", "Chen@Zone.cn", "--role", "manager", "--name", "Chen"],
                           input="a-long-enough-password\n")
    assert result.exit_code == 0, result.output
    assert "created manager chen@zone.cn" in result.output
    user = db.session.scalar(select(User).where(User.email == "chen@zone.cn"))
    assert user.role == "manager" and user.name == "Chen"
    assert AuthActions(app.test_client()).login("chen@zone.cn", "a-long-enough-password").status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "create"))
    assert event.source == "cli"


def test_create_user_refuses_a_used_address(runner, make_user):
    make_user("admin", email="taken@zone.cn")
    result = runner.invoke(args=["create-user", "TAKEN@zone.cn", "--role", "manager"], input="a-long-enough-password\n")
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert users() == 1


def test_create_user_refuses_a_weak_password(runner):
    result = runner.invoke(args=["create-user", "new@zone.cn", "--role", "manager"], input="short\n")
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert users() == 0


def test_create_user_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["create-user", "new@zone.cn", "--role", "king"], input="a-long-enough-password\n")
    assert result.exit_code == 2 and "king" in result.output
    assert users() == 0


def test_seed_demo_creates_users_of_every_role_and_prints_passwords_once(app, runner):
    assert runner.invoke(args=["init"]).exit_code == 0  # as `make run` does: init, then seed-demo --if-empty
    result = runner.invoke(args=["seed-demo", "--if-empty", "--scale", "0.3"])  # a third; areas check the full one
    assert result.exit_code == 0, result.output
    assert "Demo accounts" in result.output  # the reference data of init does not make the database "not empty"
    from incubator.organisations.models import Industry

    assert db.session.scalar(select(func.count()).select_from(Industry)) == 9  # the demo reuses init's industries
    assert runner.invoke(args=["init"]).output.strip() == (
        "installed: industries 0, rule sets 0, review criteria 0, graduation criteria versions 0")
    roles = set(db.session.scalars(select(User.role)))
    assert roles == {"admin", "manager", "reviewer", "startup", "partner"}
    for email in ("admin@demo.zone", "manager@demo.zone", "reviewer@demo.zone", "founder@demo.zone",
                  "partner@demo.zone"):
        line = next(line for line in result.output.splitlines() if email in line)
        password = line.split()[-1]
        assert AuthActions(app.test_client()).login(email, password).status_code == 302, email


def test_seed_demo_refuses_a_database_with_data(runner, make_user):
    make_user("admin", email="real@zone.cn")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "--force" in result.output
    assert users() == 1


def test_seed_demo_if_empty_skips_a_database_with_data(runner, make_user):
    make_user("admin", email="real@zone.cn")
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "skipped" in result.output
    assert users() == 1


def test_seed_demo_force_deletes_everything_and_reseeds(app, runner, make_user):
    make_user("admin", email="real@zone.cn")
    result = runner.invoke(args=["seed-demo", "--force", "--scale", "0.3"])
    assert result.exit_code == 0, result.output
    emails = set(db.session.scalars(select(User.email)))
    assert "real@zone.cn" not in emails and "admin@demo.zone" in emails
    again = runner.invoke(args=["seed-demo", "--force", "--scale", "0.3"])
    assert again.exit_code == 0, again.output
    assert users() == len(emails)
    # the audit trail is append-only again after the reseed
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    import pytest

    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_events"))
    db.session.rollback()
