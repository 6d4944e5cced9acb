"""An import workbook is checked for what it unpacks to before anything parses it (issue 15, hole 10): a
0.5 MB file holding 140 MB of sheet XML once held ~1 GB of memory for 5 s per preview. A zip-bomb-like
workbook is refused with a clear message, on the upload page and in the preview; an honest 30 MB
workbook passes under the default settings. Each test starts from the migrated, empty database."""
from __future__ import annotations

import io
import random
import re
import struct
import zipfile
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from incubator.config import DefaultConfig
from incubator.importer import reading, services
from incubator.importer.engine import run_import

MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
              b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"
MESSAGE_EN = re.compile(r"This workbook unpacks to (\d+) MB, more than the (\d+) MB an import may unpack to "
                        r"\(a file that shrinks over (\d+) times is refused as well\)\. Split it into smaller "
                        r"files, or save it as \.csv\.")
MESSAGE_ZH = re.compile(r"此工作簿解压后为 (\d+) MB，超过导入允许的 (\d+) MB（压缩比超过 (\d+) 倍的文件同样不予接受）。"
                        r"请拆分为较小的文件，或另存为 \.csv。")
WORKBOOK_PARTS = {
    "[Content_Types].xml": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        b'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
        b'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        b'sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        b'</Relationships>'),
    "xl/workbook.xml": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="http://schemas.openxmlformats'
        b'.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships"><sheets><sheet name="reports" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        b'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        b'</Relationships>'),
}


def write_workbook(path: Path, rows_block: bytes, repeats: int) -> Path:
    """A workbook whose sheet holds ``rows_block`` ``repeats`` times, streamed: no 140 MB in memory."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, data in WORKBOOK_PARTS.items():
            archive.writestr(name, data)
        with archive.open(SHEET, "w") as sheet:
            sheet.write(SHEET_HEAD)
            for _ in range(repeats):
                sheet.write(rows_block)
            sheet.write(SHEET_TAIL)
    return path


def bomb_rows() -> bytes:
    """One MB of the same row over and over: deflate shrinks it some 300 times, as the attacker's did."""
    row = (b'<row><c t="inlineStr"><is><t>91330100MA2B7X0Q1K</t></is></c><c t="inlineStr"><is><t>2026Q3</t>'
           b'</is></c><c><v>1</v></c></row>')
    return row * (MB // len(row))


def honest_rows(seed: int = 15) -> bytes:
    """Four MB of rows as Excel writes a reports sheet (cell references, styles, shared strings, varied
    figures): it deflates about six times, the ratio measured on an XlsxWriter workbook of such rows."""
    rng = random.Random(seed)
    out = bytearray()
    number = 2
    while len(out) < 4 * MB:
        cells = (f'<c r="A{number}" t="s"><v>{rng.randrange(2000)}</v></c>'
                 f'<c r="B{number}" t="s"><v>{rng.randrange(500)}</v></c>'
                 f'<c r="C{number}" t="s"><v>{rng.randrange(28)}</v></c>'
                 f'<c r="D{number}" s="1"><v>{rng.randrange(10 ** 8) / 10}</v></c>'
                 f'<c r="E{number}" s="1"><v>{rng.randrange(10 ** 6)}</v></c>'
                 f'<c r="F{number}"><v>{rng.randrange(1, 300)}</v></c>')
        out += f'<row r="{number}" spans="1:6">{cells}</row>'.encode()
        number += 1
    return bytes(out)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """Half a megabyte of workbook that unpacks to 140 MB of sheet XML."""
    path = write_workbook(tmp_path_factory.mktemp("bomb") / "季度报表.xlsx", bomb_rows(), 140)
    assert path.stat().st_size < MB
    return path


@pytest.fixture
def calamine_unused(monkeypatch):
    """Fail the test if the workbook reader is asked to open anything: the check must come first."""
    import python_calamine

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", refuse)


def post_workbook(client, path: Path, kind: str = "reports"):
    """Post to the upload page, encoded in memory (the test client spools a large body to a temporary
    file it never closes: a ResourceWarning, an error here)."""
    boundary, body = encode_multipart(MultiDict({
        "kind": kind, "file": FileStorage(io.BytesIO(path.read_bytes()), path.name)}))
    return client.post("/import/", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def kept_uploads() -> list[str]:
    return sorted(path.name for path in services.upload_folder().iterdir())


@pytest.mark.parametrize("locale, message", [("en", MESSAGE_EN), ("zh", MESSAGE_ZH)], ids=["en", "zh"])
def test_a_workbook_bomb_is_refused_on_upload_with_its_form_again(app, login_as, bomb, calamine_unused,
                                                                     locale, message):
    client, _ = login_as("admin", locale=locale)
    response = post_workbook(client, bomb)
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    found = message.search(html)
    assert found and tuple(map(int, found.groups())) == (140, 400, 100)
    assert re.search(r'<option selected value="reports">|<option value="reports" selected', html)  # kind kept
    assert kept_uploads() == []  # not kept for a preview


def test_the_preview_of_a_workbook_bomb_says_why_and_parses_nothing(app, bomb, calamine_unused):
    result = run_import("reports", bomb, dry_run=True)
    assert result.unusable
    assert [(problem.row, problem.column) for problem in result.problems] == [(1, "-")]
    assert MESSAGE_ZH.fullmatch(str(result.problems[0].message))  # outside a request: the default language


def understate_sizes(path: Path, member: str, declared: int) -> None:
    """Rewrite the uncompressed size that the zip's local header and central directory give ``member``, as
    an attacker's hand-made zip would, to slip past a check of the declared sizes."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    # (signature, offset of the uncompressed size, of the name's length, size of the fixed header)
    for signature, size_at, name_length_at, header_size in ((b"PK\x03\x04", 22, 26, 30),
                                                            (b"PK\x01\x02", 24, 28, 46)):
        at = data.find(signature)
        while at >= 0:
            (name_length,) = struct.unpack_from("<H", data, at + name_length_at)
            if data[at + header_size:at + header_size + name_length] == name:
                struct.pack_into("<I", data, at + size_at, declared)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def test_a_workbook_that_understates_its_unpacked_size_is_unreadable_not_parsed(app, bomb, tmp_path,
                                                                               calamine_unused):
    liar = tmp_path / "liar.xlsx"
    liar.write_bytes(bomb.read_bytes())
    understate_sizes(liar, SHEET, 1000)
    with zipfile.ZipFile(liar) as archive:
        assert sum(member.file_size for member in archive.infolist()) < 10_000  # what the zip now claims
    with pytest.raises(reading.FileUnreadable) as refused:
        reading.check_unpacked_size(liar)
    assert not isinstance(refused.value, reading.WorkbookTooLarge)
    result = run_import("reports", liar, dry_run=True)
    assert result.unusable
    assert [str(problem.message) for problem in result.problems] == [
        "无法读取此文件：请使用 .xlsx 工作簿或 .csv 文件。"]  # outside a request: the default language


def test_the_unpacked_limit_is_the_setting(app, tmp_path):
    workbook = write_workbook(tmp_path / "honest.xlsx", honest_rows(), 2)  # 8 MB of XML, deflated ~6 times
    reading.check_unpacked_size(workbook)  # the defaults admit it
    app.config["IMPORT_MAX_UNCOMPRESSED_BYTES"] = 5 * MB
    with pytest.raises(reading.WorkbookTooLarge) as refused:
        reading.check_unpacked_size(workbook)
    assert tuple(map(int, MESSAGE_ZH.fullmatch(str(refused.value)).groups())) == (8, 5, 100)


@pytest.mark.slow
def test_an_honest_30_mb_workbook_is_admitted_under_the_default_settings(app, login_as, tmp_path):
    assert (app.config["IMPORT_MAX_UNCOMPRESSED_BYTES"], app.config["IMPORT_MAX_COMPRESSION_RATIO"]) == (
        DefaultConfig.IMPORT_MAX_UNCOMPRESSED_BYTES, DefaultConfig.IMPORT_MAX_COMPRESSION_RATIO)
    rows = honest_rows()
    workbook = write_workbook(tmp_path / "reports.xlsx", rows, 46)
    size = workbook.stat().st_size
    with zipfile.ZipFile(workbook) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    assert 30 * MB <= size < 34 * MB and 150 * MB < unpacked < 200 * MB, (size, unpacked)
    client, _ = login_as("admin")
    response = post_workbook(client, workbook)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert [name for name in kept_uploads() if name.endswith(".xlsx")] and len(kept_uploads()) == 2
