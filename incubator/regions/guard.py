"""Region staff read and never change: every write request of theirs is refused, whatever page it targets.

The zones' scope helpers already give region staff nothing to change; this is the second wall for the
views that check only a role (a region's staff may hold the role ``admin`` to read like one). What they
may still send is about their own session and account: signing in and out, the language, their password
and second factor."""
from __future__ import annotations

from flask import abort, request
from flask_login import current_user

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Endpoints of one's own session and account, the only writes region staff make.
OWN_ACCOUNT_ENDPOINTS = frozenset({"auth.login", "auth.logout", "main.set_language"})
OWN_ACCOUNT_PATHS = ("/account", "/login")


def refuse_writes_of_region_staff():
    if request.method in SAFE_METHODS or not getattr(current_user, "is_authenticated", False):
        return None
    if getattr(current_user, "region_id", None) is None:
        return None
    if request.endpoint in OWN_ACCOUNT_ENDPOINTS or any(
            request.path == path or request.path.startswith(path + "/") for path in OWN_ACCOUNT_PATHS):
        return None
    abort(403)
