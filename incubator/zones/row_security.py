"""PostgreSQL row-level security: the database as a second wall behind the scope helpers.

0022_zones enables and FORCEs a policy on the zoned tables (``ROW_SECURITY_TABLES``) that shows a row only
when its ``zone_id`` is among the zones named by the setting ``incubator.zone_ids`` of the transaction, or
when the setting is ``all``; unset, it shows nothing. With ``ZONE_ROW_SECURITY`` on, every transaction of the
app's session sets it (``set_config(..., true)``: it ends with the transaction, so a pooled connection never
carries one request's zone into the next): the signed-in user's zones, ``all`` for an administrator of a
one-zone deployment, the command line, jobs and anonymous pages (the helpers scope those). A request sets it
again once its user is known. A superuser and a role with BYPASSRLS are not held by it: the app connects as
a role that owns nothing (README, "Zones and regions").
"""
from __future__ import annotations

from sqlalchemy import event, select, text

SETTING = "incubator.zone_ids"
EVERY_ZONE = "all"
# The tables of one zone's records (a zone_id column, required). Users are not among them: signing in reads
# an account before anyone knows its zone.
ROW_SECURITY_TABLES = ("platforms", "incubations", "targets", "indicator_weights", "evaluation_snapshots",
                       "rubric_criteria")


def zone_setting_for(user) -> str:
    """The value of ``incubator.zone_ids`` for ``user`` (None: nobody signed in)."""
    from ..access import zone_ids_for
    from ..extensions import db

    if user is None or not getattr(user, "is_authenticated", False):
        return EVERY_ZONE
    zones = zone_ids_for(user)
    if zones is None:
        return EVERY_ZONE
    if getattr(user, "region_id", None) is None:
        return str(user.zone_id)
    return ",".join(str(zone_id) for zone_id in sorted(db.session.scalars(zones)))


def _setting_now() -> str | None:
    """For a transaction that begins now: None when a request has not loaded its user yet (the request's hook
    sets it then; until then the zoned tables show nothing), else the value."""
    from flask import g, has_request_context

    if not has_request_context():
        return EVERY_ZONE
    if "_login_user" not in g:
        return None
    return g.get("zone_setting")


def apply(connection, value: str) -> None:
    connection.execute(select(text("set_config(:name, :value, true)")), {"name": SETTING, "value": value})


_listening: list = []


def init_app(app) -> None:
    if not app.config.get("ZONE_ROW_SECURITY") or not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    from flask import current_app, g, has_app_context
    from flask_login import current_user

    from ..extensions import db

    if not _listening:  # one listener for the process: the session is shared by every app built in it
        _listening.append(True)

        @event.listens_for(db.session, "after_begin")
        def _set_zone_for_transaction(_session, _transaction, connection):
            if not has_app_context() or not current_app.config.get("ZONE_ROW_SECURITY"):
                return
            if connection.dialect.name != "postgresql":
                return
            value = _setting_now()
            if value is not None:
                apply(connection, value)

    @app.before_request
    def _set_zone_for_request():
        user = current_user._get_current_object()  # loads the account (users are not zoned)
        g.zone_setting = zone_setting_for(user)
        apply(db.session.connection(), g.zone_setting)
