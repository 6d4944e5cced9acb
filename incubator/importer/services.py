"""Import rules shared by the command line and the upload page: who may import what, uploaded files kept
between preview and confirmation, and the downloadable templates."""
from __future__ import annotations

import io
import json
import logging
import secrets
import time
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from . import kinds as _kinds, spaces_and_people as _spaces_and_people  # noqa: F401  (registers the kinds)
from . import reading
from .engine import ImportResult, Kind, Scope, get_kind, kinds, run_import

security_log = logging.getLogger("incubator.security")
LOGGED_ROWS = 5  # row numbers of the first rejected rows written to the log
LOGGED_COLUMNS = 10

MANAGER_KINDS = frozenset(kind.name for kind in kinds() if kind.managers_may_import)
UPLOAD_LIFETIME_SECONDS = 24 * 3600
TOKEN_BYTES = 18


def may_import(user) -> bool:
    return user.role in ("admin", "manager")


def kinds_for(user) -> list[Kind]:
    """The kinds ``user`` may import: every kind for administrators, reports and incubations for managers."""
    if user.role == "admin":
        return kinds()
    if user.role == "manager":
        return [kind for kind in kinds() if kind.managers_may_import]
    return []


def scope_for(user) -> Scope:
    """Limits of ``user``'s imports: managers only their platforms and the companies they may change (the write
    scope of ``access``: incubating or renting on their platforms now), as on the web."""
    from ..access import changeable_company_ids_for, platform_ids_for

    from ..access import sees_everything

    if sees_everything(user):
        return Scope()
    names = frozenset(kind.name for kind in kinds_for(user))
    if user.role == "admin":  # a zone's administrator, in a deployment of several zones: every kind, their zone
        return Scope(company_ids=set(db.session.scalars(select(changeable_company_ids_for(user).subquery().c[0]))),
                     platform_ids=set(db.session.scalars(platform_ids_for(user))), kinds=names)
    if user.role != "manager":
        return Scope(company_ids=set(), platform_ids=set(), kinds=names)
    platform_ids = set(db.session.scalars(platform_ids_for(user)))
    company_ids = set(db.session.scalars(select(changeable_company_ids_for(user).subquery().c[0])))
    return Scope(company_ids=company_ids, platform_ids=platform_ids, kinds=names)


def import_file(kind: Kind | str, path, *, user=None, filename=None, dry_run=False, partial=False, progress=None,
                write_phase=None) -> ImportResult:
    """Run an import as ``user`` (None: the command line, unrestricted). The caller commits."""
    scope = scope_for(user) if user is not None else None
    result = run_import(kind, path, filename=filename, dry_run=dry_run, partial=partial, actor=user, scope=scope,
                        progress=progress, write_phase=write_phase)
    if result.problems:
        log_rejected_import(result, user)
    return result


def log_rejected_import(result: ImportResult, user=None) -> None:
    """One structured security-log line for an import with problems: who, which kind, the file's name
    (neutralised), how many rows were rejected, the first row numbers and the columns concerned.

    Never a cell's value: a column is named only when it is one of the kind's own columns (an unknown
    header is file content), and problems' messages are not written.
    """
    from ..uploads import safe_display_name

    kind = get_kind(result.kind)
    known = {column.key for column in kind.columns} if kind is not None else set()
    rows = sorted({problem.row for problem in result.problems if problem.row > 1})
    columns = list(dict.fromkeys(problem.column if problem.column in known else "?"
                                 for problem in result.problems))
    security_log.warning("import rejected rows", extra={
        "event": "import_rejected",
        "import_kind": result.kind,
        "file_name": safe_display_name(result.filename),
        "user_id": getattr(user, "id", None),
        "source": "web" if user is not None else "cli",
        "dry_run": result.dry_run,
        "unusable": result.unusable,
        "rows_checked": result.rows,
        "rows_rejected": result.rejected,
        "problems": len(result.problems),
        "first_rows": ",".join(str(row) for row in rows[:LOGGED_ROWS]),
        "columns": ",".join(columns[:LOGGED_COLUMNS]),
    })


# --- uploaded files between preview and confirmation ----------------------------------------------

def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_upload(storage, user, kind: Kind) -> str:
    """Keep an uploaded spreadsheet under a random token, for its uploader only; returns the token.

    :raises reading.WorkbookTooLarge: a workbook that unpacks to more than the import accepts (not kept).
    """
    from ..uploads import safe_display_name

    discard_stale_uploads()
    original = safe_display_name(storage.filename or "upload")  # no directories, controls or markup
    suffix = Path(original).suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv"):  # the form allows only these; the reader needs one of them
        raise ValueError("not a spreadsheet name")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    folder = upload_folder()
    storage.save(folder / f"{token}{suffix}")
    if suffix != ".csv":
        try:
            reading.check_unpacked_size(folder / f"{token}{suffix}")
        except reading.WorkbookTooLarge:
            discard_upload(token)
            raise
        except reading.FileUnreadable:
            pass  # not a workbook: the preview says so, with the other problems
    meta = {"user_id": user.id, "kind": kind.name, "filename": original, "suffix": suffix, "saved_at": time.time()}
    (folder / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False))
    return token


def find_upload(token: str, user) -> tuple[Path, dict] | None:
    """The stored file and its details when ``token`` exists and ``user`` uploaded it; else None."""
    if not token or not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        return None
    meta_path = upload_folder() / f"{token}.json"
    if not meta_path.is_file():
        return None
    meta = json.loads(meta_path.read_text())
    if meta.get("user_id") != user.id:
        return None
    path = upload_folder() / f"{token}{meta['suffix']}"
    return (path, meta) if path.is_file() else None


def discard_upload(token: str) -> None:
    folder = upload_folder()
    for path in folder.glob(f"{token}.*"):
        path.unlink(missing_ok=True)


def discard_stale_uploads() -> None:
    """Remove uploads never confirmed within a day."""
    limit = time.time() - UPLOAD_LIFETIME_SECONDS
    for meta_path in upload_folder().glob("*.json"):
        try:
            if meta_path.stat().st_mtime < limit:
                discard_upload(meta_path.stem)
        except FileNotFoundError:
            continue


# --- templates ------------------------------------------------------------------------------------

def template_workbook(kind: Kind, lang: str = "zh") -> bytes:
    """An xlsx to fill in: sheet ``kind`` with a header row and an example row, and a sheet of columns.

    Row 1 holds the Chinese headers (``lang="zh"``) or the English keys (``lang="en"``); both are valid
    headers. Coded columns show their labels in ``lang`` (初创企业, 国家级 ...), as people write them. Each header cell carries a comment with the other name; the second sheet lists every column
    with both names, whether it is required and what it holds.
    """
    import xlsxwriter
    from flask_babel import force_locale

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    required = workbook.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet(kind.name)
    for index, column in enumerate(kind.columns):
        header, other = (column.zh, column.key) if lang == "zh" else (column.key, column.zh)
        sheet.write_string(0, index, header, required if column.required else bold)
        sheet.write_comment(0, index, f"{other}{' *' if column.required else ''}")
        sheet.set_column(index, index, max(12, len(column.key) + 2, len(column.zh) * 2 + 2))
        example = column.example
        label = getattr(column.parse, "label", None)  # a coded column (or yes/no) shows what people write
        if example and callable(label):
            example = label(example, lang)
        if isinstance(example, (int, float)) and not isinstance(example, bool):
            sheet.write_number(1, index, example)
        elif example:
            sheet.write_string(1, index, str(example))
    sheet.freeze_panes(1, 0)
    del date_format

    notes = workbook.add_worksheet("columns" if lang == "en" else "说明")
    with force_locale(lang):
        titles = ["key", "中文", "required / 必填", "note / 说明"]
        for index, title in enumerate(titles):
            notes.write_string(0, index, title, bold)
        for row, column in enumerate(kind.columns, start=1):
            notes.write_string(row, 0, column.key)
            notes.write_string(row, 1, column.zh)
            notes.write_string(row, 2, "*" if column.required else "")
            notes.write_string(row, 3, str(column.note) if column.note else "")
    notes.set_column(0, 0, 26)
    notes.set_column(1, 1, 22)
    notes.set_column(2, 2, 14)
    notes.set_column(3, 3, 60)
    workbook.close()
    return buffer.getvalue()


__all__ = ["ImportResult", "get_kind", "kinds", "import_file", "kinds_for", "scope_for", "template_workbook",
           "save_upload", "find_upload", "discard_upload", "MANAGER_KINDS"]
