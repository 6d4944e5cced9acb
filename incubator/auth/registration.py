"""Founders register through an e-mail link, so the registration form never tells whether an address
already has an account (login and forgotten password do not either).

The form always answers "check your mailbox". A new address gets a link; the account exists only once the
link is opened and the password chosen at registration is given again: the link proves the mailbox, the
password proves it is the same person, so nobody can open an account on somebody else's address and
hand its owner a password the intruder knows. An address that already has an account gets a mail
telling its owner instead.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from .. import clock
from ..audit import services as audit
from ..extensions import db
from ..i18n import current_language
from ..notifications import mail
from .models import PendingRegistration, User
from .services import (AccountError, add_account, check_password_outside_transaction,
                       end_transaction_before_slow_work, find_user, hash_password, normalise_email)

INVALID_LINK = _l("This activation link is invalid or has expired. Please register again.")


class LinkInvalid(AccountError):
    """The activation link is unknown, expired or used, or the address got an account meanwhile."""


@dataclass(frozen=True)
class Recipient:
    """Whom a registration mail goes to when there is no account (yet) to address it to."""

    email: str
    name: str
    locale: str | None


def _token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def request_registration(email: str, name: str, password: str, locale: str | None) -> None:
    """Register ``email``: mail it an activation link, or tell the owner when it already has an account.

    Both ways do the same work (the password is hashed either way, with no transaction open) and the
    caller shows the same answer. The form has checked the fields and the password's strength."""
    end_transaction_before_slow_work()
    password_hash = hash_password(password)
    email = normalise_email(email)
    now = clock.utcnow()
    existing = find_user(email)
    if existing is not None:
        audit.record("registration_for_existing_account", existing)
        mail.send_template(existing, "auth/email/registration_existing.txt",
                           subject=_l("Someone tried to register with your address"),
                           login_link=url_for("auth.login", _external=True),
                           reset_link=url_for("auth.forgot_password", _external=True))
        return
    # Links that have expired are of no use to anyone; the others stay until one of them is used.
    db.session.execute(delete(PendingRegistration).where(PendingRegistration.email == email,
                                                         PendingRegistration.expires_at <= now))
    token = secrets.token_urlsafe(32)
    hours = current_app.config["REGISTRATION_LINK_HOURS"]
    db.session.add(PendingRegistration(token_hash=_token_hash(token), email=email, name=(name or "").strip()[:100],
                                       password_hash=password_hash, locale=locale,
                                       expires_at=now + timedelta(hours=hours)))
    # The mail speaks the language of the page the registrant filled in.
    mail.send_template(Recipient(email, name, locale or current_language()), "auth/email/registration_link.txt",
                       subject=_l("Activate your Incubator account"),
                       link=url_for("auth.confirm_registration", token=token, _external=True), hours=hours)


def pending_registration(token: str) -> PendingRegistration | None:
    """The registration waiting for this link, or None when the link is unknown or has expired."""
    row = db.session.scalar(select(PendingRegistration).where(PendingRegistration.token_hash == _token_hash(token)))
    if row is None or row.expires_at <= clock.utcnow():
        return None
    return row


def confirm_registration(token: str, password: str) -> User:
    """Create the founder account of the link ``token`` once ``password`` is the one chosen at registration.

    Every link of the address is voided by it. An address that got an account meanwhile (an administrator
    created it) keeps that account: the link is refused."""
    row = pending_registration(token)
    if row is None:
        raise LinkInvalid(INVALID_LINK)
    row_id = row.id
    if not check_password_outside_transaction(row.password_hash, password):
        raise AccountError(_l("This is not the password you chose when you registered."))
    row = db.session.get(PendingRegistration, row_id)
    if row is None:  # used by a parallel request while the password was being compared
        raise LinkInvalid(INVALID_LINK)
    email = row.email
    voided = db.session.execute(delete(PendingRegistration).where(PendingRegistration.email == email)).rowcount
    if find_user(email) is not None:
        raise LinkInvalid(INVALID_LINK)
    user = add_account(email, "startup", row.password_hash, name=row.name, locale=row.locale)
    audit.record("registration_confirmed", user, after={"links_voided": voided})
    return user
