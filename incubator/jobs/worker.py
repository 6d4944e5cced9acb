"""The RQ side: the function a worker runs for a job and the worker loop with its own scheduling (a thread
that runs ``schedules.run_due`` every few minutes; each run is idempotent, so several workers may)."""
from __future__ import annotations

import logging
import threading

log = logging.getLogger("incubator.jobs")
_app = None


def worker_app():
    """The application of a process that was not started by the flask command (a plain ``rq worker``)."""
    global _app
    if _app is None:
        from .. import create_app

        _app = create_app()
    return _app


def perform_in_worker(job_id: int) -> None:
    """What RQ calls, in the work horse RQ forks for each job: the pool inherited from the parent is dropped
    (its connections belong to the parent), then the job runs in the application's context."""
    from flask import has_app_context

    from ..extensions import db
    from .services import perform

    if has_app_context():
        db.engine.dispose(close=False)
        perform(job_id)
        return
    with worker_app().app_context():
        db.engine.dispose(close=False)
        perform(job_id)


def run_schedules_once(app) -> None:
    """One round of ``run_due`` in a context of its own; the jobs it queues again go to Redis on commit."""
    from ..extensions import db
    from .schedules import run_due

    with app.app_context():
        try:
            run_due()
            db.session.commit()
        except Exception:  # noqa: BLE001  logged; the next round tries again
            db.session.rollback()
            log.exception("schedules failed")
        finally:
            db.session.remove()


def _schedule_loop(app, stop: threading.Event) -> None:
    interval = app.config["SCHEDULE_INTERVAL_SECONDS"]
    while True:
        run_schedules_once(app)
        if stop.wait(interval):
            return


def serve(with_scheduler: bool = False, burst: bool = False) -> None:
    """Run an RQ worker on the configured queue until stopped (or, with ``burst``, until it is empty)."""
    from flask import current_app
    from rq import Worker

    from .services import redis_connection

    app = current_app._get_current_object()
    stop = threading.Event()
    if with_scheduler and burst:
        run_schedules_once(app)  # a burst worker does one round of schedules, then empties the queue
    elif with_scheduler:
        threading.Thread(target=_schedule_loop, args=(app, stop), name="incubator-schedules", daemon=True).start()
    worker = Worker([app.config["JOB_QUEUE_NAME"]], connection=redis_connection())
    try:
        worker.work(burst=burst, with_scheduler=False)
    finally:
        stop.set()
