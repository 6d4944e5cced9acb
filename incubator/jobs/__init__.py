"""Background jobs and schedules: RQ on Redis when ``REDIS_URL`` is set, else in-process right after the
request's commit; job state in the ``jobs`` table so every web process and worker can show it."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def init_app(app):
    from ..navigation import register_nav
    from . import cli, kinds, views  # noqa: F401  (kinds register themselves)
    from .services import run_after_request

    app.register_blueprint(bp)
    cli.init_app(app)
    app.after_request(run_after_request)
    register_nav("jobs.admin", _l("Jobs"), {"admin"}, order=960, active_prefix="/jobs/admin", group="system")
