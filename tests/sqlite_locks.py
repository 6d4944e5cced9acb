"""Whether SQLite's database-wide write lock is free: the tests that prove a step holds no lock while it reads."""
from __future__ import annotations

import sqlite3


def write_lock_is_free(path: str) -> bool:
    """True when another connection can take SQLite's write lock at once."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()
