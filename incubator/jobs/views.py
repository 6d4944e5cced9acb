"""My jobs, one job's page (progress that updates, its result), its status as JSON, the result file, and
the administrators' list with retry and cancel. Owners see their own jobs, administrators all; any other
job answers 404."""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from sqlalchemy.orm import joinedload

from ..access import admin_required, roles_required
from ..downloads import attachment
from ..forms import ConfirmForm
from ..saving import act, attempt, confirmed
from ..pages import page_of
from . import bp, registry, services
from .models import JOB_STATES, Job


@bp.context_processor
def labels():
    return {"state_labels": services.STATE_LABELS, "stage_labels": services.STAGE_LABELS}


def _job_or_404(job_id: int) -> Job:
    job = services.job_for(current_user, job_id)
    if job is None:
        abort(404)
    return job


@bp.route("/")
@login_required
def mine():
    query = services.visible_jobs(current_user).where(Job.user_id == current_user.id).order_by(Job.id.desc())
    page = page_of(query)
    return render_template("jobs/mine.html", page=page, label_of=label_of)


@bp.route("/<int:job_id>")
@login_required
def show(job_id: int):
    job = _job_or_404(job_id)
    return render_template("jobs/show.html", job=job, label_of=label_of, message=services.message_of(job),
                           confirm_form=ConfirmForm())


@bp.route("/<int:job_id>/status.json")
@login_required
def status(job_id: int):
    """What the job page polls: state, percent, stage and, once ended, the message to show."""
    job = _job_or_404(job_id)
    return services.status_of(job)


@bp.route("/<int:job_id>/file")
@login_required
def result_file(job_id: int):
    job = _job_or_404(job_id)
    kind = registry.get(job.kind)
    found = services.result_file_of(job) if kind is None or kind.allows(current_user) else None
    if found is None:  # also when its owner no longer holds a role that may read it
        abort(404)
    path, download_name, mimetype = found
    response = send_file(path, mimetype=mimetype)
    # Named as the direct download names it (UTF-8 name and an ASCII one in words, not a stripped one).
    response.headers["Content-Disposition"] = attachment(download_name, (job.result or {}).get("ascii_name"))
    return response


@bp.route("/evaluation-export", methods=["POST"])
@admin_required
def evaluation_export():
    """Export a quarter's evaluation in the background (a province's companies take a while); the job's
    page offers the file when it is written."""
    from ..periods import Period, PeriodError
    from .kinds import EVALUATION_JOB_FORMATS

    fmt, lang = request.form.get("fmt"), request.form.get("lang")
    try:
        period = Period.parse(request.form.get("period", ""))
    except PeriodError:
        abort(404)
    confirmed()
    if fmt not in EVALUATION_JOB_FORMATS:
        abort(400)
    job = attempt(lambda: services.enqueue(
        "evaluation-export", current_user, period=str(period), fmt=fmt,
        lang=lang if lang in current_app.config["LANGUAGES"] else None,
        version=request.form.get("version", type=int), live=request.form.get("live") == "1")).result
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/torch-export", methods=["POST"])
@roles_required("admin", "manager")
def torch_export():
    """The Torch statistics of many platforms in the background; the job sees what its owner sees."""
    from .. import clock

    fmt, lang = request.form.get("fmt"), request.form.get("lang")
    year = request.form.get("year", type=int)
    confirmed()
    if fmt not in ("csv", "xlsx") or year is None or not 2000 <= year <= clock.today().year:
        abort(400)
    job = attempt(lambda: services.enqueue("torch-export", current_user, year=year, fmt=fmt,
                                           lang=lang if lang in current_app.config["LANGUAGES"] else None)).result
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/admin")
@admin_required
def admin():
    state = request.args.get("status")
    query = services.visible_jobs(current_user).options(joinedload(Job.user))
    if state in JOB_STATES:
        query = query.where(Job.status == state)
    page = page_of(query.order_by(Job.id.desc()))
    return render_template("jobs/admin.html", page=page, state=state, states=JOB_STATES, label_of=label_of,
                           counts=services.counts_by_status(), health=services.health(), confirm_form=ConfirmForm())


def _operate(job_id: int, operation):
    job = _job_or_404(job_id)
    back = request.form.get("next") if request.form.get("next") == url_for("jobs.admin") \
        else url_for("jobs.show", job_id=job_id)
    return act(lambda: operation(job), next_page=back)


@bp.route("/<int:job_id>/retry", methods=["POST"])
@admin_required
def retry(job_id: int):
    return _operate(job_id, services.retry)


@bp.route("/<int:job_id>/cancel", methods=["POST"])
@login_required
def cancel(job_id: int):
    """The job's owner, or an administrator, may cancel a job that has not started."""
    return _operate(job_id, services.cancel)


def label_of(job: Job) -> str:
    kind = registry.get(job.kind)
    return str(kind.label) if kind else job.kind
