"""A region's staff read their region's zones and change nothing: every write request of theirs is refused (403),
whatever view it reaches. The scope helpers already give them no company to change; this is the wall for the
views that check only a role (region staff hold the role ``admin`` to read like a zone's administrator).

What they may still send concerns their own session and account (signing in and out, the language, their
password, second factor and API tokens, marking their notifications read) and the exports, which only read."""
from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from ..access import is_region_staff

READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OWN_ACCOUNT_ENDPOINTS = frozenset({
    "auth.login", "auth.login_verify", "auth.logout", "auth.account", "auth.mfa_setup", "auth.mfa_start",
    "auth.mfa_recovery_codes", "auth.mfa_disable", "auth.change_password", "auth.end_other_sessions",
    "main.set_language", "notifications.open_one", "notifications.read_all",
    "api_pages.api_tokens", "api_pages.revoke_api_token"})
EXPORT_ENDPOINTS = frozenset({"jobs.evaluation_export", "jobs.torch_export", "jobs.cancel"})


def refuse_writes_of_region_staff():
    if request.method in READING_METHODS:
        return None
    if not getattr(current_user, "is_authenticated", False) or not is_region_staff(current_user):
        return None
    if request.endpoint in OWN_ACCOUNT_ENDPOINTS or request.endpoint in EXPORT_ENDPOINTS:
        return None
    abort(403)


def init_app(app) -> None:
    # First of the hooks (before CSRF protection reads the form): a region's write ends here, always a 403.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_writes_of_region_staff)
