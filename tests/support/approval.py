"""Getting a dossier through the approval checklist as its people do, over HTTP: the
advocate completes the sections' placeholders and decides on every protected-term
occurrence; the reviewer approves, weighing each warning the page offers."""

from __future__ import annotations

import html
import re

from werkzeug.test import TestResponse

from portal.models.dossiers import SectionKey
from tests.support.client import BrowserClient
from tests.support.factories import Account
from tests.support.journeys import sign_in

_TEXTAREA = re.compile(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', re.DOTALL)
_PLACEHOLDER = re.compile(r"\[[^\[\]\n]{6,}?[.]\](?!\()")
_HASH = re.compile(r'<input[^>]*name="content_hash"[^>]*value="([0-9a-f]{64})"')
_WARNING = re.compile(r'<input[^>]*name="acknowledged"[^>]*>')
_VALUE = re.compile(r'value="([a-z_]+)"')
COMPLETED = "(Completed for this fictional dossier.)"
TRANSLATION_TO_FOLLOW = "Certified translation to follow."


def complete_sections(client: BrowserClient, dossier_id: int) -> None:
    """Replace every bracketed template instruction of every section, as an advocate
    who writes the section does."""
    for key in SectionKey:
        page = f"/dossiers/{dossier_id}/sections/{key.value}"
        found = _TEXTAREA.search(client.text(page))
        assert found, f"no editor on {page}"
        body = html.unescape(found.group(1)).removeprefix("\r\n").removeprefix("\n")
        if _PLACEHOLDER.search(body):
            saved = client.submit(page, {"body": _PLACEHOLDER.sub(COMPLETED, body),
                                         "action": "save"})
            assert saved.status_code == 302, saved.get_data(as_text=True)[:600]


def redact_every_occurrence(client: BrowserClient, dossier_id: int) -> None:
    page = f"/dossiers/{dossier_id}/occurrences"
    if "Redact every passage not reviewed yet" in client.text(page):
        done = client.submit(page, {}, action=f"{page}/redact-remaining")
        assert done.status_code == 302, done.get_data(as_text=True)[:600]
    assert "Every passage is reviewed" in client.text(page) or \
        "No protected name or place occurs" in client.text(page)


def ready_for_review(client: BrowserClient, dossier_id: int) -> None:
    """What an advocate does before sending: no placeholder, every occurrence decided."""
    complete_sections(client, dossier_id)
    redact_every_occurrence(client, dossier_id)


def review_hash(reviewer: BrowserClient, dossier_id: int) -> str:
    found = _HASH.search(reviewer.text(f"/dossiers/{dossier_id}/review"))
    assert found, "no content hash on the review page"
    return found.group(1)


def approve(reviewer: BrowserClient, dossier_id: int, comments: str = "",
            content_hash: str | None = None) -> TestResponse:
    """Approve as the reviewer: tick the statement and every warning offered."""
    page = f"/dossiers/{dossier_id}/review"
    offered = [value.group(1) for box in _WARNING.findall(reviewer.text(page))
               if (value := _VALUE.search(box))]
    data: dict[str, object] = {
        "decision": "approve", "confirm": "y", "comments": comments,
        "content_hash": content_hash or review_hash(reviewer, dossier_id)}
    if offered:
        data["acknowledged"] = offered
    if 'name="translation_reason"' in reviewer.text(page):
        # An account without its certified translation: the reason the dossier states.
        data["translation_reason"] = TRANSLATION_TO_FOLLOW
    return reviewer.submit(page, data)


def send_and_approve(client: BrowserClient, reviewer: BrowserClient, dossier_id: int,
                     reviewer_account: Account) -> None:
    """The advocate (signed in on `client`) readies the dossier and sends it to the
    reviewer, who signs in on `reviewer` and approves it."""
    ready_for_review(client, dossier_id)
    sent = client.submit(f"/dossiers/{dossier_id}", {"reviewer": str(reviewer_account.id)},
                         action=f"/dossiers/{dossier_id}/send")
    assert sent.status_code == 302, sent.get_data(as_text=True)[:600]
    sign_in(reviewer, reviewer_account)
    approved = approve(reviewer, dossier_id)
    assert approved.status_code == 302, approved.get_data(as_text=True)[:600]
