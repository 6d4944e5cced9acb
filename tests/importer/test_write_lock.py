"""An import job on SQLite holds the write lock only for the bulk write: every row is checked and every
chunk compared and made ready in a reading transaction, then written with the lock. The rows and audit
events are exactly those of the ordinary import; a record another writer changed meanwhile is compared
again under the lock."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select, text

from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.importer import engine
from incubator.startups.models import QuarterlyReport

from .. import factories
from ..sqlite_locks import write_lock_is_free

CODES = [factories.credit_code(460 + number) for number in range(4)]
REPORT_HEADER = ["credit_code", "period", "revenue", "rd_expense", "employees", "rd_staff"]


@pytest.fixture
def zone(app, sheet, make_user):
    """Four companies; the first has a 2026Q3 report the file changes, the second one it repeats."""
    companies = [factories.organisation("startup", code=code) for code in CODES]
    factories.report(companies[0], "2026Q3", status="returned", revenue=10_000, employees=3)
    factories.report(companies[1], "2026Q3", status="verified", revenue=20_000, rd_expense=10_000, employees=4,
                     rd_staff=1)
    db.session.commit()
    rows = [[code, "2026Q3", 2, 1, 4, 1] for code in CODES] + [[CODES[0], "2026Q2", 5, 0, 2, 0]]
    return sheet([REPORT_HEADER, *rows], fmt="csv-utf8", name="reports"), make_user("admin")


def stored_rows() -> tuple[list, list]:
    """The raw stored values (as the driver holds them: text for times and JSON), ids left out."""
    reports = [tuple(row) for row in db.session.execute(text(
        "SELECT organisation_id, period, status, revenue, rd_expense, employees, rd_staff, version, "
        "submitted_at, verified_at, created_at, updated_at FROM quarterly_reports ORDER BY organisation_id, period"))]
    events = [tuple(row) for row in db.session.execute(text(
        "SELECT e.occurred_at, e.actor_id, e.action, e.entity_type, r.organisation_id, r.period, e.before, "
        "e.after, e.source, e.source_detail FROM audit_events e "
        "JOIN quarterly_reports r ON CAST(r.id AS TEXT) = e.entity_id "
        "WHERE e.entity_type = 'quarterly_reports' ORDER BY e.id"))]
    return reports, events


def writing_phase():
    """What a job passes as ``write_phase``: remembers whether it was opened."""
    opened = []

    @contextmanager
    def phase():
        opened.append(True)
        yield

    return phase, opened


def test_a_job_import_writes_exactly_what_the_ordinary_import_writes(zone):
    path, actor = zone
    phase, opened = writing_phase()
    job = engine.run_import("reports", path, actor=actor, write_phase=phase)
    assert (job.created, job.updated, job.unchanged, job.rejected, opened) == (3, 1, 1, 0, [True])
    by_job = stored_rows()
    db.session.rollback()
    plain = engine.run_import("reports", path, actor=actor)
    assert (plain.created, plain.updated, plain.unchanged) == (3, 1, 1)
    assert stored_rows() == by_job
    assert len(by_job[0]) == 5 and len(by_job[1]) == 4  # four audited changes: three new reports, one update


def test_a_report_changed_between_the_check_and_the_write_is_compared_again(zone):
    path, actor = zone
    changed = []
    phase, _opened = writing_phase()

    @contextmanager
    def phase_with_a_change():
        """After every chunk was compared (reading), another writer gives the second company's report
        other figures: the import must then update it (and audit that), not count it unchanged."""
        report = db.session.scalar(select(QuarterlyReport).where(QuarterlyReport.period == "2026Q3")
                                   .order_by(QuarterlyReport.id).offset(1).limit(1))
        report.revenue = 99_000
        db.session.flush()
        changed.append(report.id)
        with phase():
            yield

    result = engine.run_import("reports", path, actor=actor, write_phase=phase_with_a_change)
    assert (result.created, result.updated, result.unchanged) == (3, 2, 0)
    db.session.expire_all()
    report = db.session.get(QuarterlyReport, changed[0])
    assert report.revenue == 20_000
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_id == str(report.id),
                                                       AuditEvent.action == "update"))
    assert event.before["revenue"] == 99_000 and event.after["revenue"] == 20_000


def test_an_import_job_takes_the_write_lock_only_for_the_write(app, zone, monkeypatch):
    """A job's phases: while it checks the rows and compares the chunks, another connection can write;
    while it writes them, it cannot."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's; PostgreSQL locks rows, not the database")
    from incubator.importer.services import save_upload
    from incubator.jobs import services

    database = db.session.execute(text("PRAGMA database_list")).all()[0][2]  # the file this test writes
    path, actor = zone
    seen = []
    real_plan, real_write = engine.Loader.plan, engine._write_ready

    def plan(loader, *args):
        seen.append(("compare", write_lock_is_free(database)))
        return real_plan(loader, *args)

    def write_ready(*args):
        seen.append(("write", write_lock_is_free(database)))
        return real_write(*args)

    monkeypatch.setattr(engine.Loader, "plan", plan)
    monkeypatch.setattr(engine, "_write_ready", write_ready)

    class Upload:  # what the upload form hands to save_upload
        filename = "reports.csv"

        def save(self, target):
            Path(target).write_bytes(path.read_bytes())

    token = save_upload(Upload(), actor, engine.get_kind("reports"))
    job = services.enqueue("import", actor, token=token, kind="reports", partial=False)
    db.session.commit()
    job = services.perform(job.id)
    assert (job.status, job.result["created"], job.result["updated"], job.result["unchanged"]) == \
        ("finished", 3, 1, 1)
    assert seen == [("compare", True), ("write", False)]
