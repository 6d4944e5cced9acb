"""Outcomes: the indicator catalogue, targets and weights, dashboards."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")


def init_app(app):
    from ..navigation import register_nav
    from ..seed import register_seeder
    from . import formatting, labels, models, seed, views  # noqa: F401

    app.register_blueprint(bp)
    formatting.register_filters(app)
    app.jinja_env.globals.update(labels.template_globals())
    register_nav("outcomes.zone_dashboard", _l("Dashboard"), {"admin", "manager"}, order=55,
                 active_prefix="/outcomes/dashboard", group="goals")
    register_nav("outcomes.targets", _l("Targets"), {"admin", "manager"}, order=56, active_prefix="/outcomes/targets",
                 group="goals")
    register_seeder(55, "targets", seed.seed_targets)
    register_platform_tab()


def register_platform_tab() -> None:
    """Fill the platform page's "indicators" tab (the platforms area's registry)."""
    try:
        from ..platforms.tabs import register_platform_tab as register
    except ImportError:  # the platforms area without its tab registry
        return
    from .views import platform_tab_context

    register("indicators", _l("Indicators"), "outcomes/platform_tab.html", platform_tab_context, order=40)
