"""``flask --app wsgi backup OUT`` and ``flask --app wsgi restore IN``."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from . import services


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(out: str) -> None:
    """Write the database and the uploaded files to one archive (.tar.gz) with a manifest."""
    try:
        manifest = services.backup(out)
    except services.OperationsError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(manifest["row_counts"].values())
    click.echo(f"Backup written to {out}: {manifest['engine']} database ({rows} rows in "
               f"{len(manifest['row_counts'])} tables), {len(manifest['uploads'])} uploaded files.")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database (and upload folder) that already holds data.")
@with_appcontext
def restore_command(archive: str, force: bool) -> None:
    """Restore a backup archive into an empty database (and upload folder)."""
    try:
        manifest = services.restore(archive, force=force)
    except services.OperationsError as error:
        raise click.ClickException(str(error)) from error
    rows = sum(manifest["row_counts"].values())
    click.echo(f"Restored {archive} (made {manifest['created_at']}): {rows} rows in "
               f"{len(manifest['row_counts'])} tables, {len(manifest['uploads'])} uploaded files; verified.")


def init_app(app):
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
