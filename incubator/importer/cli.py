"""``flask import KIND FILE [--dry-run] [--partial] [--lang en|zh]``: the spec's command line."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import force_locale

from ..extensions import db


def build_import_command() -> click.Command:
    from .engine import kinds

    @click.command("import")
    @click.argument("kind", type=click.Choice([kind.name for kind in kinds()]))
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check every row and change nothing.")
    @click.option("--partial", is_flag=True, help="Load the valid rows even when others are rejected.")
    @click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                  help="Language of the messages.")
    @click.pass_context
    @with_appcontext
    def import_command(context: click.Context, kind: str, file: str, dry_run: bool, partial: bool, lang: str) -> None:
        """Import a spreadsheet (.xlsx or .csv) of KIND; exit 0 all loaded, 1 rows rejected, 2 unusable file."""
        from .services import import_file

        with force_locale(lang):
            try:
                result = import_file(kind, file, dry_run=dry_run, partial=partial)
                if result.written:
                    db.session.commit()
                else:
                    db.session.rollback()
            except BaseException:
                db.session.rollback()
                raise
            for problem in result.problems:
                click.echo(problem.line())
            click.echo(result.summary())
        context.exit(result.exit_code)

    return import_command
