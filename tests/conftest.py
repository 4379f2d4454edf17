"""Test setup: one app per run on SQLite or PostgreSQL, a clean database per test,
and leak checks after every test (no IP address in the database or the logs, no
passphrase or TOTP secret in the logs).

PostgreSQL is used when PORTAL_TEST_DATABASE_URL is set (as `make test` and CI do).
Under pytest-xdist (`make test` runs one worker per CPU) every worker has its own app,
instance folder and database (on PostgreSQL: `<database>_gw0`, `_gw1`…, made at the
start of the worker and dropped at its end), so tests never share rows across workers.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import String, Text, delete, func, inspect, make_url, select, text

import portal
from portal import create_app
from portal.cli.signing import ensure_signing
from portal.logs import IP_LITERAL
from portal.models import Role, db
from portal.web.extensions import limiter
from tests.support import pgdb
from tests.support.client import BrowserClient
from tests.support.factories import (
    ISSUED_TOTP_SECRETS,
    PASSPHRASES,
    Account,
    make_account,
    make_family,
)
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report
from tests.support.tampering import append_only_lifted

TEST_MASTER_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
KNOWN_SECRETS: set[str] = set(PASSPHRASES.values())


class CapturedLogs(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()} {record.exc_text or ''}")


CAPTURED = CapturedLogs()
# Tables whose migration-seeded rows survive the per-test cleanup: name -> last seeded id.
REFERENCE_TABLES: dict[str, int] = {"incident_type_terms": 0}


def database_url(tmp_dir: Path) -> str:
    """SQLite in the run's temporary folder, or the pass's PostgreSQL database; under
    pytest-xdist each worker gets a database of its own beside the pass's."""
    base = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not base:
        return f"sqlite:///{tmp_dir / 'test.sqlite3'}"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return base
    name = pgdb.worker_database_name(str(make_url(base).database), worker)
    return pgdb.create_database(base, name=name).render_as_string(hide_password=False)


def app_config(tmp_dir: Path, url: str) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "MASTER_KEY": TEST_MASTER_KEY,
        # Fixed, like the master key: keys the recovery-code digests and search index.
        "INDEX_KEY": base64.urlsafe_b64encode(b"i" * 32).decode(),
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(tmp_dir),
        "ENV": "testing",
        # Cheap hashing keeps the suite fast; production uses the defaults in portal.config.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 8192,
        "ARGON2_PARALLELISM": 1,
        "LOG_LEVEL": "DEBUG",
        "RATELIMIT_STORAGE_URI": "memory://",
        # Jobs run when the request (or app context) that queued them ends: deterministic.
        "JOBS_BACKEND": "eager",
        # Text recognition costs a tesseract run per image; tests/test_recognised_text.py
        # switches it on for itself.
        "OCR_ENABLED": False,
    }


def compile_catalogs() -> None:
    """Compile .po to .mo when stale, so a bare `pytest` sees the same texts as `make test`."""
    for po_path in Path(portal.__file__).parent.glob("translations/*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    compile_catalogs()
    tmp_dir = tmp_path_factory.mktemp("instance")
    app = create_app(app_config(tmp_dir, database_url(tmp_dir)))
    app.test_client_class = BrowserClient
    logging.getLogger().addHandler(CAPTURED)
    logging.getLogger().setLevel(logging.DEBUG)
    with app.app_context():
        reset_schema()
        upgrade(directory=app.config["MIGRATIONS_DIR"])
        ensure_signing(app)  # the instance's signing PKI, as `flask signing init` makes it
        for name in REFERENCE_TABLES:
            table = db.metadata.tables[name]
            REFERENCE_TABLES[name] = db.session.scalar(select(func.max(table.c.id))) or 0
    yield app
    logging.getLogger().removeHandler(CAPTURED)
    with app.app_context():
        db.engine.dispose()
    if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("PORTAL_TEST_DATABASE_URL"):
        pgdb.drop_database(app.config["SQLALCHEMY_DATABASE_URI"],
                           os.environ["PORTAL_TEST_DATABASE_URL"])


def reset_schema() -> None:
    """Start from an empty database (a PostgreSQL test database may hold a previous run)."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture
def client(app: Flask) -> BrowserClient:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def another_client(app: Flask) -> BrowserClient:
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture(autouse=True)
def clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test: check for leaks and for settings the test changed without
    monkeypatch (the next test on this worker would inherit them: an order-dependent
    suite), then empty every table and the rate limits."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    CAPTURED.lines.clear()
    settings = dict(app.config)
    yield
    changed = sorted(key for key in settings.keys() | app.config.keys()
                     if settings.get(key) != app.config.get(key))
    app.config.clear()
    app.config.update(settings)
    with app.app_context():
        try:
            assert changed == [], f"settings changed and not restored (use monkeypatch): {changed}"
            assert_no_leaks()
        finally:
            db.session.rollback()
            # As the owner: the audit log and custody chains refuse DELETE to everyone else.
            with append_only_lifted(db.session):
                for table in reversed(db.metadata.sorted_tables):
                    statement = delete(table)
                    if table.name in REFERENCE_TABLES:  # keep the rows the migrations put there
                        statement = statement.where(table.c.id > REFERENCE_TABLES[table.name])
                    db.session.execute(statement)
            limiter.reset()
            empty_evidence_store(Path(app.config["EVIDENCE_DIR"]))


def empty_evidence_store(root: Path) -> None:
    """The blobs go with the rows: the next test starts with an empty vault."""
    for child in root.iterdir() if root.exists() else ():
        if child.name == "tmp":  # the store's own folder for pending uploads stays
            for pending in child.iterdir():
                pending.unlink()
        elif child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


def assert_no_leaks() -> None:
    secrets = KNOWN_SECRETS | ISSUED_TOTP_SECRETS
    for line in CAPTURED.lines:
        assert not IP_LITERAL.search(line), f"IP address in a log line: {line!r}"
        for secret in secrets:
            assert secret not in line, "a passphrase or TOTP secret reached the logs"
    for table in db.metadata.sorted_tables:
        text_columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not text_columns:
            continue
        for row in db.session.execute(select(*text_columns)):
            for value in row:
                if isinstance(value, str):
                    assert not IP_LITERAL.search(value), f"IP address stored in {table.name}"
                    assert value not in secrets, f"a secret stored in clear in {table.name}"


def table_counts() -> dict[str, int]:
    """Rows per table: a cheap fingerprint to show a request changed nothing."""
    names = inspect(db.engine).get_table_names()
    return {
        name: db.session.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one()  # noqa: S608
        for name in names if name != "alembic_version"
    }


@pytest.fixture
def reporter(app: Flask, client: BrowserClient) -> Account:
    """A family member of a family file of their own, signed in on `client`."""
    account = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[account])
    sign_in(client, account)
    return account


@pytest.fixture
def reported(app: Flask, client: BrowserClient) -> tuple[Account, Account, int]:
    """A reporter signed in on `client`, their assigned advocate, a submitted report."""
    reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    make_family(app, members=[reporter], advocates=[advocate])
    sign_in(client, reporter)
    incident_id = start_report(client)
    send_report(client, incident_id, "submit", start_text="1398/10/18")
    return reporter, advocate, incident_id
