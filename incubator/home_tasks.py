"""What waits for a user, counted for the top of their home page: a registry each area fills.

Every kind of task names the roles it concerns, a SELECT of the items waiting for the user (built from the
area's scope helpers, so a count never includes another company's or another platform's items) and the page
that lists them. ``tasks_for`` counts every kind of the user's role in ONE statement (a scalar subquery per
kind), whatever the number of items: the home page costs the same for an empty zone and a province.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import current_app
from sqlalchemy import func, select

from .extensions import db


@dataclass(frozen=True)
class TaskKind:
    key: str
    # A lazy gettext string with ``%(n)d`` and any placeholder ``context`` returns (its ``ngettext`` plural
    # form is not needed: the count is shown as a figure beside a noun phrase).
    label: object
    roles: frozenset[str]
    items: Callable[[object], object]  # user -> a SELECT of the items waiting, or None: not for this user
    link: Callable[[object], str]  # user -> the address of the page that lists them
    order: int = 100
    endpoint: str = ""  # the view the link opens: the kind is left out when the app has not registered it
    # user -> extra placeholders of the label (a deadline): pure computation, never a query.
    context: Callable[[object], dict] = field(default=lambda user: {})
    urgent: Callable[[object], bool] = field(default=lambda user: False)  # user -> shown as urgent when waiting
    urgent_label: object = None  # the label when urgent (a deadline passed: "was due on", not "to file by")


@dataclass(frozen=True)
class Task:
    """One card of a home page: how many items of a kind wait and where they are."""
    kind: TaskKind
    count: int
    url: str
    text: str
    urgent: bool


_kinds: list[TaskKind] = []


def register_task(kind: TaskKind) -> None:
    if any(existing.key == kind.key for existing in _kinds):
        return  # create_app may run many times in one process (tests)
    _kinds.append(kind)
    _kinds.sort(key=lambda item: (item.order, item.key))


def kinds_for(role: str | None) -> list[TaskKind]:
    endpoints = current_app.view_functions
    return [kind for kind in _kinds if role in kind.roles and (not kind.endpoint or kind.endpoint in endpoints)]


def tasks_for(user) -> list[Task]:
    """The tasks of ``user``'s role, with what is waiting first (in the registry's order), then the rest.

    One statement for all kinds; a kind whose ``items`` answers None for this user (a founder without a
    company) is left out.
    """
    kinds, columns = [], []
    for kind in kinds_for(user.role):
        query = kind.items(user)
        if query is None:
            continue
        kinds.append(kind)
        columns.append(select(func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()
                       .label(kind.key))
    if not kinds:
        return []
    counts = db.session.execute(select(*columns)).one()
    tasks = []
    for kind, count in zip(kinds, counts):
        count = int(count or 0)
        urgent = bool(count) and kind.urgent(user)
        label = kind.urgent_label if urgent and kind.urgent_label is not None else kind.label
        tasks.append(Task(kind, count, kind.link(user), str(label % {"n": count, **kind.context(user)}), urgent))
    return sorted(tasks, key=lambda task: task.count == 0)
