"""``flask --app wsgi worker [--with-scheduler]`` serves the Redis queue (and runs the schedules);
``flask --app wsgi run-schedules`` does whatever schedule is due, once (the cron line without Redis)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db


@click.command("run-schedules")
@with_appcontext
def run_schedules_command() -> None:
    """Daily alerts, purges, backups and report deadline reminders that are due now; safe to run often."""
    from .schedules import run_due
    from .services import run_pending

    run = run_due()
    db.session.commit()
    if not current_app.config.get("REDIS_URL"):
        run_pending()  # lost jobs put back in the queue run here, in-process
    click.echo(f"schedules: {run}")


@click.command("run-jobs")
@with_appcontext
def run_jobs_command() -> None:
    """Without Redis: run every queued job now, in this process (e.g. after the web process was stopped)."""
    from sqlalchemy import select

    from .models import Job
    from .services import perform

    ids = list(db.session.scalars(select(Job.id).where(Job.status == "queued").order_by(Job.id)))
    db.session.rollback()
    for job_id in ids:
        job = perform(job_id)
        click.echo(f"job {job_id} ({job.kind}): {job.status}")


@click.command("worker")
@click.option("--with-scheduler", is_flag=True, help="Also run the schedules every SCHEDULE_INTERVAL_SECONDS.")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(with_scheduler: bool, burst: bool) -> None:
    """Serve the RQ queue on REDIS_URL: imports, exports and notifications queued by the web."""
    from .worker import serve

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without Redis, jobs run in the web process "
                                   "and `flask run-schedules` runs the schedules (from cron).")
    serve(with_scheduler=with_scheduler, burst=burst)


def init_app(app):
    app.cli.add_command(run_schedules_command)
    app.cli.add_command(run_jobs_command)
    app.cli.add_command(worker_command)
