"""Quality: explained anomaly checks on quarterly reports (a registry), founders' notes, flags for managers,
the settings of the checks, and the flags of an evaluation (``anomalies.csv``)."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("quality", __name__, url_prefix="/quality")


def init_app(app):
    from ..navigation import register_nav
    from . import models, policy, views  # noqa: F401  (routes register on import; policy defines the actions)

    app.register_blueprint(bp)
    register_nav("quality.flags", _l("Flagged reports"), {"admin", "manager"}, order=35, group="companies")
    register_nav("quality.settings", _l("Anomaly checks"), {"admin"}, order=905, group="system")
