"""Importer: see DESIGN.md; this package's issue fills in services, views and templates."""
from flask import Blueprint

bp = Blueprint("importer", __name__)


def init_app(app):
    app.register_blueprint(bp)
