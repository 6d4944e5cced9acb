"""Command-line tasks of the startups area."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db


@click.command("purge-sensitive-documents")
@with_appcontext
def purge_sensitive_documents_command():
    """Delete the legal representatives' IDs kept longer than SENSITIVE_DOCUMENT_RETENTION_DAYS after a decision."""
    from .services import purge_sensitive_documents

    count = purge_sensitive_documents()
    db.session.commit()
    click.echo(f"deleted {count} sensitive documents")


def init_app(app):
    app.cli.add_command(purge_sensitive_documents_command)
