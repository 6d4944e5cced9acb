"""Personal API tokens: made, listed, revoked and checked here (views, CLI and tests call these; they flush,
never commit). A token is shown once; the database keeps only its SHA-256."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from .. import clock
from ..audit.services import record
from ..extensions import db
from ..saving import FieldRuleBroken
from .models import ApiToken

TOKEN_PREFIX = "inc_"  # lets secret scanners and people recognise the string
DEFAULT_DAYS = 365
MAX_DAYS = 365
# The areas a token can be limited to; the resources of each are listed in ``resources.RESOURCES``.
AREAS = {
    "platforms": _l("Platforms"),
    "organisations": _l("Organisations"),
    "startups": _l("Incubations and reports"),
    "outcomes": _l("Indicators and targets"),
    "evaluation": _l("Evaluation"),
    "partnerships": _l("Partnerships, deals and talents"),
}


class TokenError(FieldRuleBroken):
    """A token cannot be made as asked (the message says why, in the user's language)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user, name: str, *, days: int | None = None, area: str | None = None,
                 actor=None) -> tuple[ApiToken, str]:
    """Make a token for ``user``; returns the row and the token itself (shown once, never stored).

    :raises TokenError: no name, a lifetime outside 1..365 days, an unknown area, a disabled account, or an
        administrator without two-step verification where ``REQUIRE_ADMIN_MFA`` asks for it.
    """
    from ..auth import mfa

    name = (name or "").strip()
    if not name:
        raise TokenError(_l("Give the token a name."), "name")
    if len(name) > 100:
        raise TokenError(_l("At most 100 characters."), "name")
    days = DEFAULT_DAYS if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(_l("Between 1 and %(max)d days.", max=MAX_DAYS), "days")
    if area is not None and area not in AREAS:
        raise TokenError(_l("Not an area."), "area")
    if not user.is_enabled:
        raise TokenError(_l("This account is disabled."))
    if mfa.must_enrol(user):
        raise TokenError(_l("Set up two-step verification before you create an API token."))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.utcnow()
    row = ApiToken(user_id=user.id, name=name, token_hash=hash_token(token), prefix=token[:12], area=area,
                   created_at=now, expires_at=now + timedelta(days=days))
    db.session.add(row)
    db.session.flush()
    record("api_token.created", entity_type="users", entity_id=user.id,
           after={"token": row.id, "name": name, "area": area, "expires_at": row.expires_at.isoformat()},
           actor=actor or user)
    return row, token


def tokens_of(user) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def all_tokens() -> list[ApiToken]:
    """Every token of every user (the administrators' list), newest first."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def token_for_revoking(user, token_id: int) -> ApiToken | None:
    """The token if ``user`` may revoke it: their own, or any for an administrator (else None: 404)."""
    query = select(ApiToken).where(ApiToken.id == token_id)
    if user.role != "admin":
        query = query.where(ApiToken.user_id == user.id)
    return db.session.scalar(query)


def revoke(token: ApiToken, actor) -> None:
    if token.revoked_at is None:
        token.revoked_at = clock.utcnow()
        token.revoked_by_id = actor.id
        record("api_token.revoked", entity_type="users", entity_id=token.user_id,
               after={"token": token.id, "name": token.name}, actor=actor)
    db.session.flush()


def authenticate(token: str):
    """The active token row for ``token`` and mark it used now, or None (unknown, revoked, expired, disabled
    owner, or an administrator who must first set up two-step verification)."""
    from ..auth import mfa

    if not token or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    now = clock.utcnow()
    if row is None or not row.is_active_at(now) or not row.user.is_enabled or mfa.must_enrol(row.user):
        return None
    db.session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
    row.last_used_at = now
    return row


def rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", "600 per minute")
