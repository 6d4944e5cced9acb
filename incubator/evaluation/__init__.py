"""Evaluation: the quarterly evaluation, publishing versioned snapshots, exports (CSV, xlsx, printable report)."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("evaluation", __name__, url_prefix="/evaluation")


def init_app(app):
    from ..navigation import register_nav
    from . import cli, models, views  # noqa: F401

    app.register_blueprint(bp)
    app.cli.add_command(cli.export_evaluation)
    register_nav("evaluation.index", _l("Evaluation"), {"admin"}, order=60, active_prefix="/evaluation")
