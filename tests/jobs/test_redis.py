"""Jobs on a real Redis (RQ): enqueued only after the asking transaction commits, run by a worker, and a
worker killed in the middle of a job leaves it to be retried (or failed), never lost silently."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from incubator import clock
from incubator.extensions import db
from incubator.jobs import services
from incubator.jobs.models import Job
from incubator.organisations.models import Organisation

from .. import factories

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def config_overrides(redis_settings):
    return {**redis_settings, "IMPORT_JOB_MIN_BYTES": 40}


@pytest.fixture(autouse=True)
def _industries(app):
    from incubator.organisations.services import ensure_default_industries

    ensure_default_industries()
    db.session.commit()


def organisations_csv(count: int, first: int = 9000) -> str:
    rows = "".join(f"{factories.credit_code(first + n)},公司{first + n},startup\n" for n in range(count))
    return "credit_code,name,kind\n" + rows


def upload_and_confirm(client, text: str):
    response = client.post("/import/", data={"kind": "organizations",
                                             "file": (io.BytesIO(text.encode()), "organisations.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    token = response.headers["Location"].rstrip("/").split("/")[-1]
    return client.post(f"/import/{token}/confirm", data={})


def organisations() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


def run_burst(app) -> None:
    """A worker in this process (RQ's SimpleWorker: no fork) that runs what is queued, then stops."""
    from rq import SimpleWorker

    SimpleWorker([app.config["JOB_QUEUE_NAME"]], connection=services.redis_connection()).work(burst=True)


def test_with_redis_a_large_import_waits_in_the_queue_until_a_worker_runs_it(app, login_as):
    client, admin = login_as("admin")
    response = upload_and_confirm(client, organisations_csv(30))
    job = db.session.scalar(select(Job))
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.status, organisations()) == ("queued", 0)  # nothing ran in the web process
    assert services.rq_queue().count == 1
    assert client.get(f"/jobs/{job.id}/status.json").get_json()["status"] == "queued"

    run_burst(app)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert (job.status, job.result["created"], organisations()) == ("finished", 30, 30)
    assert services.rq_queue().count == 0


def test_with_redis_nothing_is_queued_when_the_transaction_rolls_back(app, make_user):
    admin = make_user("admin")
    services.enqueue("notify", admin, user_ids=[admin.id], subject="Hello")
    db.session.rollback()
    assert services.rq_queue().count == 0
    services.enqueue("notify", admin, user_ids=[admin.id], subject="Hello")
    db.session.commit()
    assert services.rq_queue().count == 1


def worker_process(app, tmp_path, *args):
    """``flask --app wsgi worker`` as production runs it, on this test's database, Redis queue and files."""
    env = {**os.environ, "PYTHONPATH": ROOT, "INCUBATOR_ENV": "testing",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": app.config["REDIS_URL"],
           "INCUBATOR_JOB_QUEUE_NAME": app.config["JOB_QUEUE_NAME"],
           "INCUBATOR_UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"], "INCUBATOR_MAIL_OUTBOX": app.config["MAIL_OUTBOX"],
           "INCUBATOR_INSTANCE_PATH": str(tmp_path / "worker-instance")}
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    with open(tmp_path / "worker.log", "wb") as log:
        return subprocess.Popen([flask, "--app", "wsgi", "worker", *args], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc: RQ moves its work horse out of our group)."""
    found = []
    for stat in os.listdir("/proc"):
        if stat.isdigit():
            try:
                with open(f"/proc/{stat}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(stat))
    return sorted(found)


def wait_for(condition, seconds: float = 180):  # a worker starts slowly on a loaded machine
    """Poll ``condition`` reading only (on SQLite a deferred BEGIN: the worker's writes are not held up)."""
    from incubator.database import write_intent

    deadline = time.monotonic() + seconds
    token = write_intent.set(False)
    try:
        while time.monotonic() < deadline:
            db.session.rollback()
            value = condition()
            if value:
                return value
            time.sleep(0.05)
    finally:
        db.session.rollback()
        write_intent.reset(token)
    raise AssertionError("timed out")


@pytest.mark.slow
def test_a_worker_killed_in_the_middle_of_an_import_leaves_a_job_that_is_retried_and_imports_once(
        app, login_as, tmp_path, worker_writes):
    client, admin = login_as("admin")
    upload_and_confirm(client, organisations_csv(3000))
    job_id = db.session.scalar(select(Job.id))
    worker = worker_process(app, tmp_path)
    try:
        wait_for(lambda: db.session.get(Job, job_id).status == "running")
    finally:
        for pid in [*children_of(worker.pid), worker.pid]:  # RQ's work horse (its own session), then the worker
            os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=30)
    job = db.session.get(Job, job_id)
    assert (job.status, job.attempts, organisations()) == ("running", 1, 0)  # nothing half-written

    # The next schedules run (a while later) finds the job without a heartbeat and queues it again.
    clock.freeze(datetime.now(timezone.utc) + timedelta(hours=1))
    assert services.recover_stale()["requeued"] == 1
    db.session.commit()
    run_burst(app)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert (job.status, job.attempts, job.result["created"], organisations()) == ("finished", 2, 3000, 3000)


@pytest.mark.slow
def test_the_worker_command_with_its_scheduler_sends_the_reminders_and_runs_the_queue(app, make_user, tmp_path,
                                                                                     worker_writes):
    platform = factories.platform(code="P-WORKER")
    company = factories.organisation("startup")
    factories.incubation(company, platform, date(2025, 1, 1))
    db.session.commit()
    founder = make_user("startup", organisation_id=company.id)
    admin = make_user("admin")
    job = services.enqueue("notify", admin, user_ids=[admin.id, founder.id], subject="Hello")
    db.session.commit()
    worker = worker_process(app, tmp_path, "--with-scheduler", "--burst")
    worker.wait(timeout=120)
    assert worker.returncode == 0, (tmp_path / "worker.log").read_text()[-2000:]
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "finished"
    from incubator.jobs.models import ScheduleMark

    today = clock.today().isoformat()
    assert db.session.get(ScheduleMark, f"daily:recognition-alerts:{today}") is not None


def test_with_redis_an_evaluation_pdf_waits_for_a_worker_and_is_then_offered(app, login_as):
    client, admin = login_as("admin")
    response = client.post("/jobs/evaluation-export", data={"period": "2026Q3", "fmt": "pdf", "live": "1",
                                                           "lang": "en"})
    job = db.session.scalar(select(Job))
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.status, services.rq_queue().count) == ("queued", 1)
    assert client.get(f"/jobs/{job.id}/file").status_code == 404  # nothing to fetch before it ran

    run_burst(app)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert (job.status, job.result["download_name"]) == ("finished", "evaluation_2026Q3_live_en.pdf")
    download = client.get(f"/jobs/{job.id}/file")
    head = download.data[:5]
    download.close()
    assert (download.status_code, download.mimetype, head) == (200, "application/pdf", b"%PDF-")
