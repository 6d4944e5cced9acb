"""Spreadsheet exports shared by every area: formula-safe CSV (zipped or not) and a streaming xlsx writer.

Values are typed, and the type decides how a cell is written, so protection cannot be forgotten:
``str`` is text (a text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed
with ``'`` in CSV and always written as a plain string cell in xlsx, so no spreadsheet runs it as a
formula); ``int`` and ``Decimal`` are numbers (never prefixed: a growth of -17.39 stays a number; round
them before writing); ``date`` and ``datetime`` are dates; ``None`` is an empty cell.

The xlsx writer uses XlsxWriter's constant-memory mode (rows are flushed to disk as they are written),
freezes the header row, gives numeric columns a number format and fits column widths by tracking the
longest value while writing (constant-memory mode has no autofit).
"""
from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe_text(text: str) -> str:
    """Text that no spreadsheet will run as a formula (CSV): a leading ``'`` where needed."""
    return "'" + text if text and text[0] in FORMULA_TRIGGERS else text


def csv_value(value) -> str:
    """One CSV cell: text protected, numbers plain (no thousands separators), dates ISO, None empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(str(value))


def write_csv(stream: io.TextIOBase, header: Sequence[str], rows: Iterable[Sequence], bom: bool = True) -> int:
    """Write a UTF-8 CSV (BOM first, comma-separated, quoted only where needed); returns the row count."""
    if bom:
        stream.write(BOM)
    writer = csv.writer(stream, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([safe_text(name) for name in header])
    count = 0
    convert = csv_value
    for row in rows:
        writer.writerow([convert(value) for value in row])
        count += 1
    return count


def write_csv_zip(target, files: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> None:
    """A zip of CSV files written one after the other, streaming each file's rows.

    :param target: a path or a binary file object.
    :param files: (file name, header, rows) in the order they go into the zip.
    """
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, header, rows in files:
            with archive.open(name, "w") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                write_csv(text, header, rows)
                text.flush()
                text.detach()


# --- xlsx ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """A column of a sheet: its header, and how its cells are written (``text``, ``number``, ``date``)."""

    header: str
    kind: str = "text"
    num_format: str | None = None  # for numbers, e.g. "0.0000", "#,##0"
    min_width: int = 6
    max_width: int = 60


def display_width(text: str) -> int:
    """Columns a text needs: East Asian wide characters count twice."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class XlsxStreamWriter:
    """Write sheets row by row in constant memory; ``close()`` writes the file."""

    def __init__(self, target):
        import xlsxwriter

        self.workbook = xlsxwriter.Workbook(target, {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": "yyyy-mm-dd",
        })
        self.header_format = self.workbook.add_format({"bold": True, "bg_color": "#E9ECEF", "border": 1,
                                                       "text_wrap": True, "valign": "top"})
        self.date_format = self.workbook.add_format({"num_format": "yyyy-mm-dd"})
        self._formats: dict[str, object] = {}
        self._by_places: dict[int, object] = {}

    def number_format(self, pattern: str):
        if pattern not in self._formats:
            self._formats[pattern] = self.workbook.add_format({"num_format": pattern})
        return self._formats[pattern]

    def places_format(self, places: int):
        """A number format with thousands separators and ``places`` decimals (from a rounded Decimal)."""
        cell_format = self._by_places.get(places)
        if cell_format is None:
            cell_format = self._by_places[places] = self.number_format("#,##0" + ("." + "0" * places if places else ""))
        return cell_format

    def add_sheet(self, name: str, columns: Sequence[Column], rows: Iterable[Sequence], freeze: bool = True,
                  print_title: str | None = None):
        """Write a sheet with a frozen header row; returns (worksheet, number of data rows).

        :param print_title: when given, the sheet is a table for people: an autofilter on its columns and
            print settings that give readable pages from Excel or WPS (A4 landscape, one page wide, the header
            row repeated on every page, this title and the page number in the page header).
        """
        sheet = self.workbook.add_worksheet(name[:31])
        widths = [max(column.min_width, display_width(column.header)) for column in columns]
        for index, column in enumerate(columns):
            sheet.write_string(0, index, column.header, self.header_format)
        writers = [self._cell_writer(sheet, column, widths) for column in columns]
        row_number = 0
        for row_number, row in enumerate(rows, start=1):
            for index, value in enumerate(row):
                if value is None:
                    continue
                width = writers[index](row_number, index, value)
                if width > widths[index]:
                    widths[index] = width
        for index, column in enumerate(columns):
            sheet.set_column(index, index, min(widths[index], column.max_width) + 2)
        if freeze:
            sheet.freeze_panes(1, 0)
        if print_title is not None:
            self.set_print_layout(sheet, print_title)
            sheet.autofilter(0, 0, row_number, len(columns) - 1)
        return sheet, row_number

    @staticmethod
    def set_print_layout(sheet, title: str) -> None:
        """A4 landscape, every column on one page wide (as many pages long as needed), header row repeated."""
        sheet.set_paper(9)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0)
        sheet.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
        # In a page header "&" starts a code (&P page, &N pages): a literal one is doubled.
        sheet.set_header("&L" + title.replace("&", "&&") + "&R&P / &N")

    def _cell_writer(self, sheet, column: Column, widths: list[int]):
        if column.kind == "number":
            fixed = self.number_format(column.num_format) if column.num_format else None
            by_places = self.places_format
            write_number = sheet.write_number
            write_string = sheet.write_string

            def write(row, col, value):
                if isinstance(value, str):  # never a formula, even in a numeric column
                    write_string(row, col, value)
                    return display_width(value)
                text = str(value)  # a rounded Decimal's text tells its decimal places
                dot = text.find(".")
                places = len(text) - dot - 1 if dot >= 0 else 0
                write_number(row, col, float(text), fixed or by_places(places))
                digits = (dot if dot >= 0 else len(text)) - (text[0] == "-")
                return len(text) + (digits - 1) // 3
            return write
        if column.kind == "date":
            date_format = self.date_format

            def write(row, col, value):
                if isinstance(value, str):
                    sheet.write_string(row, col, value)
                    return display_width(value)
                sheet.write_datetime(row, col, datetime(value.year, value.month, value.day)
                                     if not isinstance(value, datetime) else value, date_format)
                return 10

            return write
        write_string = sheet.write_string

        def write(row, col, value):
            text = value if isinstance(value, str) else str(value)
            write_string(row, col, text)
            length = len(text)
            if length * 2 <= widths[col]:  # cannot be wider than the column already is
                return length
            return display_width(text)

        return write

    def close(self) -> None:
        self.workbook.close()
