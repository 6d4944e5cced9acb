"""Startups: see DESIGN.md; this package's issue fills in forms, services, views and templates."""
from flask import Blueprint

bp = Blueprint("startups", __name__)


def init_app(app):
    from . import models  # noqa: F401

    app.register_blueprint(bp)
