"""Outcomes: the indicator catalogue, targets and weights, dashboards."""
from flask import Blueprint

bp = Blueprint("outcomes", __name__)


def init_app(app):
    from . import models  # noqa: F401

    app.register_blueprint(bp)
