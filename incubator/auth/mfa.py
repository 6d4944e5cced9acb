"""Two-step verification rules: enrolment, codes (TOTP and single-use recovery codes), turning it off,
an administrator's reset, and the pending second step of a login. Functions flush, never commit."""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from .. import clock
from ..audit import services as audit
from ..extensions import db
from . import totp
from .models import RecoveryCode, User
from .services import AccountError, AccountLocked, check_current_password
from .session_store import end_user_sessions

RECOVERY_CODE_COUNT = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read back from paper
PENDING_KEY = "mfa_pending"

security_log = logging.getLogger("incubator.security")


def _log(event: str, user: User, **fields) -> None:
    """A structured security event (never a secret or a code)."""
    security_log.info(event.replace("_", " "), extra={"event": event, "user_id": user.id, **fields})


# --- enrolment -------------------------------------------------------------------------------------

def begin_enrolment(user: User) -> str:
    """Make a new random secret for ``user`` (not yet switched on) and return it in base32."""
    if user.mfa_enabled:
        raise AccountError(_l("Two-step verification is already on."))
    secret = totp.new_secret()
    user.totp_secret = totp.seal(secret)
    user.mfa_last_step = None
    audit.record("mfa_enrolment_started", user)
    db.session.flush()
    return secret


def pending_secret(user: User) -> str | None:
    """The secret of an enrolment begun but not yet confirmed (None when there is none)."""
    if user.mfa_enabled or not user.totp_secret:
        return None
    try:
        return totp.unseal(user.totp_secret)
    except totp.SealError:
        return None


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Switch two-step verification on when ``code`` is the authenticator's current code.

    :returns: the new recovery codes, in plain text (shown once; only their hashes are stored).
    """
    secret = pending_secret(user)
    if secret is None:
        raise AccountError(_l("Start the set-up again: no key is waiting for confirmation."))
    step = totp.matching_step(secret, code, clock.utcnow())
    if step is None:
        raise AccountError(_l("This code is not correct. Enter the 6-digit code your app shows now."))
    user.mfa_enabled_at = clock.utcnow()
    user.mfa_last_step = step
    codes = _replace_recovery_codes(user)
    audit.record("mfa_enabled", user, after={"mfa_enabled_at": user.mfa_enabled_at.isoformat(),
                                             "recovery_codes": len(codes)})
    _log("mfa_enabled", user)
    return codes


# --- recovery codes --------------------------------------------------------------------------------

def _normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))  # ~50 bits
    return f"{raw[:5]}-{raw[5:]}"


def _replace_recovery_codes(user: User) -> list[str]:
    """Void the user's recovery codes and make a fresh set; returns the new codes in plain text."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all([RecoveryCode(user_id=user.id, code_hash=totp.keyed_hash(_normalise_recovery_code(code)))
                        for code in codes])
    db.session.flush()
    return codes


def recovery_codes_left(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0


def regenerate_recovery_codes(user: User, proof: str) -> list[str]:
    """A fresh set of recovery codes (the old set stops working) once ``proof`` — the password or a
    current authenticator code — is right."""
    if not user.mfa_enabled:
        raise AccountError(_l("Two-step verification is off."))
    proof = proof or ""
    compact = "".join(proof.split())
    if not (compact.isascii() and compact.isdigit() and len(compact) == totp.DIGITS and _use_totp(user, compact)):
        _require_password(user, proof, _l("Neither your password nor a current code: nothing has changed."))
    codes = _replace_recovery_codes(user)
    audit.record("mfa_recovery_codes_renewed", user, after={"recovery_codes": len(codes)})
    _log("mfa_recovery_codes_renewed", user)
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    normalised = _normalise_recovery_code(code)
    if len(normalised) != 10:
        return False
    used = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == totp.keyed_hash(normalised),
               RecoveryCode.used_at.is_(None))
        .values(used_at=clock.utcnow()),
        execution_options={"synchronize_session": False},
    ).rowcount
    if used != 1:
        return False
    left = recovery_codes_left(user.id)
    audit.record("mfa_recovery_code_used", user, actor=user, after={"recovery_codes_left": left})
    _log("mfa_recovery_code_used", user, recovery_codes_left=left)
    return True


# --- checking codes --------------------------------------------------------------------------------

def _use_totp(user: User, code: str) -> bool:
    """True when ``code`` is the current code (±1 step) and its step is later than the last accepted
    one; the step is then remembered in one conditional UPDATE, so the same code never works twice."""
    if not user.mfa_enabled or not user.totp_secret:
        return False
    try:
        secret = totp.unseal(user.totp_secret)
    except totp.SealError:
        current_app.logger.warning("a TOTP secret does not unseal (was SECRET_KEY changed?)",
                                   extra={"event": "mfa_unreadable", "user_id": user.id})
        return False
    step = totp.matching_step(secret, code, clock.utcnow())
    if step is None:
        return False
    if totp.needs_resealing(user.totp_secret):  # sealed before Fernet or under an older key
        user.totp_secret = totp.seal(secret)
        _log("mfa_secret_resealed", user)
    accepted = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.mfa_last_step.is_(None), User.mfa_last_step < step))
        .values(mfa_last_step=step),
        execution_options={"synchronize_session": False},
    ).rowcount
    if accepted != 1:
        return False
    set_committed_value(user, "mfa_last_step", step)
    return True


def reseal_all() -> tuple[int, list[int]]:
    """Seal every stored secret under the current key (after a key was added, or the former sealing).

    :returns: how many were re-sealed, and the ids of the users whose secret no longer unseals (their
        key was dropped too soon, or ``SECRET_KEY`` changed before a legacy secret was re-sealed): those
        need an administrator's reset.
    """
    resealed, unreadable = 0, []
    users = db.session.scalars(select(User).where(User.totp_secret.is_not(None)).order_by(User.id))
    for user in users:
        if not totp.needs_resealing(user.totp_secret):
            continue
        try:
            user.totp_secret = totp.reseal(user.totp_secret)
        except totp.SealError:
            unreadable.append(user.id)
            continue
        resealed += 1
    db.session.flush()
    return resealed, unreadable


def verify_second_factor(user: User, code: str) -> str | None:
    """Check a code typed at login: an authenticator code, or else a recovery code (used up).

    :returns: ``"totp"`` or ``"recovery_code"`` when accepted, None when not.
    """
    compact = "".join((code or "").split())
    if compact.isascii() and compact.isdigit() and len(compact) == totp.DIGITS:
        return "totp" if _use_totp(user, compact) else None
    return "recovery_code" if _use_recovery_code(user, compact) else None


def _require_password(user: User, password: str, wrong_message) -> None:
    """The password check of these steps obeys the login throttle (a wrong one counts toward the lock)."""
    check = check_current_password(user, password, action="mfa_password_failure")
    if check.locked:
        raise AccountLocked(check.message)
    if not check.ok:
        raise AccountError(check.message or wrong_message)


# --- turning off -----------------------------------------------------------------------------------

def _clear(user: User) -> None:
    user.totp_secret = None
    user.mfa_enabled_at = None
    user.mfa_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable(user: User, password: str, code: str) -> None:
    """The user turns two-step verification off with the password and a current code."""
    if not user.mfa_enabled:
        raise AccountError(_l("Two-step verification is off."))
    _require_password(user, password, _l("The password is not correct: two-step verification stays on."))
    if verify_second_factor(user, code) is None:
        raise AccountError(_l("The code is not correct: two-step verification stays on."))
    _clear(user)
    audit.record("mfa_disabled", user, before={"mfa_enabled": True}, after={"mfa_enabled": False})
    _log("mfa_disabled", user)


def admin_reset(user: User, *, reason: str | None = None) -> int:
    """An administrator turns a user's two-step verification off (lost phone): the secret and recovery
    codes go, every session of the user ends and the user is told. Returns the sessions ended."""
    from ..notifications.services import notify

    was_on = user.mfa_enabled
    _clear(user)
    ended = end_user_sessions(user.id)
    audit.record("mfa_reset", user, before={"mfa_enabled": was_on},
                 after={"mfa_enabled": False, "sessions_ended": ended}, reason=reason)
    _log("mfa_reset", user, sessions_ended=ended)
    notify([user], _l("Two-step verification was reset on your account"),
           _l("An administrator has turned off two-step verification for your account and ended your "
              "sessions. Log in with your password and set it up again on your account page. If you did "
              "not ask for this, tell the zone office at once."),
           link="/account", kind="warning")
    return ended


# --- the pending second step of a login ------------------------------------------------------------

def pending_minutes() -> int:
    return int(current_app.config.get("MFA_PENDING_MINUTES", 5))


def start_pending(session, user: User, next_path: str) -> None:
    """Remember, in the server-side session, a user whose password was right but who still owes a code."""
    session[PENDING_KEY] = {"user_id": user.id, "since": clock.utcnow().isoformat(), "next": next_path}
    _log("mfa_challenge", user)


def pending_user(session) -> tuple[User | None, str | None]:
    """The user of a pending login and where to go after it; (None, None) when none or expired."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, None
    try:
        since = datetime.fromisoformat(pending["since"])
        user = db.session.get(User, int(pending["user_id"]))
    except (KeyError, TypeError, ValueError):
        session.pop(PENDING_KEY, None)
        return None, None
    if clock.utcnow() - since > timedelta(minutes=pending_minutes()) or user is None \
            or not user.is_enabled or not user.mfa_enabled:
        session.pop(PENDING_KEY, None)
        return None, None
    return user, pending.get("next")


def must_enrol(user) -> bool:
    """True when the settings require this (logged-in) user to set up two-step verification first."""
    return bool(current_app.config.get("REQUIRE_ADMIN_MFA")) and getattr(user, "role", None) == "admin" \
        and not user.mfa_enabled
