"""Account rules: creating users, checking logins with throttling, passwords and resets."""
from __future__ import annotations

import hashlib
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..audit import services as audit
from ..extensions import db
from ..saving import FieldRuleBroken
from .models import ROLES, LoginThrottle, PasswordResetToken, User
from .session_store import end_user_sessions

# A hash to compare against when the account does not exist, so both answers take the same time.
_DUMMY_HASH: str | None = None
security_log = logging.getLogger("incubator.security")


class AccountError(FieldRuleBroken):
    """A rule about accounts was broken; the message is translatable and shown to the user. A ``RuleBroken``, so
    ``saving`` rolls it back; the login flows that keep a failure counter go through ``saving.recorded``."""


class AccountLocked(AccountError):
    """A password check locked the address (or it was locked already): the session asking must end."""


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
    return add_account(email, role, hash_password(password), name=name, locale=locale, source=source)


def add_account(email: str, role: str, password_hash: str, *, name: str | None = None, locale: str | None = None,
                source: str | None = None) -> User:
    """Add the account of a checked, normalised and unused address with its password already hashed."""
    user = User(email=email, role=role, name=(name or email.split("@")[0])[:100],
                password_hash=password_hash, locale=locale)
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
    role_changed = "role" in values and values["role"] != user.role
    audit.apply_changes("update", user, values)
    if role_changed:
        end_user_sessions(user.id)  # a new role must not ride on an old session


@dataclass
class LoginResult:
    user: User | None
    error: object | None = None  # a translatable message
    second_step: bool = False  # the password was right; the user must still give a code


def _throttle_key(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def _wait_seconds(throttle: LoginThrottle | None, now) -> int:
    """Seconds the address must still wait before its next attempt is even looked at: each failure
    asks for ``LOGIN_FAILURE_DELAY_SECONDS`` × the failures so far (at most 5×). The wait is worked out
    from the stored time of the last failure, so nobody sleeps and no transaction waits for it."""
    if throttle is None or not throttle.failures or throttle.last_failure_at is None:
        return 0
    delay = float(current_app.config["LOGIN_FAILURE_DELAY_SECONDS"]) * min(throttle.failures, 5)
    remaining = (throttle.last_failure_at + timedelta(seconds=delay) - now).total_seconds()
    return math.ceil(remaining) if remaining > 0 else 0


def _lock_message(throttle: LoginThrottle, now) -> object | None:
    """The message for a locked address, or None when it is not locked."""
    if throttle and throttle.locked_until and throttle.locked_until > now:
        minutes = max(1, int((throttle.locked_until - now).total_seconds() // 60) + 1)
        return _l("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=minutes)
    return None


def _refusal(throttle: LoginThrottle | None, now) -> tuple[str | None, object | None]:
    """Why an attempt against this address is refused unchecked: ("locked" | "wait", message) or (None, None)."""
    locked = _lock_message(throttle, now)
    if locked is not None:
        return "locked", locked
    wait = _wait_seconds(throttle, now)
    if wait:
        return "wait", lazy_ngettext("Please wait %(num)d second before you try again.",
                                     "Please wait %(num)d seconds before you try again.", wait)
    return None, None


def login_locked(email: str) -> object | None:
    """The message when attempts with ``email`` are refused at the moment (locked, or too soon after the
    last failure), else None."""
    return _refusal(db.session.get(LoginThrottle, _throttle_key(email)), clock.utcnow())[1]


def _throttle_for_update(key: str) -> LoginThrottle:
    """The address's throttle row, created if missing and locked for this transaction, so that parallel
    failures each count (an INSERT race or a read-modify-write would lose some)."""
    insert = sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else postgresql_insert
    db.session.execute(insert(LoginThrottle).values(key=key, failures=0).on_conflict_do_nothing(
        index_elements=["key"]))
    return db.session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)


def count_login_failure(email: str, user: User | None, *, action: str = "login_failure") -> object:
    """Count one failed attempt against ``email`` (password or second-step code) and lock the address
    after ``LOGIN_MAX_FAILURES``. Returns the lock message when this failure locked it, else None.

    Never sleeps: the next attempt is refused until the stored wait has passed (``login_locked``)."""
    config = current_app.config
    now = clock.utcnow()
    throttle = _throttle_for_update(_throttle_key(email))
    throttle.failures += 1
    throttle.last_failure_at = now
    audit.record(action, entity_type="users", entity_id=user.id if user else None,
                 after={"email": normalise_email(email)[:254], "failures": throttle.failures})
    if throttle.failures >= config["LOGIN_MAX_FAILURES"]:
        throttle.locked_until = now + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
        throttle.failures = 0
        audit.record("login_lockout", entity_type="users", entity_id=user.id if user else None,
                     after={"email": normalise_email(email)[:254]})
        return _l("Too many failed attempts. Try again in %(minutes)d minutes.", minutes=config["LOGIN_LOCK_MINUTES"])
    return None


def end_transaction_before_slow_work() -> None:
    """End the request's transaction, which must have changed nothing yet (refused otherwise), before a
    password is hashed or compared.

    The hash is slow on purpose, and a POST holds SQLite's write lock from its first query
    (``BEGIN IMMEDIATE``): done inside it, every other writer of the zone would wait for each guess.
    What comes after runs in a new transaction.
    """
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("a password is hashed or checked before the request changes anything")
    db.session.rollback()


def check_password_outside_transaction(password_hash: str, password: str) -> bool:
    """Compare ``password`` with its hash with no transaction open (``end_transaction_before_slow_work``)."""
    end_transaction_before_slow_work()
    return check_password_hash(password_hash, password or "")


def complete_login(user: User) -> None:
    """Both steps passed: the address's failure count is forgotten and the login recorded."""
    throttle = db.session.get(LoginThrottle, _throttle_key(user.email))
    if throttle:
        db.session.delete(throttle)
    user.last_login_at = clock.utcnow()
    audit.record("login_success", user, actor=user)


def authenticate(email: str, password: str) -> LoginResult:
    """Check a login: locked addresses, and attempts that come too soon after a failure, are refused
    before the password is looked at.

    Failures count per e-mail address whether or not an account has it, so neither the messages nor
    the lock reveal which addresses exist. The password is compared outside any transaction
    (``check_password_outside_transaction``). A user with two-step verification gets ``second_step``:
    the failure count stays until the code is right too (``complete_login``), so wrong codes count
    toward the same lock.
    """
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    now = clock.utcnow()
    throttle = db.session.get(LoginThrottle, _throttle_key(email))
    user = find_user(email)
    reason, refused = _refusal(throttle, now)
    if reason == "locked":
        audit.record("login_locked", entity_type="users", entity_id=user.id if user else None,
                     after={"email": normalise_email(email)[:254]})
        return LoginResult(None, refused)
    if reason == "wait":
        security_log.info("login attempt too soon", extra={"event": "login_throttled"})
        return LoginResult(None, refused)
    user_id = user.id if user is not None else None
    password_ok = check_password_outside_transaction(user.password_hash if user is not None else _DUMMY_HASH,
                                                     password)
    user = db.session.get(User, user_id) if user_id is not None else None
    if password_ok and user is not None and user.is_enabled:
        if user.mfa_enabled:
            audit.record("login_password_accepted", user, actor=user, after={"second_step": "pending"})
            return LoginResult(user, second_step=True)
        complete_login(user)
        return LoginResult(user)
    if password_ok and user is not None:
        audit.record("login_refused_disabled", user, actor=user)
        return LoginResult(None, _l("This account is disabled. Please contact the zone office."))

    message = count_login_failure(email, user)
    return LoginResult(None, message or _l("Invalid e-mail address or password."))


@dataclass(frozen=True)
class PasswordCheck:
    """The answer to a logged-in user re-entering the password: ``ok``; else ``message`` says why it was
    refused unchecked or locked (None: simply wrong, the caller words it); ``locked``: the session must end."""

    ok: bool
    message: object | None = None
    locked: bool = False


def check_current_password(user: User, password: str, *, action: str = "password_check_failure") -> PasswordCheck:
    """The password check of a step that asks a logged-in user for it again (change of password, turning
    two-step verification off, new recovery codes). It obeys the login throttle: refused unchecked while
    the address is locked or must wait, and a wrong password counts toward the same lock as a login."""
    reason, refused = _refusal(db.session.get(LoginThrottle, _throttle_key(user.email)), clock.utcnow())
    if reason is not None:
        return PasswordCheck(False, refused, locked=reason == "locked")
    if check_password_outside_transaction(user.password_hash, password):
        return PasswordCheck(True)
    locked = count_login_failure(user.email, user, action=action)
    if locked is not None:
        return PasswordCheck(False, locked, locked=True)
    return PasswordCheck(False)


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


def count_users_by_role(account_ids=None) -> dict[str, int]:
    """Accounts per role: all of them, or those of ``account_ids`` (a SELECT: a zone's)."""
    query = select(User.role, func.count()).group_by(User.role)
    rows = db.session.execute(query if account_ids is None else query.where(User.id.in_(account_ids))).all()
    counts = dict.fromkeys(ROLES, 0)
    counts.update({role: count for role, count in rows})
    return counts
