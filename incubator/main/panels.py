"""Home-page panels of the core: every area adds its own through ``register_home_panel``."""
from __future__ import annotations

from sqlalchemy import select

from ..audit.models import AuditEvent
from ..auth.services import count_users_by_role
from ..extensions import db
from ..notifications.services import recent


def notifications_panel(user) -> dict:
    return {"notifications": recent(user.id)}


def admin_overview(user) -> dict:
    latest = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(8)))
    return {"users_by_role": count_users_by_role(), "latest_events": latest}
