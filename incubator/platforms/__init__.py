"""Platforms: innovation carriers, their recognitions, managers, spaces and tenancies, experts and residencies."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("platforms", __name__)


def init_app(app):
    import click

    from ..auth.cli import register_user_binding
    from ..navigation import register_home_panel, register_nav
    from ..seed import register_seeder
    from . import cli, models, panels, policy, services, views  # noqa: F401  (routes register on import; policy defines the actions)
    from . import seed as demo
    from .tabs import register_platform_tab

    app.register_blueprint(bp)
    register_nav("platforms.index", _l("Platforms"), {"admin", "manager"}, order=20, active_prefix="/platforms",
                 group="spaces")
    register_nav("platforms.experts", _l("Experts"), {"admin", "manager"}, order=25, active_prefix="/experts",
                 group="spaces")
    register_home_panel("platforms/panels/recognitions.html", {"admin", "manager"}, panels.recognition_panel,
                        order=20)
    register_home_panel("platforms/panels/my_platforms.html", {"manager"}, panels.my_platforms_panel, order=15)
    # The evaluation area fills this tab by registering the same key; until then it shows an empty state.
    register_platform_tab("indicators", _l("Indicators"), "platforms/tabs/indicators_empty.html",
                          lambda platform: {}, order=40, replace=False)
    register_user_binding("platform", click.option("--platform", "platform", multiple=True,
                                                   help="Code of a platform the manager manages (repeatable)."),
                          cli.bind_platforms)
    app.cli.add_command(cli.send_recognition_alerts_command)
    register_seeder(20, "organisations and industries", demo.seed_organisations)
    register_seeder(22, "platforms", demo.seed_platforms)
    register_seeder(24, "spaces and tenants", demo.seed_spaces)
    register_seeder(26, "experts and residencies", demo.seed_experts)
    register_seeder(28, "recognition alerts", demo.seed_alerts)
