"""Evaluation: the quarterly evaluation, publishing versioned snapshots, exports (CSV, xlsx, printable report)."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")


def init_app(app):
    from ..navigation import register_home_panel, register_nav
    from . import cli, models, views  # noqa: F401

    app.register_blueprint(bp)
    app.cli.add_command(cli.export_evaluation)
    register_nav("evaluation.index", _l("Evaluation"), {"admin"}, order=60, active_prefix="/evaluation",
                 group="goals")
    register_home_panel("evaluation/panels/status.html", {"admin"}, status_panel, order=30)


def status_panel(user) -> dict:
    """The admin home's evaluation panel: the last ended quarter, its latest version, pending proposals."""
    from ..outcomes.services import pending_proposals
    from ..periods import Period
    from .services import latest_snapshot

    period = Period.current().previous()
    return {"period": period, "latest": latest_snapshot(period), "pending": len(pending_proposals())}
