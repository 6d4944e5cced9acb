"""One notification service: in-app rows and e-mails, sent only when the action commits, in each
recipient's language; the bell counts the unread ones."""
from __future__ import annotations

import email
import email.policy
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from incubator.extensions import db
from incubator.notifications import services
from incubator.notifications.models import Notification


def outbox(app) -> list:
    folder = Path(app.config["MAIL_OUTBOX"])
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(folder.glob("*.eml"))] if folder.exists() else []


def notification_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification))


def test_notify_writes_in_app_rows_and_mails_only_after_commit(app, make_user):
    users = [make_user("manager"), make_user("startup")]
    assert services.notify(users, _l("Set a new password"), body="Body text", link="/home") == 2
    db.session.flush()
    assert notification_count() == 2
    assert outbox(app) == []  # nothing leaves before the commit
    db.session.commit()
    mails = outbox(app)
    assert sorted(m["To"] for m in mails) == sorted(u.email for u in users)
    assert "Body text" in mails[0].get_content()
    assert "http://127.0.0.1:5000/home" in mails[0].get_content()  # outside a request: PUBLIC_URL


def test_nothing_is_sent_or_stored_when_the_action_rolls_back(app, make_user):
    user = make_user("manager")
    services.notify([user], _l("Set a new password"))
    db.session.flush()
    db.session.rollback()
    assert notification_count() == 0
    db.session.commit()  # a later commit does not send the abandoned mail
    assert outbox(app) == []


def test_each_recipient_reads_it_in_their_own_language(app, make_user):
    chinese = make_user("manager", locale="zh")
    english = make_user("manager", locale="en")
    services.notify([chinese, english], _l("Hello %(name)s,"), name="Li")
    db.session.commit()
    subjects = {row.user_id: row.subject for row in db.session.scalars(select(Notification))}
    assert subjects[english.id] == "Hello Li,"
    assert subjects[chinese.id] != "Hello Li," and "Li" in subjects[chinese.id]
    mails = {m["To"]: str(m["Subject"]) for m in outbox(app)}
    assert mails[chinese.email] == subjects[chinese.id]


def test_disabled_users_are_not_notified(app, make_user):
    assert services.notify([make_user("manager", is_enabled=False)], _l("Set a new password")) == 0
    db.session.commit()
    assert notification_count() == 0 and outbox(app) == []


def test_channels_can_be_chosen_and_added(app, make_user):
    sent = []
    services.channel("sms")(lambda user, subject, body, link, kind: sent.append((user.id, subject)))
    try:
        user = make_user("manager")
        services.notify([user], _l("Set a new password"), channels=("sms",))
        db.session.commit()
        assert sent == [(user.id, "Set a new password")]
        assert notification_count() == 0 and outbox(app) == []
    finally:
        services.CHANNELS.pop("sms")


def test_mail_links_use_the_requests_host(app, make_user):
    user = make_user("manager")
    with app.test_request_context("/", base_url="https://zone.example.cn"):
        services.notify([user], _l("Set a new password"), link="/notifications/")
        db.session.commit()
    assert "https://zone.example.cn/notifications/" in outbox(app)[0].get_content()


def test_the_bell_counts_unread_notifications(login_as):
    client, user = login_as("startup")
    services.notify([user], _l("Set a new password"))
    services.notify([user], _l("Set a new password"))
    db.session.commit()
    page = client.get("/home").get_data(as_text=True)
    assert 'data-unread="2"' in page


def test_opening_a_notification_marks_it_read_and_follows_its_link(login_as):
    client, user = login_as("startup")
    services.notify([user], _l("Set a new password"), link="/account")
    services.notify([user], _l("Set a new password"))
    db.session.commit()
    first = db.session.scalar(select(Notification).where(Notification.link == "/account"))
    response = client.post(f"/notifications/{first.id}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert 'data-unread="1"' in client.get("/home").get_data(as_text=True)
    client.post("/notifications/read-all")
    assert "data-unread" not in client.get("/home").get_data(as_text=True)
    assert services.unread_count(user.id) == 0


def test_someone_elses_notification_is_404(login_as, make_user):
    client, _ = login_as("startup")
    other = make_user("startup")
    services.notify([other], _l("Set a new password"))
    db.session.commit()
    theirs = db.session.scalar(select(Notification.id))
    assert client.post(f"/notifications/{theirs}/open").status_code == 404
    assert services.unread_count(other.id) == 1


def test_a_notification_link_never_leaves_the_site(login_as):
    client, user = login_as("startup")
    services.notify([user], _l("Set a new password"), link="//evil.example/")
    db.session.commit()
    row = db.session.scalar(select(Notification))
    assert client.post(f"/notifications/{row.id}/open").headers["Location"] == "/notifications/"


def test_the_notification_list_shows_newest_first_with_an_empty_state(login_as):
    client, user = login_as("startup")
    assert "You have no notifications yet." in client.get("/notifications/").get_data(as_text=True)
    services.notify([user], _l("Hello %(name)s,"), name="first")
    services.notify([user], _l("Hello %(name)s,"), name="second")
    db.session.commit()
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.index("Hello second,") < page.index("Hello first,")


def test_the_notification_list_uses_a_fixed_number_of_queries(login_as, count_queries):
    client, user = login_as("startup")
    services.notify([user], _l("Set a new password"))
    db.session.commit()
    client.get("/notifications/")  # the first request after login stores the session once
    with count_queries() as few:
        client.get("/notifications/")
    for _ in range(8):
        services.notify([user], _l("Set a new password"))
    db.session.commit()
    with count_queries() as many:
        client.get("/notifications/")
    assert many.count == few.count, "\n".join(s[:60] for s in few.statements + ["--"] + many.statements)


class FakeSMTP:
    sent: list = []
    fail = False

    def __init__(self, host, port, timeout=None):
        self.host, self.port = host, port
        self.calls = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        self.calls.append("starttls")

    def login(self, user, password):
        self.calls.append(("login", user))

    def send_message(self, message):
        if FakeSMTP.fail:
            raise OSError("connection refused")
        FakeSMTP.sent.append((self.host, self.port, self.calls, message["To"]))


def test_with_a_mail_server_mails_go_through_smtp_not_the_folder(app, make_user, monkeypatch):
    from incubator.notifications import mail

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent, FakeSMTP.fail = [], False
    app.config.update(MAIL_SERVER="smtp.zone.gov.cn", MAIL_PORT=587, MAIL_USE_TLS=True,
                      MAIL_USERNAME="robot", MAIL_PASSWORD="secret")
    user = make_user("manager")
    services.notify([user], _l("Set a new password"))
    db.session.commit()
    assert FakeSMTP.sent == [("smtp.zone.gov.cn", 587, ["starttls", ("login", "robot")], user.email)]
    assert outbox(app) == []


def test_a_mail_server_failure_does_not_undo_the_committed_action(app, make_user, monkeypatch):
    from incubator.notifications import mail

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent, FakeSMTP.fail = [], True
    app.config["MAIL_SERVER"] = "smtp.zone.gov.cn"
    user = make_user("manager")
    services.notify([user], _l("Set a new password"))
    db.session.commit()  # does not raise
    assert services.unread_count(user.id) == 1
