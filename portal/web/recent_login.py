"""Sensitive actions need a passphrase proven within the last few minutes.

Which actions are sensitive is data: the `recent_login` of their rule in
`ENDPOINT_ACCESS` (web/access.py), enforced by the access hook before the view runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.dependencies import session_policy
from portal.services.sessions import is_recently_authenticated
from portal.web.authn import current_session


@dataclass(frozen=True)
class RecentLogin:
    """An endpoint whose action needs a recent sign-in.

    `back` names the page to return to once the passphrase is confirmed (the action is
    a POST, which a redirect cannot repeat); it is given the URL values it shares with
    the action's own URL. `methods` are the methods that act (a GET that only shows a
    form does not). `when_posted`, if set, narrows it to one button of a form that
    has several: (field, value), such as ("decision", "approve").
    """

    back: str
    methods: frozenset[str] = frozenset({"POST"})
    when_posted: tuple[str, str] | None = None

    def applies(self) -> bool:
        """Whether the current request is the sensitive action."""
        if request.method not in self.methods:
            return False
        if self.when_posted is None:
            return True
        field, value = self.when_posted
        return request.form.get(field) == value

    def back_url(self) -> str:
        rule = next(current_app.url_map.iter_rules(self.back))
        values = {name: value for name, value in (request.view_args or {}).items()
                  if name in rule.arguments}
        return url_for(self.back, **values)


def require_recent_login(return_to: str) -> Response | None:
    """None when the login is recent; else a redirect to re-authenticate, then `return_to`."""
    live = current_session()
    if live is not None and is_recently_authenticated(live, session_policy()):
        return None
    flash(_("For your safety, confirm your passphrase before this change."), "info")
    return redirect(url_for("auth.reauthenticate", next=return_to))
