"""Validation failures of imports are logged as structured JSON security events: who, which kind, the file's
name neutralised, how many rows were rejected, the first row numbers and the columns, never a cell's value."""
from __future__ import annotations

import io
import json
from datetime import datetime

import pytest

from incubator import clock
from tests import factories

SECRET_CELL = "机密营收-4242"
HEADER = "credit_code,period,revenue,rd_expense,employees\n"


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(datetime(2026, 11, 20, 10, 0))
    yield
    clock.freeze(None)


def rejected(lines):
    return [line for line in lines if line.get("event") == "import_rejected"]


def bad_reports(company_code: str, rows: int = 8) -> str:
    lines = [f"{company_code},2026Q3,1,1,5"]
    lines += [f"{company_code},2026Q{(n % 3) + 1},{SECRET_CELL},1,5" for n in range(rows - 1)]
    return HEADER + "\n".join(lines) + "\n"


def test_an_upload_with_bad_rows_is_logged_with_counts_rows_and_columns_but_no_values(login_as, log_lines):
    company = factories.organisation("startup")
    client, admin = login_as("admin")
    name = "../../季度\u202e报表\x1b.csv"
    response = client.post("/import/", data={"kind": "reports", "file": (io.BytesIO(
        bad_reports(company.credit_code).encode()), name)}, content_type="multipart/form-data")
    token = response.headers["Location"].rstrip("/").split("/")[-1]
    assert client.get(f"/import/{token}").status_code == 200
    [line] = rejected(log_lines())
    assert line["level"] == "WARNING" and line["logger"] == "incubator.security"
    assert line["user_id"] == admin.id and line["source"] == "web" and line["import_kind"] == "reports"
    assert line["file_name"] == "季度报表.csv"  # no directories, no controls or direction overrides
    assert line["dry_run"] is True and line["rows_checked"] == 8 and line["rows_rejected"] == 7
    assert line["first_rows"] == "3,4,5,6,7"  # the first five only
    assert "revenue" in line["columns"].split(",")
    text = json.dumps(log_lines(), ensure_ascii=False)
    assert SECRET_CELL not in text and company.credit_code not in text
    assert "correct-horse-battery" not in text


def test_the_command_line_logs_an_unusable_file_without_its_header_cells(app, runner, tmp_path, log_lines):
    path = tmp_path / "x.csv"
    path.write_text(f"credit_code,{SECRET_CELL}\n1,2\n", encoding="utf-8")
    result = runner.invoke(args=["import", "reports", str(path)])
    assert result.exit_code == 2
    [line] = rejected(log_lines())
    assert line["source"] == "cli" and line["user_id"] is None and line["unusable"] is True
    assert line["file_name"] == "x.csv" and line["first_rows"] == ""
    assert SECRET_CELL not in json.dumps(log_lines(), ensure_ascii=False)
    assert set(line["columns"].split(",")) <= {"?", "period", "credit_code", "revenue", "rd_expense", "employees"}


def test_a_clean_import_logs_no_rejection(app, runner, tmp_path, log_lines):
    company = factories.organisation("startup")
    from incubator.extensions import db

    db.session.commit()
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + f"{company.credit_code},2026Q3,1,1,5\n", encoding="utf-8")
    assert runner.invoke(args=["import", "reports", str(path)]).exit_code == 0
    assert rejected(log_lines()) == []
