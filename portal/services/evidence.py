"""Evidence intake, reading and checking.

An upload arrives as a `Spool`: the file's bytes were hashed (SHA-256) and
encrypted under a fresh per-file key while they streamed in, into a temporary
blob. `store_upload` finishes the ciphertext, commits the blob (fsync, then an
atomic link into place) and only then adds the database row, so a crash leaves at
worst an orphan blob (`reconcile` finds it), never a row without its bytes.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import InstrumentedAttribute

from portal.audit import AuditAction, Outcome, record_event
from portal.audit.custody import CustodyAction, record_custody, verify_custody
from portal.crypto.kit import CryptoKit
from portal.crypto.streaming import DecryptingReader, EncryptingWriter, FileKey
from portal.models import (
    DossierExport,
    EvidenceItem,
    EvidenceKind,
    EvidenceState,
    Incident,
    Rendition,
    ResumableUploadPart,
    User,
    db,
    evidence_incidents,
)
from portal.models.sealed import sealed_context
from portal.models.vocabulary import Destination
from portal.policy import Permission, can
from portal.services.consent import allows
from portal.services.errors import InvalidFields, PermissionDenied, ValidationFailed
from portal.services.sealing import open_text, seal_text
from portal.storage import BlobStore, PendingBlob, StorageError

HEAD_BYTES = 8192  # enough for libmagic to recognise a file
MAX_FILENAME_CHARS = 255
MAX_EXTENSION_CHARS = 16  # with its dot: ".jpg", ".docx", ".tar.gz" is ".gz"
REPLACEMENT = "\ufffd"  # what stands for a character of a file name that cannot be kept


def file_key_context(item: EvidenceItem) -> str:
    return sealed_context("evidence_items", item.id, "file_key_sealed")


def blob_associated_data(blob_key: str) -> bytes:
    return f"evidence-blob:{blob_key}".encode()


@dataclass
class Spool:
    """One file being received: its pending blob, key and encrypting writer."""

    pending: PendingBlob
    file_key: FileKey
    writer: EncryptingWriter
    filename: str
    client_media_type: str
    head: bytearray = field(default_factory=bytearray)
    committed_key: str | None = None  # once its blob is in the vault

    def write(self, data: bytes) -> int:
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        return self.writer.write(data)

    def abandon(self) -> None:
        """Drop an unfinished upload: the ciphertext is left unfinished and removed."""
        self.writer.abort()
        self.pending.discard()


def begin_spool(store: BlobStore, filename: str, client_media_type: str) -> Spool:
    pending = store.begin()
    file_key = FileKey.generate()
    writer = file_key.encrypting_writer(pending.file, blob_associated_data(pending.key))
    return Spool(pending, file_key, writer, filename, client_media_type)


@dataclass(frozen=True)
class EvidenceDetails:
    kind: str = EvidenceKind.OTHER.value
    description: str = ""
    obtained_how: str = ""
    prior_chain: str = ""


def clean_filename(raw: str) -> str:
    """The original name to keep: exactly what the person's device gave (Persian
    zero-width non-joiners, right-to-left marks, spaces and all), except that

    - a path keeps only its last part (old browsers sent the whole path, which names
      the person's folders);
    - a control character (and a lone surrogate, which is not text) becomes U+FFFD,
      the replacement character, so the name shows that something was there;
    - a name longer than 255 characters keeps its extension and loses the end of
      its stem (`shorten_filename`);
    - nothing at all (or "." or "..") becomes "unnamed".

    The name is only ever sealed text: no path is built from it."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(REPLACEMENT if unicodedata.category(ch) in ("Cc", "Cs") else ch
                   for ch in name)
    if name.strip() in ("", ".", ".."):
        return "unnamed"
    return shorten_filename(name, MAX_FILENAME_CHARS)


def shorten_filename(name: str, limit: int) -> str:
    """`name` in at most `limit` characters: the end of the stem goes, the extension
    (up to 16 characters with its dot) stays."""
    if len(name) <= limit:
        return name
    suffix = PurePath(name).suffix
    if not suffix or len(suffix) > MAX_EXTENSION_CHARS or len(suffix) >= limit:
        return name[:limit]
    return name[:limit - len(suffix)] + suffix


def store_upload(kit: CryptoKit, actor: User, incident: Incident, spool: Spool,
                 details: EvidenceDetails, detected_media_type: str) -> EvidenceItem:
    """Finish, commit and record one uploaded file as evidence of `incident`.

    Raises PermissionDenied, or ValidationFailed (field "files") for an empty file.
    """
    if not can(actor, Permission.EVIDENCE_ADD, incident):
        raise PermissionDenied(_l("You cannot add evidence to this report."))
    if spool.writer.size == 0:
        spool.abandon()
        raise ValidationFailed(_l("“%(name)s” is empty: nothing to keep.",
                                  name=clean_filename(spool.filename)), field="files")
    if details.kind not in {k.value for k in EvidenceKind}:
        spool.abandon()
        raise ValidationFailed(_l("Choose from the list."), field="kind")
    spool.writer.close()
    blob_key = spool.committed_key = spool.pending.commit()
    name = clean_filename(spool.filename)
    item = EvidenceItem(
        family_id=incident.family_id, uploaded_by_id=actor.id, kind=EvidenceKind(details.kind),
        extension=PurePath(name).suffix.lower()[:16],
        client_media_type=spool.client_media_type[:120],
        detected_media_type=detected_media_type[:120], size_bytes=spool.writer.size,
        sha256=spool.writer.sha256_hex, blob_key=blob_key,
    )
    db.session.add(item)
    db.session.flush()
    item.file_key_sealed = spool.file_key.wrap(kit.cipher, file_key_context(item))
    db.session.execute(evidence_incidents.insert().values(evidence_id=item.id,
                                                          incident_id=incident.id))
    for column, text in (("original_filename_sealed", name), ("title_sealed", name),
                         ("description_sealed", details.description),
                         ("obtained_how_sealed", details.obtained_how),
                         ("prior_chain_sealed", details.prior_chain)):
        seal_text(kit, item, column, text)
    record_custody(item, CustodyAction.RECEIVED, actor=actor, hash_after=item.sha256,
                   details={"size": item.size_bytes, "incident": incident.id})
    record_custody(item, CustodyAction.STORED, actor=actor, hash_after=item.sha256,
                   details={"master": kit.cipher.key_id_of(item.file_key_sealed)})
    return item


def discard_unrecorded(store: BlobStore, spools: list[Spool]) -> None:
    """When the request is over: delete each blob committed for an upload whose row
    was not committed with the request (one file of the upload was refused, or the
    request failed), so that nothing remains of a refused upload."""
    delete_unreferenced_blobs(store, [spool.committed_key for spool in spools
                                      if spool.committed_key], EvidenceItem.blob_key)


def delete_unreferenced_blobs(store: BlobStore, keys: list[str],
                              referenced_by: InstrumentedAttribute[str]) -> None:
    """After the commit: delete those of `keys` that no committed row's
    `referenced_by` column names. Reads on a connection of its own; an unreachable
    database, or a store that refuses (S3 Object Lock, outage), leaves the blobs to
    `flask evidence reconcile`, like a crash between blob and row. Never raises."""
    if not keys:
        return
    try:
        with db.engine.connect() as connection:
            recorded = set(connection.scalars(select(referenced_by).where(
                referenced_by.in_(keys))))
    except SQLAlchemyError:
        return
    for key in keys:
        if key not in recorded:
            try:
                store.delete(key)
            except StorageError:  # store gone or object locked: reconcile finds it
                continue


def items_of(incident: Incident) -> list[EvidenceItem]:
    return list(db.session.scalars(
        select(EvidenceItem).join(evidence_incidents,
                                  evidence_incidents.c.evidence_id == EvidenceItem.id)
        .where(evidence_incidents.c.incident_id == incident.id).order_by(EvidenceItem.id)))


def incidents_of(item: EvidenceItem) -> list[Incident]:
    return list(db.session.scalars(
        select(Incident).join(evidence_incidents,
                              evidence_incidents.c.incident_id == Incident.id)
        .where(evidence_incidents.c.evidence_id == item.id).order_by(Incident.id)))


def link_candidates(actor: User, item: EvidenceItem) -> list[Incident]:
    """Other reports of the item's family that `actor` may add evidence to."""
    linked = {incident.id for incident in incidents_of(item)}
    family_incidents = db.session.scalars(
        select(Incident).where(Incident.family_id == item.family_id).order_by(Incident.id))
    return [incident for incident in family_incidents if incident.id not in linked
            and can(actor, Permission.EVIDENCE_ADD, incident)]


def link_to_incident(actor: User, item: EvidenceItem, incident: Incident) -> bool:
    """Link the item to another report of its family; False if it already was.

    Raises PermissionDenied when the actor may not add evidence to that report or it
    belongs to another family (the web answers 404), ValidationFailed when the item
    is withdrawn or being withdrawn. Records a "linked" custody event.
    """
    if incident.family_id != item.family_id or not can(actor, Permission.EVIDENCE_ADD,
                                                       incident):
        raise PermissionDenied(_l("You cannot add evidence to this report."))
    if item.state is not EvidenceState.ACTIVE:
        raise ValidationFailed(_l("A withdrawn item cannot be linked to a report."), "incident")
    if incident.id in {linked.id for linked in incidents_of(item)}:
        return False
    db.session.execute(evidence_incidents.insert().values(evidence_id=item.id,
                                                          incident_id=incident.id))
    record_custody(item, CustodyAction.LINKED, actor=actor, details={"incident": incident.id})
    return True


def filename_of(kit: CryptoKit, item: EvidenceItem) -> str:
    return open_text(kit, item, "original_filename_sealed")


def open_original(kit: CryptoKit, store: BlobStore, item: EvidenceItem) -> DecryptingReader:
    """A reader of the original's plaintext; it fails if the blob was altered.

    Raises ValidationFailed when the item was withdrawn (its key is destroyed).
    """
    if item.file_key_sealed is None or item.state is EvidenceState.WITHDRAWN:
        raise ValidationFailed(_l("This item was withdrawn. Only its record remains."))
    file_key = FileKey.unwrap(kit.cipher, item.file_key_sealed, file_key_context(item))
    return file_key.decrypting_reader(store.open(item.blob_key),
                                      blob_associated_data(item.blob_key))


@dataclass(frozen=True)
class StoredBlob:
    """A blob of the vault and what was recorded when it was stored: the sealed file
    key (None once destroyed) with its context, and the plaintext's SHA-256 and size."""

    key: str
    key_sealed: bytes | None
    key_context: str
    sha256: str
    size_bytes: int


def check_blob(kit: CryptoKit, store: BlobStore, blob: StoredBlob) -> str | None:
    """Decrypt `blob` (authenticating every segment) and re-hash its plaintext, in
    memory a segment at a time. Why it fails (no content in the reason), or None."""
    if blob.key_sealed is None:
        return "its key is gone"
    if not store.exists(blob.key):
        return "its blob is missing"
    try:
        file_key = FileKey.unwrap(kit.cipher, blob.key_sealed, blob.key_context)
        with (store.open(blob.key) as source,
              file_key.decrypting_reader(source, blob_associated_data(blob.key)) as reader):
            for _chunk in reader.iter_chunks():
                pass
    except Exception as error:  # whatever it is, the blob fails: say which kind
        return f"cannot be decrypted ({type(error).__name__})"
    if reader.sha256_hex != blob.sha256 or reader.size != blob.size_bytes:
        return "its content does not match the hash recorded when it was stored"
    return None


def verify_item(kit: CryptoKit, store: BlobStore, item: EvidenceItem) -> str | None:
    """Decrypt and re-hash the original; check the custody chain. A reason, or None."""
    broken = verify_custody(kit, item)
    if broken is not None:
        return f"custody event {broken.seq}: {broken.reason}"
    if item.state is EvidenceState.WITHDRAWN:
        return None  # only the tombstone remains: nothing left to decrypt
    return check_blob(kit, store, StoredBlob(item.blob_key, item.file_key_sealed,
                                             file_key_context(item), item.sha256,
                                             item.size_bytes))


@dataclass(frozen=True)
class Orphans:
    blobs_without_row: list[str]
    rows_without_blob: list[int]
    stale_pending: list[str]
    exports_without_file: list[int] = field(default_factory=list)


def find_orphans(store: BlobStore, pending_older_than_s: float = 3600) -> Orphans:
    """Blobs no row points to, rows whose blob is gone, and abandoned temporary files.
    Export files (PDF and bundle of a dossier export) are blobs of the same vault."""
    known = set(db.session.scalars(select(EvidenceItem.blob_key)))
    known |= set(db.session.scalars(select(Rendition.blob_key)))
    export_files = [(export_id, key) for export_id, pdf, bundle in db.session.execute(
        select(DossierExport.id, DossierExport.pdf_blob_key, DossierExport.bundle_blob_key))
        for key in (pdf, bundle) if key is not None]
    known |= {key for _, key in export_files}
    # Parts of resumable uploads in progress (decision 0025); expired ones go with
    # `flask evidence expire-uploads`, then their blobs are orphans like any other.
    known |= set(db.session.scalars(select(ResumableUploadPart.blob_key)))
    blobs = sorted(k for k in store.keys() if k not in known)  # noqa: SIM118 - not a dict
    missing = [item.id for item in db.session.scalars(select(EvidenceItem).where(
        EvidenceItem.state != EvidenceState.WITHDRAWN)) if not store.exists(item.blob_key)]
    missing_exports = sorted({export_id for export_id, key in export_files
                              if not store.exists(key)})
    return Orphans(blobs, missing, sorted(store.stale_pending(pending_older_than_s)),
                   missing_exports)


def record_upload_audit(actor: User, incident: Incident, count: int) -> None:
    record_event(AuditAction.EVIDENCE_UPLOADED, Outcome.SUCCESS, actor=actor,
                 target_type="incident", target_id=incident.id, details={"files": count})


@dataclass(frozen=True)
class ItemDescription:
    """What people say about an item, beside what the file itself says (its metadata)."""

    title: str = ""
    kind: str = EvidenceKind.OTHER.value
    description: str = ""
    obtained_how: str = ""
    prior_chain: str = ""
    creator: str = ""
    source: str = ""
    claimed_date_text: str = ""
    claimed_place: str = ""
    content_language: str = ""  # the language of the content (fa, en...), "" if unknown
    claim_source: str = ""  # "metadata" or "reporter"
    claim_trusted: bool | None = None
    classification: str = "confidential"
    # None: the consent of its reports applies; a list: only these, and only within theirs.
    consent_destinations: tuple[str, ...] | None = None


DESCRIBED_TEXT = ("title", "description", "obtained_how", "prior_chain", "creator", "source",
                  "claimed_date_text", "claimed_place")
MAX_DESCRIPTION_CHARS = 5_000


def describe(kit: CryptoKit, actor: User, item: EvidenceItem, text: ItemDescription) -> None:
    """Store the item's description (sealed free text). Raises InvalidFields."""
    if not can(actor, Permission.EVIDENCE_DESCRIBE, item):
        raise PermissionDenied(_l("You cannot change this item."))
    errors = {}
    if text.kind not in {k.value for k in EvidenceKind}:
        errors["kind"] = _l("Choose from the list.")
    if text.claim_source not in ("", "metadata", "reporter"):
        errors["claim_source"] = _l("Choose from the list.")
    for name in DESCRIBED_TEXT:
        if len(getattr(text, name)) > MAX_DESCRIPTION_CHARS:
            errors[name] = _l("Use at most %(max)d characters.", max=MAX_DESCRIPTION_CHARS)
    if len(text.claimed_date_text) > 80:
        errors["claimed_date_text"] = _l("Use at most %(max)d characters.", max=80)
    if not _language_tag(text.content_language):
        errors["content_language"] = _l("Choose from the list.")
    if text.classification not in CLASSIFICATIONS:
        errors["classification"] = _l("Choose from the list.")
    if text.consent_destinations is not None:
        allowed = reports_consent(item)
        if any(d not in allowed for d in text.consent_destinations):
            errors["consent_destinations"] = _l(
                "An item can only be shared more narrowly than its reports, never more widely.")
    if errors:
        raise InvalidFields(errors)
    item.kind = EvidenceKind(text.kind)
    for name in DESCRIBED_TEXT:
        seal_text(kit, item, f"{name}_sealed", getattr(text, name))
    item.content_language = text.content_language.strip()
    item.claim_source = text.claim_source
    item.claim_trusted = text.claim_trusted
    item.classification = text.classification
    item.consent_destinations = (list(text.consent_destinations)
                                 if text.consent_destinations is not None else None)
    record_event(AuditAction.EVIDENCE_DESCRIBED, Outcome.SUCCESS, actor=actor,
                 target_type="evidence", target_id=item.id)


def description_of(kit: CryptoKit, item: EvidenceItem) -> ItemDescription:
    values = {name: open_text(kit, item, f"{name}_sealed") for name in DESCRIBED_TEXT}
    return ItemDescription(kind=item.kind.value, content_language=item.content_language,
                           claim_source=item.claim_source, claim_trusted=item.claim_trusted,
                           classification=item.classification,
                           consent_destinations=tuple(item.consent_destinations)
                           if item.consent_destinations is not None else None, **values)


CLASSIFICATIONS = ("confidential", "public")


def _language_tag(value: str) -> bool:
    """"" or a short BCP 47-like tag (fa, en, fr, ar, fa-AF...): letters, digits, hyphens."""
    value = value.strip()
    return value == "" or (len(value) <= 16 and value[0].isascii() and value[0].isalpha()
                           and all(ch.isascii() and (ch.isalnum() or ch == "-")
                                   for ch in value))


def reports_consent(item: EvidenceItem) -> set[str]:
    """Destinations every report of the item consents to (an item inherits the narrowest)."""
    incidents = incidents_of(item)
    return {d.value for d in Destination if _reports_allow(incidents, d.value)}


def item_allows(item: EvidenceItem, destination: str) -> bool:
    """Whether the item may go to `destination`: its reports must allow it, and so must
    the item's own narrower choice, if any (used by the dossier builder)."""
    if (item.state is not EvidenceState.ACTIVE
            or not _reports_allow(incidents_of(item), destination)):
        return False
    return item.consent_destinations is None or destination in item.consent_destinations


def _reports_allow(incidents: list[Incident], destination: str) -> bool:
    """An item of no report goes nowhere; otherwise each report's consent must cover it."""
    return bool(incidents) and all(allows(incident, destination) for incident in incidents)
