"""The import page: choose a kind, upload, preview every problem by row and column, confirm; templates."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required, upload_limit
from ..pages import list_page
from ..saving import attempt, dry_run
from .. import uploads
from . import bp, reading, services
from .forms import CancelForm, ImportConfirmForm, UploadForm

PROBLEMS_PER_PAGE = 200


def _kind_or_404(name: str):
    kind = services.get_kind(name)
    if kind is None or kind not in services.kinds_for(current_user):
        abort(404)
    return kind


@bp.route("/", methods=["GET", "POST"])
@roles_required("admin", "manager")
@upload_limit("IMPORT_MAX_BYTES")
def index():
    allowed = services.kinds_for(current_user)
    form = UploadForm()
    form.kind.choices = [(kind.name, f"{kind.label} ({kind.name})") for kind in allowed]
    if request.method == "GET" and request.args.get("kind") in {kind.name for kind in allowed}:
        form.kind.data = request.args["kind"]
    status = 413 if uploads.refuse_too_large(form) else None
    if status is None and form.validate_on_submit():
        kind = _kind_or_404(form.kind.data)
        try:
            token = services.save_upload(form.file.data, current_user, kind)
        except reading.WorkbookTooLarge as error:  # unpacks to too much: refused before anything parses it
            form.file.errors.append(str(error))
            status = 413
        except ValueError:  # a name whose extension does not survive neutralising
            form.file.errors.append(_("Upload an .xlsx workbook or a .csv file."))
        else:
            return redirect(url_for("importer.preview", token=token))
    return render_template("importer/index.html", form=form, kinds=allowed), status or (400 if form.errors else 200)


def _upload_or_404(token: str):
    found = services.find_upload(token, current_user)
    if found is None:
        abort(404)
    path, meta = found
    kind = _kind_or_404(meta["kind"])
    return path, meta, kind


@bp.route("/<token>")
@roles_required("admin", "manager")
def preview(token: str):
    """Check the uploaded file without changing anything; show what would happen and every problem."""
    path, meta, kind = _upload_or_404(token)
    result = dry_run(lambda: services.import_file(kind, path, user=current_user, filename=meta["filename"],
                                                  dry_run=True, partial=True))
    page = list_page(result.problems, PROBLEMS_PER_PAGE)
    return render_template("importer/preview.html", result=result, kind=kind, meta=meta, token=token,
                           problems=page.items, page=page.page, pages=page.pages, form=ImportConfirmForm(), cancel_form=CancelForm())


@bp.route("/<token>/confirm", methods=["POST"])
@roles_required("admin", "manager")
def confirm(token: str):
    """Import the previewed file for real (checked again: the data may have changed since)."""
    path, meta, kind = _upload_or_404(token)
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if path.stat().st_size >= current_app.config["IMPORT_JOB_MIN_BYTES"]:
        # A large file is imported as a background job: the page shows its progress and the result.
        from ..jobs.services import enqueue

        job = attempt(lambda: enqueue("import", current_user, token=token, kind=kind.name,
                                      partial=bool(form.partial.data))).result
        return redirect(url_for("jobs.show", job_id=job.id))
    # A refused file writes nothing (the engine checks every row before its first write): committing it keeps
    # nothing, as the rollback did.
    result = attempt(lambda: services.import_file(kind, path, user=current_user, filename=meta["filename"],
                                                  partial=bool(form.partial.data))).result
    if result.written:
        services.discard_upload(token)  # after the commit: a failed commit leaves the file to import again
    page = list_page(result.problems, PROBLEMS_PER_PAGE)
    current_app.logger.info("import %s %s by %s: %s", kind.name, meta["filename"], current_user.email,
                            result.summary())
    return render_template("importer/result.html", result=result, kind=kind, meta=meta, token=token,
                           problems=page.items, page=page.page, pages=page.pages, form=ImportConfirmForm(),
                           cancel_form=CancelForm())


@bp.route("/<token>/cancel", methods=["POST"])
@roles_required("admin", "manager")
def cancel(token: str):
    _upload_or_404(token)
    if not CancelForm().validate_on_submit():
        abort(400)
    services.discard_upload(token)
    flash(_("The uploaded file was discarded; nothing was imported."), "info")
    return redirect(url_for("importer.index"))


@bp.route("/templates/<name>.xlsx")
@roles_required("admin", "manager")
def template(name: str):
    """A workbook to fill in: headers (Chinese, or English keys with ``?lang=en``) and an example row."""
    kind = _kind_or_404(name)
    lang = "en" if request.args.get("lang") == "en" else "zh"
    from io import BytesIO

    data = services.template_workbook(kind, lang)
    return send_file(BytesIO(data), as_attachment=True, download_name=f"{kind.name}-template-{lang}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
