"""Issue 15, hole 7: registration never tells which addresses have accounts.

The form always answers "check your mailbox"; a new address gets an activation link, and the account exists
once the link is opened and the password chosen is given again; an address that has an account gets a mail
telling its owner. These tests start from an empty migrated database (no seed, no reference data).
"""
from __future__ import annotations

import re
import string
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from incubator import clock
from incubator.audit.models import AuditEvent
from incubator.auth import registration
from incubator.auth.models import PendingRegistration, User
from incubator.auth.services import create_user
from incubator.extensions import db

from ..conftest import PASSWORD, AuthActions
from .test_accounts import outbox

CHOSEN = "long-enough-pass"
CHECK_MAILBOX = "Check your mailbox"
T0 = datetime(2026, 4, 1, 2, 0, tzinfo=timezone.utc)


def register(client, email: str, password: str = CHOSEN, name: str = "Wang Fang"):
    return client.post("/register", data={"name": name, "email": email, "password": password, "confirm": password})


def link_in(message) -> str:
    body = message.get_content()
    match = re.search(r"http://localhost(/register/confirm/\S+)", body)
    assert match, body
    return match.group(1)


def users() -> list[tuple[str, str]]:
    db.session.expire_all()
    return db.session.execute(select(User.email, User.role).order_by(User.email)).all()


def pending_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PendingRegistration))


def alerts(response) -> list[str]:
    """The texts of the flashed messages of a page (tags stripped)."""
    page = response.get_data(as_text=True)
    return [re.sub(r"<[^>]+>|\s+", " ", alert).strip()
            for alert in re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', page, re.S)]


def test_registering_mails_a_link_and_the_account_works_once_it_is_opened(app, client):
    answer = register(client, "Wang.Fang@Example.cn")
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert users() == [] and pending_count() == 1
    assert AuthActions(app.test_client()).login("wang.fang@example.cn", CHOSEN).status_code == 200  # not yet
    [message] = outbox(app)
    assert message["To"] == "wang.fang@example.cn" and "Wang Fang" in message.get_content()
    link = link_in(message)

    assert client.get(link).status_code == 200
    wrong = client.post(link, data={"password": "not-the-chosen-one"})
    assert wrong.status_code == 200 and "This is not the password you chose" in wrong.get_data(as_text=True)
    assert users() == []

    activated = client.post(link, data={"password": CHOSEN})
    assert activated.status_code == 302 and activated.headers["Location"] == "/home"
    assert client.get("/home").status_code == 200  # logged in
    assert users() == [("wang.fang@example.cn", "startup")]
    user = db.session.scalar(select(User).where(User.email == "wang.fang@example.cn"))
    assert user.organisation_id is None and user.is_enabled and user.name == "Wang Fang"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "users",
                                                                 AuditEvent.entity_id == str(user.id))
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["create", "registration_confirmed"]
    assert pending_count() == 0
    assert AuthActions(app.test_client()).login(user, CHOSEN).headers["Location"] == "/home"


def test_an_address_with_an_account_gets_the_same_answer_and_its_owner_a_mail(app, client, make_user):
    owner = make_user("manager", email="taken@example.cn", name="Li Na")
    new = register(app.test_client(), "free@example.cn")
    taken = register(client, "TAKEN@example.cn")
    assert (taken.status_code, taken.headers["Location"]) == (new.status_code, new.headers["Location"])
    shown = alerts(client.get("/login"))
    assert len(shown) == 1 and shown[0].startswith(CHECK_MAILBOX) and "taken@example.cn" in shown[0]
    assert "already" not in shown[0]

    mails = {message["To"]: message.get_content() for message in outbox(app)}
    assert sorted(mails) == ["free@example.cn", "taken@example.cn"]
    assert "already has an account" in mails["taken@example.cn"]
    assert "/password/forgot" in mails["taken@example.cn"] and "/register/confirm/" not in mails["taken@example.cn"]
    assert users() == [("taken@example.cn", "manager")]
    assert db.session.scalars(select(PendingRegistration.email)).all() == ["free@example.cn"]
    assert AuthActions(app.test_client()).login(owner).status_code == 302  # the password is untouched
    assert AuthActions(app.test_client()).login(owner, CHOSEN).status_code == 200


def test_both_answers_hash_the_password_with_no_transaction_open(app, client, make_user, monkeypatch):
    """The same work either way (no timing difference from skipping the hash), and the slow hash never
    holds the write lock."""
    make_user("startup", email="taken@example.cn")
    seen = []
    original = registration.hash_password

    def observing(password):
        seen.append(db.session().in_transaction())
        return original(password)

    monkeypatch.setattr(registration, "hash_password", observing)
    register(client, "taken@example.cn")
    register(client, "free@example.cn")
    assert seen == [False, False]


def test_the_activation_link_expires(app, client):
    clock.freeze(T0)
    register(client, "late@example.cn")
    link = link_in(outbox(app)[0])
    clock.freeze(T0 + timedelta(hours=app.config["REGISTRATION_LINK_HOURS"], seconds=1))
    answer = client.post(link, data={"password": CHOSEN})
    assert answer.status_code == 302 and answer.headers["Location"] == "/register"
    assert users() == []


def test_opening_one_link_voids_the_other_links_of_the_address(app, client):
    register(client, "twice@example.cn", name="First")
    register(client, "twice@example.cn", name="Second")
    first, second = (link_in(message) for message in outbox(app))
    assert client.post(second, data={"password": CHOSEN}).headers["Location"] == "/home"
    later = app.test_client()
    assert later.get(first).headers["Location"] == "/register"
    assert later.post(first, data={"password": CHOSEN}).headers["Location"] == "/register"
    assert users() == [("twice@example.cn", "startup")]
    assert db.session.scalar(select(User.name).where(User.email == "twice@example.cn")) == "Second"


def test_someone_registering_another_persons_address_cannot_give_its_owner_an_account(app, client):
    """The intruder knows the password; the owner of the mailbox does not: the link alone opens nothing."""
    register(client, "victim@example.cn", password="intruder-knows-this")
    link = link_in(outbox(app)[0])
    owner = app.test_client()
    assert owner.post(link, data={"password": CHOSEN}).status_code == 200
    assert users() == []
    # The owner registers with a password of their own and gets the account.
    register(owner, "victim@example.cn", password=CHOSEN)
    assert owner.post(link_in(outbox(app)[1]), data={"password": CHOSEN}).headers["Location"] == "/home"
    assert AuthActions(app.test_client()).login("victim@example.cn", "intruder-knows-this").status_code == 200


def test_an_account_created_meanwhile_keeps_its_address(app, client):
    register(client, "both@example.cn")
    link = link_in(outbox(app)[0])
    create_user("both@example.cn", "partner", PASSWORD, name="Made by the admin")
    db.session.commit()
    assert client.post(link, data={"password": CHOSEN}).headers["Location"] == "/register"
    assert users() == [("both@example.cn", "partner")]
    assert AuthActions(app.test_client()).login("both@example.cn", PASSWORD).status_code == 302


def test_only_a_hash_of_the_activation_token_and_of_the_password_is_stored(app, client):
    register(client, "hashed@example.cn")
    token = link_in(outbox(app)[0]).rsplit("/", 1)[1]
    row = db.session.scalar(select(PendingRegistration))
    assert token not in row.token_hash and CHOSEN not in row.password_hash


def test_the_registration_language_is_the_accounts_and_the_mails(app, client):
    client.post("/language/zh")
    register(client, "zh@example.cn", name="张伟")
    body = outbox(app)[0].get_content()
    assert "张伟" in body and "Someone registered" not in body
    client.post(link_in(outbox(app)[0]), data={"password": CHOSEN})
    assert db.session.scalar(select(User.locale).where(User.email == "zh@example.cn")) == "zh"


def test_a_logged_in_user_opening_a_link_goes_home(app, login_as):
    register(app.test_client(), "other@example.cn")
    link = link_in(outbox(app)[0])
    member, _ = login_as("startup")
    assert member.post(link, data={"password": CHOSEN}).headers["Location"] == "/home"
    assert users() == [("startup1@example.cn", "startup")]


_TOKENS = st.text(alphabet=string.ascii_letters + string.digits + "-_.~%", min_size=1, max_size=60)


@settings(max_examples=40, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=_TOKENS)
def test_property_only_the_mailed_token_activates(app, client, token):
    """Whatever is put in the link's place (the real token with a character more or less, anything else),
    it is refused with a redirect, never an error, and no account appears."""
    if pending_count() == 0:
        register(client, "property@example.cn")
    real = link_in(outbox(app)[0]).rsplit("/", 1)[1]
    for candidate in {token, real[:-1], real + token[:1], real.upper() if real.upper() != real else real.lower()}:
        if candidate == real:
            continue
        answer = client.post(f"/register/confirm/{candidate}", data={"password": CHOSEN})
        assert answer.status_code in (302, 404), candidate
        assert answer.status_code == 404 or answer.headers["Location"] == "/register"
    assert users() == []
