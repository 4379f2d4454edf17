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


def create_database(server_url: str = SERVER_URL, prefix: str = "portal_test") -> URL:
    name = f"{prefix}_{secrets.token_hex(4)}"
    engine = _admin_engine(server_url)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(server_url).set(database=name)


def drop_database(url: URL | str, server_url: str = SERVER_URL) -> None:
    name = make_url(url).database
    engine = _admin_engine(server_url)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
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
