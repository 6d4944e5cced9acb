"""Who may do what: role checks as decorators, record checks as query helpers (404 for the unseen)."""
from __future__ import annotations

from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required


def roles_required(*roles: str):
    """Only logged-in users with one of ``roles`` reach the view; others get 403 (login page if anonymous)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


admin_required = roles_required("admin")


def upload_limit(config_key: str):
    """Raise this endpoint's request size limit to the setting ``config_key`` (files, imports)."""

    def decorator(view):
        view.upload_limit_key = config_key
        return view

    return decorator


def apply_upload_limit(app) -> None:
    """Before each request: an endpoint marked by ``upload_limit`` accepts larger bodies."""

    @app.before_request
    def _raise_limit_for_uploads():
        view = app.view_functions.get(request.endpoint or "")
        key = getattr(view, "upload_limit_key", None)
        if key:
            limit = app.config[key]
            request.max_content_length = limit
            request.max_form_memory_size = limit


def get_visible_or_404(query_result):
    """Return the row, or answer 404 when the scoped query found nothing."""
    if query_result is None:
        abort(404)
    return query_result
