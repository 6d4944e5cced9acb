"""Hostile spreadsheets for the import: generated rows of hostile cells in xlsx and CSV (three encodings),
formulas, broken or empty workbooks, merged cells, UTF-16 and files near the size limit. Every bad row is
reported by number with a message; nothing changes unless the good rows are asked for; what loads reads
back as typed (controls dropped, spaces trimmed)."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, func, select

from incubator import clock
from incubator.audit.models import AuditEvent
from incubator.extensions import db
from incubator.fields import strip_controls
from incubator.importer.services import import_file
from incubator.organisations.models import Organisation
from tests import factories

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HEADER = ["credit_code", "name", "kind", "founded_on"]

# Names that must load (and read back as the clean text) and names that must be refused, in any format.
GOOD_NAMES = [SCRIPT, IMG, "' OR 1=1 --", "'; DROP TABLE organisations; --", "😀 科技", "𠀀𠀁有限公司",
              "\u202e司公限有", "zero\u200bwidth", "  空格  ", "1e309", "NaN", "-1", "１２３", "{{ 7*7 }}",
              "x" * 200, "a\x00b", "\x1b[31m红色", "line\u0085next"]
BAD_NAMES = ["x" * 201, "x" * 10_000, "   ", "\x00\x1b"]
GOOD_DATES = {"2024-05-20": date(2024, 5, 20), "9999-12-31": date(9999, 12, 31), "１９９９-０１-０２": date(1999, 1, 2),
              "": None}
BAD_DATES = ["0000-00-00", "2026-02-30", "2026/13/01", "yesterday", SCRIPT, "NaN", "inf", "-1", "1e309"]
FORMATS = ("xlsx", "csv-utf8", "csv-utf8-sig", "csv-gb18030", "csv-utf16")


pytestmark = pytest.mark.usefixtures("zone_industries")


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(datetime(2026, 11, 20, 10, 0))
    yield
    clock.freeze(None)


def xlsx_safe(text: str) -> bool:
    """openpyxl cannot write C0 controls into a cell (Excel cannot hold them either)."""
    return not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text)


def write(tmp_path, rows: list[list], fmt: str, name: str = "data") -> object:
    if fmt == "xlsx":
        from openpyxl import Workbook

        path = tmp_path / f"{name}.xlsx"
        workbook = Workbook()
        for row in rows:
            workbook.active.append(row)
        workbook.save(path)
        return path
    path = tmp_path / f"{name}.csv"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    encoding = {"csv-utf8": "utf-8", "csv-utf8-sig": "utf-8-sig", "csv-gb18030": "gb18030", "csv-utf16": "utf-16"}[fmt]
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def organisations() -> dict[str, Organisation]:
    return {org.credit_code: org for org in db.session.scalars(select(Organisation))}


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


row_strategy = st.tuples(
    st.sampled_from(GOOD_NAMES + BAD_NAMES) | st.text(max_size=30),
    st.sampled_from(["startup", "enterprise", "STARTUP", SCRIPT, "", "university\x00"]),
    st.sampled_from(list(GOOD_DATES) + BAD_DATES),
)


def expected_name(name: str, fmt: str):
    """The stored name, or None when the row must be refused."""
    if fmt == "xlsx" and name.startswith("="):
        return None  # openpyxl writes a formula without a computed value: refused with a message
    text = strip_controls(name).strip()
    if not text or len(text) > 200:
        return None
    return text


def expected_kind(kind: str):
    text = strip_controls(kind).strip().lower()
    return text if text in ("startup", "enterprise", "university") else None


@settings(max_examples=30, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(row_strategy, min_size=1, max_size=6), fmt=st.sampled_from(FORMATS))
def test_hostile_rows_are_each_reported_or_loaded_as_typed(app, tmp_path, rows, fmt):
    if fmt == "xlsx":
        rows = [row for row in rows if all(xlsx_safe(cell) for cell in row)] or [("正常名称", "startup", "")]
    if fmt == "csv-gb18030":
        rows = [row for row in rows if all(_gb_safe(cell) for cell in row)] or [("正常名称", "startup", "")]
    db.session.execute(delete(Organisation))
    db.session.commit()
    codes = [factories.credit_code(9000 + index) for index in range(len(rows))]
    table = [HEADER] + [[code, name, kind, founded] for code, (name, kind, founded) in zip(codes, rows)]
    path = write(tmp_path, table, fmt)
    events = audit_count()

    strict = import_file("organizations", path)
    if strict.rejected:
        db.session.rollback()
        assert organisations() == {} and audit_count() == events  # nothing changes without --partial
    result = import_file("organizations", path, partial=True) if strict.rejected else strict
    db.session.commit()
    assert not result.unusable, [p.line() for p in result.problems]
    reported = {problem.row for problem in result.problems}
    assert all(str(problem.message).strip() for problem in result.problems)
    stored = organisations()
    for number, (code, (name, kind, founded)) in enumerate(zip(codes, rows), start=2):
        want_name, want_kind = expected_name(name, fmt), expected_kind(kind)
        good_date = founded in GOOD_DATES
        if want_name is None or want_kind is None or not good_date:
            assert number in reported and code not in stored, (fmt, number, name, kind, founded)
        else:
            assert number not in reported, (fmt, number, name, [p.line() for p in result.problems])
            org = stored[code]
            assert (org.name, org.kind, org.founded_on) == (want_name, want_kind, GOOD_DATES[founded])
            assert "\x00" not in org.name_sort
    assert result.created == len(stored) and result.rejected == len(reported)


def _gb_safe(text: str) -> bool:
    try:
        text.encode("gb18030")
        return True
    except UnicodeEncodeError:
        return False


def test_a_name_of_control_characters_only_is_reported_as_missing(app, tmp_path):
    """Found by the test above: the cell is not blank, but nothing is left once controls are dropped."""
    path = write(tmp_path, [HEADER, [factories.credit_code(9050), "\x00\x1b\x07", "startup", ""]], "csv-utf8")
    result = import_file("organizations", path)
    assert [(p.row, p.column, str(p.message)) for p in result.problems] == [(2, "name", "A value is required.")]
    assert organisations() == {}


def test_a_loaded_script_name_is_shown_escaped(app, tmp_path, login_as):
    path = write(tmp_path, [HEADER, [factories.credit_code(9100), SCRIPT + IMG, "startup", ""]], "csv-utf8")
    assert import_file("organizations", path).created == 1
    db.session.commit()
    client, _ = login_as("admin")
    org = organisations()[factories.credit_code(9100)]
    page = client.get(f"/organisations/{org.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page and "<img src=x" not in page


# --- whole files that are not what they claim ------------------------------------------------------

def test_a_broken_zip_posing_as_xlsx_is_unusable_with_a_clear_message(app, tmp_path):
    for content in (b"PK\x03\x04 this is not a workbook", b"<html><script>alert(1)</script></html>", b"",
                    b"\x00" * 1000):
        path = tmp_path / "reports.xlsx"
        path.write_bytes(content)
        result = import_file("organizations", path)
        assert result.unusable and not result.written
        assert [str(p.message) for p in result.problems] == [
            "The file cannot be read: use an .xlsx workbook or a .csv file."]
    assert organisations() == {}


def test_an_empty_sheet_and_an_empty_csv_report_the_missing_columns(app, tmp_path):
    from openpyxl import Workbook

    empty = tmp_path / "empty.xlsx"
    Workbook().save(empty)
    (tmp_path / "empty.csv").write_bytes(b"")
    for path in (empty, tmp_path / "empty.csv"):
        result = import_file("organizations", path)
        assert result.unusable and result.rows == 0
        assert {p.column for p in result.problems} == {"credit_code", "name", "kind"}
        assert all("required column is missing" in str(p.message) for p in result.problems)


def test_merged_cells_leave_the_covered_rows_blank_and_reported(app, tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "merged.xlsx"
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([factories.credit_code(9200), "合并单元格公司", "startup", ""])
    sheet.append([factories.credit_code(9201), None, "startup", ""])
    sheet.merge_cells("B2:B3")
    workbook.save(path)
    result = import_file("organizations", path)
    assert [(p.row, p.column, str(p.message)) for p in result.problems] == [(3, "name", "A value is required.")]
    assert organisations() == {}


def test_formulas_use_their_computed_value_or_are_reported(app, tmp_path):
    import xlsxwriter

    path = tmp_path / "formulas.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write_string(1, 0, factories.credit_code(9300))
    sheet.write_formula(1, 1, '=HYPERLINK("http://evil.example/","点我公司")', None, "点我公司")
    sheet.write_string(1, 2, "startup")
    sheet.write_string(2, 0, factories.credit_code(9301))
    sheet.write_formula(2, 1, "=1+1", None, "")  # no computed value saved
    sheet.write_string(2, 2, "startup")
    workbook.close()
    result = import_file("organizations", path, partial=True)
    assert [(p.row, p.column) for p in result.problems] == [(3, "name")]
    assert "no computed value" in str(result.problems[0].message)
    db.session.commit()
    assert organisations()[factories.credit_code(9300)].name == "点我公司"  # the value, never the formula


def test_gbk_and_utf16_csv_files_read_their_chinese_names(app, tmp_path):
    for fmt in ("csv-gb18030", "csv-utf16", "csv-utf8-sig"):
        db.session.execute(delete(Organisation))
        db.session.commit()
        code = factories.credit_code(9400)
        path = write(tmp_path, [HEADER, [code, "苏州园区示例科技有限公司", "startup", "2024-05-20"]], fmt, fmt)
        result = import_file("organizations", path)
        assert (result.created, result.problems) == (1, []), fmt
        db.session.commit()
        assert organisations()[code].name == "苏州园区示例科技有限公司"


@pytest.fixture
def config_overrides():
    # The import runs in the request here, not as a background job (tests/jobs covers those).
    return {"IMPORT_MAX_BYTES": 400_000, "IMPORT_JOB_MIN_BYTES": 1_000_000, "BABEL_DEFAULT_LOCALE": "en"}


def test_a_file_near_the_size_limit_of_bad_rows_is_previewed_page_by_page(login_as, tmp_path):
    lines = ["credit_code,name,kind"] + [f"{factories.credit_code(20000 + n)},{SCRIPT}{n},planet" for n in range(5000)]
    content = ("\n".join(lines) + "\n").encode()
    assert 250_000 < len(content) < 400_000
    client, _ = login_as("admin")
    response = client.post("/import/", data={"kind": "organizations", "file": (io.BytesIO(content), "big.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    token = response.headers["Location"].rstrip("/").split("/")[-1]
    page = client.get(f"/import/{token}?page=3")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-count="rejected">5000<' in html and "<script>alert" not in html
    done = client.post(f"/import/{token}/confirm", data={})
    assert done.status_code == 200 and organisations() == {}
    too_big = content + b"x" * 150_000
    assert client.post("/import/", data={"kind": "organizations", "file": (io.BytesIO(too_big), "big.csv")},
                       content_type="multipart/form-data").status_code == 413
