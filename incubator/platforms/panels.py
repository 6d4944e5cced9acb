"""Home-page panels of the platforms area: recognitions expiring and a manager's platforms."""
from __future__ import annotations

from .. import clock
from ..extensions import db
from . import services


def recognition_panel(user) -> dict:
    today = clock.today()
    platforms = services.expiring_platforms(user, today=today)
    # A recognition that has lapsed is not "about to expire": it is listed apart, as expired.
    return {"platforms": [p for p in platforms if p.expires_on >= today],
            "expired": [p for p in platforms if p.expires_on < today],
            "today": today, "days": services.EXPIRY_WARNING_DAYS}


def my_platforms_panel(user) -> dict:
    platforms = list(db.session.scalars(services.visible_platforms(user).order_by(services.Platform.code)))
    ids = [platform.id for platform in platforms]
    return {"platforms": platforms, "occupancy": services.occupancy(ids), "tenants": services.tenant_counts(ids)}
