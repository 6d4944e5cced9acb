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
    """Let this endpoint accept files up to the setting ``config_key`` each (``UPLOAD_MAX_BYTES``, ...).

    A file above it is read to its end but not kept (``uploads.too_large``), so the view can show its
    form again with the message and what the user typed; the whole body may reach
    ``UPLOAD_BODY_FACTOR`` times the file limit (several files, or one too big) before the plain 413.
    """

    def decorator(view):
        view.upload_limit_key = config_key
        return view

    return decorator


def apply_upload_limit(app) -> None:
    """Before each request, and before every other hook: an endpoint marked by ``upload_limit`` accepts
    larger bodies. First, because CSRF protection (and anything else) may read the form, and a body is
    parsed once, under the limit in force at that moment."""

    def _raise_limit_for_uploads():
        view = app.view_functions.get(request.endpoint or "")
        key = getattr(view, "upload_limit_key", None)
        if key:
            limit = app.config[key]
            request.upload_file_limit = limit
            request.max_content_length = limit * app.config["UPLOAD_BODY_FACTOR"] + app.config["MAX_FORM_MEMORY_SIZE"]

    app.before_request_funcs.setdefault(None, []).insert(0, _raise_limit_for_uploads)


def get_visible_or_404(query_result):
    """Return the row, or answer 404 when the scoped query found nothing."""
    if query_result is None:
        abort(404)
    return query_result


# --- record scoping: what each user may see, as SELECTs of ids to filter queries with --------------
# ``None`` means "everything" (administrators). Areas may widen a role's company scope by registering
# a function (user -> SELECT of organisation ids or None), e.g. a manager also sees the companies
# that applied to their platforms.

_company_scope_extensions: list = []


def register_company_scope(extension) -> None:
    if extension not in _company_scope_extensions:
        _company_scope_extensions.append(extension)


def platform_ids_for(user):
    """The platforms ``user`` may see: None for all, else a SELECT of platform ids."""
    from sqlalchemy import false, select

    from .platforms.models import Platform, platform_managers

    if user.role == "admin":
        return None
    if user.role == "manager":
        return select(platform_managers.c.platform_id).where(platform_managers.c.user_id == user.id)
    return select(Platform.id).where(false())


def company_ids_for(user):
    """The organisations ``user`` may see as companies: None for all, else a SELECT of ids."""
    from sqlalchemy import false, select, union

    from .organisations.models import Organisation
    from .startups.models import Incubation

    if user.role == "admin":
        return None
    parts = []
    if user.role == "manager":
        parts.append(select(Incubation.organisation_id).where(Incubation.platform_id.in_(platform_ids_for(user))))
    elif user.role == "startup" and user.organisation_id:
        parts.append(select(Organisation.id).where(Organisation.id == user.organisation_id))
    for extension in _company_scope_extensions:
        extra = extension(user)
        if extra is not None:
            parts.append(extra)
    if not parts:
        return select(Organisation.id).where(false())
    return parts[0] if len(parts) == 1 else select(union(*parts).subquery().c[0])


def scoped(query, ids, column):
    """Filter ``query`` to rows whose ``column`` is in ``ids`` (unchanged when ``ids`` is None)."""
    return query if ids is None else query.where(column.in_(ids))
