"""Translated error pages; never a stack trace to the user."""

from __future__ import annotations

from contextlib import suppress

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
    PendingRollbackError,
    SQLAlchemyError,
)
from werkzeug.exceptions import HTTPException

from portal.audit import AuditAction, Outcome, record_event
from portal.models import db
from portal.services.errors import DomainError, NotFound, PermissionDenied
from portal.storage import StorageUnavailable
from portal.web.access import record_denial
from portal.web.extensions import login_manager
from portal.web.unit_of_work import undo_unit_of_work


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(429, _too_many_attempts)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(NotFound, _refused)
    app.register_error_handler(PermissionDenied, _refused)
    for unavailable in (OperationalError, InterfaceError, DisconnectionError):
        app.register_error_handler(unavailable, _database_unavailable)
    app.register_error_handler(StorageUnavailable, _storage_unavailable)
    app.register_error_handler(Exception, _unexpected_error)


def _release_session() -> bool:
    """Roll back the request's work. False when the database cannot be reached: then
    the page is made without it, the person treated as signed out for this page only
    (neither the language nor the layout asks the database again; the session is kept)."""
    try:
        undo_unit_of_work()
        return True
    except Exception:  # the connection is gone: an error page must not need it
        with suppress(Exception):  # nothing more to release
            db.session.close()
        g._login_user = login_manager.anonymous_user()
        return False


def _page(status: int, title: str, message: str) -> tuple[str, int]:
    try:
        page = render_template("errors/error.html", status=status, title=title,
                               message=message)
    except SQLAlchemyError:
        # The layout asked the database (who is signed in) and it failed: make the page
        # for a signed-out person rather than fall back to the server's bare error page.
        _release_session()
        g._login_user = login_manager.anonymous_user()
        page = render_template("errors/error.html", status=status, title=title,
                               message=message)
    return page, status


def _csrf_error(_error: CSRFError) -> tuple[str, int]:
    _release_session()
    return _page(400, _("This form has expired"),
                 _("Nothing was saved. Go back, reload the page and send the form again."))


def _too_many_attempts(_error: HTTPException) -> tuple[str, int]:
    undo_unit_of_work()
    # No actor: the message and the record must not say whether the account exists.
    record_event(AuditAction.LOGIN_THROTTLED, Outcome.DENIED)
    db.session.commit()
    return _page(429, _("Too many attempts"),
                 _("For your safety, signing in is paused for a minute. Please try again later."))


def _http_error(error: HTTPException) -> tuple[str, int]:
    _release_session()
    status = error.code or 500
    return _page(status, *_explanation(status))


def _explanation(status: int) -> tuple[str, str]:
    """The page's title and message for an HTTP error status."""
    messages = {
        400: (_("Something in the request was wrong"),
              _("Nothing was saved. Go back and try again.")),
        404: (_("Page not found"),
              _("Check the address, or go back to the home page.")),
        405: (_("Not allowed"), _("This page cannot be used this way.")),
        413: (_("Too large"), _("What you sent is too large. Nothing was saved.")),
    }
    return messages.get(status, (_("Something went wrong"), _("Please try again.")))


def _refused(error: DomainError) -> tuple[str, int]:
    """A service refused access (`NotFound`, `PermissionDenied`) and the view let it
    through: answer as `deny` does, 404 with the refusal recorded on its own, so that a
    forbidden object still looks like a missing one and nothing the request did is kept."""
    if not _release_session():
        return _database_unavailable(error)
    # Only the URL's numeric ids: its other parts may be words, or a secret (a token).
    ids = {name: value for name, value in (request.view_args or {}).items()
           if isinstance(value, int)}
    record_denial("endpoint", request.endpoint or "", ids)
    return _page(404, *_explanation(404))


def _database_unavailable(error: Exception) -> tuple[str, int]:
    """The database cannot be reached (restarting, or SQLite locked): a 503 page made
    without it. The person is treated as signed out for this page only, so that neither
    the language nor the layout asks the database again; the session itself is kept."""
    _release_session()
    g._login_user = login_manager.anonymous_user()
    current_app.logger.error("database unavailable: %s", type(error).__name__, exc_info=error)
    if current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise error
    return _page(503, _("Something went wrong"),
                 _("Nothing was saved. Please try again in a moment."))


def _storage_unavailable(error: StorageUnavailable) -> tuple[str, int]:
    """The evidence store (an S3 endpoint) cannot be reached: a 503 page, the request's
    work rolled back (an upload's row is not kept; its blob never became visible)."""
    if not _release_session():
        return _database_unavailable(error)
    current_app.logger.error("evidence store unavailable: %s", error)
    if current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise error
    return _page(503, _("The evidence store cannot be reached"),
                 _("Files cannot be stored or opened at the moment. Nothing was saved. "
                   "Please try again in a few minutes."))


def _unexpected_error(error: Exception) -> tuple[str, int]:
    # A database that went away mid-request can surface as another SQLAlchemy error
    # (a pending rollback, a closed result): answer as for an unreachable database.
    if not _release_session() or isinstance(error, PendingRollbackError) or (
            isinstance(error, DBAPIError) and error.connection_invalidated):
        return _database_unavailable(error)
    # The user as already loaded, if any: loading it now could need the database.
    current_app.logger.exception("unhandled error on a request by user %s",
                                 getattr(g.get("_login_user"), "id", None))
    if current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise error
    return _page(500, _("Something went wrong"),
                 _("Nothing was saved. Please try again in a moment."))
