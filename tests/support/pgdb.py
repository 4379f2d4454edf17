"""Create or drop a throw-away PostgreSQL database for a test pass.

`python -m tests.support.pgdb create` prints a SQLAlchemy URL, or exits 1 when no
server answers (then `make test` says the PostgreSQL pass was skipped);
`python -m tests.support.pgdb drop URL` removes it again.
"""

from __future__ import annotations

import os
import secrets
import sys

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL

SERVER_URL = os.environ.get("PORTAL_TEST_PG_SERVER",
                            "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _admin_engine(server_url: str):  # type: ignore[no-untyped-def]
    return create_engine(server_url, isolation_level="AUTOCOMMIT",
                         connect_args={"connect_timeout": 3})


def create_database(server_url: str = SERVER_URL, prefix: str = "portal_test",
                    name: str | None = None) -> URL:
    """A new empty database (named `name`, else `prefix` and a random suffix).

    Throw-away test databases do not wait for the disk at each commit
    (`synchronous_commit = off`): a test never survives a crash of the PostgreSQL server
    itself, and the fault tests that kill the application (not the server) lose nothing
    either way, since PostgreSQL still writes every commit before it answers."""
    name = name or f"{prefix}_{secrets.token_hex(4)}"
    engine = _admin_engine(server_url)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    engine.dispose()
    return make_url(server_url).set(database=name)


def worker_database_name(base: str, worker: str) -> str:
    """The database of one pytest-xdist worker (gw0, gw1…) of the pass that uses `base`."""
    return f"{base}_{worker}"


def drop_database(url: URL | str, server_url: str = SERVER_URL) -> None:
    """Drop the database and whatever per-worker databases a test pass left beside it."""
    name = make_url(url).database
    engine = _admin_engine(server_url)
    with engine.connect() as connection:
        leftovers = connection.execute(
            text("SELECT datname FROM pg_database WHERE datname LIKE :pattern"),
            {"pattern": worker_database_name(str(name), "gw").replace("_", r"\_") + "%"},
        ).scalars().all()
        for database in [name, *leftovers]:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    engine.dispose()


def main(argv: list[str]) -> int:
    try:
        if argv[1:2] == ["create"]:
            print(create_database().render_as_string(hide_password=False))
            return 0
        if argv[1:2] == ["drop"] and len(argv) == 3:
            drop_database(argv[2])
            return 0
    except Exception as error:  # any failure means "no usable server"
        print(f"PostgreSQL unavailable: {type(error).__name__}", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
