"""Home-page panels of the core: every area adds its own through ``register_home_panel``."""
from __future__ import annotations

from sqlalchemy import select

from ..access import account_ids_for, scoped
from ..audit.models import AuditEvent
from ..auth.services import count_users_by_role
from ..extensions import db
from ..notifications.services import recent


def notifications_panel(user) -> dict:
    return {"notifications": recent(user.id)}


def admin_overview(user) -> dict:
    accounts = account_ids_for(user)  # several zones: their zone's accounts and what those did
    latest = list(db.session.scalars(scoped(select(AuditEvent), accounts, AuditEvent.actor_id)
                                     .order_by(AuditEvent.id.desc()).limit(8)))
    return {"users_by_role": count_users_by_role(accounts), "latest_events": latest}
