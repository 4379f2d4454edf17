"""Recognised text (OCR) of image and PDF evidence, kept beside the original (decision 0030).

After the previews are made (portal/services/renditions.py `derive`, run by a job),
tesseract reads the metadata-free viewing copy of an image or the page previews of a
PDF in the sandbox (portal/media/ocr.py). What it found (text, languages, mean
confidence, pages) is stored as one more rendition, purpose "text": a JSON blob
encrypted under its own file key like every rendition, with its own SHA-256 and a
custody event. The original is never read by tesseract nor changed; the database holds
no recognised word, only the blind-index tokens of the reports the item belongs to
(which, like every token, show which reports share a word, never the word).

Phone numbers in the text (Persian or Latin digits) are offered as identifier
proposals; an advocate or the family records one with a click (decision 0028). Nothing
is recorded on its own: a misread digit must not tie two families together.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit import AuditAction, Outcome, record_event
from portal.audit.custody import CustodyAction, record_custody
from portal.crypto.kit import CryptoKit
from portal.dependencies import blob_store
from portal.media.ocr import STATUS_RECOGNISED, RecognisedText, recognise_pages
from portal.models import (
    CustodyEvent,
    Dossier,
    DossierExhibit,
    EvidenceItem,
    Rendition,
    SearchToken,
    User,
    db,
)
from portal.models.vocabulary import IncidentStatus
from portal.policy import Permission, can
from portal.services import renditions
from portal.services.errors import PermissionDenied, ValidationFailed
from portal.services.identifiers.records import identifier_digest, identifiers_of
from portal.services.search_index import index_terms, token_for
from portal.storage import BlobStore
from portal.text.identifiers import NormalIdentifier, phone_for_display
from portal.text.phone_mentions import phone_numbers_in

TEXT_PURPOSE = "text"
TEXT_MEDIA_TYPE = "application/json"
STATUS_UNREADABLE = "unreadable"  # the stored text could not be decrypted or checked


@dataclass(frozen=True)
class PhoneProposal:
    e164: str
    shown: str


@dataclass(frozen=True)
class ShownRecognisedText:
    """The recognised text of an item, opened for its page: `status` is "recognised",
    "no_text", "failed" (tesseract could not read any page) or "unreadable"."""

    status: str
    text: str = ""
    confidence: float | None = None
    languages: str = ""
    pages: int = 0
    skipped: int = 0
    proposals: tuple[PhoneProposal, ...] = ()


def recognise_item(kit: CryptoKit, store: BlobStore, item: EvidenceItem,
                   actor: User | None) -> RecognisedText | None:
    """Recognise the text of an item's previews, once, when OCR_ENABLED (run by the
    derivation job, after the previews). Stores the result as the "text" rendition
    with a custody event, and indexes its words for the item's submitted reports.
    None when there is nothing to read (no preview, OCR off, already done). Flushes."""
    if not current_app.config["OCR_ENABLED"]:
        return None
    # The previews were just added by item id: load the collection again to see them.
    db.session.expire(item, ["renditions"])
    if item.file_key_sealed is None or text_rendition(item) is not None:
        return None
    sources = _pages_to_read(item)
    if not sources:
        return None
    result = recognise_pages(_page_bytes(kit, store, sources),
                             str(current_app.config["OCR_LANGUAGES"]))
    payload = json.dumps(result.as_json(), ensure_ascii=False).encode("utf-8")
    rendition = renditions.store_derived(kit, store, item, TEXT_PURPOSE, payload,
                                         TEXT_MEDIA_TYPE)
    record_custody(item, CustodyAction.RENDITION_CREATED, actor=actor, hash_before=item.sha256,
                   hash_after=rendition.sha256,
                   details={"purpose": TEXT_PURPOSE, "status": result.status})
    if result.text:
        index_recognised_words(kit, item, result.text)
    return result


def _pages_to_read(item: EvidenceItem) -> list[tuple[int, Rendition]]:
    """An image's viewing copy, or a PDF's page previews; never the original, never a
    poster frame (video) or a redacted copy."""
    viewing = [r for r in item.renditions if r.purpose == "viewing_copy"]
    return [(1, viewing[0])] if viewing else renditions.page_renditions(item)


def _page_bytes(kit: CryptoKit, store: BlobStore,
                sources: list[tuple[int, Rendition]]) -> Iterator[tuple[int, bytes]]:
    """Each page's bytes, read (and checked against its hash) only when asked for."""
    for number, rendition in sources:
        try:
            yield number, renditions.read_rendition(kit, store, rendition)
        except renditions.RenditionUnreadable:
            yield number, b""  # ocr reports the page as not an image


def index_recognised_words(kit: CryptoKit, item: EvidenceItem, text: str) -> None:
    """Add the words (and stems) of `text` to the blind index of the item's submitted
    reports, so an advocate's search finds a report by what its scan says. Add-only:
    the report's own tokens stay. Flushes."""
    terms = index_terms(text)
    if not terms:
        return
    tokens = {token_for(kit, term) for term in terms}
    for incident in item.incidents:
        if incident.status is not IncidentStatus.SUBMITTED:
            continue
        held = set(db.session.scalars(select(SearchToken.token).where(
            SearchToken.incident_id == incident.id, SearchToken.token.in_(tokens))))
        db.session.add_all(SearchToken(token=token, incident_id=incident.id)
                           for token in sorted(tokens - held))
    db.session.flush()


def text_rendition(item: EvidenceItem) -> Rendition | None:
    return next((r for r in item.renditions if r.purpose == TEXT_PURPOSE), None)


def recognised_text_of(kit: CryptoKit, store: BlobStore,
                       item: EvidenceItem) -> ShownRecognisedText | None:
    """The item's recognised text with the phone numbers in it that are not yet
    recorded on the item, or None when it has none (not an image or PDF, OCR off,
    not yet done). The caller checked that the reader may see the item."""
    found = _opened(kit, store, item)
    if found is None or found.status != STATUS_RECOGNISED:
        return found
    return replace(found, proposals=phone_proposals(kit, item, found.text))


def _opened(kit: CryptoKit, store: BlobStore, item: EvidenceItem) -> ShownRecognisedText | None:
    rendition = text_rendition(item)
    if rendition is None:
        return None
    try:
        found = json.loads(renditions.read_rendition(kit, store, rendition))
    except (renditions.RenditionUnreadable, ValueError):
        return ShownRecognisedText(STATUS_UNREADABLE)
    confidence = found.get("confidence")
    return ShownRecognisedText(
        status=str(found.get("status") or ""), text=str(found.get("text") or ""),
        confidence=float(confidence) if isinstance(confidence, int | float) else None,
        languages=str(found.get("languages") or ""), pages=len(found.get("pages") or []),
        skipped=int(found.get("skipped") or 0))


def printable_text(kit: CryptoKit, item: EvidenceItem) -> tuple[str, int] | None:
    """The recognised text and its mean confidence (a whole percentage) for a dossier
    to print under the exhibit's image, or None when there is none to print. Read from
    the evidence store of the running app: the dossier's assembly has only the kit."""
    found = _opened(kit, blob_store(), item)
    if found is None or found.status != STATUS_RECOGNISED or not found.text:
        return None
    return found.text, round(found.confidence or 0)


def has_printable_text(item: EvidenceItem) -> bool:
    """Whether the item has a text rendition that recognised words (without opening
    it: the custody event of its making says so)."""
    if text_rendition(item) is None:
        return False
    made = db.session.scalars(select(CustodyEvent.details).where(
        CustodyEvent.item_id == item.id,
        CustodyEvent.action == CustodyAction.RENDITION_CREATED.value))
    return any(details.get("purpose") == TEXT_PURPOSE
               and details.get("status") == STATUS_RECOGNISED for details in made)


def set_print_recognised_text(actor: User, dossier: Dossier, exhibit: DossierExhibit,
                              chosen: bool) -> None:
    """Print (or stop printing) the item's machine-read text under the exhibit's image.
    Raises PermissionDenied when `actor` may not edit the dossier now, ValidationFailed
    when there is no recognised text to print. Flushes."""
    if not can(actor, Permission.DOSSIER_EDIT, dossier):
        raise PermissionDenied(_l("You cannot change this dossier now."))
    if chosen and not has_printable_text(exhibit.evidence):
        raise ValidationFailed(_l("No text was recognised in this item."),
                               field="print_recognised_text")
    exhibit.print_recognised_text = chosen
    db.session.flush()
    record_event(AuditAction.DOSSIER_EXHIBIT_CHANGED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id,
                 details={"exhibit": exhibit.number, "recognised_text": chosen})


def phone_proposals(kit: CryptoKit, item: EvidenceItem, text: str) -> tuple[PhoneProposal, ...]:
    """The phone numbers in `text` that the item does not record yet."""
    recorded = {row.digest for row in identifiers_of(kit, item)}
    return tuple(PhoneProposal(e164, phone_for_display(e164)) for e164 in phone_numbers_in(text)
                 if identifier_digest(kit, NormalIdentifier("phone", "", e164)) not in recorded)
