"""One unit of work per request: services flush, the web layer commits once.

A successful response commits; an error response rolls back. A refused action (a
service's domain error shown beside a field or as a message, `web/refusals.py`) is
undone at once, before the page is made: the page then reads what is saved, and what
the page itself records (a view of a report) is still committed with it. Views never
commit or roll back by hand, save where a comment says why.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from portal.models import db


def finish_unit_of_work(response: Response) -> Response:
    """The `after_request` hook: commit after the view succeeded; otherwise roll back."""
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def undo_unit_of_work() -> None:
    """Forget everything the request flushed so far (a refused action, a denial)."""
    db.session.rollback()
