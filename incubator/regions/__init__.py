"""Regions: a city's or province's roll-up of its zones' published evaluations, read-only, with its exports."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("regions", __name__, url_prefix="/region")


def init_app(app):
    from ..access import is_region_staff
    from ..navigation import register_nav
    from . import views  # noqa: F401

    # Region staff's writes are refused by zones/guard.py, for every page, these included.
    app.register_blueprint(bp)
    register_nav("regions.index", _l("Region"), {"admin", "manager", "reviewer", "startup", "partner"}, order=58,
                 active_prefix="/region", group="goals",
                 shown_to=is_region_staff)
