"""Evaluation: see DESIGN.md; this package's issue fills in services, views and templates."""
from flask import Blueprint

bp = Blueprint("evaluation", __name__)


def init_app(app):
    app.register_blueprint(bp)
