"""Queue, run and look after jobs. A job row is written in the asking transaction; the work is handed to
the queue (RQ) or run in-process only after that transaction commits, so a job never runs for a request
that rolled back. Services flush and never commit, except ``perform`` which is a transaction of its own."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, g, has_app_context, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..extensions import db
from . import registry
from .models import Job

log = logging.getLogger("incubator.jobs")
PENDING_KEY = "incubator_pending_jobs"


def queue_mode() -> str:
    return "redis" if current_app.config.get("REDIS_URL") else "in-process"


def enqueue(job_kind: str, user=None, **params) -> Job:
    """Record a queued job of ``job_kind`` for ``user``; it is dispatched when the current transaction commits."""
    if registry.get(job_kind) is None:
        raise KeyError(job_kind)
    job = Job(kind=job_kind, user_id=getattr(user, "id", None), params=params, status="queued")
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(PENDING_KEY, []).append(job.id)
    return job


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    """Hand the jobs of the committed transaction to the queue (Redis) or to the in-process runner."""
    pending = session.info.pop(PENDING_KEY, None)
    if not pending or not has_app_context():
        return
    if current_app.config.get("REDIS_URL"):
        for job_id in pending:
            push_to_redis(job_id)  # the session may not be used here; RQ talks only to Redis
    else:
        # The session may not be used inside its own after_commit: run them once the caller is done.
        if has_request_context():
            g.setdefault("jobs_to_run", []).extend(pending)
        else:
            current_app.extensions.setdefault("jobs_to_run", []).extend(pending)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop(PENDING_KEY, None)


def run_pending() -> int:
    """In-process mode: run the jobs committed so far (after a request, or from a command or a test)."""
    ran = 0
    while True:
        queue = g.get("jobs_to_run") if has_request_context() else None
        queue = queue or current_app.extensions.get("jobs_to_run")
        if not queue:
            return ran
        perform(queue.pop(0))
        ran += 1


def run_after_request(response):
    """``after_request``: in-process mode, run the jobs this request committed. In a thread by default, so
    the response (a progress page) goes out at once; in the request itself when JOB_IN_PROCESS_THREAD is
    off (tests, where a job's end must be known when the request returns)."""
    pending = g.pop("jobs_to_run", None)
    if not pending:
        return response
    if not current_app.config["JOB_IN_PROCESS_THREAD"]:
        for job_id in pending:
            perform(job_id)
        return response
    import threading

    app = current_app._get_current_object()

    def run_in_thread():
        with app.app_context():
            for job_id in pending:
                perform(job_id)

    threading.Thread(target=run_in_thread, name=f"incubator-jobs-{pending[0]}", daemon=True).start()
    return response


def redis_connection(timeout: float | None = None):
    from redis import Redis

    if timeout is None:
        return Redis.from_url(current_app.config["REDIS_URL"])
    return Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=timeout, socket_timeout=timeout)


def rq_queue():
    from rq import Queue

    return Queue(current_app.config["JOB_QUEUE_NAME"], connection=redis_connection())


def push_to_redis(job_id: int) -> bool:
    """Hand one job to RQ; false when Redis cannot be reached (the job stays queued in the table and the
    schedules push it again, see ``recover_stale``)."""
    from .worker import perform_in_worker

    try:
        rq_queue().enqueue(perform_in_worker, job_id, job_timeout=current_app.config["JOB_TIMEOUT_SECONDS"],
                           result_ttl=0, failure_ttl=24 * 3600)
    except Exception:
        log.exception("job %s could not be handed to the queue", job_id)
        return False
    return True


def _write_state(job_id: int, **values) -> None:
    """Write a job's state in a transaction of its own, so progress shows while the job's work is still
    uncommitted (and is never committed by it)."""
    from ..database import write_intent

    token = write_intent.set(True)
    try:
        with db.engine.begin() as connection:
            connection.execute(update(Job).where(Job.id == job_id).values(**values))
    finally:
        write_intent.reset(token)


class JobContext:
    """What a job's function gets: its row, ``progress`` to show how far it is, and ``writing()`` around the
    bulk write. On SQLite the write lock is taken only inside ``writing()`` (the job reads and validates
    before it), and progress is not written there: another connection would wait for our own lock."""

    def __init__(self, job: Job):
        self.job = job
        self.params = dict(job.params or {})
        self.in_write = False
        self.done = 0
        self.sqlite = db.engine.dialect.name == "sqlite"

    def progress(self, done: int, total: int | None = None, stage: str | None = None) -> None:
        if self.in_write and self.sqlite:
            return
        self.done = int(done)
        values = {"done": self.done, "heartbeat_at": clock.utcnow()}
        if total is not None:
            values["total"] = int(total)
        if stage is not None:
            values["stage"] = stage
        _write_state(self.job.id, **values)

    def writing(self):
        """Context manager: end the reading transaction (nothing was written) and open the writing one."""
        from contextlib import contextmanager

        from ..database import write_intent

        @contextmanager
        def write_phase():
            db.session.rollback()  # the validation only read: its transaction ends here, no lock held
            token = write_intent.set(True)
            self.in_write = True
            try:
                yield
            finally:
                write_intent.reset(token)
        return write_phase()

    def writing_with_stage(self, stage: str):
        """``writing`` as a factory (for ``run_import(write_phase=...)``), first showing ``stage``."""

        def factory():
            self.progress(self.done, stage=stage)
            return self.writing()
        return factory

    def reading(self):
        """End whatever the job's session holds so that its next statement starts a fresh reading
        transaction (a deferred BEGIN: on SQLite readers take no lock that would hold up writers)."""
        db.session.rollback()


def _heartbeat(job_id: int, stop, app) -> None:
    """Beat every JOB_HEARTBEAT_SECONDS while the job runs, so a live job is never taken for a lost one.
    A beat that cannot get the SQLite lock (our own bulk write holds it) is skipped."""
    interval = app.config["JOB_HEARTBEAT_SECONDS"]
    with app.app_context():
        while not stop.wait(interval):
            try:
                from ..database import write_intent

                write_intent.set(True)
                with db.engine.begin() as connection:
                    connection.execute(update(Job).where(Job.id == job_id, Job.status == "running")
                                       .values(heartbeat_at=clock.utcnow()))
            except Exception:  # noqa: BLE001  a missed beat is harmless; the next one tries again
                log.debug("job %s: heartbeat skipped", job_id, exc_info=True)


def perform(job_id: int) -> Job | None:
    """Run one job to its end: finished with its result, or failed with its message (and logged). The work
    and the "finished" mark commit together as one transaction; a failure rolls all of the work back.

    The work starts in a reading transaction (on SQLite no write lock); a kind writes inside
    ``context.writing()``, which opens the writing transaction."""
    import threading

    from ..database import write_intent

    db.session.rollback()
    now = clock.utcnow()
    token = write_intent.set(True)
    try:
        claimed = db.session.execute(update(Job).where(Job.id == job_id, Job.status == "queued").values(
            status="running", started_at=now, heartbeat_at=now, attempts=Job.attempts + 1, error=None))
        db.session.commit()
        write_intent.set(False)
        job = db.session.get(Job, job_id)
        if claimed.rowcount != 1 or job is None:
            db.session.rollback()
            return job  # cancelled, unknown, or already taken by another worker
        kind = registry.get(job.kind)
        stop = threading.Event()
        threading.Thread(target=_heartbeat, args=(job_id, stop, current_app._get_current_object()),
                         name=f"incubator-job-heartbeat-{job_id}", daemon=True).start()
        try:
            if kind is None:
                raise registry.JobFailed("This kind of job no longer exists.")
            context = JobContext(job)
            result = kind.run(context)
            stop.set()
            if not context.in_write:
                db.session.rollback()  # the work only read: the mark gets a writing transaction of its own
            write_intent.set(True)
            db.session.execute(update(Job).where(Job.id == job_id).values(
                status="finished", result=result or {}, finished_at=clock.utcnow(), heartbeat_at=clock.utcnow()))
            db.session.commit()
        except registry.JobFailed as error:
            db.session.rollback()
            log.warning("job %s (%s) failed: %s", job_id, job.kind, error.message)
            _finish(job_id, "failed", error=error.message,
                    result={"params": error.params} if error.params else None)
        except Exception:
            db.session.rollback()
            log.exception("job %s (%s) failed", job_id, job.kind)
            _finish(job_id, "failed", error=UNEXPECTED_FAILURE)
        finally:
            stop.set()
        write_intent.set(False)
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        db.session.rollback()
        return job
    finally:
        write_intent.reset(token)


UNEXPECTED_FAILURE = "The job failed unexpectedly; the administrators have been told."
LOST_WORKER = "The worker running this job stopped; it was not completed."


def _finish(job_id: int, status: str, **values) -> None:
    _write_state(job_id, status=status, finished_at=clock.utcnow(), heartbeat_at=clock.utcnow(), **values)


# --- who sees what ----------------------------------------------------------------------------------

def visible_jobs(user):
    """SELECT of the jobs ``user`` may see: administrators all, everyone else only their own."""
    query = select(Job)
    if user.role != "admin":
        query = query.where(Job.user_id == user.id)
    return query


def job_for(user, job_id: int) -> Job | None:
    return db.session.scalar(visible_jobs(user).where(Job.id == job_id))


STATE_LABELS = {
    "queued": _l("Queued"), "running": _l("Running"), "finished": _l("Finished"), "failed": _l("Failed"),
    "cancelled": _l("Cancelled"),
}
STAGE_LABELS = {"checking": _l("Checking the rows"), "writing": _l("Writing"), "sending": _l("Sending"),
                "exporting": _l("Exporting")}
# The messages a job may end with, known here so that the catalogue holds them (they are stored in English).
FAILURE_MESSAGES = (
    _l("The job failed unexpectedly; the administrators have been told."),
    _l("The worker running this job stopped; it was not completed."),
    _l("The uploaded file is no longer available; upload it again."),
    _l("This kind of job no longer exists."),
    _l("This version of the evaluation does not exist."),
    _l("You may no longer run this job."),
)


def message_of(job: Job) -> str | None:
    """A failed job's message in the reader's language (stored as its English message id)."""
    if not job.error:
        return None
    from flask_babel import gettext

    params = (job.result or {}).get("params") or {}
    return gettext(job.error, **params)


def status_of(job: Job) -> dict:
    return {"id": job.id, "status": job.status, "status_label": str(STATE_LABELS[job.status]),
            "percent": job.percent, "done": job.done, "total": job.total,
            "stage": str(STAGE_LABELS.get(job.stage, "")) if job.stage else "",
            "ended": job.status in ("finished", "failed", "cancelled"), "message": message_of(job)}


def result_file_of(job: Job):
    """(path, download name, mimetype) of a finished job's file, or None."""
    from pathlib import Path

    result = job.result or {}
    if job.status != "finished" or not result.get("file"):
        return None
    path = result_folder() / Path(result["file"]).name
    if not path.is_file():
        return None
    return path, result.get("download_name") or path.name, result.get("mimetype") or "application/octet-stream"


def counts_by_status() -> dict:
    rows = db.session.execute(select(Job.status, db.func.count()).group_by(Job.status).order_by(Job.status))
    return {status: count for status, count in rows}


# --- operations -------------------------------------------------------------------------------------

def retry(job: Job) -> Job:
    """Queue a failed or cancelled job again (a fresh attempt of the same work)."""
    from ..saving import FieldRuleBroken

    if job.status not in ("failed", "cancelled"):
        raise FieldRuleBroken(_l("Only a failed or cancelled job can be retried."))
    job.status, job.done, job.error, job.result, job.finished_at = "queued", 0, None, None, None
    job.attempts, job.stage = 0, ""
    db.session.flush()
    db.session.info.setdefault(PENDING_KEY, []).append(job.id)
    return job


def cancel(job: Job) -> Job:
    """Cancel a job that has not started: a worker that picks it up later leaves it alone."""
    from ..saving import FieldRuleBroken

    if job.status != "queued":
        raise FieldRuleBroken(_l("Only a queued job can be cancelled."))
    job.status, job.finished_at = "cancelled", clock.utcnow()
    db.session.flush()
    return job


def recover_stale() -> dict:
    """Jobs marked running whose heartbeat stopped (their worker was killed): queued again while they have
    attempts left, else failed. Never left running silently."""
    limit = clock.utcnow() - timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    stale = list(db.session.scalars(select(Job).where(
        Job.status == "running", or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < limit)).order_by(Job.id)))
    # Queued for long without being taken: its hand-over was lost (Redis down at the time, or the process
    # that was to run it in-process ended). Dispatch it again; a second copy finds it taken and stops.
    waiting = list(db.session.scalars(select(Job.id).where(Job.status == "queued", Job.created_at < limit)
                                      .order_by(Job.id)))
    requeued = failed = 0
    for job in stale:
        if job.attempts < current_app.config["JOB_MAX_ATTEMPTS"]:
            job.status, job.done = "queued", 0
            db.session.info.setdefault(PENDING_KEY, []).append(job.id)
            requeued += 1
        else:
            job.status, job.finished_at = "failed", clock.utcnow()
            job.error = LOST_WORKER
            failed += 1
        log.warning("job %s (%s) lost its worker: %s", job.id, job.kind, job.status)
    db.session.info.setdefault(PENDING_KEY, []).extend(waiting)
    db.session.flush()
    return {"requeued": requeued, "failed": failed, "redispatched": len(waiting)}


def purge_expired() -> int:
    """Delete finished, failed and cancelled jobs older than JOB_RESULT_DAYS, with their result files."""
    from pathlib import Path

    limit = clock.utcnow() - timedelta(days=current_app.config["JOB_RESULT_DAYS"])
    old = list(db.session.scalars(select(Job).where(
        Job.status.in_(("finished", "failed", "cancelled")), Job.finished_at < limit).order_by(Job.id)))
    for job in old:
        name = (job.result or {}).get("file")
        if name:
            (result_folder() / Path(name).name).unlink(missing_ok=True)
        db.session.delete(job)
    db.session.flush()
    return len(old)


def result_folder():
    from pathlib import Path

    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "job-results"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def health() -> dict:
    """Fields for /healthz: the queue's mode and reachability, the last worker heartbeat, queued jobs."""
    info: dict = {"queue": queue_mode(),
                  "jobs_queued": db.session.scalar(select(db.func.count()).select_from(Job)
                                                   .where(Job.status == "queued"))}
    if info["queue"] == "redis":
        try:
            from rq import Worker

            connection = redis_connection(timeout=1)
            connection.ping()
            workers = Worker.all(connection=connection)
            beats = [worker.last_heartbeat for worker in workers if worker.last_heartbeat]
            info["queue_reachable"] = True
            info["workers"] = len(workers)
            info["worker_last_heartbeat"] = max(beats).isoformat() if beats else None
        except Exception:  # the web keeps answering while Redis or the worker is down
            info["queue_reachable"] = False
            info["workers"] = 0
            info["worker_last_heartbeat"] = None
    return info


# --- notifications to many users ------------------------------------------------------------------

def message_id(text) -> str:
    """The English message id of a ``lazy_gettext`` string (its first argument), or the text itself: a
    job stores the id and translates it for each reader, as ``notify`` does in a request."""
    from flask_babel.speaklater import LazyString

    if isinstance(text, LazyString) and text._args:
        return str(text._args[0])
    return str(text)


def notify_many(users, subject, body="", *, owner=None, link: str | None = None, kind: str = "info", **values):
    """``notify`` for a list of recipients that may be long: up to NOTIFY_JOB_MIN_USERS inline (the count
    sent), above it a ``notify`` job owned by ``owner`` (default: the signed-in user) that sends once the asking transaction commits
    (the job; its page shows the progress). ``subject`` and ``body`` are ``lazy_gettext`` strings whose
    ``%(name)s`` come from ``values``. The job translates with the catalogue of the page that asked."""
    from ..notifications.services import notify

    recipients = [user for user in users if user.is_enabled]
    if len(recipients) <= current_app.config["NOTIFY_JOB_MIN_USERS"]:
        return notify(recipients, subject, body, link=link, kind=kind, **values)
    area = None
    if has_request_context():
        from flask import request
        from flask_login import current_user

        if owner is None and current_user and current_user.is_authenticated:
            owner = current_user._get_current_object()  # the job is on the page's user's "my jobs"
        blueprint = current_app.blueprints.get(request.blueprint or "")
        if blueprint is not None and "." in blueprint.import_name:
            area = blueprint.import_name.split(".")[1]
    return enqueue("notify", owner, user_ids=sorted(user.id for user in recipients),
                   subject=message_id(subject), body=message_id(body) if body else "", link=link,
                   notification_kind=kind, values={name: value if isinstance(value, (int, float, bool)) or
                                                   value is None else str(value) for name, value in values.items()},
                   area=area)
