"""Home-page panels: a booker's coming bookings; a manager's pending approvals and today's use."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from . import services


def upcoming(user) -> dict:
    return {"bookings": services.upcoming_for(user), "as_local": services.as_local}


def bookings_to_approve(user):
    """The pending bookings on the resources of ``user``'s platforms (the approvals page lists the same)."""
    return services.visible_bookings(user).where(services.Booking.status == "pending")


def register_home_tasks() -> None:
    from flask import url_for
    from flask_babel import lazy_gettext as _l

    from ..home_tasks import TaskKind, register_task

    register_task(TaskKind("bookings_to_approve", _l("Bookings to approve"), frozenset({"admin", "manager"}),
                           bookings_to_approve, lambda user: url_for("bookings.approvals"), order=40,
                           endpoint="bookings.approvals"))


def manager(user) -> dict:
    pending = services.visible_bookings(user).where(services.Booking.status == "pending")
    count = db.session.scalar(select(func.count()).select_from(pending.subquery()))
    return {"pending": services.pending_for(user, limit=8), "pending_count": count,
            "today": services.today_for(user), "as_local": services.as_local}
