"""One notification service for every area: in-app and e-mail today, more channels by registration."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from sqlalchemy import func, select, update

from .. import clock
from ..extensions import db
from . import mail
from .models import Notification

Channel = Callable[[object, str, str, str | None, str], None]
CHANNELS: dict[str, Channel] = {}


def channel(name: str):
    """Register a delivery channel (SMS or WeCom can be added the same way)."""

    def decorator(fn: Channel) -> Channel:
        CHANNELS[name] = fn
        return fn

    return decorator


@channel("in_app")
def _in_app(user, subject: str, body: str, link: str | None, kind: str) -> None:
    db.session.add(Notification(user_id=user.id, subject=subject[:255], body=body, link=link, kind=kind))


def absolute_link(link: str | None) -> str | None:
    """An in-app path as a full address for e-mails: the request's host, or ``PUBLIC_URL`` outside one."""
    if not link or not link.startswith("/") or link.startswith("//"):
        return link
    base = request.host_url if has_request_context() else current_app.config["PUBLIC_URL"]
    return base.rstrip("/") + link


@channel("email")
def _email(user, subject: str, body: str, link: str | None, kind: str) -> None:
    link = absolute_link(link)
    text = "\n\n".join(part for part in (body, link) if part)
    mail.queue(mail.build_message(user.email, subject, text or subject))


def notify(users: Iterable, subject, body="", *, link: str | None = None, kind: str = "info",
           channels: Iterable[str] | None = None, **params) -> int:
    """Tell ``users`` something, each in their own language.

    :param subject: a lazy gettext string with ``%(name)s`` placeholders filled from ``params``.
    :param link: a path inside the app (made absolute in e-mails by the reader's host).
    """
    names = [name for name in (channels or current_app.config["NOTIFICATION_CHANNELS"]) if name in CHANNELS]
    count = 0
    for user in users:
        if not user.is_enabled:
            continue
        with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            subject_text = str(subject) % params if params else str(subject)
            body_text = (str(body) % params if params else str(body)) if body else ""
        for name in names:
            CHANNELS[name](user, subject_text, body_text, link, kind)
        count += 1
    return count


def unread_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ) or 0


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    statement = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    return db.session.execute(statement.values(read_at=clock.utcnow())).rowcount


def recent(user_id: int, limit: int = 5) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc()).limit(limit)
    ))
