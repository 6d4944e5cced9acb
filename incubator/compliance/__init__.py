"""Recognition and compliance: distance to the official thresholds, high-tech readiness, Torch statistics."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("compliance", __name__, url_prefix="/compliance")


def init_app(app):
    from ..navigation import register_home_panel, register_nav
    from ..platforms.tabs import register_platform_tab
    from ..seed import register_seeder
    from . import cli, models, panels, policy, views  # noqa: F401  (routes register on import; policy defines the actions)
    from .seed import seed_compliance

    app.register_blueprint(bp)
    # One menu entry (the menu is shared by every area); the overview links to high-tech readiness, the Torch
    # statistics and, for administrators, the rule sets.
    register_nav("compliance.overview", _l("Recognition"), {"admin", "manager"}, order=60, active_prefix="/compliance",
                 group="policies")
    register_home_panel("compliance/panels/alerts.html", {"admin", "manager"}, panels.alerts_panel, order=30)
    register_platform_tab("compliance", _l("Recognition"), "compliance/panels/platform_tab.html", panels.platform_tab,
                          order=45)
    app.cli.add_command(cli.refresh_alerts_command)
    app.cli.add_command(cli.install_rule_sets_command)
    register_seeder(70, "compliance: rule sets, annual facts, alerts", seed_compliance)
