"""Edit forms never silently overwrite someone else's change (optimistic locking).

Every editable record has a ``version`` column that SQLAlchemy increments on each UPDATE
(``version_id_col``). An edit form carries the version it was opened at in a hidden ``version`` field
(``VersionedForm``); before the view applies a POST it calls ``unchanged(form, record)``, which answers False
when the record changed since the form was opened: the view then shows the form again with the user's
input and this message, and the hidden field now holds the current version, so saving again is a deliberate
choice. A change that slips between that check and the UPDATE (PostgreSQL, two requests at the same moment)
fails the UPDATE's version condition: ``StaleDataError``, answered 409 by ``errors.py``.

A service given values together with the version they were read at (``data["version"]``: the import of
a form's data, a script) asks ``conflicts(record, version)`` and raises its area's ``RuleBroken`` with the
answer: nothing is saved and the message says to reload.

A form that creates its record when there is none yet (a quarter's report) is opened with ``creates=True``:
it carries ``NOT_CREATED``, so a record made meanwhile (another tab, a colleague, a double click) conflicts too.

A POST without the field (scripts, old tests) is not checked; a browser always sends it.
"""
from __future__ import annotations

from flask import flash, request
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField

CONFLICT_MESSAGE = _l("Someone else changed this record while you were editing it. Your values are shown "
                      "below; check the current values and save again.")
# The version a form carries when it was opened before its record existed (stored versions start at 1).
NOT_CREATED = "0"

STALE_MESSAGE = _l("Someone else changed this record while you were editing it. Nothing was saved; reload the "
                   "page to see their changes.")


class VersionedForm:
    """Form mixin (``class PlatformForm(VersionedForm, FlaskForm)``): the hidden ``version`` field,
    rendered by ``form.hidden_tag()``."""

    version = HiddenField()


def version_of(records) -> str | None:
    """The version a form shows: a record's own, or for a form editing several records at once (a grid of
    targets) one stamp of all their ids and versions, so a change to any of them, or a new one, differs."""
    if records is None:
        return None
    if isinstance(records, dict):
        records = records.values()
    if isinstance(records, (list, tuple, set, type({}.values()))):
        return ",".join(f"{r.id}:{r.version}" for r in sorted(records, key=lambda r: r.id)) or "-"
    version = getattr(records, "version", None)
    return None if version is None else str(version)


def opened(form, records, *, creates: bool = False) -> None:
    """Put the version in the form when it is shown (a GET); a POST keeps what was sent. ``creates``: the form
    makes the record when ``records`` is None, and then carries ``NOT_CREATED``."""
    if request.method != "POST":
        if records is not None:
            form.version.data = version_of(records)
        elif creates:
            form.version.data = NOT_CREATED


def _is_current(current: str | None, sent) -> bool:
    """Whether a version sent back (None or empty: none was) still is the ``current`` one."""
    return current is None or sent in (None, "") or str(sent).strip() == current


def conflicts(records, sent) -> dict:
    """The services' side: ``{"version": message}`` when ``sent`` is not the current version of ``records``
    (the area raises its ``RuleBroken`` with it), else ``{}``."""
    return {} if _is_current(version_of(records), sent) else {"version": STALE_MESSAGE}


def unchanged(form, records) -> bool:
    """True when the POSTed form was opened at the current version of ``records`` (or carries none).

    Otherwise flashes the conflict, moves the hidden field to the current version and answers False.
    """
    current = version_of(records)
    sent = (form.version.raw_data or [None])[0] if request.method == "POST" else None
    if _is_current(current, sent):
        return True
    form.version.data = current
    form.version.raw_data = [current]
    flash(str(CONFLICT_MESSAGE), "warning")
    return False
