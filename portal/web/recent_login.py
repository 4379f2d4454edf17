"""Sensitive actions need a passphrase proven within the last few minutes."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.dependencies import session_policy
from portal.services.sessions import is_recently_authenticated
from portal.web.authn import current_session


def require_recent_login(return_to: str) -> Response | None:
    """None when the login is recent; else a redirect to re-authenticate, then `return_to`."""
    live = current_session()
    if live is not None and is_recently_authenticated(live, session_policy()):
        return None
    flash(_("For your safety, confirm your passphrase before this change."), "info")
    return redirect(url_for("auth.reauthenticate", next=return_to))
