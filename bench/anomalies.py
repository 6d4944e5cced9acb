"""Benchmark of the anomaly checks: are planted anomalies found, are clean reports left alone, and how long do the
checks of one period take for a large zone (SQLite, temp dir).

Part 1 generates a zone of 2,000 companies × 8 quarters (2024Q4–2026Q3) with realistic noise — per-company
growth, seasonality (Q1 low, Q4 high), quarter-to-quarter noise, companies of eight industries and all sizes,
12 % startups without revenue, occasional financing rounds, lumpy contracts, patents filed and granted later —
and plants anomalies of each kind in the last four quarters (each on a report of its own):

- ``jump``: a money flow of material size (company median ≥ 40 万元) typed ×10, ×100, ×10,000 or ÷100;
- ``peer_outlier``: employees typed ×10, or R&D expense ×10 on a company with revenue ≥ 100 万元;
- ``copied``: every figure copied from the previous quarter's report;
- ``inconsistent``: tax or R&D above revenue, graduates above employees, employees at zero while revenue
  rises, or invention patents granted above those ever filed.

It then runs every period's checks (as an evaluation does: verified reports) and prints, per check, how many
planted anomalies of its kind it found and how many clean reports (no planted anomaly of any kind) it flagged.
Targets: ≥ 90 % found, ≤ 3 % of clean reports flagged.

Part 2 generates 19,000 companies with about 99,000 reports over the 8 quarters (companies join over time) and
times the checks of the last period (goal < 10 s) beside a hand-written baseline — the same rows read through
a raw cursor plus the simplest check in plain Python — and prints their ratio.
Run with ``.venv/bin/python -m bench.anomalies`` (``COMPANIES=500 LARGE=3000`` for a quicker run).
"""
from __future__ import annotations

import math
import os
import random
import sys
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path

from bench.evaluation import timed

ROOT = Path(__file__).resolve().parent.parent
COMPANIES = int(os.environ.get("COMPANIES", "2000"))
LARGE = int(os.environ.get("LARGE", "19000"))
INDUSTRIES = 8
WAN = 10_000
SEASON = {1: 0.85, 2: 1.0, 3: 1.0, 4: 1.25}
KINDS = ("jump", "peer_outlier", "copied", "inconsistent")


def quarters():
    from incubator.periods import Period

    result = [Period(2024, 4)]
    while len(result) < 8:
        result.append(result[-1].next())
    return result


def company_series(rng: random.Random, periods, industry: int) -> list[dict]:
    """A company's clean figures for ``periods`` (money in whole yuan)."""
    # Industry levels: revenue per employee per quarter (万元), R&D intensity, R&D staff share.
    per_employee = [4, 6, 8, 10, 12, 15, 20, 25][industry - 1]
    intensity = [0.04, 0.06, 0.08, 0.10, 0.12, 0.15, 0.05, 0.07][industry - 1]
    staff_share = [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.2, 0.25][industry - 1]
    employees = max(1, int(math.exp(rng.gauss(math.log(25), 1.0))))
    my_per_employee = per_employee * math.exp(rng.gauss(0, 0.35))
    my_intensity = intensity * math.exp(rng.gauss(0, 0.35))
    my_share = min(0.9, staff_share * math.exp(rng.gauss(0, 0.3)))
    growth = rng.gauss(0.02, 0.03)
    tax_rate = rng.uniform(0.02, 0.08)
    pre_revenue = rng.random() < 0.12
    contracts = rng.random() < 0.3
    series, filed_total, granted_total = [], 0, 0
    for index, period in enumerate(periods):
        employees = max(1, round(employees * math.exp(rng.gauss(0.01, 0.04))))
        level = my_per_employee * employees * (1 + growth) ** index * SEASON[period.quarter]
        revenue = 0 if pre_revenue else int(level * math.exp(rng.gauss(0, 0.15)) * WAN)
        base = max(revenue, int(employees * 2 * WAN)) if pre_revenue else revenue
        rd = int(base * my_intensity * math.exp(rng.gauss(0, 0.15))) if pre_revenue or rng.random() < 0.95 else 0
        if pre_revenue:
            rd = min(rd, int(employees * 3 * WAN))
        filed = sum(1 for _ in range(3) if rng.random() < 0.12)
        granted = min(sum(1 for _ in range(2) if rng.random() < 0.15), filed_total - granted_total)
        filed_total, granted_total = filed_total + filed, granted_total + granted
        rd_staff = min(employees, round(employees * my_share))
        series.append({
            "revenue": revenue, "rd_expense": rd, "employees": employees, "rd_staff": rd_staff,
            "invention_patents_filed": filed, "invention_patents_granted": granted,
            "other_ip_granted": rng.choice((0, 0, 0, 1, 2)),
            "tech_contract_value": int(revenue * rng.uniform(0.05, 0.2)) if contracts and rng.random() < 0.7 else 0,
            "financing": int(rng.uniform(50, 3000) * WAN) if rng.random() < 0.06 else 0,
            "tax_paid": int(revenue * tax_rate * math.exp(rng.gauss(0, 0.1))),
            "graduates_hired": min(employees, rng.choice((0, 0, 0, 1, 1, 2))),
        })
    return series


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def plant(rng: random.Random, series: list[dict], index: int, kind: str) -> bool:
    """Plant an anomaly of ``kind`` in ``series[index]``; False when this report cannot carry it."""
    report, before = series[index], series[index - 1]
    history = series[index - 4:index]
    if kind == "jump":
        choices = [name for name in ("revenue", "rd_expense", "tax_paid")
                   if median([item[name] for item in history]) >= 40 * WAN and report[name] > 0]
        if not choices:
            return False
        name = rng.choice(choices)
        factor = rng.choice((10, 100, 10_000, 0.01))
        report[name] = int(report[name] * factor)
        return True
    if kind == "peer_outlier":
        if report["revenue"] < 100 * WAN or report["employees"] < 5 or report["rd_staff"] == 0:
            return False
        if rng.random() < 0.5:
            report["employees"] *= 10  # an extra zero
        else:
            report["rd_expense"] = max(report["rd_expense"], 1) * 10
        return True
    if kind == "copied":
        if sum(1 for name in ("revenue", "rd_expense", "tax_paid", "financing", "tech_contract_value") if before[name]) < 2:
            return False
        series[index] = dict(before)
        return True
    variant = rng.choice(("tax", "rd", "graduates", "staff", "patents"))
    if variant in ("tax", "rd") and report["revenue"] <= 0:
        variant = "graduates"
    if variant == "tax":
        report["tax_paid"] = int(report["revenue"] * rng.uniform(1.1, 3))
    elif variant == "rd":
        report["rd_expense"] = int(report["revenue"] * rng.uniform(1.2, 3))
    elif variant == "graduates":
        report["graduates_hired"] = report["employees"] + rng.randrange(1, 6)
    elif variant == "staff":
        if before["employees"] == 0:
            return False
        report["employees"], report["rd_staff"] = 0, 0
        report["revenue"] = max(report["revenue"], int(before["revenue"] * 1.1) + WAN)
    else:
        filed = sum(item["invention_patents_filed"] for item in series[:index + 1])
        granted = sum(item["invention_patents_granted"] for item in series[:index])
        report["invention_patents_granted"] = filed - granted + 2
    return True


def generate(db, rng: random.Random, companies: int, first_quarters: tuple[int, int] = (0, 0),
             with_plants: bool = True) -> tuple[dict, int]:
    """Insert the zone; returns ({(organisation id, period): planted kind}, number of reports)."""
    from sqlalchemy import insert

    from incubator.organisations.credit_code import make as make_credit_code
    from incubator.organisations.models import Industry, IntellectualProperty, Organisation
    from incubator.startups.models import QuarterlyReport

    session = db.session
    periods = quarters()
    session.execute(insert(Industry), [{"id": n, "code": f"industry_{n}", "name_zh": f"行业{n}",
                                        "name_en": f"Industry {n}"} for n in range(1, INDUSTRIES + 1)])
    session.execute(insert(Organisation), [
        {"id": n, "kind": "startup", "name": f"企业{n:05d}", "name_sort": f"qiye {n:05d}",
         "credit_code": make_credit_code(f"91320500{n:09d}"), "industry_id": 1 + n % INDUSTRIES}
        for n in range(1, companies + 1)])
    planted, batch, patents, count = {}, [], [], 0
    for n in range(1, companies + 1):
        series = company_series(rng, periods, 1 + n % INDUSTRIES)
        if with_plants and rng.random() < 0.16:
            index = rng.randrange(4, len(periods))
            kind = rng.choice(KINDS)
            if plant(rng, series, index, kind):
                planted[(n, str(periods[index]))] = kind
        start = rng.randint(*first_quarters)
        # A company that starts reporting later brings the invention patents it filed before: its register lists them.
        for period, figures in list(zip(periods, series))[:start]:
            patents.extend({"organisation_id": n, "kind": "invention_patent", "number": f"CN{n:05d}{period}{k}",
                            "title": "入园前申请的发明专利", "status": "filed", "filed_on": period.start}
                           for k in range(figures["invention_patents_filed"]))
        for period, figures in list(zip(periods, series))[start:]:
            batch.append({"organisation_id": n, "period": str(period), "year": period.year, "quarter": period.quarter,
                          "quarter_end": period.end, "status": "verified", **figures})
            count += 1
        if len(batch) >= 20_000:
            session.execute(insert(QuarterlyReport), batch)
            batch = []
    if batch:
        session.execute(insert(QuarterlyReport), batch)
    if patents:
        session.execute(insert(IntellectualProperty), patents)
    session.commit()
    return planted, count


def make_app(url: str, tmp: str):
    from flask_migrate import upgrade

    from incubator import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "ENV_NAME": "testing", "TESTING": True,
                      "MAIL_OUTBOX": f"{tmp}/mail"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
    return app


def hand_written_baseline(db, period) -> int:
    """The floor any implementation of the checks pays, written by hand: the same rows read through a raw DB-API
    cursor (the period's verified reports with their industry, the four quarters before, the patents filed and
    granted before the period) and the simplest check (``copied``) in plain Python. Returns how many reports
    it found copied."""
    from incubator.startups.models import REPORT_FIGURES

    earlier = [period.previous()]
    for _ in range(3):
        earlier.append(earlier[-1].previous())
    figures = ", ".join(f"r.{name}" for name in REPORT_FIGURES)
    select_reports = (f"SELECT r.id, r.organisation_id, r.period, {figures}, o.industry_id FROM quarterly_reports r "
                      "JOIN organisations o ON o.id = r.organisation_id WHERE r.status = 'verified' AND r.period IN ")
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        current = cursor.execute(select_reports + "(?)", (str(period),)).fetchall()
        marks = ", ".join("?" for _ in earlier)
        history = cursor.execute(select_reports + f"({marks})", [str(item) for item in earlier]).fetchall()
        cursor.execute("SELECT organisation_id, SUM(invention_patents_filed), SUM(invention_patents_granted) "
                       "FROM quarterly_reports WHERE status = 'verified' AND quarter_end < ? GROUP BY organisation_id",
                       (period.start.isoformat(),)).fetchall()
    finally:
        connection.close()
    flows = [3 + REPORT_FIGURES.index(name) for name in REPORT_FIGURES if name not in ("employees", "rd_staff")]
    previous = {row[1]: [row[index] for index in flows] for row in history if row[2] == str(earlier[0])}
    return sum(1 for row in current
               if previous.get(row[1]) == [row[index] for index in flows] and sum(1 for i in flows if row[i]) >= 2)


def detection(planted: dict, flagged: dict, reports: int) -> list[tuple]:
    """Per check: (code, planted of its kind, found, clean reports, clean flagged)."""
    clean_total = reports - len(planted)
    result = []
    for kind in KINDS:
        mine = [key for key, planted_kind in planted.items() if planted_kind == kind]
        found = sum(1 for key in mine if kind in flagged.get(key, ()))
        clean_flagged = sum(1 for key, checks in flagged.items() if key not in planted and kind in checks)
        result.append((kind, len(mine), found, clean_total, clean_flagged))
    return result


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from incubator import clock
    from incubator.extensions import db
    from sqlalchemy import func, select

    from incubator.quality import services
    from incubator.startups.models import QuarterlyReport

    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(f"sqlite:///{tmp}/quality.sqlite3", tmp)
        with app.app_context():
            clock.freeze(datetime(2026, 10, 15, 10, 0))
            planted, reports = generate(db, random.Random(19), COMPANIES)
            print(f"zone generated: {COMPANIES:,} companies × 8 quarters ({reports:,} reports), "
                  f"{len(planted)} planted anomalies: {dict(sorted(Counter(planted.values()).items()))}")
            flagged: dict = {}
            for period in quarters():
                for flag in services.period_flags(period):
                    flagged.setdefault((flag.organisation_id, str(period)), set()).add(flag.check)
            print(f"{'check':<14}{'planted':>8}{'found':>8}{'found %':>9}   {'clean':>7}{'flagged':>9}{'flagged %':>11}")
            for kind, total, found, clean, wrong in detection(planted, flagged, reports):
                found_pct, wrong_pct = 100 * found / max(total, 1), 100 * wrong / max(clean, 1)
                ok &= found_pct >= 90 and wrong_pct <= 3
                print(f"{kind:<14}{total:>8}{found:>8}{found_pct:>8.1f}%   {clean:>7}{wrong:>9}{wrong_pct:>10.2f}%")
            print("targets: found ≥ 90 %, clean flagged ≤ 3 %" + ("  [met]" if ok else "  [NOT MET]"))
            clock.freeze(None)
            db.session.remove()
            db.engine.dispose()

        app = make_app(f"sqlite:///{tmp}/large.sqlite3", tmp)
        with app.app_context():
            _planted, reports = generate(db, random.Random(2026), LARGE, first_quarters=(0, 5), with_plants=False)
            last = quarters()[-1]
            best, flags = timed(lambda: services.period_flags(last))
            baseline, _copied = timed(lambda: hand_written_baseline(db, last))
            judged = db.session.scalar(select(func.count()).select_from(QuarterlyReport)
                                       .where(QuarterlyReport.period == str(last)))
            print(f"large zone: {LARGE:,} companies, {reports:,} reports over 8 quarters; checks of {last} "
                  f"({judged:,} verified reports): {best:.2f} s, {len(flags):,} flags (goal < 10 s)"
                  + ("  [met]" if best < 10 else "  [NOT MET]"))
            print(f"  hand-written baseline (raw reads + copied): {baseline:.2f} s   ratio {best / baseline:.1f} "
                  "(what the registry's four checks with their explanations cost over reading the data)")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
