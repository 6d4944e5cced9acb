"""Schedules: what is due runs once (each daily task once a day, each deadline reminder once per company),
even with two schedulers at the same moment; lost jobs come back; expired results go."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from incubator import clock
from incubator.extensions import db
from incubator.jobs import schedules, services
from incubator.jobs.models import Job, ScheduleMark
from incubator.notifications.models import Notification

from .. import factories


def freeze(day: date, hour: int = 9) -> None:
    clock.freeze(datetime(day.year, day.month, day.day, hour, 0))


@pytest.fixture
def founders(app, make_user):
    """Four companies incubating at 2026Q3's end (report deadline 2026-10-15): none, a draft, a submitted
    and a verified report; each with one founder. And a company without a founder."""
    platform = factories.platform(code="P-REMIND")
    users = {}
    for name, status in (("none", None), ("draft", "draft"), ("submitted", "submitted"), ("verified", "verified")):
        company = factories.organisation("startup")
        factories.incubation(company, platform, date(2025, 1, 1))
        if status:
            factories.report(company, "2026Q3", status=status)
        db.session.commit()
        users[name] = make_user("startup", organisation_id=company.id)
    factories.incubation(factories.organisation("startup"), platform, date(2025, 1, 1))
    db.session.commit()
    return users


def reminders_of(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == "reminder"))


def run_on(day: date):
    freeze(day)
    run = schedules.run_due()
    db.session.commit()
    return run


def test_reminders_go_10_3_and_1_days_before_only_to_companies_that_have_not_submitted(founders):
    assert run_on(date(2026, 10, 4)).done["deadline-reminders"] == 0  # 11 days before: nothing yet
    assert run_on(date(2026, 10, 5)).done["deadline-reminders"] == 2
    assert [reminders_of(founders[name]) for name in ("none", "draft", "submitted", "verified")] == [1, 1, 0, 0]
    assert run_on(date(2026, 10, 5)).done["deadline-reminders"] == 0  # the same day again: nothing twice
    assert run_on(date(2026, 10, 8)).done["deadline-reminders"] == 0
    assert run_on(date(2026, 10, 12)).done["deadline-reminders"] == 2  # 3 days before
    assert run_on(date(2026, 10, 14)).done["deadline-reminders"] == 2  # 1 day before
    assert run_on(date(2026, 10, 16)).done["deadline-reminders"] == 0  # past the deadline
    assert [reminders_of(founders[name]) for name in ("none", "draft", "submitted", "verified")] == [3, 3, 0, 0]
    note = db.session.scalar(select(Notification).where(Notification.user_id == founders["none"].id)
                             .order_by(Notification.id))
    assert (note.subject, note.link) == ("Your report for 2026Q3 is due on 2026-10-15", "/reports/2026Q3")


def test_a_missed_reminder_day_still_reminds_once(founders):
    assert run_on(date(2026, 10, 7)).done["deadline-reminders"] == 2  # the 10-day reminder, late
    assert run_on(date(2026, 10, 9)).done["deadline-reminders"] == 0


def test_two_schedulers_at_the_same_moment_send_one_reminder_per_company(app, founders):
    freeze(date(2026, 10, 5))
    start = threading.Barrier(2)
    errors: list = []

    def scheduler():
        try:
            with app.app_context():
                start.wait(timeout=10)
                schedules.run_due()
                db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001  reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert [reminders_of(founders[name]) for name in ("none", "draft", "submitted", "verified")] == [1, 1, 0, 0]
    keys = list(db.session.scalars(select(ScheduleMark.key).where(ScheduleMark.key.like("reminder:%"))
                                   .order_by(ScheduleMark.key)))
    assert len(keys) == 2 and all(key.startswith("reminder:2026Q3:10:") for key in keys)
    daily = db.session.scalar(select(func.count()).select_from(ScheduleMark).where(
        ScheduleMark.key == "daily:recognition-alerts:2026-10-05"))
    assert daily == 1


def test_run_schedules_on_an_empty_database_does_each_daily_task_once(app, runner):
    """A fresh install after migrations, nothing seeded: the command runs and marks each task once a day."""
    freeze(date(2026, 12, 7))
    first = runner.invoke(args=["run-schedules"])
    assert first.exit_code == 0, first.output
    assert "recognition-alerts: 0" in first.output and "backup: not configured" in first.output
    second = runner.invoke(args=["run-schedules"])
    assert second.exit_code == 0 and "recognition-alerts" not in second.output
    marks = list(db.session.scalars(select(ScheduleMark.key).order_by(ScheduleMark.key)))
    assert marks == sorted(f"daily:{name}:2026-12-07" for name, _ in schedules.DAILY)


def test_a_failing_task_is_tried_again_at_the_next_run_and_does_not_stop_the_others(app, monkeypatch):
    freeze(date(2026, 12, 7))

    def broken(today):
        raise RuntimeError("mail server down")

    monkeypatch.setattr(schedules, "DAILY", (("recognition-alerts", broken), *schedules.DAILY[1:]))
    run = schedules.run_due()
    db.session.commit()
    assert run.done["recognition-alerts"] == "failed" and run.done["compliance-alerts"] == 0
    marks = set(db.session.scalars(select(ScheduleMark.key)))
    assert "daily:recognition-alerts:2026-12-07" not in marks and "daily:compliance-alerts:2026-12-07" in marks


def test_a_job_whose_worker_died_is_queued_again_then_failed_never_left_running(app, make_user):
    admin = make_user("admin")
    freeze(date(2026, 12, 7), hour=9)
    job = services.enqueue("notify", admin, user_ids=[admin.id], subject="Hello")
    db.session.commit()
    services.run_pending()  # in-process runner queue emptied: the job runs now
    lost = Job(kind="notify", user_id=admin.id, status="running", params={"user_ids": [admin.id], "subject": "Hi"},
               attempts=1, heartbeat_at=clock.utcnow())
    db.session.add(lost)
    db.session.commit()
    freeze(date(2026, 12, 7), hour=10)  # an hour without a heartbeat
    assert services.recover_stale() == {"requeued": 1, "failed": 0, "redispatched": 0}
    db.session.commit()
    assert services.run_pending() == 1
    db.session.refresh(lost)
    assert (lost.status, lost.attempts) == ("finished", 2)

    lost.status, lost.heartbeat_at = "running", clock.utcnow() - timedelta(hours=1)
    db.session.commit()
    assert services.recover_stale()["failed"] == 1
    db.session.commit()
    db.session.refresh(lost)
    assert (lost.status, lost.error) == ("failed", services.LOST_WORKER)
    db.session.refresh(job)
    assert job.status == "finished"  # a live, finished job is left alone


def test_expired_results_are_deleted_with_their_files(app, make_user):
    admin = make_user("admin")
    freeze(date(2026, 12, 1))
    old_file = services.result_folder() / "old.xlsx"
    old_file.write_bytes(b"x")
    old = Job(kind="notify", user_id=admin.id, status="finished", params={}, result={"file": "old.xlsx"},
              finished_at=clock.utcnow())
    recent = Job(kind="notify", user_id=admin.id, status="finished", params={}, finished_at=clock.utcnow())
    db.session.add_all([old, recent])
    db.session.commit()
    recent.finished_at = clock.utcnow() + timedelta(days=5)
    db.session.commit()
    freeze(date(2026, 12, 9))
    assert services.purge_expired() == 1
    db.session.commit()
    assert list(db.session.scalars(select(Job.id).order_by(Job.id))) == [recent.id]
    assert not old_file.exists()


def test_the_nightly_backup_is_written_once_a_day_and_old_ones_are_removed(app, tmp_path, monkeypatch):
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in range(1, 4):
        (folder / f"incubator-2026-11-0{day}.tar.gz").write_bytes(b"old")
    monkeypatch.setitem(app.config, "BACKUP_FOLDER", str(folder))
    monkeypatch.setitem(app.config, "BACKUP_KEEP", 2)
    freeze(date(2026, 12, 7), hour=2)
    assert run_on(date(2026, 12, 7)).done["backup"] == "written"
    assert "backup" not in run_on(date(2026, 12, 7)).done  # the same night again: nothing
    assert sorted(path.name for path in folder.iterdir()) == ["incubator-2026-11-03.tar.gz",
                                                              "incubator-2026-12-07.tar.gz"]
    import tarfile

    with tarfile.open(folder / "incubator-2026-12-07.tar.gz") as archive:
        assert "manifest.json" in archive.getnames()
