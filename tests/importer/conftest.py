"""Helpers for import tests: write spreadsheets (openpyxl, XlsxWriter, CSV in three encodings), run the
``import`` command and read its lines."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest

from incubator import clock

FORMATS = ("xlsx", "csv-utf8", "csv-utf8-sig", "csv-gb18030")


@pytest.fixture(autouse=True)
def _frozen_clock():
    """Current quarter 2026Q4: periods up to 2026Q4 are allowed, 2027Q1 is in the future."""
    clock.freeze(datetime(2026, 11, 20, 10, 0))
    yield
    clock.freeze(None)


@pytest.fixture(autouse=True)
def _zone_industries(app):
    """The industry list ``flask init`` installs (organisations cannot be imported without one)."""
    from incubator.extensions import db
    from incubator.organisations.services import ensure_default_industries

    ensure_default_industries()
    db.session.commit()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def write_sheet(folder: Path, name: str, rows: list[list], fmt: str = "xlsx", sheet: str | None = None) -> Path:
    """Write ``rows`` (header first) as ``fmt``: xlsx (openpyxl, numbers and dates as typed cells) or CSV."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        path = folder / f"{name}.xlsx"
        workbook = Workbook()
        worksheet = workbook.active
        if sheet:
            worksheet.title = sheet
        for row in rows:
            worksheet.append(list(row))
        workbook.save(path)
        return path
    encoding = {"csv-utf8": "utf-8", "csv-utf8-sig": "utf-8-sig", "csv-gb18030": "gb18030"}[fmt]
    path = folder / f"{name}.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([_text(value) for value in row])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


class ImportRun:
    def __init__(self, result):
        self.exit_code = result.exit_code
        self.output = result.output
        self.lines = [line for line in result.output.splitlines() if line.strip()]
        self.exception = result.exception

    @property
    def summary(self) -> str:
        return self.lines[-1] if self.lines else ""

    @property
    def problems(self) -> list[str]:
        return self.lines[:-1]


@pytest.fixture
def run_import(runner):
    """``run_import("reports", path, "--partial")`` -> ImportRun (exit code, lines, summary)."""

    def run(kind: str, path: Path, *options: str) -> ImportRun:
        result = runner.invoke(args=["import", kind, str(path), *options])
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return ImportRun(result)

    return run


@pytest.fixture
def sheet(tmp_path):
    """``sheet(rows, fmt="csv-utf8", name="data")`` -> path of a written file."""

    def write(rows, fmt="xlsx", name="data", sheet_name=None):
        return write_sheet(tmp_path, name, rows, fmt, sheet_name)

    return write
