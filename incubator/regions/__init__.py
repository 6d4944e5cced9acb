"""Regions: a city's or province's roll-up of its zones' published evaluations, read-only, with its exports."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("regions", __name__, url_prefix="/region")


def init_app(app):
    from ..navigation import register_nav
    from . import views  # noqa: F401
    from .guard import refuse_writes_of_region_staff

    app.register_blueprint(bp)
    app.before_request(refuse_writes_of_region_staff)
    register_nav("regions.index", _l("Region"), {"admin", "manager", "reviewer", "startup", "partner"}, order=58,
                 active_prefix="/region", group="goals",
                 shown_to=lambda user: getattr(user, "region_id", None) is not None)
