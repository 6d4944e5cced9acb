"""The user's notifications."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..forms import ConfirmForm
from ..extensions import db
from ..saving import act
from ..pages import page_of
from . import bp
from .models import Notification
from .services import mark_read


@bp.route("/")
@login_required
def index():
    query = select(Notification).where(Notification.user_id == current_user.id).order_by(Notification.id.desc())
    page = page_of(query)
    return render_template("notifications/index.html", page=page, confirm_form=ConfirmForm())


@bp.route("/<int:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: int):
    notification = db.session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == current_user.id))
    if notification is None:
        abort(404)
    link = notification.link or ""
    return act(lambda: mark_read(current_user.id, notification.id),
               next_page=link if link.startswith("/") and not link.startswith("//") else url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    return act(lambda: mark_read(current_user.id),
               next_page=request.referrer if (request.referrer or "").startswith(request.host_url)
               else url_for("notifications.index"))
