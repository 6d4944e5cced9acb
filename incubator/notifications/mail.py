"""E-mail: sent through SMTP when ``MAIL_SERVER`` is set, otherwise written to the outbox folder.

Messages are queued on the database session and leave only when it commits, so a rolled-back
action never mails anybody.
"""
from __future__ import annotations

import smtplib
import uuid
from email.message import EmailMessage
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from .. import clock
from ..extensions import db


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = clock.now().strftime("%a, %d %b %Y %H:%M:%S %z")
    message["Message-ID"] = f"<{uuid.uuid4()}@incubator>"
    message.set_content(body)
    return message


def queue(message: EmailMessage) -> None:
    """Send ``message`` when the current transaction commits."""
    db.session.info.setdefault("outbox", []).append((current_app._get_current_object(), message))


def send_template(user, template: str, subject, **context) -> None:
    """Render ``template`` in the recipient's language and queue it."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = render_template(template, user=user, **context)
        queue(build_message(user.email, str(subject), body))


def deliver(app, message: EmailMessage) -> None:
    config = app.config
    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        return
    outbox = Path(config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = clock.utcnow().strftime("%Y%m%dT%H%M%S%f")
    (outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml").write_bytes(bytes(message))


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    for app, message in session.info.pop("outbox", []):
        try:
            deliver(app, message)
        except (OSError, smtplib.SMTPException):
            app.logger.exception("mail to %s could not be delivered", message["To"])


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session: Session) -> None:
    session.info.pop("outbox", None)
