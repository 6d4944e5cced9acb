"""The administrators' user pages: list with filters, create, edit, disable, passwords, and who may enter."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from werkzeug.routing.converters import NumberConverter

from incubator.audit.models import AuditEvent
from incubator.auth.models import User
from incubator.extensions import db
from incubator.url_arguments import PeriodConverter

from ..conftest import AuthActions
from ..pages import page_text

ROLES = ("admin", "manager", "reviewer", "startup", "partner")


def admin_only_rules(app):
    """Every URL rule whose view is restricted to administrators."""
    rules = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        if getattr(view, "allowed_roles", None) == {"admin"}:
            rules.append(rule)
    return rules


def sample_url(rule) -> str:
    """The rule's URL with a made-up value for each argument (the role check comes before any lookup)."""
    values = {}
    for name in rule.arguments:
        if name in (rule.defaults or {}):
            continue
        converter = rule._converters[name]
        values[name] = 1 if isinstance(converter, NumberConverter) else \
            "2026Q1" if isinstance(converter, PeriodConverter) else "x1"
    return rule.build(values, append_unknown=False)[1]


def request_for(client, rule):
    method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
    return client.open(sample_url(rule), method=method)


def test_the_admin_pages_are_found(app):
    endpoints = {rule.endpoint for rule in admin_only_rules(app)}
    assert {"auth.users", "auth.user_new", "auth.user_edit", "auth.user_toggle", "auth.user_password",
            "auth.user_reset_link", "auth.user_end_sessions", "audit.index"} <= endpoints


@pytest.mark.parametrize("role", [role for role in ROLES if role != "admin"])
def test_every_admin_page_refuses_other_roles_with_403(app, login_as, role):
    client, _ = login_as(role)
    answers = {rule.rule: request_for(client, rule).status_code for rule in admin_only_rules(app)}
    assert answers and set(answers.values()) == {403}, answers


def test_every_admin_page_sends_anonymous_visitors_to_login(app, client):
    for rule in admin_only_rules(app):
        response = request_for(client, rule)
        assert response.status_code == 302, rule.rule
        assert response.headers["Location"].startswith("/login"), rule.rule


def test_an_admin_reaches_the_admin_pages(app, login_as):
    client, _ = login_as("admin")
    for rule in admin_only_rules(app):
        if "GET" in rule.methods and not rule.arguments:
            assert client.get(rule.rule).status_code in (200, 302), rule.rule


def test_user_list_filters_by_text_role_and_status(login_as, make_user):
    client, _ = login_as("admin", email="boss@example.cn")
    make_user("manager", email="li.ming@example.cn", name="Li Ming")
    make_user("reviewer", email="zhao@example.cn", name="Zhao", is_enabled=False)
    page = client.get("/admin/users?q=li.m").get_data(as_text=True)
    assert "li.ming@example.cn" in page and "zhao@example.cn" not in page
    page = client.get("/admin/users?role=reviewer").get_data(as_text=True)
    assert "zhao@example.cn" in page and "li.ming@example.cn" not in page
    page = client.get("/admin/users?status=disabled").get_data(as_text=True)
    assert "zhao@example.cn" in page and ">boss@example.cn</a>" not in page
    page = client.get("/admin/users?q=nobody-like-this").get_data(as_text=True)
    assert "No user matches these filters." in page


def test_user_list_sorts_and_paginates(app, login_as, make_user):
    app.config["PAGE_SIZE"] = 2
    client, _ = login_as("admin", email="a-admin@example.cn")
    for name in ("b", "c", "d"):
        make_user("manager", email=f"{name}@example.cn")
    first = client.get("/admin/users?sort=-email").get_data(as_text=True)
    emails = re.findall(r">([a-z-]+@example\.cn)</a>", first)
    assert emails == ["d@example.cn", "c@example.cn"]
    assert "4 in total" in first
    second = client.get("/admin/users?sort=-email&page=2").get_data(as_text=True)
    assert re.findall(r">([a-z-]+@example\.cn)</a>", second) == ["b@example.cn", "a-admin@example.cn"]


def test_user_list_uses_a_fixed_number_of_queries(app, login_as, make_user, count_queries):
    client, _ = login_as("admin")
    client.get("/admin/users")
    with count_queries() as few:
        client.get("/admin/users")
    for n in range(10):
        make_user("manager", email=f"m{n}@example.cn")
    with count_queries() as many:
        page = client.get("/admin/users").get_data(as_text=True)
    assert many.count == few.count
    assert page.count(">Off<") >= 11  # the two-step column, read without a query per user


def test_admin_creates_a_user_who_can_log_in(app, login_as):
    client, admin = login_as("admin")
    response = client.post("/admin/users/new", data={"email": "New.Manager@example.cn", "name": "Chen",
                                                     "role": "manager", "locale": "zh",
                                                     "password": "initial-password"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.manager@example.cn"))
    assert user.role == "manager" and user.locale == "zh"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "create",
                                                       AuditEvent.entity_id == str(user.id)))
    assert event.actor_id == admin.id and "password_hash" not in event.after
    assert AuthActions(app.test_client()).login(user, "initial-password").status_code == 302


@pytest.mark.parametrize("data, message", [
    ({"email": "x", "name": "X", "role": "manager", "locale": "zh", "password": "initial-password"},
     "Invalid email address."),
    ({"email": "x@example.cn", "name": "", "role": "manager", "locale": "zh", "password": "initial-password"},
     "This field is required."),
    ({"email": "x@example.cn", "name": "X", "role": "king", "locale": "zh", "password": "initial-password"},
     "Not a valid choice"),
    ({"email": "x@example.cn", "name": "X", "role": "manager", "locale": "zh", "password": "short"},
     "The password must have at least 10 characters."),
])
def test_admin_user_form_refuses_bad_input_and_keeps_it(login_as, data, message):
    client, _ = login_as("admin")
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert f'value="{data["email"]}"' in page
    assert db.session.scalar(select(User).where(User.email == data["email"])) is None


def test_admin_edits_a_user_and_the_change_is_audited(login_as, make_user):
    client, _ = login_as("admin")
    user = make_user("reviewer", name="Old Name")
    response = client.post(f"/admin/users/{user.id}", data={"name": "New Name", "role": "reviewer", "locale": "zh"})
    assert response.status_code == 302
    db.session.expire_all()
    assert user.name == "New Name" and user.locale == "zh"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update"))
    assert event.before == {"name": "Old Name", "locale": "en"} and event.after == {"name": "New Name", "locale": "zh"}
    page = page_text(client.get(f"/admin/users/{user.id}"))  # the history marks before and after up
    assert "Old Name → New Name" in page


def test_an_admin_cannot_demote_or_disable_themselves(login_as):
    client, admin = login_as("admin")
    client.post(f"/admin/users/{admin.id}", data={"name": admin.name, "role": "manager", "locale": "en"})
    client.post(f"/admin/users/{admin.id}/enabled")
    db.session.expire_all()
    assert admin.role == "admin" and admin.is_enabled


def test_admin_reenables_a_disabled_user(app, login_as, make_user):
    client, _ = login_as("admin")
    user = make_user("partner", is_enabled=False)
    client.post(f"/admin/users/{user.id}/enabled")
    db.session.expire_all()
    assert user.is_enabled
    assert AuthActions(app.test_client()).login(user).status_code == 302


def test_admin_sets_a_password_and_ends_the_users_sessions(app, login_as, make_user):
    client, _ = login_as("admin")
    user = make_user("partner")
    browser = app.test_client()
    AuthActions(browser).login(user)
    client.post(f"/admin/users/{user.id}/password", data={"password": "set-by-the-admin"})
    assert browser.get("/home").status_code == 302
    assert AuthActions(app.test_client()).login(user, "set-by-the-admin").status_code == 302
    refused = client.post(f"/admin/users/{user.id}/password", data={"password": "short"}, follow_redirects=True)
    assert "The password must have at least 10 characters." in refused.get_data(as_text=True)


def test_admin_mails_a_reset_link(app, login_as, make_user):
    from pathlib import Path

    client, _ = login_as("admin")
    user = make_user("partner")
    client.post(f"/admin/users/{user.id}/reset-link")
    mails = list(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"))
    assert len(mails) == 1 and user.email in mails[0].read_text()


def test_an_unknown_user_id_is_404(login_as):
    client, _ = login_as("admin")
    assert client.get("/admin/users/99999").status_code == 404
    assert client.post("/admin/users/99999/enabled").status_code == 404
