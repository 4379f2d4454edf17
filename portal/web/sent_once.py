"""The hidden one-time token of a form that creates something (a report, a message, an
upload): sent twice, the form acts once (portal/services/submissions.py)."""

from __future__ import annotations

from wtforms import HiddenField

from portal.crypto.tokens import new_token


def once_token_field() -> HiddenField:
    """A hidden field holding a new token each time the form is shown; a form sent
    back carries the token it was shown with."""
    return HiddenField(default=new_token)
