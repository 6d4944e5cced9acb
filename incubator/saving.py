"""One save step for every form view: run a service change, then commit it, or roll it back and show on the
form which rules it broke. Services raise ``RuleBroken`` (or a subclass) and never commit."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .extensions import db


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


def show_problems(form, error: RuleBroken, aliases: dict | None = None) -> None:
    """Put each message beside its field, or above the form when no field of the form is named.
    ``aliases`` maps a service's field name to the form's where they differ."""
    for name, message in error.problems.items():
        name = (aliases or {}).get(name, name)
        if name and name in form._fields:
            form[name].errors = [*form[name].errors, str(message)]
        else:
            form.form_errors.append(str(message))


@dataclass(frozen=True)
class Saved:
    """What ``save`` did: true when committed; ``result`` is what the change answered (e.g. the new record)."""

    ok: bool
    result: Any = None

    def __bool__(self) -> bool:
        return self.ok


def save(form, change: Callable[[], Any], aliases: dict | None = None) -> Saved:
    """Run ``change()`` and commit. When it breaks a rule: roll back and show the problems on ``form``, so the
    view shows the form again with what was typed. ``if saved := save(form, lambda: ...)`` reads naturally."""
    try:
        result = change()
    except RuleBroken as error:
        db.session.rollback()
        show_problems(form, error, aliases)
        return Saved(False)
    db.session.commit()
    return Saved(True, result)
