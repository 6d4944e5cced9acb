"""The registry of job kinds: a name, its label and the function that does the work. One entry per kind;
the web, the worker and the in-process runner all look kinds up here."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    """``run(context)`` does the work and returns the result (a JSON-able dict); ``context`` is a
    ``services.JobContext`` (the job, its params, ``progress(done, total, stage)``, ``writing()``). Raising
    ``JobFailed`` ends the job with a message for its owner; any other error with a generic one, logged."""

    name: str
    label: object  # a lazy gettext string
    run: Callable
    # Roles that may run the kind and read its result (its owner too must still hold one); None: anyone.
    roles: tuple[str, ...] | None = None

    def allows(self, user) -> bool:
        return self.roles is None or getattr(user, "role", None) in self.roles


_KINDS: dict[str, JobKind] = {}


def register(name: str, label, run: Callable, roles: tuple[str, ...] | None = None) -> JobKind:
    kind = JobKind(name, label, run, roles)
    _KINDS[name] = kind
    return kind


def get(name: str) -> JobKind | None:
    return _KINDS.get(name)


def names() -> list[str]:
    return sorted(_KINDS)


class JobFailed(Exception):
    """A job that cannot finish, with an English message id its owner reads translated."""

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message = message
        self.params = params
