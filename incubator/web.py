"""What every request shares: security headers, size limits, template helpers."""
from __future__ import annotations

from flask import request
from flask_babel import format_decimal
from flask_login import current_user

from . import formatting
from .access import apply_upload_limit, can
from .i18n import current_language, localized, zone_name
from .navigation import current_place, menu_for, nav_for

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_app(app):
    from .i18n import install_area_domains
    from .uploads import UploadRequest, limit_attributes

    # No control characters in any form field or query parameter; files capped at the endpoint's limit.
    app.request_class = UploadRequest
    apply_upload_limit(app)
    install_area_domains(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user and getattr(current_user, "is_authenticated", False):
            response.headers.setdefault("Cache-Control", "no-store")
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
        return response

    @app.context_processor
    def layout_context():
        role = current_user.role if current_user and current_user.is_authenticated else None
        group, item = current_place(role)
        return {
            "nav_items": nav_for(role),
            "menu": menu_for(role),
            "current_group": group,
            "current_item": item,
            "zone_name": zone_name(),
            "current_language": current_language(),
            "localized": localized,
        }

    app.jinja_env.globals["upload_limit_attributes"] = limit_attributes
    app.jinja_env.globals["can"] = can
    formatting.register(app)
    app.jinja_env.filters.update(number=format_number)


def format_number(value) -> str:
    if value is None:
        return ""
    return format_decimal(value)

