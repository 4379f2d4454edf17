"""Glue between Flask's cookie, Flask-Login and the server-side sessions.

The cookie holds only a random session token. Every request looks the token up
(`find_live_session`), so logout, "end all sessions", role changes and
deactivation take effect on the next request.
"""

from __future__ import annotations

from flask import g, session
from flask_login import current_user

from portal.dependencies import session_policy
from portal.models import User, UserSession
from portal.services import sessions as session_service
from portal.web.extensions import login_manager
from portal.web.i18n import LOCALE_KEY

_TOKEN_KEY = "sid"  # noqa: S105 - the name of a session key, not a secret
# The id of a form kept for this browser after its session ended (web/kept_posts.py).
KEPT_KEY = "kept"


@login_manager.request_loader
def _load_user_from_session(_request: object) -> User | None:
    token = session.get(_TOKEN_KEY)
    if not isinstance(token, str):
        return None
    live = session_service.find_live_session(token, session_policy())
    if live is None:
        # Kept for this request only: a form sent after the session ended is kept for
        # the account this session belonged to (web/kept_posts.py).
        g.ended_session_token = token
        session.pop(_TOKEN_KEY, None)
        return None
    g.user_session = live
    return live.user


def start_session(user: User, user_agent: str, second_factor_done: bool) -> None:
    """Begin a fresh session: the old cookie's content is dropped (rotation).

    A session this browser still had is ended, not abandoned; the language the
    person chose before signing in is kept, and so is the handle of a form kept for
    this browser (it is given back only to the account it belongs to).
    """
    previous = current_session()
    if previous is not None:
        session_service.revoke_session(previous)
    carried = {key: session[key] for key in (LOCALE_KEY, KEPT_KEY) if session.get(key)}
    session.clear()
    session.update(carried)
    token = session_service.open_session(user, coarse_client_label(user_agent), second_factor_done)
    session[_TOKEN_KEY] = token
    # A browser-session cookie: closing the browser forgets it; the server enforces timeouts.
    session.permanent = False


def current_session() -> UserSession | None:
    """The server-side session of the signed-in user, if any."""
    if not current_user.is_authenticated:
        return None
    live: UserSession | None = g.get("user_session")
    return live


def browser_session_token() -> str | None:
    """The session token this browser's cookie names (or named, when this request found
    its session ended), whatever that session's state."""
    current_user.is_authenticated  # noqa: B018 - runs the loader, which notes an ended token
    token = session.get(_TOKEN_KEY) or g.get("ended_session_token")
    return token if isinstance(token, str) else None


def end_current_session() -> None:
    live = current_session()
    if live is not None:
        session_service.revoke_session(live)
    session.clear()


def coarse_client_label(user_agent: str) -> str:
    """A label such as "Firefox on Android": enough to recognise a session, no more."""
    ua = user_agent or ""
    browser = next((name for key, name in (
        ("Firefox", "Firefox"), ("Edg/", "Edge"), ("Chrome", "Chrome"), ("Safari", "Safari"),
    ) if key in ua), "")
    system = next((name for key, name in (
        ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
        ("Mac OS", "macOS"), ("Linux", "Linux"),
    ) if key in ua), "")
    return " / ".join(part for part in (browser, system) if part)
