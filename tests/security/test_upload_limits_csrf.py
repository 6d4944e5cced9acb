"""The configured upload limits are the ones in force with CSRF on, as in production (issue 15, hole 10).

CSRF protection reads the form before the view runs; the body is parsed once, under the limit in force at
that moment, so the endpoint's limit must be raised before it. The rest of the suite runs with CSRF off
and could never see this: here every post carries the token. Real files, generated here: a 15 MB PDF
and a 30 MB xlsx, under the default limits (20 MB documents, 64 MB imports).
"""
from __future__ import annotations

import base64
import hashlib
import io
import random
import re
import zipfile

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from incubator import uploads
from incubator.extensions import db
from incubator.importer import reading

from ..conftest import PASSWORD, csrf_token_from

MB = 1024 * 1024


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True, "BABEL_DEFAULT_LOCALE": "en"}


def real_pdf(size: int, seed: int = 15) -> bytes:
    """A well-formed PDF of ``size`` bytes or a little more: catalogue, one A4 page, an embedded file of
    seeded random bytes (a scanned business plan does not compress either), the cross-reference table."""
    payload = random.Random(seed).randbytes(size)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length 0 >>\nstream\n\nendstream",
               b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(payload) + payload + b"\nendstream"]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def real_xlsx(size: int, seed: int = 15) -> bytes:
    """An xlsx workbook (XlsxWriter) of at least ``size`` bytes: an incubations sheet whose rows carry a
    long note of seeded random text, so that the file is big without taking long to write."""
    import xlsxwriter

    rng = random.Random(seed)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    sheet = workbook.add_worksheet("incubations")
    sheet.write_row(0, 0, ["credit_code", "platform_code", "admitted_on", "status", "note"])
    row = 1
    written = 0
    while written < size * 1.36:  # base64 text deflates to about three quarters
        note = base64.b64encode(rng.randbytes(18_000)).decode()  # 24,000 characters (a cell holds 32,767)
        sheet.write_row(row, 0, ["91330100MA2B7X0Q1K", "P-ONE", "2026-01-05", "incubating", note])
        written += len(note) + 60
        row += 1
    workbook.close()
    data = buffer.getvalue()
    assert len(data) >= size, len(data)
    return data


def post_multipart(client, url: str, fields: dict):
    """Post a multipart form encoded in memory (the test client spools a large body to a temporary file
    it never closes: a ResourceWarning, an error here)."""
    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def login(client, user) -> None:
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


@pytest.fixture
def founder_application(client, make_user):
    from incubator.startups import services as svc

    founder = make_user("startup")
    application = svc.start_application(founder)
    db.session.add(application)
    db.session.commit()
    login(client, founder)
    return application


def documents_token(client, application) -> str:
    return csrf_token_from(client.get(f"/applications/{application.id}/step/documents").get_data(as_text=True))


@pytest.mark.slow
def test_a_15_mb_business_plan_is_accepted_with_csrf_on(client, founder_application):
    from incubator.startups.models import ApplicationDocument

    pdf = real_pdf(15 * MB)
    response = post_multipart(client, f"/applications/{founder_application.id}/documents", {
        "csrf_token": documents_token(client, founder_application), "kind": "business_plan",
        "file": FileStorage(io.BytesIO(pdf), "商业计划书.pdf", content_type="application/pdf")})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    document = db.session.scalar(select(ApplicationDocument).where(
        ApplicationDocument.application_id == founder_application.id, ApplicationDocument.kind == "business_plan"))
    assert document.file.size == len(pdf) and document.file.content_type == "application/pdf"
    assert hashlib.sha256(uploads.path_of(document.file).read_bytes()).digest() == hashlib.sha256(pdf).digest()


@pytest.mark.slow
def test_a_30_mb_workbook_is_accepted_for_import_with_csrf_on(client, make_user):
    admin = make_user("admin")
    login(client, admin)
    workbook = real_xlsx(30 * MB)
    token = csrf_token_from(client.get("/import/").get_data(as_text=True))
    response = post_multipart(client, "/import/", {"csrf_token": token, "kind": "incubations",
                                                   "file": FileStorage(io.BytesIO(workbook), "incubations.xlsx")})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    kept = sorted((uploads.upload_folder() / "imports").glob("*.xlsx"))
    assert [path.stat().st_size for path in kept] == [len(workbook)]
    reading.check_unpacked_size(kept[0])  # within the default unpacking limits too


def test_a_file_over_the_limit_with_csrf_on_shows_the_form_again_with_413_and_the_consent_kept(
        app, client, founder_application):
    app.config["UPLOAD_MAX_BYTES"] = 1 * MB
    before = db.session.scalar(select(db.func.count()).select_from(uploads.StoredFile))
    response = post_multipart(client, f"/applications/{founder_application.id}/documents", {
        "csrf_token": documents_token(client, founder_application), "kind": "legal_rep_id", "consent": "y",
        "file": FileStorage(io.BytesIO(real_pdf(MB + MB // 2)), "id.pdf")})
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Choose a smaller file; what you typed has been kept." in html
    assert re.search(r'id="consent-legal_rep_id" checked', html)
    assert csrf_token_from(html)  # a working form, not an error page
    assert db.session.scalar(select(db.func.count()).select_from(uploads.StoredFile)) == before


def test_the_real_pdf_and_xlsx_are_what_they_claim():
    """The generators make files the app's own type check and a zip reader accept (small sizes)."""
    pdf = real_pdf(50_000)
    assert pdf.startswith(b"%PDF-1.7") and pdf.rstrip().endswith(b"%%EOF")
    xref = int(re.search(rb"startxref\n(\d+)", pdf).group(1))
    assert pdf[xref:xref + 4] == b"xref"
    with zipfile.ZipFile(io.BytesIO(real_xlsx(100_000))) as archive:
        assert "xl/worksheets/sheet1.xml" in archive.namelist()
