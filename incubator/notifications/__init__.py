"""Notifications: the bell, the list, and delivery by channel."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def init_app(app):
    from . import views  # noqa: F401

    app.register_blueprint(bp)

    @app.context_processor
    def unread_notifications():
        from flask_login import current_user

        from .services import unread_count

        if current_user and current_user.is_authenticated:
            return {"unread_notifications": unread_count(current_user.id)}
        return {"unread_notifications": 0}
