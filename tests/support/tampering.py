"""Playing the database's owner: lifting the append-only triggers of the audit log and
the chains of custody for a moment (to tamper with them in a test, or to empty them
after each test), then putting them back, all in one transaction.

PostgreSQL: `ALTER TABLE … DISABLE TRIGGER USER` as the tables' owner, undone before
the commit. SQLite, which cannot disable a trigger: the triggers are dropped and
created again with the migration's own DDL (portal/audit/append_only.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from portal.audit.append_only import APPEND_ONLY_TABLES, install_statements, removal_statements


@contextmanager
def append_only_lifted(session: Session) -> Iterator[None]:
    """Inside, UPDATE and DELETE reach the append-only tables; at the end the triggers
    are back and the work is committed with them. On an error everything is rolled
    back, the triggers' removal included."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        lift = [f"ALTER TABLE {table} DISABLE TRIGGER USER" for table in APPEND_ONLY_TABLES]
        restore = [f"ALTER TABLE {table} ENABLE TRIGGER USER" for table in APPEND_ONLY_TABLES]
    else:
        lift, restore = removal_statements(dialect), install_statements(dialect)
        _begin_sqlite_transaction(session)
    _run(session, lift)
    try:
        yield
        session.flush()  # changed ORM objects reach the tables before the triggers return
        _run(session, restore)
    except BaseException:
        session.rollback()
        raise
    session.commit()


def _begin_sqlite_transaction(session: Session) -> None:
    # Python's sqlite3 begins a transaction only before DML: a DROP TRIGGER sent first
    # would commit on its own (and each such commit costs a disk sync).
    connection = session.connection()
    if not connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN")


def _run(session: Session, statements: list[str]) -> None:
    connection = session.connection()
    for statement in statements:
        connection.exec_driver_sql(statement)
