"""Bookings: meeting rooms, desks and shared equipment of the platforms, booked by the slot."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("bookings", __name__, url_prefix="/bookings")


def init_app(app):
    from ..navigation import register_home_panel, register_nav
    from ..seed import register_seeder
    from . import models, panels, policy, views  # noqa: F401  (routes register on import; policy defines the actions)
    from .seed import seed_bookings

    app.register_blueprint(bp)
    register_nav("bookings.resources", _l("Bookings"), {"admin", "manager", "startup", "partner", "reviewer"},
                 order=70, active_prefix="/bookings", group="spaces")
    register_home_panel("bookings/panels/upcoming.html", {"startup", "partner", "reviewer"}, panels.upcoming,
                        order=60)
    register_home_panel("bookings/panels/manager.html", {"manager", "admin"}, panels.manager, order=60)
    panels.register_home_tasks()
    register_seeder(60, "bookings", seed_bookings)
