"""No cookie session under ``/api/``: a request there is authenticated by its bearer token alone, so a browser's
session cookie neither logs it in (no CSRF) nor gets refreshed or set by it."""
from __future__ import annotations

from flask.sessions import SecureCookieSession, SessionInterface

from ..database import write_intent

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CookieFreeUnder(SessionInterface):
    """Wraps the app's session interface: an empty, never saved session for paths under ``prefix``."""

    def __init__(self, inner: SessionInterface, prefix: str):
        self.inner = inner
        self.prefix = prefix

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def open_session(self, app, request):
        if request.path.startswith(self.prefix):
            write_intent.set(request.method not in SAFE_METHODS)
            return SecureCookieSession()
        return self.inner.open_session(app, request)

    def save_session(self, app, session, response):
        from flask import request

        if request.path.startswith(self.prefix):
            return None
        return self.inner.save_session(app, session, response)


def without_cookies(app, prefix: str) -> None:
    if not isinstance(app.session_interface, CookieFreeUnder):
        app.session_interface = CookieFreeUnder(app.session_interface, prefix)
