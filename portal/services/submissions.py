"""Forms that create something act once: a double click, a page sent again, or two
copies of the same form sent at the same moment create one report, message or upload.

Each such form carries a one-time token, new each time it is shown. The first sending
claims it with an INSERT that one transaction alone can make (a unique key on the
account and the token: a second INSERT waits for the first transaction, then does
nothing) and records, in the same transaction, the page it led to. Every later sending
is answered with that page. If the first sending is refused or fails, its claim is
rolled back with the rest, and the form can be sent again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from portal.models import User, db
from portal.models.submissions import FormSubmission

# What `new_token()` makes (URL-safe base64); anything else is not one of our tokens.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass
class Sending:
    """One sending of a form. `earlier` is where the first sending of the same form led
    (then nothing must be done again); None when this sending is the first."""

    earlier: str | None
    _claim: FormSubmission | None = None

    def led_to(self, path: str) -> str:
        """Record the page this first sending leads to, for any later one; return it."""
        if self._claim is not None:
            self._claim.result_path = path
            db.session.flush()
        return path


def claim_sending(actor: User, token: str | None, fallback: str) -> Sending:
    """Claim the form's one-time `token` for `actor`.

    A form sent without a well-formed token (a page from before this feature) is
    treated as a first sending, and nothing is recorded. `fallback` answers a later
    sending whose first one recorded no page.
    """
    if token is None or not _TOKEN.fullmatch(token):
        return Sending(earlier=None)
    claim_id = _insert_once(actor.id, token)
    if claim_id is not None:
        return Sending(earlier=None, _claim=db.session.get(FormSubmission, claim_id))
    earlier = db.session.scalar(select(FormSubmission.result_path).where(
        FormSubmission.user_id == actor.id, FormSubmission.token == token))
    return Sending(earlier=earlier or fallback)


def _insert_once(user_id: int, token: str) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING: the new row's id, or None when the token was
    claimed already (by a transaction that committed, after waiting for it)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (insert(FormSubmission).values(user_id=user_id, token=token)
                 .on_conflict_do_nothing(index_elements=["user_id", "token"])
                 .returning(FormSubmission.id))
    claimed: int | None = db.session.execute(statement).scalar_one_or_none()
    return claimed
