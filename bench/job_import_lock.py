"""How long an import job holds SQLite's write lock: 100,000 quarterly report rows (10,000 companies) imported
as a job on a fresh SQLite database, while a probe on another connection tries ``BEGIN IMMEDIATE`` every
10 ms. Prints the job's total time and the longest stretch the probe could not write (the lock held).

Run with ``.venv/bin/python -m bench.job_import_lock`` (``--rows N`` for another number of rows).
"""
from __future__ import annotations

import argparse
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

from bench.import_bench import COMPANIES, REPORT_ROWS, credit_codes, organisation_rows, report_rows, write_csv


class LockProbe:
    """Tries to take the write lock every 10 ms without waiting; records the longest time it could not."""

    def __init__(self, path: Path):
        self.path, self.stop, self.longest, self.blocked_since = path, threading.Event(), 0.0, None
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        while not self.stop.is_set():
            now = time.monotonic()
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("ROLLBACK")
                if self.blocked_since is not None:
                    self.longest = max(self.longest, now - self.blocked_since)
                self.blocked_since = None
            except sqlite3.OperationalError:
                self.blocked_since = self.blocked_since or now
            time.sleep(0.01)
        connection.close()


def main(rows: int = REPORT_ROWS) -> None:
    from flask_migrate import upgrade

    from incubator import create_app
    from incubator.extensions import db
    from incubator.importer.services import import_file, save_upload
    from incubator.jobs import services
    from incubator.organisations.services import ensure_default_industries

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        database = folder / "bench.sqlite3"
        app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                          "UPLOAD_FOLDER": str(folder / "uploads"), "MAIL_OUTBOX": str(folder / "mail")},
                         instance_path=str(folder / "instance"))
        with app.app_context():
            upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"), revision="heads")
            ensure_default_industries()
            codes = credit_codes(COMPANIES)
            write_csv(folder / "companies.csv", organisation_rows(codes))
            assert import_file("organizations", folder / "companies.csv").written
            from incubator.auth.services import create_user

            admin = create_user("bench@example.cn", "admin", "correct-horse-battery")
            db.session.commit()
            write_csv(folder / "reports.csv", report_rows(codes, rows))

            class Upload:  # what the upload form hands to save_upload
                filename = "reports.csv"

                def save(self, target):
                    Path(target).write_bytes((folder / "reports.csv").read_bytes())

            from incubator.importer.engine import get_kind

            token = save_upload(Upload(), admin, get_kind("reports"))
            job = services.enqueue("import", admin, token=token, kind="reports", partial=False)
            db.session.commit()
            probe = LockProbe(database)
            probe.thread.start()
            started = time.monotonic()
            job = services.perform(job.id)
            total = time.monotonic() - started
            probe.stop.set()
            probe.thread.join()
            print(f"{rows:,} report rows as a job: {job.status} {job.error or ''}, created {(job.result or {}).get('created')}, "
                  f"{total:.1f} s in all; the write lock was held for at most {probe.longest:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=REPORT_ROWS)
    main(parser.parse_args().rows)
