"""Opening a spreadsheet for import: the header row and a stream of data rows, from xlsx or CSV.

xlsx is read with python-calamine (cached values of formula cells, numbers as floats, date cells as
dates); a formula cell without a cached value is marked ``FORMULA_WITHOUT_VALUE`` (found by a streaming
scan of the sheet's XML, skipped when the sheet holds no formula). CSV is UTF-8, UTF-8 with a byte-order
mark, UTF-16 with its byte-order mark, or else GB18030 (Chinese Excel's "CSV" save).
"""
from __future__ import annotations

import codecs
import csv
import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

from .values import FORMULA_WITHOUT_VALUE


class FileUnreadable(Exception):
    """The file cannot be opened as a workbook or a CSV file."""


class WorkbookTooLarge(FileUnreadable):
    """A workbook that unpacks to more than the import accepts; ``str()`` is the message for the user."""


# Used outside an application (the settings ``IMPORT_MAX_UNCOMPRESSED_BYTES`` and
# ``IMPORT_MAX_COMPRESSION_RATIO`` win inside one).
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# A small file may shrink well (an empty template's XML compresses 20 times): the ratio counts above this.
RATIO_FREE_BYTES = 4 * 1024 * 1024


SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv")


class Table:
    """The header cells (row 1) and an iterator over ``(row number, cells)`` of the data rows.

    Rows can be iterated more than once (the engine validates everything before it writes).
    """

    def __init__(self, header: list, rows_factory):
        self.header = header
        self._rows_factory = rows_factory

    def rows(self) -> Iterator[tuple[int, list]]:
        return self._rows_factory()


def open_table(path: str | Path, sheet_names: tuple[str, ...] = ()) -> Table:
    """Open ``path`` (``.xlsx`` or ``.csv``); for a workbook, the first sheet named in ``sheet_names``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _open_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _open_xlsx(path, sheet_names)
    raise FileUnreadable("unsupported file type")


# --- CSV ------------------------------------------------------------------------------------------

def csv_encoding(path: Path) -> str:
    """``utf-16`` after a UTF-16 byte-order mark (Excel's "Unicode" save), ``utf-8-sig`` when the whole
    file is valid UTF-8 (with or without BOM), else ``gb18030``."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        if handle.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return "utf-16"
        handle.seek(0)
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8-sig"


def _open_csv(path: Path) -> Table:
    encoding = csv_encoding(path)

    def records():
        with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
            yield from csv.reader(handle)

    iterator = records()
    header = next(iterator, [])
    iterator.close()

    def rows():
        source = records()
        next(source, None)
        for number, cells in enumerate(source, start=2):
            yield number, cells

    return Table(header, rows)


# --- xlsx -----------------------------------------------------------------------------------------

def unpacking_limits() -> tuple[int, int]:
    """(largest unpacked size in bytes, largest compression ratio) of a workbook to import."""
    from flask import current_app, has_app_context

    if has_app_context():
        return (current_app.config.get("IMPORT_MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES),
                current_app.config.get("IMPORT_MAX_COMPRESSION_RATIO", MAX_COMPRESSION_RATIO))
    return MAX_UNCOMPRESSED_BYTES, MAX_COMPRESSION_RATIO


def check_unpacked_size(path: str | Path) -> None:
    """Refuse a workbook whose parts unpack to more than the limits, before any reader holds its XML.

    The sizes the zip declares are checked first (no work for a bomb), then each part is unpacked as a
    stream and counted, so a zip that understates its sizes is caught too (Python's reader stops at the
    declared size and checks the CRC: an understated part is unreadable). Memory stays at one chunk.

    :raises WorkbookTooLarge: above ``IMPORT_MAX_UNCOMPRESSED_BYTES`` or ``IMPORT_MAX_COMPRESSION_RATIO``.
    :raises FileUnreadable: not a zip, or a part that does not unpack.
    """
    from flask_babel import gettext as _

    path = Path(path)
    max_bytes, max_ratio = unpacking_limits()
    compressed = max(path.stat().st_size, 1)
    allowed = min(max_bytes, max(RATIO_FREE_BYTES, compressed * max_ratio))

    def refuse(size: int):
        unpacked_mb, limit_mb = round(size / 1048576), round(max_bytes / 1048576)
        return WorkbookTooLarge(_(
            "This workbook unpacks to %(unpacked)d MB, more than the %(limit)d MB an import may unpack to "
            "(a file that shrinks over %(ratio)d times is refused as well). Split it into smaller files, or "
            "save it as .csv.", unpacked=unpacked_mb, limit=limit_mb, ratio=max_ratio))

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            declared = sum(member.file_size for member in members)
            if declared > allowed:
                raise refuse(declared)
            unpacked = 0
            for member in members:
                with archive.open(member) as part:
                    while chunk := part.read(1 << 20):
                        unpacked += len(chunk)
                        if unpacked > allowed:
                            raise refuse(unpacked)
    except WorkbookTooLarge:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise FileUnreadable(str(exc)) from exc


def _open_xlsx(path: Path, sheet_names: tuple[str, ...]) -> Table:
    from python_calamine import CalamineWorkbook

    check_unpacked_size(path)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        names = list(workbook.sheet_names)
        wanted = {name.strip().lower() for name in sheet_names}
        chosen = next((name for name in names if name.strip().lower() in wanted), names[0] if names else None)
        if chosen is None:
            raise FileUnreadable("no sheet")
        sheet = workbook.get_sheet_by_name(chosen)
    except FileUnreadable:
        raise
    except Exception as exc:  # calamine raises its own errors for broken zips and XML
        raise FileUnreadable(str(exc)) from exc

    missing_values = formulas_without_value(path, chosen)
    start_row, start_col = sheet.start or (0, 0)
    pad = [""] * start_col

    def numbered():
        for index, cells in enumerate(sheet.iter_rows()):
            yield start_row + index + 1, (pad + list(cells)) if start_col else list(cells)

    def marked(source):
        for number, cells in source:
            for (row, column) in missing_values.get(number, ()):
                while len(cells) <= column:
                    cells.append("")
                cells[column] = FORMULA_WITHOUT_VALUE
            yield number, cells

    def first_row():
        for number, cells in marked(numbered()):
            return cells if number == 1 else []
        return []

    header = first_row()

    def rows():
        for number, cells in marked(numbered()):
            if number >= 2:
                yield number, cells

    return Table(header, rows)


_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip path of the worksheet called ``sheet_name``."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rel_id = None
    for element in workbook.iter():
        if element.tag.endswith("}sheet") and element.get("name") == sheet_name:
            rel_id = element.get(_NS_REL)
            break
    if rel_id is None:
        return None
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for element in rels:
        if element.get("Id") == rel_id:
            target = element.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return None


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - 64)
    return index - 1


def formulas_without_value(path: Path, sheet_name: str) -> dict[int, list[tuple[int, int]]]:
    """Row number -> [(row, column index)] of formula cells that carry no cached value.

    A sheet without any ``<f>`` element (the usual data file) is recognised by a fast byte scan.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet_name)
            if part is None or part not in archive.namelist():
                return {}
            with archive.open(part) as handle:
                tail = b""
                has_formula = False
                while chunk := handle.read(1 << 20):
                    if b"<f>" in tail + chunk or b"<f " in tail + chunk or b":f>" in tail + chunk \
                            or b":f " in tail + chunk:
                        has_formula = True
                        break
                    tail = chunk[-4:]
            if not has_formula:
                return {}
            found: dict[int, list[tuple[int, int]]] = {}
            with archive.open(part) as handle:
                for _event, element in ElementTree.iterparse(handle):
                    if element.tag.endswith("}row"):
                        element.clear()
                        continue
                    if not element.tag.endswith("}c"):
                        continue
                    formula = value = None
                    for child in element:
                        if child.tag.endswith("}f"):
                            formula = child
                        elif child.tag.endswith("}v") or child.tag.endswith("}is"):
                            value = child
                    if formula is not None:
                        cached = value is not None and (value.text or len(value) or element.get("t") == "str")
                        if not cached:
                            reference = element.get("r", "")
                            letters = "".join(ch for ch in reference if ch.isalpha())
                            digits = "".join(ch for ch in reference if ch.isdigit())
                            if letters and digits:
                                row = int(digits)
                                found.setdefault(row, []).append((row, _column_index(letters.upper())))
                    element.clear()
            return found
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return {}
