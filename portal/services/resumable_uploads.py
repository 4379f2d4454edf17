"""Resumable evidence uploads (tus 1.0: creation, offsets, expiration, termination).

Each PATCH request's bytes become one *part*: encrypted as they arrive (Tink
streaming AEAD under the upload's own data key, associated data binding the upload,
the part's number and its offset) into a pending blob that is committed as a blob of
its own when the request's body ends, whole or cut. No part is ever reopened, so
this works on any `BlobStore` (local disk or S3). Offsets advance only by a
conditional update (`offset_bytes = the offset the request started from`), so two
requests racing for one upload cannot both be kept, on any number of workers.

When the last byte has arrived the parts are decrypted (each authenticated) in order
into the normal intake (`evidence.begin_spool`): a fresh file key, SHA-256 of the
whole plaintext, media sniffing, custody events. The result is an evidence item like
any other; the parts are then released (their blobs deleted once the request has
committed, by `delete_released_parts`). Plaintext only ever passes through memory.

Services flush, never commit; the web layer and the CLI commit (decision 0025).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from portal.crypto.kit import CryptoKit
from portal.crypto.streaming import CHUNK_BYTES, FileKey
from portal.models import (
    EvidenceItem,
    EvidenceKind,
    Incident,
    ResumableUpload,
    ResumableUploadPart,
    User,
    db,
    utcnow,
)
from portal.models.sealed import sealed_context
from portal.policy import Permission, can
from portal.services.errors import DomainError, PermissionDenied, ValidationFailed
from portal.services.evidence import (
    EvidenceDetails,
    Spool,
    begin_spool,
    delete_unreferenced_blobs,
    store_upload,
)
from portal.services.sealing import open_text, seal_text
from portal.storage import BlobStore

CANNOT_GO_ON = _l("This upload cannot go on. Choose the file again to send it.")
MAX_PARTS = 4096  # a client sending tiny PATCHes cannot make an upload of millions of blobs
METADATA_TEXT = ("description", "obtained_how", "prior_chain")


class OffsetMismatch(DomainError):
    """The request's Upload-Offset is not where the upload stands (tus: 409)."""


class UploadGone(DomainError):
    """The upload expired, was abandoned or is already complete (tus: 410 or 404)."""


class UploadTooLarge(DomainError):
    """The declared length is over the limit, or a body goes past it (tus: 413)."""


@dataclass(frozen=True)
class UploadMetadata:
    """What the tus Upload-Metadata said of the file: its name, type and description."""

    filename: str = ""
    media_type: str = ""
    details: EvidenceDetails = field(default_factory=EvidenceDetails)


@dataclass(frozen=True)
class Received:
    """What one PATCH did: the new offset, and the item once the upload is complete."""

    offset: int
    item: EvidenceItem | None = None
    spool: Spool | None = None  # the final blob's spool (the web discards it on failure)


def part_key_context(upload: ResumableUpload) -> str:
    return sealed_context("resumable_uploads", upload.id, "file_key_sealed")


def part_associated_data(upload_id: int, seq: int, offset: int, blob_key: str) -> bytes:
    """Binds a part's ciphertext to its upload, place in it and blob: a part moved,
    swapped or replayed into another upload does not decrypt."""
    return f"resumable-part:{upload_id}:{seq}:{offset}:{blob_key}".encode()


def start_upload(kit: CryptoKit, actor: User, incident: Incident, length: int,
                 metadata: UploadMetadata, max_bytes: int) -> ResumableUpload:
    """A new upload of `length` bytes to `incident`, bound to `actor`.

    Raises PermissionDenied (the web answers 404), UploadTooLarge, or ValidationFailed
    for an empty file or an unknown kind (the same messages as the plain form)."""
    if not can(actor, Permission.EVIDENCE_ADD, incident):
        raise PermissionDenied(_l("You cannot add evidence to this report."))
    if length > max_bytes:
        raise UploadTooLarge(_l("What you sent is too large. Nothing was saved."))
    if length <= 0:
        raise ValidationFailed(_l("“%(name)s” is empty: nothing to keep.",
                                  name=metadata.filename or "unnamed"), field="files")
    if metadata.details.kind not in {k.value for k in EvidenceKind}:
        raise ValidationFailed(_l("Choose from the list."), field="kind")
    upload = ResumableUpload(user_id=actor.id, incident_id=incident.id, length_bytes=length)
    db.session.add(upload)
    db.session.flush()
    upload.file_key_sealed = FileKey.generate().wrap(kit.cipher, part_key_context(upload))
    details = metadata.details
    seal_text(kit, upload, "metadata_sealed", json.dumps({
        "filename": metadata.filename, "media_type": metadata.media_type, "kind": details.kind,
        **{name: getattr(details, name) for name in METADATA_TEXT}}, ensure_ascii=False))
    return upload


def metadata_of(kit: CryptoKit, upload: ResumableUpload) -> UploadMetadata:
    values = json.loads(open_text(kit, upload, "metadata_sealed") or "{}")
    details = EvidenceDetails(kind=values.get("kind", EvidenceKind.OTHER.value),
                              **{name: values.get(name, "") for name in METADATA_TEXT})
    return UploadMetadata(values.get("filename", ""), values.get("media_type", ""), details)


def expires_at(upload: ResumableUpload, lifetime: timedelta) -> datetime:
    return upload.received_at + lifetime


def check_open(upload: ResumableUpload, offset: int, lifetime: timedelta,
               now: datetime | None = None) -> None:
    """Before reading a body: the upload must be open, unexpired and at `offset`.

    Raises UploadGone or OffsetMismatch."""
    if upload.item_id is not None or expires_at(upload, lifetime) <= (now or utcnow()):
        raise UploadGone(CANNOT_GO_ON)
    if offset != upload.offset_bytes:
        raise OffsetMismatch(CANNOT_GO_ON)
    if upload.parts_count >= MAX_PARTS:
        raise UploadGone(CANNOT_GO_ON)


@dataclass(frozen=True)
class PartTarget:
    """Where the next part goes, read from the row before the body is: the request
    holds no database transaction (nor its objects) while a body arrives."""

    upload_id: int
    seq: int
    offset: int
    remaining: int
    file_key: FileKey


def part_target(kit: CryptoKit, upload: ResumableUpload) -> PartTarget:
    return PartTarget(upload.id, upload.parts_count, upload.offset_bytes,
                      upload.length_bytes - upload.offset_bytes, _file_key(kit, upload))


def receive_part(store: BlobStore, target: PartTarget,
                 read: Callable[[int], bytes]) -> ResumableUploadPart | None:
    """Encrypt what `read` gives (until it returns b"" or the declared length is
    reached) into a new committed part blob: a body cut off keeps what arrived, as a
    complete, authenticated ciphertext of exactly those bytes. None when nothing
    arrived. The part's row is not added yet (`record_part`)."""
    with store.begin() as pending:
        associated = part_associated_data(target.upload_id, target.seq, target.offset,
                                          pending.key)
        with target.file_key.encrypting_writer(pending.file, associated) as writer:
            while writer.size < target.remaining and (data := read(min(
                    CHUNK_BYTES, target.remaining - writer.size))):
                writer.write(data)
        if writer.size == 0:
            return None  # discarded as the block ends
        blob_key = pending.commit()
    return ResumableUploadPart(upload_id=target.upload_id, seq=target.seq,
                               offset_bytes=target.offset, size_bytes=writer.size,
                               blob_key=blob_key)


def record_part(upload_id: int, part: ResumableUploadPart) -> None:
    """Advance the upload past `part`, only if nobody did meanwhile.

    Raises OffsetMismatch when another request moved the upload first (the caller
    deletes the part's blob)."""
    moved = db.session.execute(
        update(ResumableUpload)
        .where(ResumableUpload.id == upload_id,
               ResumableUpload.offset_bytes == part.offset_bytes,
               ResumableUpload.parts_count == part.seq,
               ResumableUpload.item_id.is_(None))
        .values(offset_bytes=part.offset_bytes + part.size_bytes, parts_count=part.seq + 1,
                received_at=utcnow())
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise OffsetMismatch(CANNOT_GO_ON)
    db.session.add(part)
    db.session.flush()


def assemble(kit: CryptoKit, store: BlobStore, upload: ResumableUpload,
             parts: list[ResumableUploadPart], metadata: UploadMetadata) -> Spool:
    """Decrypt every part in order (each authenticated) into a new intake spool,
    which hashes the whole plaintext and encrypts it under a fresh file key.

    Raises ValidationFailed if the parts do not cover the upload end to end, and
    StreamIntegrityError if a part was altered, swapped or truncated."""
    file_key = _file_key(kit, upload)
    spool = begin_spool(store, metadata.filename, metadata.media_type)
    try:
        for part in parts:
            if part.offset_bytes != spool.writer.size:
                raise ValidationFailed(CANNOT_GO_ON)
            with (store.open(part.blob_key) as source,
                  file_key.decrypting_reader(source, part_associated_data(
                      upload.id, part.seq, part.offset_bytes, part.blob_key)) as reader):
                for chunk in reader.iter_chunks():
                    spool.write(chunk)
        if spool.writer.size != upload.length_bytes:
            raise ValidationFailed(CANNOT_GO_ON)
    except BaseException:
        spool.abandon()
        raise
    return spool


def complete(kit: CryptoKit, actor: User, upload: ResumableUpload, incident: Incident,
             spool: Spool, detect: Callable[[bytes], str]) -> tuple[EvidenceItem, list[str]]:
    """Record the assembled file through the normal intake and release the parts.

    Returns the item and the part blobs to delete once the request has committed."""
    details = metadata_of(kit, upload).details
    item = store_upload(kit, actor, incident, spool, details, detect(bytes(spool.head)))
    upload.item_id = item.id
    return item, _release_parts(upload)


def abandon(upload: ResumableUpload) -> list[str]:
    """Delete the upload (its item, if it became one, stays). Returns the part blobs
    to delete once the deletion has committed."""
    released = _release_parts(upload)
    db.session.delete(upload)
    db.session.flush()
    return released


def expire_uploads(lifetime: timedelta, now: datetime | None = None) -> list[str]:
    """Delete every upload with no bytes received for `lifetime` (complete ones too:
    their item stays). Returns the part blobs to delete after the commit."""
    cutoff = (now or utcnow()) - lifetime
    released: list[str] = []
    for upload in db.session.scalars(select(ResumableUpload).where(
            ResumableUpload.received_at <= cutoff)):
        released += abandon(upload)
    return released


def part_blob_keys() -> set[str]:
    """Blobs that are parts of uploads in progress (not orphans, for reconcile)."""
    return set(db.session.scalars(select(ResumableUploadPart.blob_key)))


def delete_released_parts(store: BlobStore, keys: list[str]) -> None:
    """After the commit: delete part blobs no committed row points to any more (with
    its upload's row gone, a part left behind can no longer be decrypted by anyone)."""
    delete_unreferenced_blobs(store, keys, ResumableUploadPart.blob_key)


def _release_parts(upload: ResumableUpload) -> list[str]:
    keys = [part.blob_key for part in upload.parts]
    db.session.execute(delete(ResumableUploadPart).where(
        ResumableUploadPart.upload_id == upload.id))
    db.session.expire(upload, ["parts"])
    return keys


def _file_key(kit: CryptoKit, upload: ResumableUpload) -> FileKey:
    if upload.file_key_sealed is None:
        raise UploadGone(CANNOT_GO_ON)
    return FileKey.unwrap(kit.cipher, upload.file_key_sealed, part_key_context(upload))
