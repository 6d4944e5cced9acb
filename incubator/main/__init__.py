"""Home pages by role and the language switch."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("main", __name__)


def init_app(app):
    from ..navigation import register_home_panel, register_nav
    from . import panels, views  # noqa: F401

    app.register_blueprint(bp)
    register_nav("main.home", _l("Home"), {"admin", "manager", "reviewer", "startup", "partner"}, order=0)
    register_home_panel("main/panels/notifications.html", {"admin", "manager", "reviewer", "startup", "partner"},
                        panels.notifications_panel, order=900)
    register_home_panel("main/panels/admin_overview.html", {"admin"}, panels.admin_overview, order=10)
