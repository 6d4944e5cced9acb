"""The audit trail: events for logins and user changes, append-only in the database, and the admin page."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from incubator import clock
from incubator.audit import services as audit
from incubator.audit.models import AuditEvent
from incubator.extensions import db

from ..conftest import AuthActions


def actions(**where) -> list[str]:
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEvent, key) == value)
    return list(db.session.scalars(query))


@pytest.fixture
def config_overrides():
    return {"LOGIN_MAX_FAILURES": 2}


def test_logins_failures_lockout_and_logout_are_audited(app, make_user):
    user = make_user("manager", email="li@example.cn")
    client = app.test_client()
    auth = AuthActions(client)
    auth.login(user)
    auth.logout()
    auth.login(user, "wrong-password")
    auth.login(user, "wrong-password")
    auth.login(user)
    assert actions(entity_type="users", entity_id=str(user.id))[1:] == [
        "login_success", "logout", "login_failure", "login_failure", "login_lockout", "login_locked"]
    success = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login_success"))
    assert success.actor_id == user.id and success.source == "web" and success.ip == "127.0.0.1"
    failure = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login_failure"))
    assert failure.after == {"email": "li@example.cn", "failures": 1}


def test_failures_for_unknown_addresses_are_audited_without_a_user(app, client):
    AuthActions(client).login("ghost@example.cn", "wrong-password")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "login_failure"))
    assert event.entity_id is None and event.after["email"] == "ghost@example.cn"


def test_user_changes_are_audited_with_before_and_after(app, login_as, make_user):
    client, admin = login_as("admin")
    user = make_user("reviewer", name="Before")
    client.post(f"/admin/users/{user.id}", data={"name": "After", "role": "reviewer", "locale": "en"})
    client.post(f"/admin/users/{user.id}/enabled")
    client.post(f"/admin/users/{user.id}/password", data={"password": "a-long-new-password"})
    client.post(f"/admin/users/{user.id}/sessions/end")
    events = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_id == str(user.id), AuditEvent.actor_id == admin.id).order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["update", "disable", "password_change", "sessions_ended"]
    assert events[0].before == {"name": "Before"} and events[0].after == {"name": "After"}
    assert events[1].before == {"is_enabled": True} and events[1].after == {"is_enabled": False}
    assert events[2].reason == "set by an administrator"
    assert all("password_hash" not in (e.after or {}) for e in events)


def test_record_keeps_source_reason_and_exact_values(app, make_user):
    from decimal import Decimal

    user = make_user("manager")
    clock.freeze(datetime(2026, 8, 1, 12, 0))
    event = audit.record("update", user, before={"amount": Decimal("1.2300")}, after={"amount": Decimal("4.5")},
                         reason="corrected", source="import", source_detail="reports.xlsx row 17")
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(AuditEvent, event.id)
    assert stored.before == {"amount": "1.2300"} and stored.after == {"amount": "4.5"}
    assert stored.source == "import" and stored.source_detail == "reports.xlsx row 17"
    assert stored.reason == "corrected" and stored.occurred_at.isoformat() == "2026-08-01T04:00:00+00:00"
    assert stored.entity_type == "users" and stored.entity_id == str(user.id)


def test_record_many_writes_a_batch_in_one_statement(app, make_user, count_queries):
    user = make_user("manager")
    items = [{"action": "import", "entity_type": "reports", "entity_id": n, "after": {"row": n},
              "source_detail": f"file.xlsx row {n}"} for n in range(200)]
    assert user.email  # loaded before counting
    with count_queries() as counter:
        assert audit.record_many(items, source="import", actor=user) == 200
    assert counter.count == 1, counter.statements
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "import", AuditEvent.actor_id == user.id, AuditEvent.source == "import")) == 200


def test_history_of_a_record_is_newest_first(app, make_user):
    user = make_user("manager")
    audit.record("first", user)
    audit.record("second", user)
    db.session.commit()
    assert [e.action for e in audit.history_of(user)][:2] == ["second", "first"]


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'tampered'", "DELETE FROM audit_events"])
def test_the_database_refuses_to_change_or_delete_audit_events(app, make_user, statement):
    make_user("manager")  # its creation is audited
    assert actions()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert "tampered" not in actions() and actions()


def test_the_orm_refuses_to_change_an_audit_event(app, make_user):
    make_user("manager")
    event = db.session.scalar(select(AuditEvent))
    event.action = "tampered"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()


# --- the admin page ---------------------------------------------------------------------------------

def test_admin_audit_page_filters_by_user_action_record_source_and_date(app, login_as, make_user):
    clock.freeze(datetime(2026, 3, 10, 10, 0))
    client, admin = login_as("admin", email="boss@example.cn")
    target = make_user("manager", email="target@example.cn")
    clock.freeze(datetime(2026, 3, 12, 10, 0))
    audit.record("import", entity_type="reports", entity_id=77, source="import", source_detail="q1.xlsx row 5")
    db.session.commit()
    clock.freeze(datetime(2026, 3, 10, 10, 5))  # back to the admin's session

    def rows(query: str) -> str:
        response = client.get("/admin/audit/" + query)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    assert "q1.xlsx row 5" in rows("?source=import")
    assert "q1.xlsx row 5" not in rows("?source=web")
    page = rows("?action=login_success")
    assert "<code>login_success</code>" in page and "<code>create</code>" not in page
    page = rows("?actor=boss@")
    assert "<code>login_success</code>" in page and "<code>import</code>" not in page
    page = rows(f"?entity_type=users&entity_id={target.id}")
    assert "<code>create</code>" in page and "<code>login_success</code>" not in page
    assert "q1.xlsx" in rows("?date_from=2026-03-12") and "<code>login_success</code>" not in rows("?date_from=2026-03-12")
    assert "q1.xlsx" not in rows("?date_to=2026-03-11") and "<code>login_success</code>" in rows("?date_to=2026-03-11")
    assert "No audit event matches these filters." in rows("?action=nothing-like-this")


def test_a_bad_date_filter_gets_a_message_not_an_error(login_as):
    client, _ = login_as("admin")
    response = client.get("/admin/audit/?date_from=not-a-date")
    assert response.status_code == 200
    assert "Not a valid date value." in response.get_data(as_text=True)


def test_the_audit_page_uses_a_fixed_number_of_queries(login_as, make_user, count_queries):
    client, _ = login_as("admin")
    client.get("/admin/audit/")
    with count_queries() as few:
        client.get("/admin/audit/")
    for n in range(30):
        make_user("manager", email=f"m{n}@example.cn")
    with count_queries() as many:
        client.get("/admin/audit/")
    assert many.count == few.count


def test_actions_and_sources_are_named_in_the_readers_language(login_as):
    client, _ = login_as("admin", locale="zh")
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "登录 <code>login_success</code>" in page
    assert "<td>网页" in page


def test_an_action_without_a_label_shows_its_key(app):
    from incubator.audit.labels import action_label

    assert action_label("never_named") == "never_named"
