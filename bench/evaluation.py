"""Benchmark of the evaluation on a generated zone of 10,000 companies × 12 quarters (SQLite, temp dir).

Prints, in one run: the hand-written SQL aggregate for the zone summary, the evaluation's computation of
the same figures and their ratio (goal ≤ 1.5); the CSV export against a raw fetch plus ``csv.writer``
(goal ≤ 3); the xlsx export against XlsxWriter writing the same cells alone (goal ≤ 1.3) with peak
memory (goal < 150 MB); the dashboard's server time against the hand-written SQL (goal ≤ 2).
Run with ``.venv/bin/python -m bench.evaluation`` (``COMPANIES=2000`` for a quicker run).
"""
from __future__ import annotations

import csv
import io
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
import zipfile
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPANIES = int(os.environ.get("COMPANIES", "10000"))
PLATFORMS = 40
PERIOD_TEXT = "2026Q3"


def timed(fn, repeat: int = 3):
    """Best of ``repeat`` runs (seconds) and the last result."""
    best, result = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def peak_memory(fn) -> float:
    """Peak memory allocated by Python while ``fn`` runs, in MB (tracemalloc; timed separately)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def generate(db, rng: random.Random) -> None:
    """A zone: platforms, companies with incubations (some moved), 12 quarters of reports, deals, agreements."""
    from sqlalchemy import insert

    from incubator.organisations.credit_code import make as make_credit_code
    from incubator.organisations.models import Organisation
    from incubator.outcomes.catalogue import CATALOGUE
    from incubator.outcomes.models import IndicatorWeight, Target
    from incubator.partnerships.models import Partnership, TechTransferDeal, TrainingCohort
    from incubator.periods import Period
    from incubator.platforms.models import Platform
    from incubator.startups.models import Incubation, QuarterlyReport

    session = db.session
    session.execute(insert(Platform), [
        {"id": n, "code": f"P{n:03d}", "name": f"平台{n}", "kind": "incubator" if n % 2 else "maker_space",
         "level": "provincial", "status": "active"} for n in range(1, PLATFORMS + 1)])
    session.execute(insert(Organisation), [
        {"id": n, "kind": "startup", "name": f"企业{n:05d}", "name_sort": f"qiye {n:05d}",
         "credit_code": make_credit_code(f"91320500{n:09d}")} for n in range(1, COMPANIES + 1)])
    universities = [COMPANIES + n for n in range(1, 21)]
    session.execute(insert(Organisation), [
        {"id": u, "kind": "university", "name": f"大学{u}", "name_sort": f"daxue {u}",
         "credit_code": make_credit_code(f"12320500{u:09d}")} for u in universities])

    incubations = []
    for n in range(1, COMPANIES + 1):
        admitted = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 1300))
        platform = rng.randrange(1, PLATFORMS + 1)
        if n % 10 == 0:  # moved: ended at one platform, admitted at another
            ended = admitted + timedelta(days=rng.randrange(30, 300))
            incubations.append({"organisation_id": n, "platform_id": platform, "admitted_on": admitted,
                                "status": "exited", "ended_on": ended})
            incubations.append({"organisation_id": n, "platform_id": platform % PLATFORMS + 1,
                                "admitted_on": ended + timedelta(days=1), "status": "incubating", "ended_on": None})
        elif n % 7 == 0:
            incubations.append({"organisation_id": n, "platform_id": platform, "admitted_on": admitted,
                                "status": "graduated", "ended_on": admitted + timedelta(days=rng.randrange(90, 700))})
        else:
            incubations.append({"organisation_id": n, "platform_id": platform, "admitted_on": admitted,
                                "status": "incubating", "ended_on": None})
    session.execute(insert(Incubation), incubations)

    quarters = [Period(year, q) for year in (2024, 2025, 2026) for q in (1, 2, 3, 4)]
    batch = []
    for n in range(1, COMPANIES + 1):
        employees = rng.randrange(3, 200)
        for period in quarters:
            status = "verified" if rng.random() < 0.95 else rng.choice(("draft", "submitted", "returned"))
            staff = rng.randrange(0, employees + 1)
            batch.append({
                "organisation_id": n, "period": str(period), "year": period.year, "quarter": period.quarter,
                "quarter_end": period.end, "status": status, "revenue": rng.randrange(0, 50_000_000),
                "rd_expense": rng.randrange(0, 5_000_000), "employees": employees, "rd_staff": staff,
                "invention_patents_filed": rng.randrange(0, 3), "invention_patents_granted": rng.randrange(0, 2),
                "other_ip_granted": rng.randrange(0, 4), "tech_contract_value": rng.randrange(0, 1_000_000),
                "financing": rng.choice((0, 0, 0, rng.randrange(0, 20_000_000))), "tax_paid": rng.randrange(0, 2_000_000),
                "graduates_hired": rng.randrange(0, 5)})
            if len(batch) >= 20_000:
                session.execute(insert(QuarterlyReport), batch)
                batch = []
    if batch:
        session.execute(insert(QuarterlyReport), batch)

    session.execute(insert(TechTransferDeal), [
        {"reference": f"TT-{n:05d}", "deal_date": date(2024, 1, 1) + timedelta(days=rng.randrange(0, 1000)),
         "title": f"成果{n}", "kind": "licence", "source_id": rng.choice(universities),
         "recipient_id": rng.randrange(1, COMPANIES + 1), "value": rng.randrange(10_000, 5_000_000)}
        for n in range(1, COMPANIES // 5 + 1)])
    agreements = []
    for n in range(1, COMPANIES // 30 + 1):
        starts = date(2023, 1, 1) + timedelta(days=rng.randrange(0, 1200))
        side = n % 3
        agreements.append({"id": n, "reference": f"AG-{n:05d}", "partner_id": rng.choice(universities),
                           "kind": "talent_training", "title": f"协议{n}", "starts_on": starts,
                           "ends_on": None if n % 4 else starts + timedelta(days=700),
                           "platform_id": rng.randrange(1, PLATFORMS + 1) if side == 0 else None,
                           "company_id": rng.randrange(1, COMPANIES + 1) if side == 1 else None,
                           "contract_value": 0})
    session.execute(insert(Partnership), agreements)
    session.execute(insert(TrainingCohort), [
        {"partnership_id": a["id"], "cohort_year": year, "enrolled": 40, "completed": 30, "hired_in_zone": rng.randrange(0, 30),
         "completed_on": date(year, 6, 30) + timedelta(days=rng.randrange(0, 60))}
        for a in agreements for year in (2024, 2025, 2026)])

    targets = []
    for indicator in CATALOGUE:
        targets.append({"year": 2026, "scope": "ZONE", "platform_id": None, "indicator": indicator.code,
                        "value_scaled": rng.randrange(1, 10**9), "status": "approved", "version": 1,
                        "updated_at": datetime(2026, 1, 5, tzinfo=timezone.utc)})
        for p in range(1, PLATFORMS + 1):
            targets.append({"year": 2026, "scope": f"P{p:03d}", "platform_id": p, "indicator": indicator.code,
                            "value_scaled": rng.randrange(1, 10**8), "status": "approved", "version": 1,
                            "updated_at": datetime(2026, 1, 5, tzinfo=timezone.utc)})
    session.execute(insert(Target), targets)
    session.execute(insert(IndicatorWeight), [{"year": 2026, "indicator": "REVENUE", "weight_scaled": 20_000}])
    session.commit()


# --- hand-written SQL -------------------------------------------------------------------------------------

FIGURES = ("revenue", "rd_expense", "employees", "rd_staff", "invention_patents_filed", "invention_patents_granted",
           "other_ip_granted", "tech_contract_value", "financing", "tax_paid", "graduates_hired")


def raw_zone_summary(connection, period) -> dict:
    """The zone's base figures of summary.csv (quarter, year to date, a year earlier) in hand-written SQL."""
    y, n = period.year, period.quarter
    qs, qe = period.start.isoformat(), period.end.isoformat()
    ys, ps = date(y, 1, 1).isoformat(), date(y - 1, 1, 1).isoformat()
    pe = date(y - 1, period.end.month, period.end.day).isoformat()
    sums = ", ".join(f"SUM({f})" for f in FIGURES)
    rows = connection.exec_driver_sql(
        f"SELECT year, quarter, {sums} FROM quarterly_reports WHERE status = 'verified' AND year IN (?, ?) "
        f"AND quarter <= ? GROUP BY year, quarter", (y - 1, y, n)).fetchall()
    reports = {(row[0], row[1]): row[2:] for row in rows}
    incubations = connection.exec_driver_sql(
        "SELECT SUM(admitted_on BETWEEN ? AND ?), SUM(admitted_on BETWEEN ? AND ?), SUM(admitted_on BETWEEN ? AND ?),"
        " SUM(status = 'graduated' AND ended_on BETWEEN ? AND ?), SUM(status = 'graduated' AND ended_on BETWEEN ? AND ?),"
        " SUM(status = 'graduated' AND ended_on BETWEEN ? AND ?),"
        " SUM(admitted_on <= ? AND (ended_on IS NULL OR ended_on >= ?)), SUM(admitted_on <= ? AND (ended_on IS NULL OR ended_on >= ?))"
        " FROM incubations", (qs, qe, ys, qe, ps, pe, qs, qe, ys, qe, ps, pe, qe, qe, pe, pe)).fetchone()
    deals = connection.exec_driver_sql(
        "SELECT SUM(deal_date BETWEEN ? AND ?), SUM(CASE WHEN deal_date BETWEEN ? AND ? THEN value ELSE 0 END),"
        " SUM(deal_date BETWEEN ? AND ?), SUM(CASE WHEN deal_date BETWEEN ? AND ? THEN value ELSE 0 END),"
        " SUM(deal_date BETWEEN ? AND ?), SUM(CASE WHEN deal_date BETWEEN ? AND ? THEN value ELSE 0 END)"
        " FROM tech_transfer_deals WHERE deal_date BETWEEN ? AND ?",
        (qs, qe, qs, qe, ys, qe, ys, qe, ps, pe, ps, pe, ps, qe)).fetchone()
    partnerships = connection.exec_driver_sql(
        "SELECT SUM(starts_on <= ? AND (ends_on IS NULL OR ends_on >= ?)), SUM(starts_on <= ? AND (ends_on IS NULL OR ends_on >= ?))"
        " FROM partnerships", (qe, qe, pe, pe)).fetchone()
    cohorts = connection.exec_driver_sql(
        "SELECT SUM(CASE WHEN completed_on BETWEEN ? AND ? THEN hired_in_zone ELSE 0 END),"
        " SUM(CASE WHEN completed_on BETWEEN ? AND ? THEN hired_in_zone ELSE 0 END),"
        " SUM(CASE WHEN completed_on BETWEEN ? AND ? THEN hired_in_zone ELSE 0 END) FROM training_cohorts",
        (qs, qe, ys, qe, ps, pe)).fetchone()
    targets = dict(connection.exec_driver_sql(
        "SELECT indicator, value_scaled FROM targets WHERE year = ? AND scope = 'ZONE' AND platform_id IS NULL"
        " AND status = 'approved'", (y,)).fetchall())

    def report_sum(index, year, quarters):
        return sum((reports.get((year, q)) or [0] * len(FIGURES))[index] or 0 for q in quarters)

    figures = {}
    for index, name in enumerate(FIGURES):
        if name in ("employees", "rd_staff"):
            figures[name] = (report_sum(index, y, [n]), report_sum(index, y, [n]), report_sum(index, y - 1, [n]))
        else:
            figures[name] = (report_sum(index, y, [n]), report_sum(index, y, range(1, n + 1)),
                             report_sum(index, y - 1, range(1, n + 1)))
    figures["admitted"] = incubations[0:3]
    figures["graduated"] = incubations[3:6]
    figures["incubating"] = (incubations[6], incubations[6], incubations[7])
    figures["deals"] = (deals[0], deals[2], deals[4])
    figures["deal_value"] = (deals[1], deals[3], deals[5])
    figures["partnerships"] = (partnerships[0], partnerships[0], partnerships[1])
    figures["talents"] = cohorts
    return {"figures": figures, "targets": targets}


def check_same_figures(raw: dict, evaluation) -> None:
    """The evaluation's zone values are the hand-written SQL's, exactly."""
    from incubator.outcomes.catalogue import CATALOGUE, Measure

    for indicator in CATALOGUE:
        if not isinstance(indicator.computation, Measure):
            continue
        figure = raw["figures"][indicator.computation.measure]
        scale = (lambda v: Decimal(v or 0).scaleb(-4)) if indicator.computation.money else (lambda v: Decimal(v or 0))
        result = evaluation.zone.result(indicator.code)
        assert (result.period_value, result.ytd_value, result.ytd_prev_year) == tuple(scale(v) for v in figure), \
            (indicator.code, figure, result)


def raw_csv_export(connection, period, target) -> None:
    """Baseline: fetch the companies' figures and the deals with raw SQL and write them with csv.writer."""
    y, n = period.year, period.quarter
    columns = ", ".join(f"SUM(CASE WHEN r.quarter = {n} THEN r.{f} ELSE 0 END), SUM(r.{f})" for f in FIGURES)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("companies.csv", "w") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text)
            for row in connection.exec_driver_sql(
                    f"SELECT o.credit_code, o.name, {columns} FROM quarterly_reports r JOIN organisations o"
                    f" ON o.id = r.organisation_id WHERE r.status = 'verified' AND r.year = ? AND r.quarter <= ?"
                    f" GROUP BY o.id ORDER BY o.credit_code", (y, n)):
                for index in range(len(FIGURES)):
                    writer.writerow((row[0], row[1], "", FIGURES[index], row[2 + 2 * index], row[3 + 2 * index]))
            text.flush()
            text.detach()
        with archive.open("tech_transfers.csv", "w") as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text)
            for row in connection.exec_driver_sql(
                    "SELECT reference, deal_date, title, kind, value FROM tech_transfer_deals WHERE deal_date BETWEEN ? AND ?"
                    " ORDER BY deal_date, reference", (date(y, 1, 1).isoformat(), period.end.isoformat())):
                writer.writerow(row)
            text.flush()
            text.detach()


def xlsx_cells(evaluation, lang: str = "zh") -> list:
    """Every sheet's rows as the export writes them (collected once, for XlsxWriter on its own)."""
    from incubator.evaluation import exports

    sheets = []
    for item in exports.FILES:
        if item.name == "about.csv":
            continue
        sheets.append((item.name, [str(label) for _key, label, _kind in item.columns], list(item.rows(evaluation, lang))))
    return sheets


def plain_xlsxwriter(sheets, target) -> None:
    """Baseline: XlsxWriter alone (constant memory) writing the same cells with the same types."""
    import xlsxwriter

    book = xlsxwriter.Workbook(target, {"constant_memory": True})
    number = book.add_format({"num_format": "#,##0.0000"})
    for name, header, rows in sheets:
        sheet = book.add_worksheet(name[:-4])
        sheet.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                elif isinstance(value, (int, Decimal)):
                    sheet.write_number(r, c, float(value), number)
                else:
                    sheet.write_datetime(r, c, datetime(value.year, value.month, value.day))
    book.close()


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from incubator import clock, create_app
    from incubator.auth.services import create_user
    from incubator.evaluation import exports, services
    from incubator.extensions import db
    from incubator.periods import Period

    period = Period.parse(PERIOD_TEXT)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "ENV_NAME": "testing",
                          "TESTING": True, "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                          "LOGIN_FAILURE_DELAY_SECONDS": 0, "MAIL_OUTBOX": f"{tmp}/mail"})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"), revision="heads")
            clock.freeze(datetime(2026, 10, 15, 10, 0))
            start = time.perf_counter()
            generate(db, random.Random(2026))
            print(f"zone generated: {COMPANIES:,} companies × 12 quarters, {PLATFORMS} platforms "
                  f"in {time.perf_counter() - start:.1f} s")
            connection = db.session.connection()

            raw_time, raw = timed(lambda: raw_zone_summary(connection, period))
            zone_time, zone = timed(lambda: services.live_evaluation(period, with_platforms=False))
            check_same_figures(raw, zone)
            print(f"zone summary, hand-written SQL:      {raw_time * 1000:8.1f} ms")
            print(f"zone summary, evaluation:            {zone_time * 1000:8.1f} ms   ratio {zone_time / raw_time:.2f}"
                  f" (goal ≤ 1.5)  [same figures: checked]")
            full_time, evaluation = timed(lambda: services.live_evaluation(period), repeat=1)
            print(f"evaluation with {PLATFORMS} platforms:        {full_time * 1000:8.1f} ms")

            raw_csv_time, _ = timed(lambda: raw_csv_export(connection, period, f"{tmp}/raw.zip"), repeat=2)
            csv_time, _ = timed(lambda: exports.write_csv_export(services.live_evaluation(period), f"{tmp}/e.zip"),
                                repeat=2)
            csv_memory = peak_memory(lambda: exports.write_csv_export(services.live_evaluation(period), f"{tmp}/m.zip"))
            print(f"CSV, raw fetch + csv.writer:         {raw_csv_time * 1000:8.1f} ms")
            print(f"CSV export (all files, computed):    {csv_time * 1000:8.1f} ms   ratio {csv_time / raw_csv_time:.2f}"
                  f" (goal ≤ 3)  peak {csv_memory:.1f} MB")

            sheets = xlsx_cells(evaluation)
            cells = sum(len(rows) * len(header) for _name, header, rows in sheets)
            plain_time, _ = timed(lambda: plain_xlsxwriter(sheets, f"{tmp}/plain.xlsx"), repeat=1)
            del sheets
            xlsx_time, _ = timed(lambda: exports.write_xlsx_export(services.live_evaluation(period), f"{tmp}/e.xlsx"),
                                 repeat=1)
            xlsx_memory = peak_memory(lambda: exports.write_xlsx_export(services.live_evaluation(period),
                                                                        f"{tmp}/m.xlsx"))
            print(f"xlsx, XlsxWriter alone ({cells:,} cells): {plain_time * 1000:8.1f} ms")
            print(f"xlsx export (computed + written):    {xlsx_time * 1000:8.1f} ms   ratio {xlsx_time / plain_time:.2f}"
                  f" (goal ≤ 1.3)  peak {xlsx_memory:.1f} MB (goal < 150)")

            create_user("bench@example.cn", "admin", "correct-horse-battery", name="bench", locale="zh")
            db.session.commit()
            client = app.test_client()
            client.post("/login", data={"email": "bench@example.cn", "password": "correct-horse-battery"})
            client.get(f"/outcomes/dashboard?period={period}")
            samples = []
            for _ in range(3):
                start = time.perf_counter()
                response = client.get(f"/outcomes/dashboard?period={period}")
                samples.append(time.perf_counter() - start)
                assert response.status_code == 200, response.status_code
            dashboard_time = min(samples)
            print(f"dashboard (zone + {PLATFORMS} platforms), server: {dashboard_time * 1000:8.1f} ms   ratio "
                  f"{dashboard_time / raw_time:.2f} (goal ≤ 2; median {statistics.median(samples) * 1000:.1f} ms)")
            clock.freeze(None)
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
