"""Flask-Migrate bound without importing Alembic: Alembic, Mako and Pygments cost about a quarter of a second
and several MB at every start, while only ``flask db ...``, the tests and the benchmarks run migrations.

``app.extensions["migrate"]`` has the shape Flask-Migrate's functions and ``migrations/env.py`` read
(``db``, ``directory``, ``configure_args``, ``metadata``, ``migrate``); its ``migrate`` (a real
``flask_migrate.Migrate``) is made on first use. The ``db`` command group is loaded when it is invoked.
"""
from __future__ import annotations

from functools import cached_property

import click

DIRECTORY = "migrations"


class LazyMigrationSettings:
    """What ``Migrate.init_app`` would store, with the Alembic-backed part made when a migration runs."""

    def __init__(self, db, directory: str = DIRECTORY, **alembic_options):
        self.db = db
        self.directory = directory
        self.configure_args = alembic_options

    @property
    def metadata(self):
        return self.db.metadata

    @cached_property
    def migrate(self):
        from flask_migrate import Migrate

        return Migrate(db=self.db, directory=self.directory, **self.configure_args)


class LazyMigrationGroup(click.Group):
    """``flask db``: listed in the help at no cost; Flask-Migrate's own group parses and runs the command."""

    def __init__(self):
        super().__init__("db", help="Perform database migrations.")

    @staticmethod
    def _loaded() -> click.Group:
        from flask_migrate.cli import db as migration_commands

        return migration_commands

    def make_context(self, info_name, args, parent=None, **extra):
        return self._loaded().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._loaded().list_commands(ctx)

    def get_command(self, ctx, cmd_name):
        return self._loaded().get_command(ctx, cmd_name)


def init_app(app, db, **alembic_options) -> None:
    app.extensions["migrate"] = LazyMigrationSettings(db, **alembic_options)
    app.cli.add_command(LazyMigrationGroup())
