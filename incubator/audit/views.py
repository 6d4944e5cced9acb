"""Browsing the audit trail (administrators)."""
from __future__ import annotations

from datetime import datetime, time

from flask import current_app, render_template, request
from flask_login import current_user
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from .. import clock
from ..access import account_ids_for, admin_required, scoped
from ..extensions import db
from ..pages import page_of
from . import bp
from .labels import SOURCE_LABELS
from .models import AuditEvent


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    actor = StringField(_l("User"), validators=[Optional(), Length(max=254)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=40)])
    entity_type = StringField(_l("Record type"), validators=[Optional(), Length(max=40)])
    entity_id = StringField(_l("Record id"), validators=[Optional(), Length(max=64)])
    source = SelectField(_l("Source"), validators=[Optional()],
                         choices=lambda: [("", _l("All"))] + list(SOURCE_LABELS.items()))
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])


@bp.route("/")
@admin_required
def index():
    form = AuditFilterForm(request.args)
    form.validate()
    # Several zones: a zone's administrator reads what their zone's accounts did (the command line and the
    # jobs act for the whole deployment).
    query = scoped(select(AuditEvent), account_ids_for(current_user), AuditEvent.actor_id)
    if form.actor.data:
        query = query.where(AuditEvent.actor_email.ilike(f"%{form.actor.data.strip()}%"))
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data.strip())
    if form.entity_type.data:
        query = query.where(AuditEvent.entity_type == form.entity_type.data.strip())
    if form.entity_id.data:
        query = query.where(AuditEvent.entity_id == form.entity_id.data.strip())
    if form.source.data:
        query = query.where(AuditEvent.source == form.source.data)
    tz = clock.zone_tz()
    if form.date_from.data and not form.date_from.errors:
        query = query.where(AuditEvent.occurred_at >= datetime.combine(form.date_from.data, time.min, tz))
    if form.date_to.data and not form.date_to.errors:
        query = query.where(AuditEvent.occurred_at <= datetime.combine(form.date_to.data, time.max, tz))
    page = page_of(query.order_by(AuditEvent.id.desc()))
    return render_template("audit/index.html", page=page, filters=form)
