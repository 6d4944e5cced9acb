"""Flask sessions kept in the database, so every server process agrees and sessions can be ended.

The cookie carries a random token; the table stores only its SHA-256. Idle and absolute lifetimes are
checked on every request; ``regenerate()`` gives a new identifier (at login, against fixation).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin, session_json_serializer
from sqlalchemy import delete, or_, select
from werkzeug.datastructures import CallbackDict

from .. import clock
from ..database import write_intent
from ..extensions import db
from .models import UserSession

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOUCH_INTERVAL = timedelta(seconds=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DatabaseSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, row_id: str | None = None):
        def on_update(_self):
            _self.modified = True

        super().__init__(initial, on_update)
        self.row_id = row_id
        self.new = row_id is None
        self.modified = False
        self.regenerate_requested = False
        self.touch_due = False

    def regenerate(self) -> None:
        """Issue a new session identifier when the response is saved; the old one stops working."""
        self.regenerate_requested = True
        self.modified = True


class DatabaseSessionInterface(SessionInterface):
    serializer = session_json_serializer

    def open_session(self, app: Flask, request: Request) -> DatabaseSession:
        # The first thing a request does: decide whether its transactions take SQLite's write lock early.
        write_intent.set(request.method not in SAFE_METHODS)
        token = request.cookies.get(self.get_cookie_name(app))
        if not token or len(token) > 100:
            return DatabaseSession()
        row = db.session.get(UserSession, token_hash(token))
        if row is None or self._expired(app, row):
            return DatabaseSession()
        try:
            data = self.serializer.loads(row.data)
        except ValueError:
            data = {}
        session = DatabaseSession(data, row_id=row.id)
        session.touch_due = clock.utcnow() - row.last_seen_at >= TOUCH_INTERVAL
        return session

    @staticmethod
    def _expired(app: Flask, row: UserSession) -> bool:
        now = clock.utcnow()
        idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
        absolute = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
        return now - row.last_seen_at > idle or now - row.created_at > absolute

    def save_session(self, app: Flask, session: DatabaseSession, response: Response) -> None:
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        if not (session.modified or session.touch_due):
            return
        # The response is rendered: end the request's (possibly read-only) transaction, then write
        # the session in a transaction of its own that takes the write lock at its start.
        db.session.rollback()
        previous_intent = write_intent.set(True)
        try:
            token = self._store(app, session)
            db.session.commit()
        finally:
            write_intent.reset(previous_intent)
        if token is None:
            if not session.new:
                response.delete_cookie(name, domain=domain, path=path,
                                       secure=self.get_cookie_secure(app), httponly=True,
                                       samesite=self.get_cookie_samesite(app))
            return
        if token is not True:
            response.set_cookie(
                name, token,
                httponly=True, secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app),
                domain=domain, path=path,
                max_age=int(app.config["SESSION_ABSOLUTE_HOURS"]) * 3600,
            )
        response.vary.add("Cookie")

    def _store(self, app: Flask, session: DatabaseSession):
        """Write the session row; returns a new cookie token, True when the cookie stays, None when gone."""
        from flask import request

        now = clock.utcnow()
        if not session.modified:
            db.session.execute(
                UserSession.__table__.update().where(UserSession.id == session.row_id).values(last_seen_at=now)
            )
            return True
        if session.row_id and (session.regenerate_requested or not session):
            db.session.execute(delete(UserSession).where(UserSession.id == session.row_id))
            session.row_id = None
        if not session:
            return None
        user_id = session.get("_user_id")
        values = dict(
            data=self.serializer.dumps(dict(session)),
            user_id=int(user_id) if user_id else None,
            last_seen_at=now,
        )
        if session.row_id:
            db.session.execute(
                UserSession.__table__.update().where(UserSession.id == session.row_id).values(**values)
            )
            return True
        token = secrets.token_urlsafe(32)
        db.session.add(UserSession(
            id=token_hash(token), created_at=now,
            ip=(request.remote_addr or "")[:45], user_agent=(request.user_agent.string or "")[:255],
            **values,
        ))
        session.row_id = token_hash(token)
        return token


def end_user_sessions(user_id: int, keep_row_id: str | None = None) -> int:
    """Delete every session of a user (but ``keep_row_id``); returns how many ended."""
    statement = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_row_id:
        statement = statement.where(UserSession.id != keep_row_id)
    return db.session.execute(statement).rowcount


def purge_expired_sessions(app: Flask) -> int:
    now = clock.utcnow()
    idle_cutoff = now - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    absolute_cutoff = now - timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
    return db.session.execute(
        delete(UserSession).where(or_(UserSession.last_seen_at < idle_cutoff,
                                      UserSession.created_at < absolute_cutoff))
    ).rowcount


def active_sessions(user_id: int) -> list[UserSession]:
    return list(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user_id).order_by(UserSession.last_seen_at.desc())
    ))
