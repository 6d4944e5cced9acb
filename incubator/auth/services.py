"""Account rules: creating users, checking logins with throttling, passwords and resets."""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..audit import services as audit
from ..extensions import db
from .models import ROLES, LoginThrottle, PasswordResetToken, User
from .session_store import end_user_sessions

# A hash to compare against when the account does not exist, so both answers take the same time.
_DUMMY_HASH: str | None = None


class AccountError(ValueError):
    """A rule about accounts was broken; the message is translatable and shown to the user."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


PASSWORD_PROFILES = ("asvs", "dengbao")
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower case (read once)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _character_classes(password: str) -> int:
    return sum([
        any(c.isupper() for c in password),
        any(c.islower() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ])


def password_problems(password: str, email: str | None = None) -> list:
    """What is wrong with a new password, as translatable messages (empty when it is acceptable).

    The rules follow ``PASSWORD_PROFILE``: ``asvs`` (the default) checks the length and a shipped list of
    common passwords and has no composition rules; ``dengbao`` asks for at least 8 characters of at least
    three kinds (upper case, lower case, digits, symbols) and refuses a password containing the account name.
    """
    password = password or ""
    profile = current_app.config.get("PASSWORD_PROFILE", "asvs")
    if profile not in PASSWORD_PROFILES:
        raise ValueError(f"PASSWORD_PROFILE must be one of {PASSWORD_PROFILES}, not {profile!r}")
    problems = []
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if profile == "dengbao":
        minimum = max(minimum, 8)
    if len(password) < minimum:
        problems.append(_l("The password must have at least %(n)d characters.", n=minimum))
    if len(password) > 128:
        problems.append(_l("The password may have at most 128 characters."))
    email = normalise_email(email) if email else ""
    if email and password and password.strip().lower() == email:
        problems.append(_l("The password may not be your e-mail address."))
    if profile == "asvs":
        if password and password.strip().lower() in common_passwords():
            problems.append(_l("This password is one of the most common passwords; choose another."))
        return problems
    if password and _character_classes(password) < 3:
        problems.append(_l("The password must contain at least three of: upper-case letters, lower-case letters, "
                           "digits and symbols."))
    account = email.split("@")[0]
    if account and len(account) >= 3 and account in password.lower() and password.strip().lower() != email:
        problems.append(_l("The password may not contain your account name."))
    return problems


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, role: str, password: str, name: str | None = None, locale: str | None = None,
                *, source: str | None = None) -> User:
    """Create an account; refuses an unknown role, a used e-mail or a weak password."""
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError(_l("Unknown role %(role)s.", role=role))
    if not email or "@" not in email or len(email) > 254:
        raise AccountError(_l("Enter a valid e-mail address."))
    if find_user(email) is not None:
        raise AccountError(_l("An account with this e-mail address already exists."))
    problems = password_problems(password, email)
    if problems:
        raise AccountError(problems[0])
    user = User(email=email, role=role, name=(name or email.split("@")[0])[:100],
                password_hash=hash_password(password), locale=locale)
    db.session.add(user)
    db.session.flush()
    audit.record("create", user, after=audit.snapshot(user), source=source)
    return user


def set_password(user: User, password: str, *, reason: str | None = None, keep_session_row: str | None = None):
    """Change a password and end the user's other sessions (all of them unless one is kept)."""
    problems = password_problems(password, user.email)
    if problems:
        raise AccountError(problems[0])
    user.password_hash = hash_password(password)
    user.password_changed_at = clock.utcnow()
    ended = end_user_sessions(user.id, keep_row_id=keep_session_row)
    voided = void_tokens(user)
    audit.record("password_change", user, reason=reason, after={"sessions_ended": ended, "tokens_voided": voided})


def set_enabled(user: User, enabled: bool) -> None:
    before = user.is_enabled
    user.is_enabled = enabled
    if not enabled:
        end_user_sessions(user.id)
    audit.record("enable" if enabled else "disable", user,
                 before={"is_enabled": before}, after={"is_enabled": enabled})


def update_user(user: User, **values) -> None:
    before = audit.snapshot(user)
    for key, value in values.items():
        setattr(user, key, value)
    if "role" in values and values["role"] != before["role"]:
        end_user_sessions(user.id)  # a new role must not ride on an old session
    old, new = audit.changes(before, audit.snapshot(user))
    if new:
        audit.record("update", user, before=old, after=new)


@dataclass
class LoginResult:
    user: User | None
    error: object | None = None  # a translatable message
    second_step: bool = False  # the password was right; the user must still give a code


def _throttle_key(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def _lock_message(throttle: LoginThrottle, now) -> object | None:
    """The message for a locked address, or None when it is not locked."""
    if throttle and throttle.locked_until and throttle.locked_until > now:
        minutes = max(1, int((throttle.locked_until - now).total_seconds() // 60) + 1)
        return _l("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=minutes)
    return None


def login_locked(email: str) -> object | None:
    """The lock message when logins with ``email`` are locked at the moment, else None."""
    return _lock_message(db.session.get(LoginThrottle, _throttle_key(email)), clock.utcnow())


def count_login_failure(email: str, user: User | None, *, action: str = "login_failure") -> object:
    """Count one failed attempt against ``email`` (password or second-step code) and lock the address
    after ``LOGIN_MAX_FAILURES``; waits a little longer after each failure. Returns the message to show."""
    config = current_app.config
    now = clock.utcnow()
    key = _throttle_key(email)
    throttle = db.session.get(LoginThrottle, key)
    if throttle is None:
        throttle = LoginThrottle(key=key, failures=0)
        db.session.add(throttle)
    throttle.failures += 1
    throttle.last_failure_at = now
    audit.record(action, entity_type="users", entity_id=user.id if user else None,
                 after={"email": normalise_email(email)[:254], "failures": throttle.failures})
    if throttle.failures >= config["LOGIN_MAX_FAILURES"]:
        throttle.locked_until = now + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
        throttle.failures = 0
        audit.record("login_lockout", entity_type="users", entity_id=user.id if user else None,
                     after={"email": normalise_email(email)[:254]})
        message = _l("Too many failed attempts. Try again in %(minutes)d minutes.",
                     minutes=config["LOGIN_LOCK_MINUTES"])
    else:
        message = None
    delay = float(config["LOGIN_FAILURE_DELAY_SECONDS"]) * min(throttle.failures or 5, 5)
    if delay:
        time.sleep(delay)
    return message


def complete_login(user: User) -> None:
    """Both steps passed: the address's failure count is forgotten and the login recorded."""
    throttle = db.session.get(LoginThrottle, _throttle_key(user.email))
    if throttle:
        db.session.delete(throttle)
    user.last_login_at = clock.utcnow()
    audit.record("login_success", user, actor=user)


def authenticate(email: str, password: str) -> LoginResult:
    """Check a login: locked addresses are refused before the password is looked at.

    Failures count per e-mail address whether or not an account has it, so neither the messages nor
    the lock reveal which addresses exist. Each failure waits a little longer; then the address locks.
    A user with two-step verification gets ``second_step``: the failure count stays until the code
    is right too (``complete_login``), so wrong codes count toward the same lock.
    """
    global _DUMMY_HASH
    now = clock.utcnow()
    key = _throttle_key(email)
    throttle = db.session.get(LoginThrottle, key)
    user = find_user(email)
    locked = _lock_message(throttle, now)
    if locked is not None:
        audit.record("login_locked", entity_type="users", entity_id=user.id if user else None,
                     after={"email": normalise_email(email)[:254]})
        return LoginResult(None, locked)
    if user is not None:
        password_ok = check_password_hash(user.password_hash, password or "")
    else:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH, password or "")
        password_ok = False

    if password_ok and user.is_enabled:
        if user.mfa_enabled:
            audit.record("login_password_accepted", user, actor=user, after={"second_step": "pending"})
            return LoginResult(user, second_step=True)
        complete_login(user)
        return LoginResult(user)
    if password_ok:
        audit.record("login_refused_disabled", user, actor=user)
        return LoginResult(None, _l("This account is disabled. Please contact the zone office."))

    message = count_login_failure(email, user)
    return LoginResult(None, message or _l("Invalid e-mail address or password."))


def issue_reset_token(user: User) -> str:
    """A single-use password reset token (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordResetToken(
        token_hash=hashlib.sha256(token.encode()).hexdigest(), user_id=user.id,
        expires_at=clock.utcnow() + timedelta(hours=current_app.config["PASSWORD_RESET_HOURS"]),
    ))
    audit.record("password_reset_requested", user)
    return token


def void_tokens(user: User) -> int:
    """Mark every outstanding token of ``user`` used (a new password, or a token just used, voids the rest
    of its links); returns how many were voided."""
    return db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=clock.utcnow()),
        execution_options={"synchronize_session": "fetch"},
    ).rowcount


def valid_reset_token(token: str) -> PasswordResetToken | None:
    row = db.session.scalar(select(PasswordResetToken).where(
        PasswordResetToken.token_hash == hashlib.sha256((token or "").encode()).hexdigest()))
    if row is None or row.used_at is not None or row.expires_at <= clock.utcnow():
        return None
    return row


def reset_password(token: str, password: str) -> User:
    row = valid_reset_token(token)
    if row is None:
        raise AccountError(_l("This reset link is invalid or has expired. Please ask for a new one."))
    user = db.session.get(User, row.user_id)
    set_password(user, password, reason="password reset by e-mail link")  # voids this token and the others
    return user


def count_users_by_role() -> dict[str, int]:
    rows = db.session.execute(select(User.role, func.count()).group_by(User.role)).all()
    counts = dict.fromkeys(ROLES, 0)
    counts.update({role: count for role, count in rows})
    return counts
