"""Startups: online applications and their review, incubations, graduation and quarterly reports."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("startups", __name__)


def init_app(app):
    import click

    from ..access import register_company_scope
    from ..auth.cli import register_user_binding
    from ..navigation import register_home_panel, register_nav
    from ..seed import register_seeder
    from . import cli, home, models, report_views, services, views  # noqa: F401
    from .seed import seed_startups

    for name, value in services.DEFAULT_SETTINGS.items():
        app.config.setdefault(name, value)
    app.register_blueprint(bp)
    register_company_scope(services.applicant_companies_scope)
    register_user_binding("company", click.option("--company", default=None, metavar="CREDIT_CODE",
                                                  help="Bind a founder account to this company."),
                          services.bind_founder)
    register_nav("startups.applications", _l("Applications"), {"admin", "manager", "startup"}, order=30,
                 group="companies")
    register_nav("startups.reviews", _l("My reviews"), {"reviewer"}, order=30, group="companies")
    register_nav("startups.incubations", _l("Tenants"), {"admin", "manager"}, order=32, group="companies")
    register_nav("startups.reports", _l("Quarterly reports"), {"admin", "manager", "startup"}, order=34,
                 group="companies", shown_to=services.files_reports)
    register_nav("startups.meetings", _l("Review meetings"), {"admin", "manager"}, order=36, group="companies")
    register_nav("startups.graduation_criteria", _l("Graduation criteria"), {"admin"}, order=85, group="policies")
    register_home_panel("startups/panels/founder.html", {"startup"}, report_views.founder_panel, order=20)
    register_home_panel("startups/panels/manager.html", {"manager", "admin"}, report_views.manager_panel, order=20)
    home.register_home_tasks()
    register_seeder(30, "startups", seed_startups)
    cli.init_app(app)
