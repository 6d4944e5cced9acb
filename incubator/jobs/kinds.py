"""The job kinds: a large spreadsheet import and a notification to many users. Each is one ``register``
call; its function gets a ``JobContext`` and returns the result shown on the job's page."""
from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from .registry import JobFailed, register

NOTIFY_CHUNK = 200  # recipients loaded and told per step of the progress bar
PROBLEMS_KEPT = 500  # problems listed on a failed import's page (the count says how many there were)


def estimate_rows(path: Path) -> int:
    """Rows of data in an upload, for the progress bar (an estimate: blank rows count too)."""
    if path.suffix.lower() == ".csv":
        with path.open("rb") as handle:
            return max(sum(1 for _ in handle) - 1, 0)
    try:
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        try:
            return max((workbook.worksheets[0].max_row or 1) - 1, 0)
        finally:
            workbook.close()
    except Exception:  # noqa: BLE001  unreadable: the import itself says why
        return 0


def run_import_job(context) -> dict:
    """Check every row in a reading transaction, then write the valid ones in one writing transaction:
    nothing is half-written, and on SQLite the write lock is held only for the bulk write."""
    from ..auth.models import User
    from ..importer import services as imports

    params = context.params
    user = db.session.get(User, context.job.user_id) if context.job.user_id else None
    kind = imports.get_kind(params["kind"])
    found = imports.find_upload(params["token"], user) if user is not None else None
    if kind is None or found is None or (user is not None and kind not in imports.kinds_for(user)):
        raise JobFailed("The uploaded file is no longer available; upload it again.")
    path, meta = found
    total = estimate_rows(path)
    context.progress(0, total, "checking")
    context.reading()
    result = imports.import_file(kind, path, user=user, filename=meta["filename"], partial=bool(params.get("partial")),
                                 progress=lambda rows: context.progress(rows, max(total, rows), "checking"),
                                 write_phase=context.writing_with_stage("writing"))
    with force_locale(getattr(user, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]):
        problems = [[problem.row, problem.column, str(problem.message)] for problem in result.problems[:PROBLEMS_KEPT]]
    outcome = {"kind": kind.name, "filename": meta["filename"], "created": result.created, "updated": result.updated,
               "unchanged": result.unchanged, "rejected": result.rejected, "rows": result.rows,
               "written": result.written, "unusable": result.unusable, "problem_count": len(result.problems),
               "problems": problems, "summary": result.summary()}
    if not result.written:
        db.session.rollback()
    else:
        imports.discard_upload(params["token"])
    return outcome


def run_notify_job(context) -> dict:
    """Tell many users one thing, each in their own language (in-app and e-mail, as ``notify`` does), with
    the catalogue of the page that asked (``area``)."""
    from ..auth.models import User
    from ..i18n import area_catalogue
    from ..notifications.services import notify

    params = context.params
    ids = sorted(set(params.get("user_ids") or []))
    sent = 0
    context.progress(0, len(ids), "sending")
    area = area_catalogue(params["area"]) if params.get("area") else nullcontext()
    with context.writing(), area:  # one writing transaction for every notification, committed with the job's mark
        for start in range(0, len(ids), NOTIFY_CHUNK):
            chunk = ids[start:start + NOTIFY_CHUNK]
            users = list(db.session.scalars(select(User).where(User.id.in_(chunk)).order_by(User.id)))
            sent += notify(users, _l(params["subject"]), _l(params["body"]) if params.get("body") else "",
                           link=params.get("link"), kind=params.get("notification_kind", "info"),
                           **(params.get("values") or {}))
            context.progress(start + len(chunk), len(ids), "sending")
    return {"sent": sent}


EXPORT_MIMETYPES = {"csv": "application/zip",
                    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "pdf": "application/pdf"}
EVALUATION_JOB_FORMATS = ("csv", "xlsx", "pdf")  # the exports' formats and the printable report's PDF


def run_evaluation_export_job(context) -> dict:
    """A quarter's evaluation (a published version, or the live figures) as the CSV zip, the workbook or
    the report's PDF, written to the job's result file; only reads, as its owner (their zones' evaluation)."""
    from contextlib import nullcontext

    from ..access import acting_as
    from ..auth.models import User
    from ..evaluation import exports, pdf
    from ..evaluation.services import evaluation_for
    from ..periods import Period
    from .registry import get
    from .services import result_folder

    params = context.params
    user = db.session.get(User, context.job.user_id) if context.job.user_id else None
    if not get("evaluation-export").allows(user):
        raise JobFailed("You may no longer run this job.")
    fmt, lang = params["fmt"], params.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"]
    with acting_as(user) if user is not None else nullcontext():  # the owner's zones' evaluation
        try:
            evaluation = evaluation_for(Period.parse(params["period"]), version=params.get("version"),
                                        live=bool(params.get("live")))
        except LookupError:
            raise JobFailed("This version of the evaluation does not exist.") from None
        context.progress(0, 1, "exporting")
        download_name = exports.file_name(evaluation, fmt, lang)
        stored = f"job-{context.job.id}-{download_name}"
        with force_locale(lang), (result_folder() / stored).open("wb") as target:
            if fmt == "pdf":
                target.write(pdf.render_pdf(evaluation, lang))
            else:
                exports.export(evaluation, fmt, target, lang)
        ascii_name = exports.ascii_file_name(evaluation, fmt, lang)
    context.progress(1, 1, "exporting")
    return {"file": stored, "download_name": download_name, "mimetype": EXPORT_MIMETYPES[fmt],
            "ascii_name": ascii_name}


def run_torch_export_job(context) -> dict:
    """The Torch statistics of a year for every platform the job's owner may see (managers: theirs), as CSV
    or xlsx, audited as the page's export is."""
    from ..access import platform_ids_for
    from ..audit import services as audit
    from ..auth.models import User
    from ..compliance import torch
    from .services import result_folder

    params = context.params
    user = db.session.get(User, context.job.user_id) if context.job.user_id else None
    if user is None or user.role not in ("admin", "manager"):
        raise JobFailed("You may no longer run this job.")
    year, fmt = int(params["year"]), params["fmt"]
    lang = params.get("lang") or user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    platforms = torch.torch_platforms(platform_ids_for(user))
    context.progress(0, len(platforms), "exporting")
    rows = torch.torch_rows(platforms, year)
    with force_locale(lang):
        body = torch.torch_csv(rows, lang) if fmt == "csv" else torch.torch_xlsx(rows, lang, year)
    download_name = f"torch-statistics-{year}.{fmt}"
    stored = f"job-{context.job.id}-{download_name}"
    (result_folder() / stored).write_bytes(body)
    with context.writing():
        audit.record("torch_exported", entity_type="platforms", entity_id=year, actor=user, source="system",
                     after={"year": year, "format": fmt, "platforms": [row.platform.code for row in rows]})
    context.progress(len(platforms), len(platforms), "exporting")
    return {"file": stored, "download_name": download_name,
            "mimetype": "text/csv; charset=utf-8" if fmt == "csv" else EXPORT_MIMETYPES["xlsx"]}


register("import", _l("Spreadsheet import"), run_import_job)
register("torch-export", _l("Torch statistics export"), run_torch_export_job, roles=("admin", "manager"))
# The evaluation's pages and downloads are the administrators' (evaluation/views.py): so are its jobs.
register("evaluation-export", _l("Evaluation export"), run_evaluation_export_job, roles=("admin",))
register("notify", _l("Notification to many users"), run_notify_job)
