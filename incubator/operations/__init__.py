"""Operations: backup and restore (``flask backup`` / ``flask restore``) and structured security logs."""


def init_app(app):
    from . import cli, logs

    cli.init_app(app)
    logs.init_app(app)
