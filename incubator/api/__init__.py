"""The read-only JSON API under ``/api/v1``: OpenAPI 3.1 generated from the code (flask-smorest), personal
tokens in the ``Authorization: Bearer`` header only (no cookies, so no CSRF), scoped exactly like the web,
rate-limited per token, errors as RFC 9457 problem details. Tokens are managed under *My account*."""
from __future__ import annotations

from flask import Blueprint
from flask_smorest import Api

API_PREFIX = "/api/"

pages = Blueprint("api_pages", __name__)  # the token pages of My account and the reference page


class IncubatorApi(Api):
    """flask-smorest's Api, leaving the web's error pages alone (the API blueprint answers its own errors as
    problem details) and documenting every error response as a problem."""

    DEFAULT_ERROR_RESPONSE_NAME = None  # no catch-all "default" response: each status code is documented

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        from flask_smorest.spec import prepare_response
        import http

        from .problems import CONTENT_TYPE, ProblemSchema

        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = ProblemSchema
                prepare_response(response, self.spec, CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)


def configure(app) -> None:
    app.config.setdefault("API_TITLE", "Incubator API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": "Read-only data of the zone for the province's platform, BI tools and data "
                                "warehouses. Every request carries a personal token (My account → API tokens) in "
                                "`Authorization: Bearer <token>` and reads exactly what the token's owner reads "
                                "in the web. Lists page with `cursor`; incremental pulls use `updated_since` and "
                                "`/deletions?since=`."},
        "servers": [{"url": "/"}],
        "security": [{"bearerToken": []}],
        "components": {"securitySchemes": {"bearerToken": {"type": "http", "scheme": "bearer"}}},
    })


def init_app(app) -> None:
    from ..extensions import csrf
    from . import cli, deletions, limits, models, token_views  # noqa: F401
    from .sessions import without_cookies
    from .views import bp

    configure(app)
    limits.configure(app, bp)
    csrf.exempt(bp)
    api = IncubatorApi(app)
    api.register_blueprint(bp)
    app.register_blueprint(pages)
    without_cookies(app, API_PREFIX)
    deletions.track()
    app.cli.add_command(cli.create_api_token_command)
