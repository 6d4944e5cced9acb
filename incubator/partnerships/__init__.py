"""Partnerships: partner institutions, agreements and deliverables, order-based training, tech transfer, talent."""
import click
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("partnerships", __name__)


def init_app(app):
    from ..auth.cli import register_user_binding
    from flask import url_for

    from ..home_tasks import TaskKind, register_task
    from ..navigation import register_home_panel, register_nav
    from ..seed import register_seeder
    from . import models, policy, services, views  # noqa: F401  (policy defines the actions)
    from .seed import seed_partnerships

    app.register_blueprint(bp, url_prefix="/partnerships")
    register_nav("partnerships.agreements", _l("Agreements"), {"admin", "manager", "partner"}, order=40,
                 group="partnerships")
    register_nav("partnerships.cohorts", _l("Training cohorts"), {"partner"}, order=41, group="partnerships")
    register_nav("partnerships.institutions", _l("Institutions"), {"admin", "manager"}, order=42,
                 group="partnerships")
    register_nav("partnerships.deals", _l("Tech transfer"), {"admin", "manager"}, order=43, group="partnerships")
    register_nav("partnerships.talents", _l("Talent"), {"admin", "manager"}, order=44, group="partnerships")
    register_home_panel("partnerships/panels/partner.html", {"partner"}, services.partners_panel, order=20)
    register_home_panel("partnerships/panels/expiring.html", {"admin", "manager"}, services.expiring_panel,
                        order=60)
    register_user_binding("institution", click.option(
        "--institution", default=None, metavar="CREDIT_CODE",
        help="Partner accounts: the credit code of their university or institute."), services.bind_partner_account)
    register_task(TaskKind("cohorts_awaiting_figures", _l("Training cohorts awaiting your figures"),
                           frozenset({"partner"}), lambda user: services.cohort_query(user, awaiting=True),
                           lambda user: url_for("partnerships.cohorts", awaiting=1), order=10,
                           endpoint="partnerships.cohorts"))
    register_seeder(45, "partnerships", seed_partnerships)
