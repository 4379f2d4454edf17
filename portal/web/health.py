"""What /healthz answers: "ok" or "degraded", and nothing else.

The proxy and the monitoring ask it without signing in (it is on the public
allow-list), so it says only whether the portal can do its work now: the database
answers a trivial query, and the evidence store can be asked about a blob. It names no
version, component, error or count: "degraded" (503) tells an operator to look at the
portal's own log, and tells a stranger nothing.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.dependencies import blob_store
from portal.models import db
from portal.storage import StorageError

# A well-formed blob key that no blob has: asking for it reaches the store (a HEAD for
# S3, an lstat for local files) and finds nothing.
PROBE_KEY = "0" * 32


def database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        current_app.logger.warning("health: the database does not answer (%s)",
                                   type(error).__name__)
        db.session.rollback()
        return False
    return True


def evidence_store_answers() -> bool:
    try:
        blob_store().exists(PROBE_KEY)
    except (StorageError, OSError) as error:
        current_app.logger.warning("health: the evidence store does not answer (%s)",
                                   type(error).__name__)
        return False
    return True


def health_status() -> str:
    """"ok" when the database and the evidence store answer, otherwise "degraded"."""
    return "ok" if database_answers() and evidence_store_answers() else "degraded"
