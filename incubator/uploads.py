"""Uploaded files for every area: checked by content, stored under a random id outside static, served safely.

Use it from a view like this (access checks stay in the calling view)::

    @bp.route("/x/upload", methods=["POST"])
    @upload_limit("UPLOAD_MAX_BYTES")            # the size limit of each file (see ``too_large``)
    def upload():
        if uploads.refuse_too_large(form):        # the form again, status 413, what was typed kept
            return render_template(..., form=form), 413
        try:
            stored = uploads.store_upload(request.files["file"], kind="business_plan",
                                          allowed=uploads.DOCUMENT_TYPES, owner=current_user,
                                          organisation_id=company.id)
        except uploads.UploadError as error:
            form.file.errors.append(str(error))
        ...

    return uploads.send_stored_file(stored)      # after the view decided the user may see it

The file's type is decided by its first bytes (magic numbers), never by its name or the browser's claim.
The original name is kept only as display metadata: files live at ``UPLOAD_FOLDER/<2 hex>/<random hex>``.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import tempfile
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path

from flask import current_app, request, send_file
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .database import Timestamped, UTCDateTime, utcnow
from .extensions import db
from .fields import ControlFreeRequest
from .saving import FieldRuleBroken

# What a caller may accept (the ``allowed`` argument); each detected type has one content type.
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "csv": "text/csv",
    "text": "text/plain",
}
EXTENSIONS = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg", "xlsx": ".xlsx", "docx": ".docx", "pptx": ".pptx",
              "csv": ".csv", "text": ".txt"}
DOCUMENT_TYPES = ("pdf", "png", "jpeg", "docx", "pptx")
IMAGE_TYPES = ("pdf", "png", "jpeg")
SPREADSHEET_TYPES = ("xlsx", "csv")

CHUNK = 64 * 1024
SNIFF_BYTES = 4096
# Markup that a browser could render as a page or script, refused inside any accepted type's head.
ACTIVE_MARKERS = (b"<html", b"<script", b"<svg", b"<!doctype", b"<?xml", b"<body", b"<iframe", b"javascript:",
                  b"<head", b"<meta", b"<object", b"<embed")

IMAGE_MARKERS = tuple(marker for marker in ACTIVE_MARKERS if marker != b"<?xml")


class UploadError(FieldRuleBroken):
    """A file refused for its content or name; the message is shown to the user (localized). A broken rule like
    any other, so ``saving`` rolls back and shows it (beside ``field`` when the caller names the file field)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message, field)


class FileTooLarge(UploadError):
    """A file above the endpoint's limit; the view answers 413 with its form and this message."""


# --- size: each file of an upload endpoint is kept up to the endpoint's limit ------------------------

def too_large_message(limit: int):
    return _l("This file is larger than the %(mb)s MB this page accepts. Choose a smaller file; "
              "what you typed has been kept.", mb=format_megabytes(limit))


def format_megabytes(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    return f"{megabytes:.0f}" if megabytes >= 10 or megabytes == int(megabytes) else f"{megabytes:.1f}"


def limit_attributes(config_key: str) -> Markup:
    """The attributes of an upload ``<form>`` that let ``static/js/uploads.js`` refuse a file too large
    before it is sent: the limit in bytes and the message in the user's language."""
    limit = current_app.config[config_key]
    message = _l("This file is larger than the %(mb)s MB this page accepts. Choose a smaller file.",
                 mb=format_megabytes(limit))
    return Markup('data-upload-limit="{}" data-upload-too-large="{}"').format(limit, str(message))


class CappedFileStream:
    """Where the form parser writes one uploaded file: the first ``limit`` bytes are kept, the rest are
    counted and dropped, so a file too large costs no disk and the other fields still arrive."""

    def __init__(self, limit: int):
        self.limit = limit
        self.received = 0
        self._file = tempfile.SpooledTemporaryFile(max_size=512 * 1024, mode="w+b")

    @property
    def too_large(self) -> bool:
        return self.received > self.limit

    def write(self, data) -> int:
        room = self.limit - self.received
        self.received += len(data)
        if room > 0:
            self._file.write(data[:room])
        return len(data)

    def __getattr__(self, name):  # read, seek, tell, close, ...: the kept part
        return getattr(self._file, name)

    def __iter__(self):
        return iter(self._file)


class UploadRequest(ControlFreeRequest):
    """The app's request class: on an ``upload_limit`` endpoint each file is written to a
    ``CappedFileStream`` of that endpoint's limit (``access.apply_upload_limit`` sets it)."""

    upload_file_limit: int | None = None

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        if self.upload_file_limit is None:
            return super()._get_file_stream(total_content_length, content_type, filename, content_length)
        return CappedFileStream(self.upload_file_limit)


def too_large(file_storage) -> bool:
    """Whether this uploaded file (``request.files[...]``) went over the endpoint's limit."""
    return bool(getattr(getattr(file_storage, "stream", None), "too_large", False))


def size_refusals() -> dict[str, str]:
    """The file fields of this request that went over the endpoint's limit, each with its message."""
    return {name: str(too_large_message(storages[0].stream.limit))
            for name, storages in request.files.lists() if any(too_large(storage) for storage in storages)}


def refuse_too_large(form) -> bool:
    """When a file of this request went over the limit: validate ``form`` (so every other message shows
    too), put the size message on its file field and answer True; the view then renders the form, 413."""
    refusals = size_refusals()
    if refusals:
        form.validate()
        for name, message in refusals.items():
            if name in form:
                form[name].errors = [*form[name].errors, message]
    return bool(refusals)


class StoredFile(Timestamped, db.Model):
    """An uploaded file's metadata; the bytes live in UPLOAD_FOLDER under ``storage_key``."""

    __tablename__ = "stored_files"
    __table_args__ = (Index("ix_stored_files_organisation_kind", "organisation_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)  # random hex, the file name on disk
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(40))  # what the file is for, e.g. business_licence
    original_name: Mapped[str] = mapped_column(String(255))  # display only, neutralised
    content_type: Mapped[str] = mapped_column(String(120))
    file_type: Mapped[str] = mapped_column(String(10))  # pdf, png, ... (detected)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    sensitive: Mapped[bool] = mapped_column(default=False)  # personal information (PIPL): views are logged
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner = relationship("User", lazy="select")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def download_name(self) -> str:
        """The original name with the extension of the detected type (never the user's extension)."""
        stem = self.original_name.rsplit(".", 1)[0] if "." in self.original_name else self.original_name
        return (stem or "file") + EXTENSIONS.get(self.file_type, "")

    def __repr__(self) -> str:
        return f"<StoredFile {self.id} {self.kind} {self.file_type}>"


# --- names ---------------------------------------------------------------------------------------

def safe_display_name(name: str | None, limit: int = 120) -> str:
    """A file name fit to show and to offer as a download name: no directories, controls or quotes.

    ``../../etc/passwd`` becomes ``passwd``; ``C:\\x\\营业执照.pdf`` becomes ``营业执照.pdf``.
    """
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(char for char in text if unicodedata.category(char)[0] != "C")
    text = re.sub(r"[\"'<>:|?*;=%`$&{}]", "_", text).strip().strip(".").strip()
    if len(text) > limit:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: limit - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else text[:limit]
    return text or "file"


# --- content detection ---------------------------------------------------------------------------

def _has_active_markup(head: bytes, markers=ACTIVE_MARKERS) -> bool:
    lowered = head.lower()
    return any(marker in lowered for marker in markers)


def _zip_members(path: Path) -> set[str] | None:
    try:
        with zipfile.ZipFile(path) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _text_type(data: bytes) -> str | None:
    """``csv`` or ``text`` for readable text (UTF-8, or GB18030 as saved by Chinese Excel); else None."""
    if b"\x00" in data:
        return None
    sample = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # The sample may end inside a multi-byte character.
        if error.start >= len(sample) - 3:
            text = sample[: error.start].decode("utf-8", errors="strict")
        else:
            try:
                text = sample.decode("gb18030")
            except UnicodeDecodeError:
                return None
    if any(unicodedata.category(char) == "Cc" and char not in "\r\n\t\f" for char in text):
        return None
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) >= 1 and all("," in line for line in lines):
        counts = {line.count(",") for line in lines[:-1]} if len(lines) > 1 else {lines[0].count(",")}
        if len(counts) == 1:
            return "csv"
    return "text"


def detect_type(path: Path) -> str | None:
    """The type of the file at ``path`` from its content: pdf, png, jpeg, xlsx, docx, pptx, csv, text or None."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(b"%PDF-"):
        return None if _has_active_markup(head) else "pdf"
    # An image whose head carries a page or script (a polyglot) is refused as well: served inline, a
    # browser that ignored the content type would run it. (XMP metadata starts ``<?xpacket``: allowed.)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return None if _has_active_markup(head, IMAGE_MARKERS) else "png"
    if head.startswith(b"\xff\xd8\xff"):
        return None if _has_active_markup(head, IMAGE_MARKERS) else "jpeg"
    if head.startswith(b"PK\x03\x04"):
        members = _zip_members(path)
        if not members or "[Content_Types].xml" not in members:
            return None
        if "xl/workbook.xml" in members:
            return "xlsx"
        if "word/document.xml" in members:
            return "docx"
        if "ppt/presentation.xml" in members:
            return "pptx"
        return None
    if _has_active_markup(head):
        return None
    return _text_type(head)


def type_labels(allowed) -> str:
    return ", ".join(EXTENSIONS[name].lstrip(".").upper() for name in allowed)


# --- storing -------------------------------------------------------------------------------------

def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    static = Path(current_app.static_folder or "").resolve()
    if static and (folder.resolve() == static or static in folder.resolve().parents):
        raise RuntimeError("UPLOAD_FOLDER must not be inside the static folder")
    return folder


def path_of(stored: StoredFile) -> Path:
    key = stored.storage_key
    if not re.fullmatch(r"[0-9a-f]{32,64}", key or ""):
        raise ValueError("bad storage key")
    return upload_folder() / key[:2] / key


def store_upload(file_storage, *, kind: str, allowed=DOCUMENT_TYPES, owner=None, organisation_id: int | None = None,
                 sensitive: bool = False, max_bytes: int | None = None) -> StoredFile:
    """Check and keep one uploaded file; add its ``StoredFile`` (flushed) and an audit event.

    :param file_storage: a werkzeug ``FileStorage`` (``request.files[...]``) or any object with
        ``.stream`` / ``.read`` and ``.filename``.
    :param allowed: the detected types accepted (see ``CONTENT_TYPES``).
    :param max_bytes: the size limit (default ``UPLOAD_MAX_BYTES``).
    :raises FileTooLarge: above the limit (an ``UploadError``: the view answers 413 with its form).
    :raises UploadError: empty file or a type not in ``allowed`` (whatever the file is called).
    """
    from .audit import services as audit

    if file_storage is None or not getattr(file_storage, "filename", None):
        raise UploadError(_l("Choose a file to upload."))
    limit = max_bytes or current_app.config["UPLOAD_MAX_BYTES"]
    if too_large(file_storage):
        raise FileTooLarge(too_large_message(file_storage.stream.limit))
    folder = upload_folder()
    key = secrets.token_hex(16)
    target_dir = folder / key[:2]
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / key
    partial = target_dir / (key + ".part")
    stream = getattr(file_storage, "stream", file_storage)
    digest = hashlib.sha256()
    size = 0
    try:
        with open(partial, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise FileTooLarge(too_large_message(limit))
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadError(_l("The file is empty."))
        file_type = detect_type(partial)
        if file_type not in allowed:
            raise UploadError(_l("This file is not of an accepted type (%(types)s); its content was checked, "
                                 "not its name.", types=type_labels(allowed)))
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()
    stored = StoredFile(
        storage_key=key, owner_id=getattr(owner, "id", None), organisation_id=organisation_id, kind=kind,
        original_name=safe_display_name(file_storage.filename), content_type=CONTENT_TYPES[file_type],
        file_type=file_type, size=size, sha256=digest.hexdigest(), sensitive=sensitive,
    )
    db.session.add(stored)
    db.session.flush()
    audit.record("file_uploaded", stored, after=audit.snapshot(
        stored, ["kind", "original_name", "content_type", "size", "sha256", "organisation_id", "sensitive"]))
    return stored


def store_bytes(data: bytes, filename: str, **kwargs) -> StoredFile:
    """``store_upload`` for bytes in hand (demo data, tests, imports)."""

    class _Upload:
        def __init__(self):
            self.stream = io.BytesIO(data)
            self.filename = filename

    return store_upload(_Upload(), **kwargs)


def delete_stored(stored: StoredFile, *, reason: str | None = None) -> None:
    """Remove the bytes and mark the record deleted (metadata stays for the audit trail)."""
    from .audit import services as audit

    if stored.deleted_at is not None:
        return
    try:
        path_of(stored).unlink(missing_ok=True)
    except ValueError:
        pass
    stored.deleted_at = clock.utcnow()
    audit.record("file_deleted", stored, after={"deleted_at": stored.deleted_at, "kind": stored.kind},
                 reason=reason)


def send_stored_file(stored: StoredFile, *, inline: bool = False):
    """Serve a stored file (as an attachment by default) with headers that stop sniffing and scripting.

    The caller has already decided that the user may see it. A deleted or missing file answers 404.
    """
    from flask import abort

    if stored is None or stored.deleted_at is not None:
        abort(404)
    path = path_of(stored)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=stored.content_type, as_attachment=not inline,
                         download_name=safe_display_name(stored.download_name), conditional=False,
                         max_age=0, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
