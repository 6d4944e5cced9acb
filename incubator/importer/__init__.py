"""Spreadsheet import shared by all areas: a registry of kinds, the ``import`` command, the upload page."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("importer", __name__, url_prefix="/import")


def init_app(app):
    from ..navigation import register_nav
    from . import kinds, policy, spaces_and_people, views  # noqa: F401  (kinds register themselves; policy defines the actions)
    from .cli import build_import_command

    app.register_blueprint(bp)
    app.cli.add_command(build_import_command())
    register_nav("importer.index", _l("Import"), {"admin", "manager"}, order=900, active_prefix="/import",
                 group="data")
