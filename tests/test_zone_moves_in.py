"""A real zone moves in (issue 16): an empty database, ``db upgrade``, ``init``, ``create-user``, then the
zone's own spreadsheets imported from the command line as Chinese Excel writes them (xlsx with Chinese
headers and labels, CSV in GB18030 and in UTF-8 with BOM), then the evaluation exported in both formats.

No demo seed and no fixture-made reference rows: everything comes through the commands a customer runs.
The figures asserted are computed here from the generated zone, independently of the application.
"""
from __future__ import annotations

import csv
import io
import random
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from incubator import clock, create_app
from incubator.extensions import db
from incubator.importer.engine import get_kind
from incubator.organisations.credit_code import make as make_credit_code

from .conftest import MIGRATIONS, PASSWORD, POSTGRES_URL, base_config


NOW = datetime(2026, 11, 20, 10, 0)  # the current quarter is 2026Q4: reports up to 2026Q3
PERIODS = [(year, quarter) for year in (2025, 2026) for quarter in (1, 2, 3, 4) if (year, quarter) < (2026, 4)]
QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
INDUSTRIES = ["高端装备制造", "电子信息", "新能源新材料", "人工智能", "大数据", "生物医药", "高端装备", "Big data"]


def code(n: int) -> str:
    return make_credit_code(f"91320114{n:09d}")


def quarter_end(year: int, quarter: int) -> date:
    return date(year, *QUARTER_END[quarter])


def chinese_headers(kind: str) -> list[str]:
    return [column.zh for column in get_kind(kind).columns]


def write_xlsx(path: Path, kind: str, rows: list[list]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = get_kind(kind).sheet_zh
    sheet.append(chinese_headers(kind))
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def write_csv(path: Path, kind: str, rows: list[list], encoding: str) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # as Excel saves it
    writer.writerow(chinese_headers(kind))
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def generate_zone(rng: random.Random) -> dict:
    """The zone's spreadsheets as rows, plus what the test needs to compute figures on its own."""
    startups = [code(100 + n) for n in range(24)]
    hosts = [code(200), code(201)]
    universities = [code(300), code(301)]
    date_styles = [lambda d: f"{d.year}/{d.month}/{d.day}", lambda d: f"{d.year}.{d.month}.{d.day}",
                   lambda d: f"{d.year}年{d.month}月{d.day}日", lambda d: d.isoformat()]
    organisations = []
    for index, credit in enumerate(startups):
        founded = date(2021 + index % 3, 1 + index % 12, 1 + index % 27)
        organisations.append([credit.lower() if index == 3 else credit, f"园区{index:02d}号科技有限公司", "初创企业",
                              INDUSTRIES[index % len(INDUSTRIES)], date_styles[index % 4](founded)])
    organisations += [[hosts[0], "示范孵化器运营有限公司", "企业", "其他", "2015-03-01"],
                      [hosts[1], "青年创业服务有限公司", "enterprise", "", ""],
                      [universities[0], "示范理工大学", "高校", "", ""],
                      [universities[1], "新材料研究院", "科研院所", "新能源新材料", ""]]
    platforms = [["FHQ01", "园区科技企业孵化器", "科技企业孵化器", "国家级", hosts[0], "2020/6/30", "2026/6/29", "12,000.5", 300],
                 ["ZC01", "青年众创空间", "众创空间", "省级", hosts[1], "2022年1月1日", "", 800, 120],
                 ["SYS01", "新材料重点实验室", "重点实验室", "县级", universities[1], "", "", "", ""]]
    incubations, covering = [], {}
    for index, credit in enumerate(startups):
        platform = "FHQ01" if index % 3 else "ZC01"
        admitted = date(2024 + index % 2, 1 + (index * 5) % 12, 1 + index % 20)
        status, ended = ("已毕业", date(2026, 5, 15)) if index % 8 == 0 else ("在孵" if index % 8 == 1 else "", None)
        incubations.append([credit, platform, date_styles[index % 4](admitted), status, ended.isoformat() if ended else ""])
        covering[credit] = (admitted, ended, platform)
    reports, revenue = [], {}
    for index, credit in enumerate(startups):
        admitted = covering[credit][0]
        for year, quarter in PERIODS:
            if quarter_end(year, quarter) < admitted:
                continue
            amount = Decimal(rng.randint(100, 99_999)) / 10
            employees = rng.randint(5, 60)
            period = f"{year}年第{quarter}季度" if index % 2 else f"{year}Q{quarter}"
            reports.append([credit, period, amount if index % 3 else f"{amount:,}", rng.randint(0, 50), employees,
                            rng.randint(0, employees), rng.randint(0, 3), rng.randint(0, 2), 0, 0, 0,
                            "1,200.25" if index == 5 else 0, 1])
            revenue[(credit, year, quarter)] = amount
    targets = [[2026, "ZONE", "营业收入", "200,000"], [2026, "zone", "STARTUPS_ADMITTED", 10],
               [2026, "FHQ01", "REVENUE", 90000]]
    deals = [[f"TT-{n}", date(2026 if n % 2 else 2025, 1 + n, 10), f"成果{n}", ["许可", "专利转让", "联合开发", "作价入股"][n % 4],
              universities[n % 2], startups[n], 10 * n] for n in range(1, 6)]
    partnerships = [["AG-1", universities[0], "订单式人才培养", "订单班协议", "2024/9/1", "2027/8/31", "", "", "30"],
                    ["AG-2", universities[1], "共建实验室", "联合实验室", "2025.1.1", "", startups[1], "", ""],
                    ["AG-3", universities[0], "joint_rd", "联合研发", "2023-01-01", "2025-12-31", "", "FHQ01", "1,000"]]
    training = [["AG-1", 2025, 40, 36, 20, "2026年6月30日"], ["AG-1", 2026, 30, "", "", ""]]
    return {"organizations": organisations, "platforms": platforms, "incubations": incubations,
            "reports": reports, "targets": targets, "tech_transfers": deals, "partnerships": partnerships,
            "training": training, "revenue": revenue, "covering": covering, "startups": startups}


@pytest.fixture
def empty_database_url(tmp_path):
    """An empty database with no tables at all (a scratch PostgreSQL database on the PostgreSQL run)."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'zone.sqlite3'}"
        return
    from .security.conftest import scratch_postgres_database

    with scratch_postgres_database(f"{make_url(POSTGRES_URL).database}_zone") as url:
        yield url


def invoke(runner, *args, input=None) -> str:
    result = runner.invoke(args=list(args), input=input)
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


def test_a_new_zone_moves_in_with_its_own_spreadsheets_and_reaches_its_first_evaluation(empty_database_url,
                                                                                        tmp_path):
    clock.freeze(NOW)
    app = create_app(base_config(empty_database_url, tmp_path))
    runner = app.test_cli_runner()
    try:
        with app.app_context():
            invoke(runner, "db", "upgrade", "--directory", str(MIGRATIONS), "heads")
            assert invoke(runner, "init").strip() == (
                "installed: industries 9, rule sets 5, review criteria 4, graduation criteria versions 1")
            assert invoke(runner, "create-user", "office@zone.example", "--role", "admin",
                          input=PASSWORD + "\n").strip() == "created admin office@zone.example"

            zone = generate_zone(random.Random(16))
            files = {
                "organizations": write_xlsx(tmp_path / "单位.xlsx", "organizations", zone["organizations"]),
                "platforms": write_csv(tmp_path / "平台.csv", "platforms", zone["platforms"], "gb18030"),
                "incubations": write_csv(tmp_path / "入孵.csv", "incubations", zone["incubations"], "utf-8-sig"),
                "reports": write_xlsx(tmp_path / "季报.xlsx", "reports", zone["reports"]),
                "targets": write_csv(tmp_path / "目标.csv", "targets", zone["targets"], "gb18030"),
                "tech_transfers": write_xlsx(tmp_path / "成果转化.xlsx", "tech_transfers", zone["tech_transfers"]),
                "partnerships": write_csv(tmp_path / "合作.csv", "partnerships", zone["partnerships"], "utf-8-sig"),
                "training": write_xlsx(tmp_path / "订单班.xlsx", "training", zone["training"]),
            }
            for kind, path in files.items():
                lines = invoke(runner, "import", kind, str(path)).strip().splitlines()
                assert lines == [f"created {len(zone[kind])}, updated 0, unchanged 0, rejected 0"], kind
            again = invoke(runner, "import", "reports", str(files["reports"])).strip()
            assert again == f"created 0, updated 0, unchanged {len(zone['reports'])}, rejected 0"

            from incubator.organisations.models import Industry, Organisation
            from incubator.outcomes.models import Target
            from incubator.partnerships.models import Partnership, TechTransferDeal, TrainingCohort
            from incubator.platforms.models import Platform
            from incubator.startups.models import Incubation, QuarterlyReport

            db.session.remove()
            counts = {name: db.session.scalar(select(func.count()).select_from(model)) for name, model in (
                ("organizations", Organisation), ("industries", Industry), ("platforms", Platform),
                ("incubations", Incubation), ("reports", QuarterlyReport), ("targets", Target),
                ("tech_transfers", TechTransferDeal), ("partnerships", Partnership), ("training", TrainingCohort))}
            assert counts == {"industries": 9, **{kind: len(zone[kind]) for kind in files}}
            assert counts["reports"] == len(zone["revenue"]) > 100  # two years of quarters, all ended
            assert db.session.scalar(select(func.count()).select_from(QuarterlyReport)
                                     .where(QuarterlyReport.status != "verified")) == 0
            by_alias = db.session.scalar(select(Industry.code).join(Organisation, Organisation.industry_id == Industry.id)
                                         .where(Organisation.credit_code == zone["startups"][6]))
            assert by_alias == "high_end_equipment"  # written with the old name 高端装备

            archive_path, workbook_path = tmp_path / "evaluation.zip", tmp_path / "evaluation.xlsx"
            invoke(runner, "export-evaluation", "--period", "2026Q3", "--format", "csv", "--out", str(archive_path))
            invoke(runner, "export-evaluation", "--period", "2026Q3", "--format", "xlsx", "--lang", "en",
                   "--out", str(workbook_path))
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    with zipfile.ZipFile(archive_path) as archive:
        summary = {row["indicator"]: row for row in csv.DictReader(
            io.StringIO(archive.read("summary.csv").decode("utf-8-sig")))}
        companies = list(csv.DictReader(io.StringIO(archive.read("companies.csv").decode("utf-8-sig"))))

    revenue = zone["revenue"]

    def total(year: int, quarters) -> str:
        return str(sum((amount for (_, y, q), amount in revenue.items() if y == year and q in quarters),
                       Decimal(0)).quantize(Decimal("0.0001")))

    quarter_end_q3 = date(2026, 9, 30)
    incubating = sum(1 for admitted, ended, _ in zone["covering"].values()
                     if admitted <= quarter_end_q3 and (ended is None or ended >= quarter_end_q3))
    admitted_2026 = sum(1 for admitted, _, _ in zone["covering"].values() if admitted.year == 2026)
    assert summary["REVENUE"]["period_value"] == total(2026, {3})
    assert summary["REVENUE"]["ytd_value"] == total(2026, {1, 2, 3})
    assert summary["REVENUE"]["ytd_prev_year"] == total(2025, {1, 2, 3})
    assert summary["REVENUE"]["target"] == "200000.0000"
    assert summary["STARTUPS_INCUBATING"]["period_value"] == str(incubating)
    assert summary["STARTUPS_ADMITTED"]["ytd_value"] == str(admitted_2026)
    assert summary["TECH_TRANSFER_DEALS"]["ytd_value"] == "3"  # TT-1, TT-3, TT-5 are dated in 2026
    assert summary["TECH_TRANSFER_VALUE"]["ytd_value"] == "90.0000"
    assert summary["TALENTS_HIRED"]["ytd_value"] == "20"
    assert summary["TAX_PAID"]["ytd_value"] == str((Decimal("1200.25") * sum(
        1 for (credit, year, _q) in revenue if credit == zone["startups"][5] and year == 2026)).quantize(
        Decimal("0.0001")))
    reporting = {credit for (credit, year, _q) in revenue if year == 2026}
    assert len({row["credit_code"] for row in companies}) == len(reporting)

    workbook = load_workbook(workbook_path, read_only=True)
    try:
        assert len(workbook.sheetnames) >= 7
        zone_rows = list(workbook.worksheets[1].iter_rows(values_only=True))  # the zone's indicators
        header = next(row for row in zone_rows if row and row[0] == "Indicator code")
        revenue_row = dict(zip(header, next(row for row in zone_rows if row and row[0] == "REVENUE")))
    finally:
        workbook.close()
    in_workbook = {name: Decimal(str(value)).quantize(Decimal("0.0001")) for name, value in revenue_row.items()
                   if isinstance(value, (int, float))}
    assert [str(in_workbook[name]) for name in ("Quarter value", "Year to date", "Year to date, a year earlier")] == [
        total(2026, {3}), total(2026, {1, 2, 3}), total(2025, {1, 2, 3})]
