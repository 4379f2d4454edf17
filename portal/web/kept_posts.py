"""Nothing typed is lost: forms sent after the session ended are kept and given back.

One mechanism for every form whose loss hurts (`KEPT_ENDPOINTS`, decision 0020):

- `keep_post_of_ended_session`, a `before_request` hook that runs before the access
  check: a POST to one of those endpoints whose session has run out (the cookie still
  names it, and its CSRF token is valid) has its typed fields sealed for the account
  that session belonged to, and the person is sent to sign in with a message saying so;
- `keep_form_for_language_switch`: the language buttons of a form page submit that
  form to `main.set_language`, which keeps its fields the same way before reloading
  the page in the new language (works without JavaScript);
- `restore_kept_form(form)`, called by those views on GET: the right account, on the
  right page, finds the form filled with what it typed, and a message; nothing is sent
  until the person sends it;
- `drop_kept_posts_of_browser()`: sign-out and quick exit leave nothing behind.

Never kept: passphrases, codes, tokens (CSRF, one-time), return addresses, files.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import validate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from portal.dependencies import crypto_kit, session_policy
from portal.models import User, db
from portal.services import kept_posts as service
from portal.web.authn import KEPT_KEY, browser_session_token, current_session

# The forms whose loss hurts: a report, a message in a thread, a translation, the
# description of an evidence item.
KEPT_ENDPOINTS = frozenset({
    "reports.edit", "reports.thread", "translations.incident", "translations.evidence",
    "evidence.describe",
})
# Fields never kept, whatever the form: what proves who someone is or that a form is
# theirs, and where to go next (the page is the kept post's own).
_NEVER_KEPT = frozenset({"csrf_token", "once_token", "next", "locale"})
_SECRET_PARTS = ("passphrase", "password", "secret", "token", "recovery")

REASON_EXPIRED = "expired"
REASON_LANGUAGE = "language"


def install(app: Flask) -> None:
    """Register the hook (before the access check, which would send the POST away) and
    what the page templates need for the idle warning."""
    app.before_request(keep_post_of_ended_session)
    app.context_processor(idle_warning_context)


def keep_post_of_ended_session() -> Response | None:
    """Keep a POST to a kept endpoint that arrived after its session ended, then send
    the person to sign in. Anything else passes on to the access check untouched."""
    if request.method != "POST" or request.endpoint not in KEPT_ENDPOINTS:
        return None
    if current_user.is_authenticated or not _csrf_token_valid():
        return None
    owner = _owner_of_ended_session()
    if owner is None:
        return None
    assert request.endpoint is not None
    if not _keep(owner, request.endpoint, request.path, REASON_EXPIRED):
        return None
    return _to_sign_in(request.path)


def keep_form_for_language_switch(next_path: str) -> Response | None:
    """Called by `main.set_language`: when the language buttons of a form page sent that
    form (see templates/base.html), keep its fields for the page `next_path`. Returns
    where to go when the session had ended (sign in), else None (go back to the page,
    where `restore_kept_form` fills the form)."""
    endpoint = _endpoint_of(next_path)
    if endpoint not in KEPT_ENDPOINTS or not _typed_fields():
        return None
    live = current_session()
    owner = (live.user if live is not None and live.second_factor_done
             else _owner_of_ended_session())
    if owner is None or not _keep(owner, endpoint, next_path, REASON_LANGUAGE):
        return None
    return None if live is not None else _to_sign_in(next_path)


def restore_kept_form(form: FlaskForm) -> bool:
    """Fill `form` with what was kept for this page and this account, if anything, and
    say so. True when it did; the kept copy is deleted as it is given back."""
    kept_id = session.get(KEPT_KEY)
    if not isinstance(kept_id, int) or not current_user.is_authenticated:
        return False
    kept = service.take_kept_form(crypto_kit(), current_user, kept_id, request.path)
    if kept is None:
        return False
    session.pop(KEPT_KEY, None)
    form.process(formdata=MultiDict(kept.fields))
    if kept.reason == REASON_LANGUAGE:
        flash(_("Your answers are still here. Nothing has been sent yet."), "info")
    else:
        flash(_("What you wrote was kept. Check it and send it again."), "info")
    return True


def kept_target_after_sign_in(user: User) -> str | None:
    """The page where a form kept for `user` on this browser waits, to go there first
    after signing in; expired kept forms of anyone are purged on the way."""
    service.purge_expired()
    kept_id = session.get(KEPT_KEY)
    if not isinstance(kept_id, int):
        return None
    return service.waiting_path(user, kept_id)


def drop_kept_posts_of_browser() -> None:
    """Delete, unread, the form kept for this browser and every form kept for the account
    signed in (or whose ended session the cookie names): sign-out and quick exit leave
    nothing readable behind. Flushes; the caller commits."""
    user_ids: list[int] = []
    if current_user.is_authenticated:
        user_ids.append(current_user.id)
    token = browser_session_token()
    owner_id = service.session_owner_id(token) if token else None
    if owner_id is not None:
        user_ids.append(owner_id)
    kept_id = session.pop(KEPT_KEY, None)
    service.drop_kept_posts(user_ids=user_ids,
                            kept_ids=[kept_id] if isinstance(kept_id, int) else [])


def idle_warning_context() -> dict[str, Any]:
    """For templates/base.html: the idle limit and the warning time of the signed-in
    person (static/js/keep-alive.js reads them), or None."""
    live = current_session() if current_user.is_authenticated else None
    if live is None or not live.second_factor_done:
        return {"idle_warning": None}
    limit = session_policy().idle_limit(current_user)
    return {"idle_warning": {
        "idle_seconds": int(limit.total_seconds()),
        "warn_seconds": int(current_app.config["IDLE_WARNING_SECONDS"]),
    }, "autosave_seconds": int(current_app.config["AUTOSAVE_SECONDS"])}


def _keep(owner: User, endpoint: str, path: str, reason: str) -> bool:
    lifetime = timedelta(hours=current_app.config["KEPT_POST_HOURS"])
    kept = service.keep_form(crypto_kit(), owner, endpoint, path, _typed_fields(), reason,
                             lifetime)
    if kept is None:
        return False
    db.session.commit()  # kept whatever the rest of the request does
    session[KEPT_KEY] = kept.id
    return True


def _to_sign_in(path: str) -> Response:
    flash(_("You were signed out because nothing happened for a while. What you wrote was "
            "kept: sign in again to find it."), "info")
    return redirect(url_for("auth.login", next=path))


def _typed_fields() -> list[tuple[str, str]]:
    """The text fields of the form sent, in order, without anything secret. Files are
    never read here (nor kept)."""
    return [(name, value) for name, value in request.form.items(multi=True)
            if name not in _NEVER_KEPT and not any(p in name.lower() for p in _SECRET_PARTS)]


def _owner_of_ended_session() -> User | None:
    """The account of the session this browser's cookie named, if it ended by running
    out of time; or the account of a form already kept for this browser."""
    lifetime = timedelta(hours=current_app.config["KEPT_POST_HOURS"])
    token = browser_session_token()
    if token is not None:
        owner = service.ended_session_owner(token, session_policy(), lifetime)
        if owner is not None:
            return owner
    kept_id = session.get(KEPT_KEY)
    if isinstance(kept_id, int):
        return service.owner_of_kept(kept_id)
    return None


def _csrf_token_valid() -> bool:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


def _endpoint_of(path: str) -> str | None:
    """The endpoint a POST to `path` (a path of this site) would reach."""
    try:
        adapter = current_app.url_map.bind("localhost")
        endpoint, _values = adapter.match(path.split("?", 1)[0], method="POST")
    except HTTPException:
        return None
    return str(endpoint)
