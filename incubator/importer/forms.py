"""The upload form of the import page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SelectField, SubmitField


class UploadForm(FlaskForm):
    kind = SelectField(_l("What the file holds"), choices=[])
    file = FileField(_l("Spreadsheet (.xlsx or .csv)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["xlsx", "xlsm", "csv"], _l("Upload an .xlsx workbook or a .csv file.")),
    ])
    submit = SubmitField(_l("Upload and check"))


class ImportConfirmForm(FlaskForm):
    """Confirm an import that was checked, optionally loading only its valid rows."""

    partial = BooleanField(_l("Load the valid rows and skip the rejected ones"))
    submit = SubmitField(_l("Import"))


class CancelForm(FlaskForm):
    pass
