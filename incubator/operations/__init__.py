"""Operations: backup and restore of the database and the uploaded files (``flask backup`` / ``flask restore``)."""


def init_app(app):
    from . import cli

    cli.init_app(app)
