"""Incubator: the innovation work of a development zone — platforms, startups, partnerships, evaluation."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from .config import config_class_for, environment_overrides
from .extensions import babel, bootstrap, csrf, db, login_manager

# Areas in the order their blueprints, CLI commands and demo seeders are registered.
AREAS = (
    "main",
    "zones",
    "auth",
    "audit",
    "notifications",
    "organisations",
    "platforms",
    "startups",
    "partnerships",
    "outcomes",
    "evaluation",
    "regions",
    "quality",
    "importer",
    "bookings",
    "compliance",
    "incentives",
    "operations",
    "api",
    "jobs",
)


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the application: settings, extensions, areas, error pages and CLI.

    :param instance_path: the folder of ``config.py``, the SQLite file, uploads and mail (default
        ``INCUBATOR_INSTANCE_PATH`` or ``instance/`` at the repository root).
    """
    instance_path = instance_path or os.environ.get("INCUBATOR_INSTANCE_PATH")
    instance_path = os.path.abspath(instance_path) if instance_path else None
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    configure_app(app, test_config)
    register_extensions(app)
    register_areas(app)
    return app


def configure_app(app: Flask, test_config: dict | None) -> None:
    env_name = (test_config or {}).get("ENV_NAME") or os.environ.get("INCUBATOR_ENV")
    app.config.from_object(config_class_for(env_name))
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("INCUBATOR")
    app.config.update(environment_overrides())
    if test_config:
        app.config.update(test_config)

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", None)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'incubator.sqlite3'}"
    app.config["UPLOAD_FOLDER"] = app.config.get("UPLOAD_FOLDER") or str(instance / "uploads")
    app.config["MAIL_OUTBOX"] = app.config.get("MAIL_OUTBOX") or str(instance / "mail")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories(app))

    if not app.config.get("SECRET_KEY"):
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("SECRET_KEY must be set in production (environment variable SECRET_KEY)")
        app.config["SECRET_KEY"] = development_secret_key(instance)
    configure_mfa_keys(app, instance)


def development_secret_key(instance: Path) -> str:
    """A random key kept in the instance folder, so development sessions survive restarts."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(os.urandom(32).hex())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def configure_mfa_keys(app: Flask, instance: Path) -> None:
    """``MFA_ENCRYPTION_KEYS`` as a checked list (a bad key stops the start, not a later login); required
    in production, kept at random in the instance folder in development."""
    from .auth.totp import new_key, parse_keys

    keys = parse_keys(app.config.get("MFA_ENCRYPTION_KEYS"))
    if not keys:
        if app.config["ENV_NAME"] == "production":
            raise RuntimeError("MFA_ENCRYPTION_KEYS must be set in production (environment variable "
                               "INCUBATOR_MFA_ENCRYPTION_KEYS; make a key with: python -c 'from "
                               "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')")
        key_file = instance / "mfa_keys"
        if not key_file.exists():
            key_file.write_text(new_key())
            key_file.chmod(0o600)
        keys = parse_keys(key_file.read_text())
    app.config["MFA_ENCRYPTION_KEYS"] = keys


def translation_directories(app: Flask) -> list[str]:
    """One catalogue per area that has a ``translations`` folder, then the core's, which wins on shared words
    (a later catalogue overrides an earlier one; each area's pages put their own last, see ``i18n``)."""
    root = Path(app.root_path)
    return [str(path) for path in [*sorted(root.glob("*/translations")), root / "translations"] if path.is_dir()]


def register_extensions(app: Flask) -> None:
    from . import i18n, migrating
    from .database import configure_sqlite, render_migration_type

    db.init_app(app)
    migrating.init_app(app, db, render_as_batch=True, compare_type=True, render_item=render_migration_type)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    bootstrap.init_app(app)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def register_areas(app: Flask) -> None:
    """Each area package exposes ``init_app(app)``: its blueprint, CLI commands and hooks."""
    from importlib import import_module

    from . import cli, errors, url_arguments, web

    url_arguments.init_app(app)  # first: the routes of every area use its converters
    web.init_app(app)
    errors.init_app(app)
    for area in AREAS:
        import_module(f"{__name__}.{area}").init_app(app)
    cli.init_app(app)
