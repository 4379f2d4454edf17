"""Translated error pages; never a stack trace to the user."""

from __future__ import annotations

from flask import Flask, current_app, g, render_template
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.audit import AuditAction, Outcome, record_event
from portal.models import db
from portal.web.extensions import login_manager


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(429, _too_many_attempts)
    app.register_error_handler(HTTPException, _http_error)
    for unavailable in (OperationalError, InterfaceError, DisconnectionError):
        app.register_error_handler(unavailable, _database_unavailable)
    app.register_error_handler(Exception, _unexpected_error)


def _page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _csrf_error(_error: CSRFError) -> tuple[str, int]:
    db.session.rollback()
    return _page(400, _("This form has expired"),
                 _("Nothing was saved. Go back, reload the page and send the form again."))


def _too_many_attempts(_error: HTTPException) -> tuple[str, int]:
    db.session.rollback()
    # No actor: the message and the record must not say whether the account exists.
    record_event(AuditAction.LOGIN_THROTTLED, Outcome.DENIED)
    db.session.commit()
    return _page(429, _("Too many attempts"),
                 _("For your safety, signing in is paused for a minute. Please try again later."))


def _http_error(error: HTTPException) -> tuple[str, int]:
    db.session.rollback()
    status = error.code or 500
    messages = {
        400: (_("Something in the request was wrong"),
              _("Nothing was saved. Go back and try again.")),
        404: (_("Page not found"),
              _("Check the address, or go back to the home page.")),
        405: (_("Not allowed"), _("This page cannot be used this way.")),
        413: (_("Too large"), _("What you sent is too large. Nothing was saved.")),
    }
    title, message = messages.get(status, (_("Something went wrong"), _("Please try again.")))
    return _page(status, title, message)


def _database_unavailable(error: Exception) -> tuple[str, int]:
    """The database cannot be reached (restarting, or SQLite locked): a 503 page made
    without it. The person is treated as signed out for this page only, so that neither
    the language nor the layout asks the database again; the session itself is kept."""
    try:
        db.session.rollback()
    except Exception:  # the connection is already gone
        db.session.close()
    g._login_user = login_manager.anonymous_user()
    current_app.logger.error("database unavailable: %s", type(error).__name__, exc_info=error)
    if current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise error
    return _page(503, _("Something went wrong"),
                 _("Nothing was saved. Please try again in a moment."))


def _unexpected_error(error: Exception) -> tuple[str, int]:
    db.session.rollback()
    current_app.logger.exception("unhandled error on a request by user %s",
                                 getattr(current_user, "id", None))
    if current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise error
    return _page(500, _("Something went wrong"),
                 _("Nothing was saved. Please try again in a moment."))
