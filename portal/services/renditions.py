"""Safe derivatives of evidence: metadata as found, a thumbnail and a viewing copy.

The original is never changed. Its plaintext is read back from the vault into
memory (never to disk) and decoded in a sandboxed child process
(portal/media/images.py); each derivative is stored as its own encrypted blob with
its own hash, linked to the original, and recorded in the custody chain. Files
that are dangerous to render, or that cannot be decoded, get no preview and a flag
for the advocate.
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date

from portal.audit.custody import CustodyAction, record_custody
from portal.calendar import DateInputError, guess_calendar, parse_date
from portal.crypto.kit import CryptoKit
from portal.crypto.streaming import FileKey
from portal.media import PREVIEWABLE_IMAGE_TYPES, analyse_image, is_dangerous
from portal.media.images import MAX_INPUT_BYTES
from portal.models import EvidenceItem, Rendition, User, db
from portal.models.sealed import sealed_context
from portal.services.evidence import blob_associated_data, open_original
from portal.services.sealing import open_text, seal_text
from portal.storage import BlobStore

FLAG_NEVER_RENDERED = "never_rendered"
FLAG_TOO_LARGE_TO_PREVIEW = "too_large_to_preview"
FLAG_UNDECODABLE = "undecodable"


def derive(kit: CryptoKit, store: BlobStore, item: EvidenceItem, actor: User | None) -> None:
    """Flag, or extract metadata and make previews for, a freshly stored item."""
    if is_dangerous(item.detected_media_type, item.extension):
        item.flags = [FLAG_NEVER_RENDERED]
        return
    if item.detected_media_type not in PREVIEWABLE_IMAGE_TYPES:
        return  # PDFs, audio and video get their previews in a later step
    if item.size_bytes > MAX_INPUT_BYTES:
        item.flags = [FLAG_TOO_LARGE_TO_PREVIEW]
        return
    reader = open_original(kit, store, item)
    plaintext = b"".join(reader.iter_chunks())
    result = analyse_image(plaintext)
    del plaintext
    if not result.ok:
        item.flags = [FLAG_UNDECODABLE]
        record_custody(item, CustodyAction.METADATA_EXTRACTED, actor=actor,
                       hash_before=item.sha256, details={"problem": result.problem or ""})
        return
    seal_text(kit, item, "metadata_sealed", json.dumps(result.metadata, ensure_ascii=False))
    record_custody(item, CustodyAction.METADATA_EXTRACTED, actor=actor, hash_before=item.sha256)
    for purpose, payload, media_type in (
            ("thumbnail", result.thumbnail, result.thumbnail_type),
            ("viewing_copy", result.viewing_copy, result.viewing_type)):
        if payload:
            _store_rendition(kit, store, item, purpose, payload, media_type, actor)


def _store_rendition(kit: CryptoKit, store: BlobStore, item: EvidenceItem, purpose: str,
                     payload: bytes, media_type: str, actor: User | None) -> Rendition:
    file_key = FileKey.generate()
    with store.begin() as pending:
        writer = file_key.encrypting_writer(pending.file, blob_associated_data(pending.key))
        writer.write(payload)
        writer.close()
        blob_key = pending.commit()
    rendition = Rendition(item_id=item.id, purpose=purpose, media_type=media_type,
                          size_bytes=len(payload), sha256=hashlib.sha256(payload).hexdigest(),
                          blob_key=blob_key)
    db.session.add(rendition)
    db.session.flush()
    rendition.file_key_sealed = file_key.wrap(kit.cipher, _key_context(rendition))
    record_custody(item, CustodyAction.RENDITION_CREATED, actor=actor, hash_before=item.sha256,
                   hash_after=rendition.sha256, details={"purpose": purpose})
    return rendition


def _key_context(rendition: Rendition) -> str:
    return sealed_context("renditions", rendition.id, "file_key_sealed")


def read_rendition(kit: CryptoKit, store: BlobStore, rendition: Rendition) -> bytes:
    """A rendition's bytes (small: previews only), checked against its hash."""
    if rendition.file_key_sealed is None:
        raise ValueError("this rendition's key was destroyed")
    file_key = FileKey.unwrap(kit.cipher, rendition.file_key_sealed, _key_context(rendition))
    reader = file_key.decrypting_reader(store.open(rendition.blob_key),
                                        blob_associated_data(rendition.blob_key))
    data = io.BytesIO()
    for chunk in reader.iter_chunks():
        data.write(chunk)
    if reader.sha256_hex != rendition.sha256:
        raise ValueError("rendition does not match its hash")
    return data.getvalue()


def metadata_of(kit: CryptoKit, item: EvidenceItem) -> dict[str, object]:
    text = open_text(kit, item, "metadata_sealed")
    loaded: dict[str, object] = json.loads(text) if text else {}
    return loaded


def disagreements(item: EvidenceItem, metadata: dict[str, object]) -> list[str]:
    """What the file's own metadata says that the description does not (codes for the page).

    "date": the camera's date falls outside the claimed date; "place": the file
    carries GPS coordinates while a place is claimed, so someone must compare them.
    """
    found: list[str] = []
    taken = _camera_day(metadata.get("date_time_original"))
    claimed = _claimed_period(item.claimed_date_text)
    if taken is not None and claimed is not None and not claimed[0] <= taken <= claimed[1]:
        found.append("date")
    if metadata.get("gps") and item.claimed_place_sealed is not None:
        found.append("place")
    return found


def _camera_day(value: object) -> date | None:
    """EXIF dates look like "2020:01:08 14:30:00" (and are often wrong or absent)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        return None


def _claimed_period(text: str) -> tuple[date, date] | None:
    calendar = guess_calendar(text) if text else None
    if calendar is None:
        return None
    try:
        parsed = parse_date(text, calendar, today=date.max)
    except DateInputError:
        return None
    return parsed.first_day, parsed.last_day
