"""Zones as tenants of one deployment, and the regions (city, province) above them."""


def init_app(app):
    from . import cli, guard, row_security

    cli.init_app(app)
    row_security.init_app(app)
    guard.init_app(app)
