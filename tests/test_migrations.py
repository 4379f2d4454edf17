"""Migrations are code: one head, the migrated schema equals the models, every step reverses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal import create_app
from portal.models import db
from tests.conftest import app_config
from tests.support import pgdb


@pytest.fixture
def empty_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a brand-new, empty database of the same kind as the suite's."""
    server = os.environ.get("PORTAL_TEST_DATABASE_URL")
    url = pgdb.create_database(server) if server else None
    address = url.render_as_string(hide_password=False) if url else \
        f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    app = create_app(app_config(tmp_path, address))
    yield app
    with app.app_context():
        db.engine.dispose()
    if url is not None and server:
        pgdb.drop_database(url, server)


def script_directory(app: Flask) -> ScriptDirectory:
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(app.config["MIGRATIONS_DIR"])
    return ScriptDirectory.from_config(config)


def schema_differences(app: Flask) -> list[object]:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, db.metadata))


def test_migrations_have_a_single_head(empty_app: Flask):
    assert len(script_directory(empty_app).get_heads()) == 1


def test_upgrading_an_empty_database_yields_exactly_the_models(empty_app: Flask):
    with empty_app.app_context():
        upgrade(directory=empty_app.config["MIGRATIONS_DIR"])
    assert schema_differences(empty_app) == []


def test_every_revision_goes_up_and_down(empty_app: Flask):
    directory = empty_app.config["MIGRATIONS_DIR"]
    revisions = list(reversed(list(script_directory(empty_app).walk_revisions())))
    assert revisions
    with empty_app.app_context():
        for revision in revisions:
            upgrade(directory=directory, revision=revision.revision)
            downgrade(directory=directory, revision=revision.down_revision or "base")
            upgrade(directory=directory, revision=revision.revision)
        downgrade(directory=directory, revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
