"""The evaluation page, publishing from it, its downloads (CSV, xlsx, report, PDF) and who may see them."""
from __future__ import annotations

import io
import re
import zipfile
import zlib

import openpyxl

from incubator.audit.models import AuditEvent
from incubator.evaluation.models import EvaluationSnapshot
from incubator.extensions import db

from .test_csv_export import COMPANIES, SUMMARY, text


def test_evaluation_page_shows_scores_companies_and_data_quality(hand_zone, login_as):
    client, _admin = login_as("admin")
    page = client.get("/evaluation/2026Q3").get_data(as_text=True)
    assert "Live figures, not published" in page
    assert re.search(r'data-scope="ZONE">.*?101\.5.*?A · Excellent', page, re.S)
    assert re.search(r'data-scope="MKS02">.*?75\.6.*?C · Pass', page, re.S)
    assert "甲科技有限公司" in page and "+戊数据" in page
    assert 'data-problem="missing_report"' in page and 'data-problem="unverified_report"' in page
    assert re.search(r'data-indicator="REVENUE">.*?370\.00<.*?800\.00<.*?200\.00<.*?300\.00<.*?1,000\.00<.*?80\.0%.*?75\.0%', page, re.S)


def test_evaluation_page_is_for_administrators_only(hand_zone, login_as):
    client, _manager = login_as("manager")
    assert client.get("/evaluation/2026Q3").status_code == 403
    assert client.get("/evaluation/2026Q3/export.csv").status_code == 403
    admin, _user = login_as("admin")
    assert admin.get("/evaluation/2026Q9").status_code == 404
    assert admin.get("/evaluation/2026Q3?version=4").status_code == 404
    assert admin.get("/evaluation/2026Q3/export.pdfx").status_code == 404


def test_publish_from_the_page_then_download_each_version(hand_zone, login_as):
    client, admin = login_as("admin")
    response = client.post("/evaluation/2026Q3/publish", data={"note": "first"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/evaluation/2026Q3?version=1")
    snapshot = db.session.scalars(db.select(EvaluationSnapshot)).one()
    assert snapshot.published_by_id == admin.id and snapshot.note == "first"
    assert db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "evaluation.publish")).one()

    page = client.get("/evaluation/2026Q3").get_data(as_text=True)
    assert "Published version 1" in page and 'id="versions"' in page

    again = client.post("/evaluation/2026Q3/publish", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Nothing changed since version 1 was published." in again
    assert db.session.query(EvaluationSnapshot).count() == 1

    download = client.get("/evaluation/2026Q3/export.csv?version=1&lang=zh")
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"evaluation_2026Q3_v1_zh.zip\"; "
        "filename*=UTF-8''%E8%80%83%E6%A0%B8%E8%AF%84%E4%BB%B7_2026Q3_v1_zh.zip")  # 考核评价_2026Q3_v1_zh.zip
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert text(archive.read("summary.csv")) == SUMMARY
        assert text(archive.read("companies.csv")) == COMPANIES
        assert "published,yes" in text(archive.read("about.csv"))

    workbook = client.get("/evaluation/2026Q3/export.xlsx?live=1&lang=en")
    assert workbook.headers["Content-Disposition"] == 'attachment; filename="evaluation_2026Q3_live_en.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(workbook.data))
    assert book["Zone"]["F2"].value == 800


def test_publishing_a_quarter_that_has_not_ended_is_refused(hand_zone, login_as):
    client, _admin = login_as("admin")
    page = client.post("/evaluation/2026Q4/publish", data={}, follow_redirects=True).get_data(as_text=True)
    assert "A quarter can be published only after it has ended." in page
    assert db.session.query(EvaluationSnapshot).count() == 0


def test_printable_report_and_pdf_render_chinese(hand_zone, login_as):
    client, _admin = login_as("admin")
    client.post("/language/zh")
    report = client.get("/evaluation/2026Q3/report").get_data(as_text=True)
    assert "<svg" in report and "营业收入" in report and "<script" not in report
    pdf = client.get("/evaluation/2026Q3/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert any(b"CJK" in part for part in pdf_parts(pdf.data)), "a CJK font is embedded, so Chinese is not boxes"


def pdf_parts(data: bytes):
    """The PDF's raw bytes and each of its streams, inflated where compressed."""
    yield data
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            yield zlib.decompress(match.group(1))
        except zlib.error:
            yield match.group(1)


def test_evaluation_index_lists_quarters(hand_zone, login_as):
    client, _admin = login_as("admin")
    page = client.get("/evaluation/").get_data(as_text=True)
    assert "/evaluation/2026Q3" in page
    assert client.get("/evaluation/go?period=2026年第3季度").headers["Location"].endswith("/evaluation/2026Q3")


def test_admin_home_shows_the_evaluation_state(hand_zone, login_as):
    client, admin = login_as("admin")
    page = client.get("/home").get_data(as_text=True)
    assert 'id="evaluation-panel"' in page and "Last ended quarter: 2026Q3" in page and "Not published" in page
    client.post("/evaluation/2026Q3/publish", data={})
    assert "Published version 1" in client.get("/home").get_data(as_text=True)
