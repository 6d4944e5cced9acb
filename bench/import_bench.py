"""Import speed: 10,000 companies and 100,000 quarterly report rows, as xlsx and as CSV, each imported on a
fresh SQLite database in a temporary folder; prints the time and the peak memory of each import.

Run with ``.venv/bin/python -m bench.import_bench`` (``--rows N`` for another number of report rows). Each
format runs in its own process, so the peak resident memory measured belongs to that import alone.
"""
from __future__ import annotations

import argparse
import csv
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPANIES = 10_000
REPORT_ROWS = 100_000
GOAL_SECONDS = 20.0
REPORT_HEADER = ["credit_code", "period", "revenue", "rd_expense", "employees", "rd_staff",
                 "invention_patents_filed", "invention_patents_granted", "other_ip_granted",
                 "tech_contract_value", "financing", "tax_paid", "graduates_hired"]
PERIODS = [f"{year}Q{quarter}" for year in range(2020, 2027) for quarter in range(1, 5)][:26]


def credit_codes(count: int) -> list[str]:
    from incubator.organisations.credit_code import make

    return [make(f"91320500{n:09d}") for n in range(1, count + 1)]


def organisation_rows(codes: list[str]):
    yield ["credit_code", "name", "kind", "industry", "founded_on"]
    for n, code in enumerate(codes, start=1):
        yield [code, f"苏州示范科技有限公司{n}", "startup", "", f"20{10 + n % 14:02d}-0{1 + n % 9}-1{n % 10}"]


def report_rows(codes: list[str], count: int):
    """``count`` rows: each company's quarters in turn (10 quarters per company for 100,000 rows)."""
    import random

    rng = random.Random(7)
    yield REPORT_HEADER
    per_company = max(1, -(-count // len(codes)))
    written = 0
    for period in PERIODS[-per_company:]:
        for code in codes:
            if written == count:
                return
            employees = rng.randint(3, 400)
            yield [code, period, round(rng.uniform(0, 50_000), 4), round(rng.uniform(0, 5_000), 2), employees,
                   rng.randint(0, employees), rng.randint(0, 5), rng.randint(0, 3), rng.randint(0, 6),
                   round(rng.uniform(0, 800), 1), rng.choice([0, 0, 0, 500, 1200.5]), round(rng.uniform(0, 900), 2),
                   rng.randint(0, 8)]
            written += 1


def write_csv(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        for row in rows:
            writer.writerow(row)


def write_xlsx(path: Path, sheet_name: str, rows) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet(sheet_name)
    for index, row in enumerate(rows):
        sheet.write_row(index, 0, row)
    workbook.close()


class PeakMemory:
    """Samples this process's resident memory every 20 ms; ``peak_mb`` after ``stop``."""

    def __init__(self):
        self.peak = 0
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, self.rss())
            time.sleep(0.02)

    def __enter__(self):
        self.start = self.rss()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def peak_mb(self) -> float:
        return self.peak / 2**20

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def run_one(folder: Path, fmt: str) -> None:
    """In a fresh process: migrate a new SQLite file, import the companies, then time the reports."""
    from flask_migrate import upgrade

    from incubator import clock, create_app
    from incubator.extensions import db
    from incubator.importer.services import import_file

    clock.freeze(None)
    database = folder / f"bench-{fmt}.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "bench",
                      "UPLOAD_FOLDER": str(folder / "uploads")})
    with app.app_context():
        logging.disable(logging.INFO)
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
        logging.disable(logging.NOTSET)
        suffix = "xlsx" if fmt == "xlsx" else "csv"
        for kind, name in (("organizations", f"organizations.{suffix}"), ("reports", f"reports.{suffix}")):
            path = folder / name
            started, cpu = time.perf_counter(), time.process_time()
            with PeakMemory() as memory:
                result = import_file(kind, path)
                db.session.commit()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"  {fmt:<4} {kind:<14} {result.rows:>7,} rows  {elapsed:6.1f} s (CPU {cpu:5.1f} s)  "
                  f"peak {memory.peak_mb:6.0f} MB (+{memory.growth_mb:.0f} MB during import)  {result.summary()}",
                  flush=True)
            if result.problems:
                print("   first problem:", result.problems[0].line())
        started, cpu = time.perf_counter(), time.process_time()
        result = import_file("reports", folder / f"reports.{suffix}")
        db.session.commit()
        print(f"  {fmt:<4} {'reports again':<14} {result.rows:>7,} rows  {time.perf_counter() - started:6.1f} s "
              f"(CPU {time.process_time() - cpu:5.1f} s)  {result.summary()}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=REPORT_ROWS)
    parser.add_argument("--companies", type=int, default=COMPANIES)
    parser.add_argument("--one", nargs=2, metavar=("FOLDER", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.one:
        run_one(Path(args.one[0]), args.one[1])
        return 0

    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        codes = credit_codes(args.companies)
        write_csv(folder / "organizations.csv", organisation_rows(codes))
        write_csv(folder / "reports.csv", report_rows(codes, args.rows))
        write_xlsx(folder / "organizations.xlsx", "organizations", organisation_rows(codes))
        write_xlsx(folder / "reports.xlsx", "reports", report_rows(codes, args.rows))
        sizes = {name: (folder / name).stat().st_size / 2**20 for name in ("reports.csv", "reports.xlsx")}
        print(f"generated {args.companies:,} companies and {args.rows:,} report rows in "
              f"{time.perf_counter() - started:.1f} s (reports.csv {sizes['reports.csv']:.1f} MB, "
              f"reports.xlsx {sizes['reports.xlsx']:.1f} MB)", flush=True)
        for fmt in ("csv", "xlsx"):
            subprocess.run([sys.executable, "-m", "bench.import_bench", "--one", str(folder), fmt],
                           cwd=str(ROOT), check=True)
    print(f"goal: reports import under {GOAL_SECONDS:.0f} s for {REPORT_ROWS:,} rows; the load average was "
          f"{os.getloadavg()[0]:.1f} (on a busy machine the CPU time is the fairer figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
