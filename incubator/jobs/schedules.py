"""Schedules: daily alerts and purges, report deadline reminders and nightly backups. ``run_due`` does what
is due now and is idempotent: each daily task and each reminder (deadline, days before, company) claims a
``schedule_marks`` key first, and only the scheduler whose claim inserted the row goes on, so two schedulers
started at the same moment do each thing once."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from .. import clock
from ..extensions import db
from .models import ScheduleMark

log = logging.getLogger("incubator.jobs")


def claim(key: str) -> bool:
    """Insert the mark ``key`` unless it exists; true when this transaction is the one that inserted it.
    INSERT ... ON CONFLICT DO NOTHING: on PostgreSQL a concurrent claimer waits for the first to commit and
    then inserts nothing; on SQLite writers are serialised by BEGIN IMMEDIATE."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(ScheduleMark).values(key=key, created_at=clock.utcnow()).on_conflict_do_nothing(
        index_elements=["key"]).returning(ScheduleMark.key)
    # RETURNING, not rowcount: an ORM-enabled INSERT through the session reports rowcount -1 on psycopg.
    return db.session.execute(statement).scalar() is not None


@dataclass
class ScheduleRun:
    done: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return ", ".join(f"{name}: {value}" for name, value in self.done.items()) or "nothing due"


def _recognition_alerts(today: date):
    from ..platforms.services import send_recognition_alerts

    return send_recognition_alerts(today)


def _compliance_alerts(today: date):
    from ..compliance.alerts import refresh

    return refresh(today.year).alerts


def _purge_documents(today: date):
    from ..startups.services import purge_sensitive_documents

    return purge_sensitive_documents(today)


def _purge_jobs(today: date):
    from .services import purge_expired

    return purge_expired()


def _backup(today: date):
    from pathlib import Path

    from ..operations.services import backup

    folder = current_app.config.get("BACKUP_FOLDER")
    if not folder:
        return "not configured"
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    backup(folder / f"incubator-{today.isoformat()}.tar.gz")
    kept = sorted(folder.glob("incubator-*.tar.gz"))
    for old in kept[:-current_app.config["BACKUP_KEEP"]]:
        old.unlink()
    return "written"


DAILY = (
    ("recognition-alerts", _recognition_alerts),
    ("compliance-alerts", _compliance_alerts),
    ("purge-sensitive-documents", _purge_documents),
    ("purge-expired-jobs", _purge_jobs),
    ("backup", _backup),
)


def reminder_threshold(days_left: int) -> int | None:
    """The reminder due with ``days_left`` days to the deadline: the smallest of REMINDER_DAYS_BEFORE that
    is at least ``days_left`` (a run missed on day 10 still reminds on day 9, once)."""
    if days_left < 0:
        return None
    due = [days for days in current_app.config["REMINDER_DAYS_BEFORE"] if days >= days_left]
    return min(due) if due else None


def send_deadline_reminders(today: date | None = None) -> int:
    """Remind the founders of every company incubating at the quarter's end whose report of the quarter due
    is not submitted (none, draft or returned). Once per deadline, reminder day and company."""
    from ..auth.models import User
    from ..notifications.services import notify
    from ..startups.models import QuarterlyReport
    from ..startups.services import deadline, due_period, tenants_during

    today = today or clock.today()
    period = due_period(today)
    due = deadline(period)
    threshold = reminder_threshold((due - today).days)
    if threshold is None:
        return 0
    tenants = tenants_during(None, period).subquery()
    missing = list(db.session.scalars(
        select(tenants.c.organisation_id).distinct()
        .outerjoin(QuarterlyReport, and_(QuarterlyReport.organisation_id == tenants.c.organisation_id,
                                         QuarterlyReport.period == str(period)))
        .where(or_(QuarterlyReport.id.is_(None), QuarterlyReport.status.in_(("draft", "returned"))))
        .order_by(tenants.c.organisation_id)))
    founders: dict[int, list] = {}
    for user in db.session.scalars(select(User).where(User.role == "startup", User.organisation_id.in_(missing))
                                   .order_by(User.id)):
        founders.setdefault(user.organisation_id, []).append(user)
    sent = 0
    for organisation_id in missing:
        if not founders.get(organisation_id):
            continue
        if not claim(f"reminder:{period}:{threshold}:{organisation_id}"):
            continue
        notify(founders[organisation_id],
               _l("Your report for %(period)s is due on %(deadline)s"),
               _l("Please submit the quarterly report of %(period)s by %(deadline)s."),
               link=f"/reports/{period}", kind="reminder", period=str(period), deadline=due.isoformat())
        sent += 1
    return sent


def run_due(today: date | None = None) -> ScheduleRun:
    """Do every daily task not yet done today and the reminders due; the caller commits. Each task runs in
    a savepoint with its claim: one that fails is logged and rolled back alone (claim included), so the
    next run tries it again while the others stay done."""
    from .services import recover_stale

    today = today or clock.today()
    run = ScheduleRun()
    tasks = [(name, task, f"daily:{name}:{today.isoformat()}") for name, task in DAILY]
    tasks.append(("deadline-reminders", send_deadline_reminders, None))
    for name, task, key in tasks:
        try:
            with db.session.begin_nested():
                if key is None or claim(key):
                    run.done[name] = task(today)
        except Exception:  # noqa: BLE001  one task's failure must not undo or stop the others
            log.exception("schedule %s failed", name)
            run.done[name] = "failed"
    recovered = recover_stale()
    if any(recovered.values()):
        run.done["lost-jobs"] = recovered
    log.info("schedules ran: %s", run)
    return run
