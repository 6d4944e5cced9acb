"""The evaluation report's PDF as a job (no Redis): the same file as the direct download, named by the same
download helper, for administrators only; nobody else starts one or reads another user's result."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from incubator import clock
from incubator.extensions import db
from incubator.jobs import services
from incubator.jobs.models import Job


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(datetime(2026, 11, 20, 10, 0))  # the report prints its time: both copies print the same
    yield
    clock.freeze(None)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def job_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Job))


def test_the_pdf_job_gives_the_direct_downloads_file_and_name(app, login_as):
    """From an empty zone (migrations only, no seed): the live figures of a quarter, in Chinese."""
    client, admin = login_as("admin")
    client.post("/language/zh")
    direct = client.get("/evaluation/2026Q3/report.pdf?live=1")
    assert direct.status_code == 200

    response = client.post("/jobs/evaluation-export", data={"period": "2026Q3", "fmt": "pdf", "live": "1",
                                                           "lang": "zh"})
    job = db.session.scalar(select(Job).order_by(Job.id))
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.kind, job.status, job.user_id) == ("evaluation-export", "finished", admin.id)
    assert job.result["download_name"] == "考核评价_2026Q3_实时_zh.pdf"
    download = client.get(f"/jobs/{job.id}/file")
    assert (download.status_code, download.mimetype) == (200, "application/pdf")
    assert download.headers["Content-Disposition"] == direct.headers["Content-Disposition"]
    assert pdf_text(download.data) == pdf_text(direct.data)
    download.close()
    mine = client.get("/jobs/").get_data(as_text=True)
    assert f"/jobs/{job.id}" in mine  # the user finds it again on "my jobs"


def test_nobody_but_an_administrator_gets_an_evaluation_pdf(app, login_as):
    admin_client, admin = login_as("admin")
    admin_client.post("/jobs/evaluation-export", data={"period": "2026Q3", "fmt": "pdf", "live": "1"})
    job = db.session.scalar(select(Job))
    assert job.status == "finished"
    for role in ("manager", "startup", "partner"):
        client, _user = login_as(role)
        assert client.get("/evaluation/2026Q3/report.pdf").status_code in (403, 404)  # the direct download
        assert client.post("/jobs/evaluation-export",
                           data={"period": "2026Q3", "fmt": "pdf", "live": "1"}).status_code in (403, 404)
        for path in (f"/jobs/{job.id}", f"/jobs/{job.id}/status.json", f"/jobs/{job.id}/file"):
            assert client.get(path).status_code == 404, (role, path)
    assert job_count() == 1

    # Another administrator's PDF job is theirs; an owner who is no longer an administrator loses it.
    other_client, _other = login_as("admin")
    theirs = other_client.get(f"/jobs/{job.id}/file")
    theirs.close()
    assert theirs.status_code == 200
    admin.role = "manager"
    db.session.commit()
    assert admin_client.get(f"/jobs/{job.id}/file").status_code == 404


def test_a_pdf_job_whose_owner_lost_the_role_before_it_ran_fails_and_writes_no_file(app, make_user):
    owner = make_user("admin")
    job = services.enqueue("evaluation-export", owner, period="2026Q3", fmt="pdf", lang="en", live=True)
    owner.role = "manager"
    db.session.commit()
    services.run_pending()
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert (job.status, job.error, job.result) == ("failed", "You may no longer run this job.", None)
    assert sorted(path.name for path in services.result_folder().iterdir()) == []
