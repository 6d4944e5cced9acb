"""The audit trail: append-only events and the admin page that browses them."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def init_app(app):
    from ..navigation import register_nav
    from . import policy, views  # noqa: F401  (policy defines the actions)

    from .display import readable_changes
    from .labels import action_label, entity_label, source_label

    app.register_blueprint(bp)
    app.jinja_env.globals.update(action_label=action_label, entity_label=entity_label, source_label=source_label,
                                 readable_changes=readable_changes)
    register_nav("audit.index", _l("Audit trail"), {"admin"}, order=950, active_prefix="/admin/audit",
                 group="system")
