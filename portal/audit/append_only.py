"""Append-only in the database itself: triggers that refuse to change or remove a row of
the audit log or of a chain of custody, whoever sends the statement.

The portal only ever INSERTs into these tables (nothing re-seals them: they hold no
sealed column; evidence withdrawal appends events; a backup restore loads a whole
empty database). So the triggers refuse every UPDATE and DELETE, and on PostgreSQL
every TRUNCATE too. They stop the application's own role, and whatever reaches the
database through it (a bug, an injection); they do not stop the tables' owner, who
can drop them: docs/operations.md gives the application a role that may only INSERT
and SELECT here, and checkpoints held elsewhere (portal/audit/checkpoint.py) catch a
rewrite by whoever holds the database anyway (decision 0013).

The one place of this DDL: migration 0008 installs it, and the tests that play the
database's owner remove and reinstall it. On SQLite a migration that rebuilds one of
these tables (Alembic's batch mode copies it into a new table) loses its triggers and
must install them again.
"""

from __future__ import annotations

APPEND_ONLY_TABLES = ("audit_events", "custody_events")

_PG_FUNCTION = "portal_refuse_change_to_append_only_table"
# No '%' and no ':name' in the body: the text passes through drivers' parameter parsers.
_PG_CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only (' || TG_OP || ' refused)',
        ERRCODE = 'insufficient_privilege';
END
$body$
"""


def install_statements(dialect: str) -> list[str]:
    """The DDL that makes APPEND_ONLY_TABLES append-only on `dialect` ("postgresql" or
    "sqlite"). Idempotent: running it twice changes nothing.

    Raises ValueError for another dialect: no database is left unguarded in silence.
    """
    if dialect == "postgresql":
        return [_PG_CREATE_FUNCTION, *(statement for table in APPEND_ONLY_TABLES
                                       for statement in _pg_triggers(table))]
    if dialect == "sqlite":
        return [statement for table in APPEND_ONLY_TABLES for statement in _sqlite_triggers(table)]
    raise ValueError(f"no append-only triggers for {dialect}")


def removal_statements(dialect: str) -> list[str]:
    """The DDL that undoes install_statements (the migration's downgrade)."""
    if dialect == "postgresql":
        return [*(f"DROP TRIGGER IF EXISTS {name} ON {table}" for table in APPEND_ONLY_TABLES
                  for name in (f"{table}_append_only", f"{table}_no_truncate")),
                f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()"]
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_{operation}"
                for table in APPEND_ONLY_TABLES for operation in ("update", "delete")]
    raise ValueError(f"no append-only triggers for {dialect}")


def _pg_triggers(table: str) -> list[str]:
    # Row triggers see UPDATE and DELETE; TRUNCATE skips them, hence the statement trigger.
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}()",
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()",
    ]


def _sqlite_triggers(table: str) -> list[str]:
    # SQLite has no TRUNCATE: a DELETE without WHERE still fires the row trigger.
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{operation} BEFORE {operation.upper()} "
        f"ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only ({operation.upper()} "
        "refused)'); END"
        for operation in ("update", "delete")
    ]
