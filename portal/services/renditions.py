"""Safe derivatives of evidence: metadata as found, a thumbnail and a viewing copy
(images), a poster frame (videos), page previews (PDFs: the first N pages). They are
made by a job (`request_derivation` queues it; portal/jobs runs `derive`), never in the upload
request.

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
from portal.crypto.envelope import DecryptionError
from portal.crypto.kit import CryptoKit
from portal.crypto.streaming import FileKey, StreamIntegrityError
from portal.media import PREVIEWABLE_IMAGE_TYPES, ImageResult, analyse_image, is_dangerous
from portal.media.av import AUDIO_TYPES, VIDEO_TYPES, poster_frame, probe
from portal.media.images import MAX_INPUT_BYTES
from portal.media.pdf import PDF_TYPES, document_info, first_page, page_count, page_image
from portal.media.tools import MAX_MEDIA_INPUT_BYTES, MemoryInput
from portal.models import EvidenceItem, EvidenceState, JobState, Rendition, User, db
from portal.models.sealed import sealed_context
from portal.services import recognised_text  # a module: it uses this one in turn
from portal.services.evidence import (
    StoredBlob,
    blob_associated_data,
    check_blob,
    open_original,
)
from portal.services.jobs import enqueue_job, jobs_for
from portal.services.sealing import open_text, seal_text
from portal.storage import BlobStore

FLAG_NEVER_RENDERED = "never_rendered"
FLAG_TOO_LARGE_TO_PREVIEW = "too_large_to_preview"
FLAG_UNDECODABLE = "undecodable"
FLAG_PREVIEW_FAILED = "preview_failed"  # the job gave up (crashes, timeouts): look at it
FLAG_INTEGRITY_ALARM = "integrity_alarm"  # the original no longer matched its hash
DERIVE_JOB = "evidence.derive"
SUBJECT = "evidence"
# Decoded with ffprobe/ffmpeg or poppler (portal.media.av, portal.media.pdf).
TOOL_DECODED_TYPES = VIDEO_TYPES | AUDIO_TYPES | PDF_TYPES
# PDFs: page 1 is the "preview" (with a thumbnail); pages 2..N are "page-2"... (one
# rendition each, so UniqueConstraint(item_id, purpose) still means one copy per page).
# How many pages: EVIDENCE_PDF_PREVIEW_PAGES (portal/config.py).
PAGE_PURPOSE_PREFIX = "page-"


# Redacted copies made for a dossier's public variant (services/dossiers/
# redacted_renditions.py): "redacted-" and a random suffix, one rendition each, never
# replaced in place (UniqueConstraint(item_id, purpose)).
REDACTED_PURPOSE_PREFIX = "redacted-"


def is_redacted(rendition: Rendition) -> bool:
    return rendition.purpose.startswith(REDACTED_PURPOSE_PREFIX)


def page_purpose(number: int) -> str:
    """The rendition purpose of page `number` of a PDF (page 1 is "preview")."""
    return "preview" if number == 1 else f"{PAGE_PURPOSE_PREFIX}{number}"


def page_renditions(item: EvidenceItem) -> list[tuple[int, Rendition]]:
    """The page previews of a PDF item, (page number, rendition), in page order."""
    pages: list[tuple[int, Rendition]] = []
    for rendition in item.renditions:
        if rendition.purpose == "preview":
            pages.append((1, rendition))
        elif rendition.purpose.startswith(PAGE_PURPOSE_PREFIX):
            number = rendition.purpose[len(PAGE_PURPOSE_PREFIX):]
            if number.isdigit():
                pages.append((int(number), rendition))
    return sorted(pages, key=lambda pair: pair[0])


def request_derivation(item: EvidenceItem, actor: User) -> None:
    """After intake: flag a dangerous file at once, or queue the job that decodes it.

    Decoding is slow and the file hostile, so it never runs in the upload request;
    the item is complete without it (the original and its hash are what count).
    """
    if is_dangerous(item.detected_media_type, item.extension):
        _flag(item, FLAG_NEVER_RENDERED)
    elif item.detected_media_type in PREVIEWABLE_IMAGE_TYPES | TOOL_DECODED_TYPES:
        enqueue_job(DERIVE_JOB, subject_type=SUBJECT, subject_id=item.id, requested_by=actor)
    from portal.services import chat_exports  # imported here: chat_exports imports this module
    chat_exports.request_parsing(item, actor)  # a chat export (decision 0029): its own job


def preview_state(item: EvidenceItem) -> str:
    """"pending" while its derivation job waits or runs, "failed" once given up, else ""."""
    jobs = jobs_for(SUBJECT, item.id, DERIVE_JOB)
    if not jobs:
        return ""
    if not jobs[0].finished:
        return "pending"
    return "failed" if jobs[0].state is JobState.FAILED else ""


def flag_failed(item: EvidenceItem) -> None:
    """The derivation was given up: the item stays, flagged for the advocate."""
    _flag(item, FLAG_PREVIEW_FAILED)


def _flag(item: EvidenceItem, flag: str) -> None:
    if flag not in item.flags:
        item.flags = [*item.flags, flag]  # a new list, so the JSON column is saved


def derive(kit: CryptoKit, store: BlobStore, item: EvidenceItem, actor: User | None,
           pdf_pages: int) -> None:
    """Extract metadata and make previews for a stored item (run by a job); of a PDF,
    previews of its first `pdf_pages` pages."""
    if item.file_key_sealed is None or item.renditions or item.metadata_sealed is not None:
        return  # withdrawn since, or already derived
    if item.detected_media_type in TOOL_DECODED_TYPES:
        derive_with_tools(kit, store, item, actor, pdf_pages)
        recognised_text.recognise_item(kit, store, item, actor)  # OCR of the page previews
        return
    if item.detected_media_type not in PREVIEWABLE_IMAGE_TYPES:
        return
    if item.size_bytes > MAX_INPUT_BYTES:
        _flag(item, FLAG_TOO_LARGE_TO_PREVIEW)
        return
    reader = open_original(kit, store, item)
    plaintext = b"".join(reader.iter_chunks())
    result = analyse_image(plaintext)
    del plaintext
    if not result.ok:
        _flag(item, FLAG_UNDECODABLE)
        record_custody(item, CustodyAction.METADATA_EXTRACTED, actor=actor,
                       hash_before=item.sha256, details={"problem": result.problem or ""})
        return
    seal_text(kit, item, "metadata_sealed", json.dumps(result.metadata, ensure_ascii=False))
    record_custody(item, CustodyAction.METADATA_EXTRACTED, actor=actor, hash_before=item.sha256)
    store_image_renditions(kit, store, item, result, actor, "viewing_copy")
    recognised_text.recognise_item(kit, store, item, actor)  # OCR of the viewing copy


def store_image_renditions(kit: CryptoKit, store: BlobStore, item: EvidenceItem,
                           result: ImageResult, actor: User | None, large_purpose: str) -> None:
    """The image worker's two clean re-encodings, as a thumbnail and `large_purpose`."""
    for purpose, payload, media_type in (
            ("thumbnail", result.thumbnail, result.thumbnail_type),
            (large_purpose, result.viewing_copy, result.viewing_type)):
        if payload:
            _store_rendition(kit, store, item, purpose, payload, media_type, actor)


def derive_with_tools(kit: CryptoKit, store: BlobStore, item: EvidenceItem,
                      actor: User | None, pdf_pages: int) -> None:
    """Audio, video and PDF: metadata (ffprobe, pdfinfo) and a poster or the first
    `pdf_pages` pages, decoded in the sandbox from a sealed memory file
    (portal.media.tools)."""
    more_pages: list[tuple[int, bytes | None]] = []
    if item.size_bytes > MAX_MEDIA_INPUT_BYTES:
        _flag(item, FLAG_TOO_LARGE_TO_PREVIEW)
        return
    reader = open_original(kit, store, item)
    with MemoryInput(reader.iter_chunks()) as source:
        if reader.sha256_hex != item.sha256:
            record_custody(item, CustodyAction.INTEGRITY_ALARM, actor=actor,
                           hash_before=item.sha256, hash_after=reader.sha256_hex)
            _flag(item, FLAG_INTEGRITY_ALARM)  # `flask evidence verify` will name it too
            return
        if item.detected_media_type in PDF_TYPES:
            metadata, frame, purpose = document_info(source), first_page(source), "preview"
            if metadata is not None and frame is not None:
                last = min(page_count(metadata), max(1, pdf_pages))
                more_pages = [(n, page_image(source, n)) for n in range(2, last + 1)]
        elif item.detected_media_type in VIDEO_TYPES:
            metadata, frame, purpose = probe(source), poster_frame(source), "poster"
        else:
            metadata, frame, purpose = probe(source), None, ""
    if metadata is None:
        _flag(item, FLAG_UNDECODABLE)
        record_custody(item, CustodyAction.METADATA_EXTRACTED, actor=actor,
                       hash_before=item.sha256, details={"problem": "undecodable"})
        return
    seal_text(kit, item, "metadata_sealed", json.dumps(metadata, ensure_ascii=False))
    record_custody(item, CustodyAction.METADATA_EXTRACTED, actor=actor, hash_before=item.sha256)
    if not purpose:
        return
    # Re-encoded by the image worker: the preview carries no metadata of its own.
    image = analyse_image(frame) if frame else None
    if image is None or not image.ok:
        _flag(item, FLAG_UNDECODABLE)
        return
    store_image_renditions(kit, store, item, image, actor, purpose)
    for number, png in more_pages:
        _store_page(kit, store, item, number, png, actor)


def _store_page(kit: CryptoKit, store: BlobStore, item: EvidenceItem, number: int,
                png: bytes | None, actor: User | None) -> None:
    """Page `number` of a PDF, re-encoded by the image worker (no metadata of its own).
    A page that cannot be rendered is left out; the dossier says which pages it shows."""
    image = analyse_image(png) if png else None
    if image is None or not image.ok or not image.viewing_copy:
        return
    _store_rendition(kit, store, item, page_purpose(number), image.viewing_copy,
                     image.viewing_type, actor)


def _store_rendition(kit: CryptoKit, store: BlobStore, item: EvidenceItem, purpose: str,
                     payload: bytes, media_type: str, actor: User | None) -> Rendition:
    rendition = store_derived(kit, store, item, purpose, payload, media_type)
    record_custody(item, CustodyAction.RENDITION_CREATED, actor=actor, hash_before=item.sha256,
                   hash_after=rendition.sha256, details={"purpose": purpose})
    return rendition


def store_derived(kit: CryptoKit, store: BlobStore, item: EvidenceItem, purpose: str,
                  payload: bytes, media_type: str) -> Rendition:
    """Store `payload` (bytes the sandbox produced) as a new rendition of `item`: its own
    blob under a fresh file key sealed to the rendition's row, its own SHA-256. The
    caller records the custody event that says what it is. Flushes."""
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
    rendition.file_key_sealed = file_key.wrap(kit.cipher, rendition_key_context(rendition))
    return rendition


def rendition_key_context(rendition: Rendition) -> str:
    return sealed_context("renditions", rendition.id, "file_key_sealed")


def check_rendition(kit: CryptoKit, store: BlobStore, rendition: Rendition) -> str | None:
    """Decrypt and re-hash a rendition against the SHA-256 and size recorded when it
    was made. Why it fails, or None; a withdrawn item's renditions (keys destroyed,
    blobs deleted) have nothing left to check."""
    if rendition.item.state is EvidenceState.WITHDRAWN:
        return None
    return check_blob(kit, store, StoredBlob(
        rendition.blob_key, rendition.file_key_sealed, rendition_key_context(rendition),
        rendition.sha256, rendition.size_bytes))


class RenditionUnreadable(ValueError):
    """A rendition's key is gone, or its blob is missing, altered or not what it claims."""


_SIGNATURES = {"image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",),
               "image/webp": (b"RIFF",), "image/gif": (b"GIF87a", b"GIF89a")}


def read_rendition(kit: CryptoKit, store: BlobStore, rendition: Rendition) -> bytes:
    """A rendition's bytes (small: previews only), checked against its hash and, for an
    image, its signature. Raises RenditionUnreadable (a ValueError) for every failure:
    a destroyed key, a missing blob, an altered ciphertext (failed authentication), a
    hash mismatch, bytes that are not the image they claim to be."""
    if rendition.file_key_sealed is None:
        raise RenditionUnreadable("this rendition's key was destroyed")
    try:
        file_key = FileKey.unwrap(kit.cipher, rendition.file_key_sealed,
                                  rendition_key_context(rendition))
        reader = file_key.decrypting_reader(store.open(rendition.blob_key),
                                            blob_associated_data(rendition.blob_key))
        data = io.BytesIO()
        for chunk in reader.iter_chunks():
            data.write(chunk)
    except (DecryptionError, StreamIntegrityError, OSError) as error:
        raise RenditionUnreadable(f"rendition unreadable: {type(error).__name__}") from error
    if reader.sha256_hex != rendition.sha256:
        raise RenditionUnreadable("rendition does not match its hash")
    payload = data.getvalue()
    signatures = _SIGNATURES.get(rendition.media_type)
    if signatures is not None and not payload.startswith(signatures):
        raise RenditionUnreadable("rendition is not the image it claims to be")
    return payload


def metadata_of(kit: CryptoKit, item: EvidenceItem) -> dict[str, object]:
    text = open_text(kit, item, "metadata_sealed")
    loaded: dict[str, object] = json.loads(text) if text else {}
    return loaded


def disagreements(kit: CryptoKit, item: EvidenceItem, metadata: dict[str, object]) -> list[str]:
    """What the file's own metadata says that the description does not (codes for the page).

    "date": the camera's date falls outside the claimed date; "place": the file
    carries GPS coordinates while a place is claimed, so someone must compare them.
    """
    found: list[str] = []
    taken = _camera_day(metadata.get("date_time_original"))
    claimed = _claimed_period(open_text(kit, item, "claimed_date_text_sealed"))
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
