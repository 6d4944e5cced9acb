"""The xlsx workbook read back with openpyxl, publishing frozen versions, and the export command."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime
from decimal import Decimal

import openpyxl
import pytest
from flask_babel import force_locale

from incubator import clock
from incubator.evaluation import exports, services
from incubator.evaluation.models import EvaluationSnapshot, EvaluationSnapshotRow
from incubator.extensions import db
from incubator.startups.models import QuarterlyReport

from .test_csv_export import COMPANIES, PERIOD, PLATFORMS, SUMMARY, csv_files, text


def workbook(evaluation=None, lang="zh"):
    evaluation = evaluation or services.live_evaluation(PERIOD)
    buffer = io.BytesIO()
    exports.write_xlsx_export(evaluation, buffer, lang)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def csv_rows(content: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content)))


def as_cell(value: str, kind: str):
    """What the CSV text should be in the workbook: numbers as numbers, empty as None, text as text."""
    if value == "":
        return None
    if kind == "number":
        return Decimal(value)
    if value.startswith("'"):
        return value[1:]  # a plain string cell instead of the CSV prefix
    return value


def word_of(file_name: str, key: str, value):
    labeller = exports.XLSX_LABELS.get((file_name, key))
    with force_locale("zh"):
        return labeller(value, "zh") if labeller and value else value


def normalised(cell):
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return Decimal(str(cell))
    return cell


def test_workbook_has_cover_and_the_same_numbers_as_the_csv(hand_zone):
    book = workbook()
    assert book.sheetnames == ["封面", "开发区", "平台", "企业", "企业（年累计）", "得分", "科技成果转化", "数据质量",
                               "异常标记"]
    cover = {row[0]: row[1] for row in book["封面"].iter_rows(min_row=2, values_only=True)}
    assert cover["季度考核评价"] == "2026Q3"
    assert cover["开发区"] == "示范开发区"
    assert cover["已发布"] == "否"
    for index, (sheet, expected) in enumerate((("开发区", SUMMARY), ("平台", PLATFORMS), ("企业", COMPANIES))):
        item = exports.FILES[index]
        rows = list(book[sheet].iter_rows(min_row=2, values_only=True))
        wanted = csv_rows(expected)[1:]
        assert len(rows) == len(wanted)
        for got, want in zip(rows, wanted):
            # The same cells; a coded value reads as its word in the workbook (checked word by word in
            # test_exports_for_people), so here each code is put through the workbook's labeller.
            assert [normalised(cell) for cell in got] == [
                word_of(item.name, key, as_cell(value, kind)) for value, (key, _label, kind) in zip(want, item.columns)]


def test_workbook_cells_are_typed_formatted_frozen_and_fitted(hand_zone):
    book = workbook()
    zone = book["开发区"]
    assert zone.freeze_panes == "A2"
    assert zone["A1"].value == "指标代码"
    revenue_ytd = zone["F2"]
    assert revenue_ytd.data_type == "n" and revenue_ytd.value == 800
    assert revenue_ytd.number_format == "#,##0.0000"
    assert zone["H5"].value == pytest.approx(-17.65) and zone["H5"].data_type == "n"
    assert zone["H5"].number_format == "#,##0.00"
    assert zone.column_dimensions["B"].width >= len("实用新型、外观设计、软件著作权授权") * 2
    deals = book["科技成果转化"]
    assert deals["C5"].value == '=HYPERLINK("http://evil")' and deals["C5"].data_type == "s"
    assert deals["B2"].is_date
    assert book["企业"]["B66"].value == "+戊数据" and book["企业"]["B66"].data_type == "s"


def test_zone_sheet_has_an_achievement_chart(hand_zone):
    buffer = io.BytesIO()
    exports.write_xlsx_export(services.live_evaluation(PERIOD), buffer, "en")
    with zipfile.ZipFile(buffer) as archive:
        charts = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        assert charts
        chart = archive.read(charts[0]).decode()
    assert "Achievement" in chart and "Expected progress" in chart
    assert "$J$2:$J$21" in chart and "$K$2:$K$21" in chart
    # Anchored below the 20 indicator rows, in the table's columns: printed one page wide, a chart beside
    # the table made the page twice as wide and the table's text unreadably small.
    with zipfile.ZipFile(buffer) as archive:
        drawing = archive.read("xl/drawings/drawing1.xml").decode()
    anchor_from = re.search(r"<xdr:from><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>", drawing)
    column, row = int(anchor_from.group(1)), int(anchor_from.group(2))
    assert row > 20 and column < 11


def test_publish_freezes_a_version_that_later_corrections_do_not_change(hand_zone, make_user):
    admin = make_user("admin")
    first = services.publish(PERIOD, admin)
    db.session.commit()
    assert first.version == 1 and first.published_by_email == admin.email
    frozen_before = csv_files(evaluation=services.evaluation_for(PERIOD, version=1))

    # A correction after publishing: C1's Q3 revenue was 300 and is now 310 (万元).
    correction = db.session.scalars(db.select(QuarterlyReport).where(QuarterlyReport.period == "2026Q3",
                                                                     QuarterlyReport.revenue == 3_000_000)).one()
    correction.revenue = 3_100_000
    db.session.commit()

    # The published version is unchanged; the live figures show the correction.
    default = services.evaluation_for(PERIOD)
    assert default.published and default.version == 1
    assert csv_files(evaluation=default) == frozen_before
    live = csv_rows(text(csv_files(evaluation=services.evaluation_for(PERIOD, live=True))["summary.csv"]))
    assert live[1][4:6] == ["380.0000", "810.0000"]

    clock.freeze(datetime(2026, 10, 12, 9, 0, 0))
    second = services.publish(PERIOD, admin, note="C1 revenue corrected")
    db.session.commit()
    assert second.version == 2
    newest = csv_files(evaluation=services.evaluation_for(PERIOD))
    assert csv_rows(text(newest["summary.csv"]))[1][4:6] == ["380.0000", "810.0000"]
    assert text(newest["about.csv"]) == ("key,value\nperiod,2026Q3\nzone,示范开发区\n"
                                         "generated_at,2026-10-12T09:00:00+08:00\nversion,2\npublished,yes\n")
    # Version 1 stays downloadable and identical.
    assert csv_files(evaluation=services.evaluation_for(PERIOD, version=1)) == frozen_before
    assert "version,1\npublished,yes" in text(frozen_before["about.csv"])
    assert db.session.query(EvaluationSnapshotRow).filter_by(snapshot_id=first.id, section="company").count() == 6


def test_publishing_again_without_changes_is_refused(hand_zone, make_user):
    admin = make_user("admin")
    services.publish(PERIOD, admin)
    db.session.commit()
    with pytest.raises(services.PublishError):
        services.publish(PERIOD, admin)
    db.session.rollback()
    assert db.session.query(EvaluationSnapshot).count() == 1


def test_a_future_quarter_cannot_be_published(hand_zone, make_user):
    with pytest.raises(services.PublishError):
        services.publish(PERIOD.next(), make_user("admin"))


def test_frozen_snapshot_keeps_targets_and_weights(hand_zone, make_user):
    snapshot = services.publish(PERIOD, make_user("admin"))
    db.session.commit()
    assert snapshot.summary["weights"]["REVENUE"] == "2"
    assert snapshot.summary["weights"]["EMPLOYEES"] == "0.5"
    assert snapshot.summary["targets"]["ZONE"]["REVENUE"] == "1000"
    frozen = services.evaluation_for(PERIOD, version=1)
    assert frozen.zone.result("REVENUE").achievement == Decimal("0.8")
    assert frozen.zone.rating == "A"


def test_export_command_writes_csv_and_xlsx(hand_zone, runner, tmp_path, make_user):
    out = tmp_path / "e.zip"
    result = runner.invoke(args=["export-evaluation", "--period", "2026Q3", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "live figures" in result.output
    with zipfile.ZipFile(out) as archive:
        assert text(archive.read("summary.csv")) == SUMMARY

    services.publish(PERIOD, make_user("admin"))
    db.session.commit()
    book_path = tmp_path / "e.xlsx"
    result = runner.invoke(args=["export-evaluation", "--period", "2026q3", "--format", "xlsx", "--lang", "en",
                                 "--out", str(book_path)])
    assert result.exit_code == 0, result.output
    assert "version 1" in result.output
    book = openpyxl.load_workbook(book_path)
    assert book.sheetnames[0] == "Cover"
    assert book["Zone"]["A1"].value == "Indicator code"

    live = runner.invoke(args=["export-evaluation", "--period", "2026Q3", "--format", "csv", "--live", "--out",
                               str(out)])
    assert live.exit_code == 0 and "live figures" in live.output


@pytest.mark.parametrize("args, message", [
    (["--period", "2026Q5", "--format", "csv"], "not a quarter"),
    (["--period", "2026Q3", "--format", "pdf"], "Invalid value"),
    (["--period", "2026Q3", "--format", "csv", "--version", "3"], "no published version 3"),
    (["--period", "2026Q3", "--format", "csv", "--version", "1", "--live"], "exclude each other"),
])
def test_export_command_refuses_bad_options(hand_zone, runner, tmp_path, args, message):
    result = runner.invoke(args=["export-evaluation", *args, "--out", str(tmp_path / "x")])
    assert result.exit_code != 0
    assert message in result.output
