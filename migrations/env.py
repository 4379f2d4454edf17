"""Alembic environment, run through Flask-Migrate (`flask db upgrade`).

It compares column types too, renders our UTCDateTime by its import path, and uses
batch mode on SQLite (which cannot ALTER most things in place). It configures no
logging of its own, so the app's loggers stay as the app set them.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from flask import current_app

from portal.models import db
from portal.models.base import UTCDateTime

config = context.config


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("import portal.models.base")
        return "portal.models.base.UTCDateTime()"
    return False


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=db.metadata,
        compare_type=True,
        render_item=render_item,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=str(db.engine.url), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = current_app.extensions["migrate"].db.engine
    with connectable.connect() as connection:
        _configure(connection=connection,
                   render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
