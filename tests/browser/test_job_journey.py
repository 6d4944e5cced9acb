"""In a real browser, without Redis: a large import runs as a job in a thread of the web process after the
response; the job page shows its progress bar, updates it from the status endpoint, then the result; the
job stays on "my jobs"."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from incubator import clock
from incubator.database import write_intent
from incubator.extensions import db
from incubator.jobs.models import Job
from incubator.startups.models import QuarterlyReport

from .. import factories
from .journeys import log_in

pytestmark = pytest.mark.browser


def test_a_large_import_shows_its_progress_then_its_result(live_server, page, make_user, tmp_path):
    clock.freeze(datetime(2026, 11, 20, 10, 0))
    live_server.config.update(JOB_IN_PROCESS_THREAD=True, IMPORT_JOB_MIN_BYTES=100)  # as `make run` does
    admin = make_user("admin")
    email = admin.email
    codes = [factories.credit_code(800 + n) for n in range(40)]
    for code in codes:
        factories.organisation("startup", code=code)
    db.session.commit()
    db.session.close()
    upload = tmp_path / "reports.csv"
    upload.write_text("credit_code,period,revenue,rd_expense,employees\n"
                      + "".join(f"{code},2026Q3,1,1,5\n" for code in codes), encoding="utf-8")
    base = live_server.url
    token = write_intent.set(False)  # read without SQLite's write lock while the live server writes
    try:
        log_in(page, base, email)
        page.goto(f"{base}/import/")
        page.select_option("select[name=kind]", "reports")
        page.set_input_files("input[name=file]", str(upload))
        page.click("#submit")
        page.wait_for_selector("#confirm")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#confirm")
        page.wait_for_url(f"{base}/jobs/*")
        assert page.is_visible("#job-progress")
        page.wait_for_selector("#outcome", timeout=30_000)  # shown at once, or after the polling saw the end
        assert "40 created" in page.inner_text("#outcome")
        assert page.inner_text("#job-bar") == "100%"
        job = db.session.scalar(select(Job))
        assert (job.status, job.kind) == ("finished", "import")
        assert db.session.scalar(select(func.count()).select_from(QuarterlyReport)) == 40
        db.session.close()
        page.goto(f"{base}/jobs/")
        assert page.is_visible(f"a[href='/jobs/{job.id}']")
    finally:
        db.session.close()
        write_intent.reset(token)
        clock.freeze(None)
