"""Demo data: each area registers a seeder; ``flask seed-demo`` runs them in order."""
from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, func, select

from .extensions import db


@dataclass
class SeedContext:
    """Shared by the seeders: a seeded random generator, what earlier seeders made, and the passwords."""

    rng: random.Random
    made: dict = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    scale: float = 1.0  # 1: the full demo zone; the access-control walk seeds a smaller one of every area

    def scaled(self, count: int, minimum: int = 1) -> int:
        """How many of ``count`` things to make at this context's scale (never fewer than ``minimum``)."""
        return max(minimum, round(count * self.scale))

    def new_password(self, email: str) -> str:
        password = current_app.config.get("DEMO_PASSWORD") or secrets.token_urlsafe(9)
        self.passwords[email] = password
        return password


Seeder = Callable[[SeedContext], None]
_seeders: list[tuple[int, str, Seeder]] = []


def register_seeder(order: int, name: str, seeder: Seeder) -> None:
    if all(existing != name for _, existing, _ in _seeders):
        _seeders.append((order, name, seeder))
        _seeders.sort(key=lambda item: item[0])


def database_is_empty() -> bool:
    from .auth.models import User

    return not db.session.scalar(select(func.count()).select_from(User))


def clear_database() -> None:
    """Delete every row (for ``seed-demo --force``), children before parents."""
    from .zones.models import forget_first_zone

    forget_first_zone()
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
        connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        return
    connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_append_only_delete")
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(delete(table))
    from .audit.migration_sql import sqlite_delete_trigger

    connection.exec_driver_sql(sqlite_delete_trigger())


def run_seeders(seed: int = 2026, scale: float = 1.0) -> SeedContext:
    context = SeedContext(rng=random.Random(seed), scale=scale)
    for _order, _name, seeder in _seeders:
        seeder(context)
        db.session.flush()
    return context
