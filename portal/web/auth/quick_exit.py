"""Quick exit: end the session on the server, then leave for a neutral site.

A quick exit that fails is dangerous, so this view never answers with an error page:
whatever happens (a stale form, no session, the database gone) the answer is a 303 to
`QUICK_EXIT_URL`. What it may do on the way depends on where the request came from
(decision 0017):

- sent from one of our own pages (a valid CSRF token, or the browser says the request
  is same-origin or typed by the person): the session row is revoked, the cookie
  cleared, and `Clear-Site-Data` asks the browser to forget the site;
- sent from elsewhere (a link or form on another site): only the redirect. Another
  site must not be able to sign a person out, any more than it can through /logout.

Without JavaScript the control is a POST form (templates/base.html); with JavaScript,
static/js/quick-exit.js replaces the page's history entry with a GET of this route,
carrying the form's token in the query, so that Back does not come back.
"""

from __future__ import annotations

from contextlib import suppress
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from portal.audit import AuditAction, Outcome, record_event
from portal.models import db
from portal.web.auth import bp
from portal.web.authn import end_current_session
from portal.web.extensions import csrf
from portal.web.kept_posts import drop_kept_posts_of_browser

CLEAR_SITE_DATA = '"cache", "cookies", "storage"'
# Sec-Fetch-Site values that no other site can cause: our own page, or the person
# typing the address or opening a bookmark.
_OWN_FETCH_SITES = frozenset({"same-origin", "none"})


@bp.route("/exit", methods=["GET", "POST"])
@csrf.exempt  # checked below: a stale token must still leave, never show an error page
def quick_exit() -> Response:
    response = redirect(current_app.config["QUICK_EXIT_URL"], code=303)
    if not sent_from_our_pages():
        return response
    _end_session_if_any()
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


def sent_from_our_pages() -> bool:
    """Whether the request carries a valid CSRF token, or the browser vouches that it
    comes from this site (fetch metadata, or the Origin header every browser sends
    with a POST)."""
    token = request.form.get("csrf_token") or request.args.get("csrf_token")
    if token:
        try:
            validate_csrf(token)
            return True
        except ValidationError:
            pass  # a stale page: the browser's own word may still do
    if request.headers.get("Sec-Fetch-Site") in _OWN_FETCH_SITES:
        return True
    origin = request.headers.get("Origin")
    return origin is not None and _origin(origin) == _origin(request.host_url)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _end_session_if_any() -> None:
    """Revoke the server-side session (recorded as a sign-out) and empty the cookie.

    If the database cannot be reached the cookie is still emptied and the exit still
    happens: the session then ends at its idle limit, as an abandoned one would.
    """
    try:
        if current_user.is_authenticated:
            record_event(AuditAction.LOGOUT, Outcome.SUCCESS, actor=current_user,
                         details={"via": "quick_exit"})
        drop_kept_posts_of_browser()  # no kept form outlives a quick exit (decision 0020)
        end_current_session()
        db.session.commit()
    except SQLAlchemyError:
        current_app.logger.warning("quick exit: the session could not be revoked")
        with suppress(SQLAlchemyError):
            db.session.rollback()
    session.clear()
