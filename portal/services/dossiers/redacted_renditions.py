"""Redacted copies of exhibits for a dossier's public variant (issue 13, item 5;
decision 0015).

An advocate editing a dossier marks rectangles over what must not be published
(faces, names, addresses, signatures) on an image exhibit's viewing copy or on a PDF
exhibit's page previews. `redact_page` has the sandboxed image worker
(portal/media/blackout.py) set every pixel of each rectangle to black and re-encode
the image as a PNG that holds pixels only; the PNG is stored as a new rendition of the
evidence item (encrypted, its own SHA-256: renditions.store_derived), and a custody
event on the item links it to the original (`REDACTED_RENDITION_CREATED`: the copy's
hash, the original's, the page, the number of rectangles, the dossier and exhibit).
The original and its other renditions never change. An `ExhibitRedaction` row says
which rendition a page of this exhibit (of this dossier version) shows in public;
replacing it points the row at a newer rendition (the older one stays in the vault
and the custody log), clearing deletes the row, never a rendition.

The public variant shows an exhibit classified public that has any redacted page as
its page images only, redacted where marked (`assembly.treatment`: REDACTED_COPY);
the confidential variant is unchanged.

Security assumptions: the source is a rendition the sandbox already re-encoded, read
back against its hash; it is still decoded only in the limited child. Coordinates are
checked here (integers, inside the image, positive size, at most MAX_RECTANGLES) and
again in the child, which paints nothing if one is outside.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.audit import AuditAction, Outcome, record_event
from portal.audit.custody import CustodyAction, record_custody
from portal.crypto.kit import CryptoKit
from portal.localization import normalize_digits
from portal.media import PREVIEWABLE_IMAGE_TYPES
from portal.media.blackout import MAX_RECTANGLES, OUTSIDE, Rectangle, blackout, image_size
from portal.media.pdf import PDF_TYPES
from portal.models import Dossier, DossierExhibit, Rendition, User, db, utcnow
from portal.models.dossiers import ExhibitRedaction
from portal.policy import Permission
from portal.services.dossiers.assembly import exhibit_label
from portal.services.dossiers.builder import require
from portal.services.errors import NotFound, ValidationFailed
from portal.services.renditions import (
    REDACTED_PURPOSE_PREFIX,
    page_renditions,
    read_rendition,
    store_derived,
)
from portal.storage import BlobStore

__all__ = ["MAX_RECTANGLES", "RedactablePage", "carry_redactions", "clear_page",
           "format_rectangles", "page_of", "parse_rectangles", "public_pages",
           "redact_page", "redactable_pages", "source_size"]

FIELD = "rectangles"
MAX_TEXT_CHARS = 4000
_SEPARATORS = re.compile(r"[\s,;،]+")


@dataclass(frozen=True)
class RedactablePage:
    """A page of an exhibit that can be redacted: 1 for an image (its viewing copy),
    the page number for a PDF (its preview), with the redaction it has, if any."""

    number: int
    source: Rendition
    redaction: ExhibitRedaction | None


def redactable_pages(exhibit: DossierExhibit) -> list[RedactablePage]:
    """The pages of `exhibit` that have an image to mark: an image's viewing copy, a
    PDF's page previews; none for other media (sound, video, unreadable files)."""
    item = exhibit.evidence
    done = {r.page: r for r in exhibit.redactions}
    if item.detected_media_type in PDF_TYPES:
        sources = page_renditions(item)
    elif item.detected_media_type in PREVIEWABLE_IMAGE_TYPES:
        sources = [(1, r) for r in item.renditions if r.purpose == "viewing_copy"]
    else:
        sources = []
    return [RedactablePage(number, source, done.get(number)) for number, source in sources]


def page_of(exhibit: DossierExhibit, number: int) -> RedactablePage:
    """Page `number` of `exhibit`, or NotFound."""
    page = next((p for p in redactable_pages(exhibit) if p.number == number), None)
    if page is None:
        raise NotFound(_l("This page cannot be redacted."))
    return page


def source_size(kit: CryptoKit, store: BlobStore, rendition: Rendition) -> tuple[int, int] | None:
    """(width, height) in pixels of the image the advocate marks, or None if it cannot
    be read back intact or decoded."""
    try:
        data = read_rendition(kit, store, rendition)
    except ValueError:
        return None
    return image_size(data)


def parse_rectangles(text: str, size: tuple[int, int]) -> list[Rectangle]:
    """One rectangle per line, "x, y, width, height" in whole pixels of an image of
    `size` (Persian and Arabic-Indic digits accepted; blank lines ignored). Raises
    ValidationFailed (field "rectangles") naming the first line that is wrong."""
    width, height = size
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationFailed(_l("Use at most %(max)d characters.", max=MAX_TEXT_CHARS),
                               field=FIELD)
    lines = [(n, line.strip()) for n, line in enumerate(normalize_digits(text).splitlines(), 1)]
    lines = [(n, line) for n, line in lines if line]
    if not lines:
        raise ValidationFailed(_l("Mark at least one area: one line of four whole numbers, "
                                  "x, y, width and height."), field=FIELD)
    if len(lines) > MAX_RECTANGLES:
        raise ValidationFailed(_l("Mark at most %(max)d areas.", max=MAX_RECTANGLES),
                               field=FIELD)
    return [_rectangle(n, line, width, height) for n, line in lines]


def _rectangle(number: int, line: str, width: int, height: int) -> Rectangle:
    parts = [p for p in _SEPARATORS.split(line) if p]
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() and len(p) <= 6 for p in parts):
        raise ValidationFailed(_l("Line %(line)d: write four whole numbers: x, y, width and "
                                  "height.", line=number), field=FIELD)
    x, y, w, h = (int(p) for p in parts)
    if w < 1 or h < 1:
        raise ValidationFailed(_l("Line %(line)d: the width and height must be at least 1 "
                                  "pixel.", line=number), field=FIELD)
    if x + w > width or y + h > height:
        raise ValidationFailed(_l("Line %(line)d: the area goes outside the image, which is "
                                  "%(width)d × %(height)d pixels.", line=number, width=width,
                                  height=height), field=FIELD)
    return Rectangle(x, y, w, h)


def format_rectangles(rectangles: list[list[int]]) -> str:
    """The stored rectangles as the form shows them, one "x, y, width, height" a line."""
    return "\n".join(", ".join(str(n) for n in r) for r in rectangles)


def redact_page(kit: CryptoKit, store: BlobStore, actor: User, dossier: Dossier,
                exhibit: DossierExhibit, number: int, text: str) -> ExhibitRedaction:
    """Make a redacted copy of page `number` with the rectangles in `text`, and show it
    in the public variant (replacing an earlier copy of that page, which is kept).
    Raises PermissionDenied (not editable), NotFound (no such page), ValidationFailed
    (bad rectangles; an image that cannot be read). Flushes."""
    require(actor, Permission.DOSSIER_EDIT, dossier)
    if exhibit.dossier_id != dossier.id:
        raise NotFound(_l("This page cannot be redacted."))
    page = page_of(exhibit, number)
    unreadable = ValidationFailed(_l("This image could not be read back intact, so it cannot "
                                     "be redacted."), field=FIELD)
    try:
        data = read_rendition(kit, store, page.source)
    except ValueError as error:
        raise unreadable from error
    size = image_size(data)
    if size is None:
        raise unreadable
    rectangles = parse_rectangles(text, size)
    result = blackout(data, rectangles)
    del data
    if not result.ok:
        if result.problem == OUTSIDE:  # checked above; the child checks again
            raise ValidationFailed(_l("An area goes outside the image."), field=FIELD)
        raise unreadable
    item = exhibit.evidence
    copy = store_derived(kit, store, item, REDACTED_PURPOSE_PREFIX + secrets.token_hex(5),
                         result.png, "image/png")
    record_custody(item, CustodyAction.REDACTED_RENDITION_CREATED, actor=actor,
                   hash_before=item.sha256, hash_after=copy.sha256, details={
                       "purpose": copy.purpose, "rendition_sha256": copy.sha256,
                       "original_sha256": item.sha256, "source_sha256": page.source.sha256,
                       "page": number, "rectangles": len(rectangles),
                       "dossier": f"PS752-{dossier.number:04d}-v{dossier.version}",
                       "exhibit": exhibit_label(exhibit.number)})
    row = page.redaction or ExhibitRedaction(page=number)
    row.rendition_id, row.rendition = copy.id, copy
    row.rectangles = [r.as_list() for r in rectangles]
    row.created_by_id, row.created_at = actor.id, utcnow()
    if page.redaction is None:
        exhibit.redactions.append(row)
    db.session.flush()
    _audit(actor, dossier, exhibit, {"redacted_page": number, "rectangles": len(rectangles),
                                     "rendition_sha256": copy.sha256})
    return row


def clear_page(actor: User, dossier: Dossier, exhibit: DossierExhibit, number: int) -> None:
    """Show page `number` unredacted again. Its redacted copies stay in the vault and in
    the custody log. Raises PermissionDenied, NotFound. Flushes."""
    require(actor, Permission.DOSSIER_EDIT, dossier)
    row = next((r for r in exhibit.redactions if r.page == number), None)
    if exhibit.dossier_id != dossier.id or row is None:
        raise NotFound(_l("This page has no redacted copy."))
    exhibit.redactions.remove(row)
    db.session.flush()
    _audit(actor, dossier, exhibit, {"cleared_page": number})


def public_pages(exhibit: DossierExhibit) -> dict[int, Rendition]:
    """Page number -> the redacted rendition the public variant shows for it."""
    return {r.page: r.rendition for r in exhibit.redactions}


def carry_redactions(source: DossierExhibit, target: DossierExhibit) -> None:
    """A new version of a dossier keeps the redacted pages of each exhibit (the same
    renditions): a redaction never silently disappears (workflow.new_version)."""
    for row in source.redactions:
        target.redactions.append(ExhibitRedaction(
            page=row.page, rendition_id=row.rendition_id, rectangles=list(row.rectangles),
            created_by_id=row.created_by_id, created_at=row.created_at))


def _audit(actor: User, dossier: Dossier, exhibit: DossierExhibit,
           details: dict[str, str | int | bool]) -> None:
    record_event(AuditAction.DOSSIER_EXHIBIT_CHANGED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id,
                 details={"exhibit": exhibit.number, **details})
