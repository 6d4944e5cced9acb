"""Home-page panels: a booker's coming bookings; a manager's pending approvals and today's use."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from . import services


def upcoming(user) -> dict:
    return {"bookings": services.upcoming_for(user), "as_local": services.as_local}


def manager(user) -> dict:
    pending = services.visible_bookings(user).where(services.Booking.status == "pending")
    count = db.session.scalar(select(func.count()).select_from(pending.subquery()))
    return {"pending": services.pending_for(user, limit=8), "pending_count": count,
            "today": services.today_for(user), "as_local": services.as_local}
