"""Zones as tenants of one deployment, and the regions (city, province) above them."""


def init_app(app):
    from . import cli

    cli.init_app(app)
