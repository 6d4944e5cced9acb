"""The shared upload helper: type by content, size limit, neutral names, safe serving."""
from __future__ import annotations

import io
import zipfile

import pytest
from werkzeug.datastructures import FileStorage

from incubator import uploads
from incubator.audit.models import AuditEvent
from incubator.extensions import db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def office(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr({"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}[kind], "<x/>")
    return buffer.getvalue()


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.mark.parametrize("data, name, expected", [
    (PDF, "plan.pdf", "pdf"), (PNG, "x.png", "png"), (JPEG, "photo.jpg", "jpeg"),
    (office("xlsx"), "a.xlsx", "xlsx"), (office("docx"), "a.docx", "docx"),
    ("名称,金额\n甲,1\n".encode(), "a.csv", "csv"), ("备注\n第二行".encode(), "a.txt", "text"),
    (PDF, "misnamed.txt", "pdf"),
])
def test_type_is_detected_from_content(app, data, name, expected):
    stored = uploads.store_upload(upload(data, name), kind="t", allowed=tuple(uploads.CONTENT_TYPES))
    assert stored.file_type == expected
    assert stored.size == len(data)
    assert uploads.path_of(stored).read_bytes() == data


@pytest.mark.parametrize("data", [
    b"<html><script>alert(1)</script></html>", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>",
    b"%PDF-1.4\n<html><script>alert(1)</script>", b"PK\x03\x04not really a zip", b"MZ\x90\x00\x03\x00\x00\x00\x04",
    b"#!/bin/sh\nrm -rf /\n\x00\x01",
])
def test_disguised_files_are_refused_whatever_their_name(app, data):
    with pytest.raises(uploads.UploadError):
        uploads.store_upload(upload(data, "营业执照.pdf"), kind="t", allowed=uploads.DOCUMENT_TYPES)
    assert db.session.query(uploads.StoredFile).count() == 0


def test_text_is_refused_where_only_documents_are_allowed(app):
    with pytest.raises(uploads.UploadError):
        uploads.store_upload(upload(b"just text", "plan.pdf"), kind="t", allowed=uploads.DOCUMENT_TYPES)


def test_over_size_is_refused_for_a_413_and_leaves_no_file(app, tmp_path):
    with pytest.raises(uploads.FileTooLarge):
        uploads.store_upload(upload(PDF + b"x" * 2000, "big.pdf"), kind="t", max_bytes=1000)
    folder = tmp_path / "uploads"
    assert not any(p.is_file() for p in folder.rglob("*")) if folder.exists() else True


def test_empty_file_is_refused(app):
    with pytest.raises(uploads.UploadError):
        uploads.store_upload(upload(b"", "a.pdf"), kind="t")


@pytest.mark.parametrize("name, shown", [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\x\\营业执照.pdf", "营业执照.pdf"),
    ("a\x00b\r\n.pdf", "ab.pdf"), ('"quoted";name.pdf', "_quoted__name.pdf"), ("..", "file"),
])
def test_path_like_names_are_neutralised(app, name, shown, tmp_path):
    stored = uploads.store_upload(upload(PDF, name), kind="t")
    assert stored.original_name == shown
    path = uploads.path_of(stored)
    assert path.parent.parent == tmp_path / "uploads"
    assert path.name == stored.storage_key


def test_served_as_attachment_with_nosniff_and_rfc5987_name(app):
    stored = uploads.store_upload(upload(PDF, "商业计划书.txt"), kind="t")
    db.session.commit()
    with app.test_request_context():
        response = uploads.send_stored_file(stored)
        response.direct_passthrough = False
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''%E5%95%86%E4%B8%9A%E8%AE%A1%E5%88%92%E4%B9%A6.pdf" in disposition
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.mimetype == "application/pdf"
        assert response.get_data() == PDF
        response.close()


def test_deleted_file_is_gone_and_audited(app):
    from werkzeug.exceptions import NotFound

    stored = uploads.store_upload(upload(PDF, "a.pdf"), kind="t")
    path = uploads.path_of(stored)
    uploads.delete_stored(stored, reason="retention")
    db.session.commit()
    assert not path.exists() and stored.deleted_at is not None
    actions = [e.action for e in db.session.query(AuditEvent).filter_by(entity_type="stored_files")]
    assert actions == ["file_uploaded", "file_deleted"]
    with app.test_request_context(), pytest.raises(NotFound):
        uploads.send_stored_file(stored)
