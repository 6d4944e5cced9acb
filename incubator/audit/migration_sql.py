"""The database triggers that make the audit trail append-only (used by migrations and seeding)."""

TABLE = "audit_events"


def sqlite_update_trigger() -> str:
    return (f"CREATE TRIGGER IF NOT EXISTS {TABLE}_append_only_update BEFORE UPDATE ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END")


def sqlite_delete_trigger() -> str:
    return (f"CREATE TRIGGER IF NOT EXISTS {TABLE}_append_only_delete BEFORE DELETE ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END")


POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql
"""
POSTGRES_TRIGGER = (f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
                    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")


def create(op) -> None:
    """Install the triggers in a migration (``op`` is alembic's)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)
    else:
        op.execute(sqlite_update_trigger())
        op.execute(sqlite_delete_trigger())


def drop(op) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only_update")
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only_delete")
