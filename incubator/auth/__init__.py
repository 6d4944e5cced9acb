"""Accounts: login, logout, registration, password reset, the user's own settings, user administration."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("auth", __name__)


def init_app(app):
    from ..extensions import login_manager
    from ..navigation import register_nav
    from . import views  # noqa: F401  (routes register on import)
    from ..seed import register_seeder
    from .seed import seed_users
    from .cli import mfa_command
    from .session_store import DatabaseSessionInterface

    app.session_interface = DatabaseSessionInterface()
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(views.load_user)
    app.register_blueprint(bp)
    app.cli.add_command(mfa_command)
    register_seeder(10, "users", seed_users)
    register_nav("auth.users", _l("Users"), {"admin"}, order=900, active_prefix="/admin/users", group="system")
