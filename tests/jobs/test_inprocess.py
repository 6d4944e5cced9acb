"""Jobs without Redis: a large import runs as a job after the request commits, shows its progress and
result, belongs to its owner (others get 404), and fails cleanly with nothing half-written."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from incubator import clock
from incubator.extensions import db
from incubator.jobs import services
from incubator.jobs.models import Job
from incubator.startups.models import QuarterlyReport

from .. import factories

REPORT_HEADER = "credit_code,period,revenue,rd_expense,employees\n"


@pytest.fixture
def config_overrides():
    return {"IMPORT_JOB_MIN_BYTES": 40}  # every test upload here is "large"


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(datetime(2026, 11, 20, 10, 0))
    yield
    clock.freeze(None)


@pytest.fixture
def companies(app):
    platform = factories.platform(code="P-JOBS")
    codes = [factories.credit_code(700 + number) for number in range(12)]
    for code in codes:
        factories.incubation(factories.organisation("startup", code=code), platform, date(2025, 1, 1))
    db.session.commit()
    return platform, codes


def upload_and_confirm(client, text: str, partial: bool = False):
    response = client.post("/import/", data={"kind": "reports", "file": (io.BytesIO(text.encode()), "reports.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    token = response.headers["Location"].rstrip("/").split("/")[-1]
    return client.post(f"/import/{token}/confirm", data={"partial": "y"} if partial else {})


def reports() -> int:
    return db.session.scalar(select(func.count()).select_from(QuarterlyReport))


def test_a_large_import_runs_as_a_job_and_its_page_shows_the_result(companies, login_as):
    _, codes = companies
    client, admin = login_as("admin")
    rows = "".join(f"{code},2026Q3,{number + 1},1,5\n" for number, code in enumerate(codes))
    response = upload_and_confirm(client, REPORT_HEADER + rows)
    assert response.status_code == 302
    job = db.session.scalar(select(Job))
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.kind, job.status, job.user_id, job.attempts) == ("import", "finished", admin.id, 1)
    assert (job.result["created"], job.result["rejected"], job.percent) == (12, 0, 100)
    assert reports() == 12

    status = client.get(f"/jobs/{job.id}/status.json").get_json()
    assert (status["status"], status["percent"], status["ended"], status["message"]) == ("finished", 100, True, None)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "12 created, 0 updated, 0 unchanged, 0 rejected" in page
    mine = client.get("/jobs/").get_data(as_text=True)
    assert f'href="/jobs/{job.id}"' in mine


def test_an_import_with_a_bad_row_writes_nothing_and_lists_the_problem(companies, login_as):
    _, codes = companies
    client, _ = login_as("admin")
    response = upload_and_confirm(client, REPORT_HEADER + f"{codes[0]},2026Q3,1,1,5\n{codes[1]},2026Q3,-1,1,5\n")
    job = db.session.scalar(select(Job))
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.status, job.result["written"], job.result["rejected"]) == ("finished", False, 1)
    assert job.result["problems"] == [[3, "revenue", "An amount may not be negative."]]
    assert reports() == 0


def test_another_user_gets_404_for_a_job_and_cannot_cancel_or_retry_it(companies, login_as, make_user):
    _, codes = companies
    owner_client, owner = login_as("manager")
    companies[0].managers.append(owner)
    db.session.commit()
    upload_and_confirm(owner_client, REPORT_HEADER + f"{codes[0]},2026Q3,1,1,5\n")
    job = db.session.scalar(select(Job))
    assert job.status == "finished" and job.result["created"] == 1

    other_client, other = login_as("manager")
    for path in (f"/jobs/{job.id}", f"/jobs/{job.id}/status.json", f"/jobs/{job.id}/file"):
        assert other_client.get(path).status_code == 404
    assert other_client.post(f"/jobs/{job.id}/cancel").status_code == 404
    assert other_client.post(f"/jobs/{job.id}/retry").status_code in (403, 404)
    assert other_client.get("/jobs/admin").status_code in (403, 404)
    assert f'href="/jobs/{job.id}"' not in other_client.get("/jobs/").get_data(as_text=True)
    founder_client, _ = login_as("startup")
    assert founder_client.get(f"/jobs/{job.id}/status.json").status_code == 404


def test_a_job_that_raises_fails_with_a_message_in_the_users_language_and_rolls_back(app, login_as, monkeypatch):
    from incubator.jobs import registry

    client, admin = login_as("admin")

    def explode(context):
        factories.platform(code="HALF-WRITTEN")
        db.session.flush()
        raise RuntimeError("boom")

    monkeypatch.setitem(registry._KINDS, "notify", registry.JobKind("notify", "test", explode))
    job = services.enqueue("notify", admin, user_ids=[admin.id], subject="x")
    db.session.commit()
    assert services.run_pending() == 1
    db.session.refresh(job)
    assert (job.status, job.error) == ("failed", services.UNEXPECTED_FAILURE)
    from incubator.platforms.models import Platform

    assert db.session.scalar(select(func.count()).select_from(Platform).where(Platform.code == "HALF-WRITTEN")) == 0
    client.post("/language/zh")
    status = client.get(f"/jobs/{job.id}/status.json").get_json()
    assert status["status"] == "failed" and status["message"] != services.UNEXPECTED_FAILURE


def test_a_job_is_not_dispatched_when_its_transaction_rolls_back(app, make_user):
    admin = make_user("admin")
    db.session.commit()
    services.enqueue("notify", admin, user_ids=[admin.id], subject="x")
    db.session.rollback()
    assert services.run_pending() == 0
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_the_admin_page_lists_jobs_by_state_and_retries_a_failed_one(app, login_as, make_user):
    client, admin = login_as("admin")
    founder = make_user("startup")
    failed = Job(kind="notify", user_id=founder.id, status="failed", error=services.LOST_WORKER, attempts=2,
                 params={"user_ids": [founder.id], "subject": "Hello"})
    queued = Job(kind="notify", user_id=founder.id, status="queued", params={"user_ids": [founder.id], "subject": "Hi"})
    db.session.add_all([failed, queued])
    db.session.commit()
    page = client.get("/jobs/admin?status=failed").get_data(as_text=True)
    assert f'data-job="{failed.id}"' in page and f'data-job="{queued.id}"' not in page

    assert client.post(f"/jobs/{failed.id}/retry").status_code == 302  # queued again, run after the commit
    db.session.refresh(failed)
    assert (failed.status, failed.error, failed.attempts) == ("finished", None, 1)
    assert client.post(f"/jobs/{failed.id}/retry").status_code == 302  # a finished job: refused, unchanged
    db.session.refresh(failed)
    assert failed.status == "finished"

    founder_client = app.test_client()
    founder_client.post("/login", data={"email": founder.email, "password": "correct-horse-battery"})
    assert founder_client.post(f"/jobs/{queued.id}/retry").status_code in (403, 404)  # retry: admins only
    assert founder_client.post(f"/jobs/{queued.id}/cancel").status_code == 302  # the owner cancels
    db.session.refresh(queued)
    assert queued.status == "cancelled"
    assert services.perform(queued.id).status == "cancelled"  # a worker that picks it up later leaves it


def test_an_evaluation_export_runs_as_a_job_and_only_its_owner_or_an_admin_downloads_it(app, login_as):
    """From an empty zone (migrations only): the live figures of a quarter as the CSV zip, via a job."""
    import zipfile

    client, admin = login_as("admin")
    response = client.post("/jobs/evaluation-export", data={"period": "2026Q3", "fmt": "csv", "live": "1",
                                                           "lang": "en"})
    assert response.status_code == 302
    job = db.session.scalar(select(Job))
    assert (job.kind, job.status, job.result["download_name"]) == ("evaluation-export", "finished",
                                                                   "evaluation_2026Q3_live_en.zip")
    download = client.get(f"/jobs/{job.id}/file")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    download.close()
    assert names[0] == "summary.csv"

    manager_client, _ = login_as("manager")
    assert manager_client.get(f"/jobs/{job.id}/file").status_code == 404
    assert manager_client.post("/jobs/evaluation-export", data={"period": "2026Q3", "fmt": "csv"}).status_code in (403, 404)
    assert client.post("/jobs/evaluation-export", data={"period": "2026Q3", "fmt": "exe"}).status_code == 400
    assert client.post("/jobs/evaluation-export", data={"period": "2026Q9", "fmt": "csv"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Job)) == 1


def test_a_torch_export_job_holds_only_the_managers_platforms_and_is_audited(app, login_as):
    from incubator.audit.models import AuditEvent

    mine = factories.platform(code="P-TORCH-MINE", kind="incubator")
    factories.platform(code="P-TORCH-OTHER", kind="incubator")
    db.session.commit()
    client, manager = login_as("manager")
    mine.managers.append(manager)
    db.session.commit()
    response = client.post("/jobs/torch-export", data={"year": "2025", "fmt": "csv", "lang": "en"})
    assert response.status_code == 302
    job = db.session.scalar(select(Job))
    assert (job.kind, job.status, job.user_id) == ("torch-export", "finished", manager.id)
    download = client.get(f"/jobs/{job.id}/file")
    text = download.get_data(as_text=True)
    download.close()
    assert "P-TORCH-MINE" in text and "P-TORCH-OTHER" not in text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "torch_exported"))
    assert (event.actor_id, event.after["platforms"]) == (manager.id, ["P-TORCH-MINE"])
    assert client.post("/jobs/torch-export", data={"year": "1999", "fmt": "csv"}).status_code == 400
    founder_client, _ = login_as("startup")
    assert founder_client.post("/jobs/torch-export", data={"year": "2025", "fmt": "csv"}).status_code in (403, 404)
