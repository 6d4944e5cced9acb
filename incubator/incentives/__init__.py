"""Incentive policies: R&D subsidies, rent relief, talent, platform and tech-transfer awards."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("incentives", __name__, url_prefix="/incentives")


def init_app(app):
    from flask import url_for

    from ..home_tasks import TaskKind, register_task
    from ..navigation import register_home_panel, register_nav
    from ..seed import register_seeder
    from . import models, policy, views
    from .seed import seed_policies

    app.register_blueprint(bp)
    register_nav("incentives.index", _l("Incentives"), {"admin", "manager", "startup"}, order=600,
                 active_prefix="/incentives", group="policies")
    register_home_panel("incentives/panels/home.html", {"admin", "manager", "startup"}, views.home_panel, order=600)
    register_task(TaskKind("claims_to_decide", _l("Incentive claims to decide"), policy.DECIDE.roles,
                           policy.claims_to_decide, lambda user: url_for("incentives.index"), order=50,
                           endpoint="incentives.index"))
    register_seeder(80, "incentives", seed_policies)
