"""One save step for every view: run a service change, then commit it, or roll it back and show which rules it
broke. Services raise ``RuleBroken`` (or a subclass) and never commit; views never call ``db.session.commit``.

The shapes a view needs:

- ``save(form, change)``: a form page; on a broken rule the form is shown again with the messages and what was typed.
- ``act(change, next_page=..., message=...)``: a confirmed button (POST with a ``ConfirmForm``); a refused
  confirmation answers 400, a broken rule is flashed.
- ``attempt(change)``: a change whose next page the view decides; a broken rule is flashed.
- ``confirmed()``: the 400 check alone, for a button whose work is not a change (a download, a preview).
- ``settle(change)``: commit or roll back like the others, showing nothing: the view words the refusal itself
  from ``Saved.error`` (a stale report, two-step verification already on). ``save``, ``attempt`` and
  ``recorded`` answer a ``Saved`` too.
- ``recorded(change)``: a check that counts its own failures (a password, a second factor): committed whether
  it passes or is refused, so that a refusal's counter, lock and audit events outlast it.
- ``dry_run(change)``: run it and throw every write away (an import's preview).

A page with nothing that can break (a login recorded, a default rubric created, a notice marked read) still
commits through ``attempt``: no view module commits or rolls back by itself (``tests/test_saving.py``)."""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect

from .extensions import db
from .forms import ConfirmForm


class RuleBroken(ValueError):
    """Rules the data breaks, as {form field name or None: message}; nothing has been changed."""

    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = problems

    def __str__(self) -> str:
        return "; ".join(str(message) for message in self.problems.values())


class FieldRuleBroken(RuleBroken):
    """One broken rule; ``field`` names the form field the message belongs to (None: the whole form)."""

    def __init__(self, message, field: str | None = None):
        super().__init__({field: message})
        self.message = message
        self.field = field


@contextmanager
def renamed_fields(names: dict):
    """Inside a change: a rule broken by a nested service names its own fields (``credit_code``); the form calls
    them otherwise (``new_company_credit_code``). Only the errors raised inside the block are renamed."""
    try:
        yield
    except RuleBroken as error:
        raise RuleBroken({names.get(name, name): message for name, message in error.problems.items()}) from error


def show_problems(form, error: RuleBroken, aliases: dict | None = None) -> None:
    """Put each message beside its field, or above the form when no field of the form is named.
    ``aliases`` maps a service's field name to the form's where they differ."""
    for name, message in error.problems.items():
        name = (aliases or {}).get(name, name)
        if name and name in form._fields:
            form[name].errors = [*form[name].errors, str(message)]
        else:
            form.form_errors.append(str(message))


class Conflict(FieldRuleBroken):
    """A concurrent request got there first (a lock's ``StaleDataError``, a unique key's ``IntegrityError``)."""


@dataclass(frozen=True)
class Saved:
    """What ``save`` did: true when committed; ``result`` is what the change answered (e.g. the new record);
    ``error`` the broken rule when it was refused."""

    ok: bool
    result: Any = None
    error: RuleBroken | None = None

    def __bool__(self) -> bool:
        return self.ok


def save(form, change: Callable[[], Any], aliases: dict | None = None, conflict=None) -> Saved:
    """Run ``change()`` and commit. When it breaks a rule: roll back and show the problems on ``form``, so the
    view shows the form again with what was typed. ``if saved := save(form, lambda: ...)`` reads naturally.
    ``conflict``: the message shown when a concurrent request got there first (a lock's ``StaleDataError`` or
    a unique key's ``IntegrityError``); without it those propagate (``errors.py`` answers 409)."""
    saved = settle(change, conflict)
    if not saved:
        show_problems(form, saved.error, aliases)
    return saved


def settle(change: Callable[[], Any], conflict=None) -> Saved:
    """The one place that commits or rolls back a request's change: run ``change()`` and commit; when it breaks
    a rule, roll back. Nothing is shown: a view that words the refusal itself reads ``Saved.error``.
    ``conflict`` as in ``save`` (the lost race is then a ``Conflict``)."""
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    races = (StaleDataError, IntegrityError) if conflict is not None else ()
    try:
        result = change()
        db.session.commit()
    except RuleBroken as error:
        db.session.rollback()
        return Saved(False, error=error)
    except races:
        db.session.rollback()
        return Saved(False, error=Conflict(conflict))
    return Saved(True, result)


def recorded(change: Callable[[], Any]) -> Saved:
    """Run a check that counts its own failures and commit whatever it answers, even a refusal.

    A wrong password or code is counted before it is refused (the login failure counter, the lock, a recovery
    code used up) and audited. Rolled back like any broken rule, the count would vanish and a guesser would
    have unlimited tries, so this is the one shape that keeps the writes of a refused change. Nothing is shown:
    the view says why from ``Saved.error`` (a refusal raised) or from the change's answer (a refusal returned,
    as ``authenticate`` does)."""
    try:
        result = change()
    except RuleBroken as error:
        db.session.commit()
        return Saved(False, error=error)
    db.session.commit()
    return Saved(True, result)


def dry_run(change: Callable[[], Any]) -> Any:
    """Run ``change()`` and throw away whatever it wrote (an import's preview); answer what it answered."""
    try:
        return change()
    finally:
        db.session.rollback()


def attempt(change: Callable[[], Any], conflict=None) -> Saved:
    """Run ``change()`` and commit; when it breaks a rule, roll back and flash why (a button with no form page
    to show again). The caller picks the next page from the answer. ``conflict`` as in ``save``."""
    saved = settle(change, conflict)
    if not saved:
        flash(str(saved.error), "danger")
    return saved


def confirmed(form=None) -> None:
    """Answer 400 unless the button's form was posted and validates. A form with fields that only misses a value
    is not a refused confirmation: ``act`` flashes those messages instead."""
    form = form if form is not None else ConfirmForm()
    if not form.validate_on_submit():
        abort(400)


def act(change: Callable[[], Any], *, next_page, message=None, failed_page=None, form=None, category="success"):
    """A confirmed button action: check the confirmation (400 when refused), run ``change()``, commit, flash
    ``message`` and redirect to ``next_page``. When a rule breaks: roll back, flash why and redirect to
    ``failed_page`` (default ``next_page``). ``message`` and ``next_page`` may be callables given the change's
    answer (e.g. the new record, to redirect to it); ``category`` is the message's. ``form``: the button's own form when it carries fields
    (a reason, a note); its missing values are flashed, a refused CSRF token still answers 400."""
    if form is None:
        confirmed()
    elif not form.validate_on_submit():
        if not form.is_submitted() or "csrf_token" in form.errors:
            abort(400)
        for name, errors in form.errors.items():
            label = form[name].label.text if name in form._fields else None
            for error in errors:
                flash(f"{label}: {error}" if label else str(error), "danger")
        return redirect(_resolve(failed_page or next_page, None))
    saved = attempt(change)
    if not saved:
        return redirect(_resolve(failed_page or next_page, None))
    if message is not None:
        flash(str(_resolve(message, saved.result)), category)
    return redirect(_resolve(next_page, saved.result))


def _resolve(value, result):
    return value(result) if callable(value) else value
