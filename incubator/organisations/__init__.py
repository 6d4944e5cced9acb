"""Organisations: companies, universities, institutes, hosts and founding teams; their IP; the industry list."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("organisations", __name__)


def init_app(app):
    from ..navigation import register_nav
    from . import models, views  # noqa: F401  (routes register on import)

    app.register_blueprint(bp)
    register_nav("organisations.index", _l("Organisations"), {"admin", "manager"}, order=30,
                 active_prefix="/organisations", group="companies")
