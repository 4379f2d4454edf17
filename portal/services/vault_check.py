"""Checking every blob of the vault offline (`flask evidence verify`).

Each blob is decrypted (every segment authenticated) and its plaintext re-hashed
against the SHA-256 and size recorded when it was stored: an original against its
intake hash (with its chain of custody), each rendition (thumbnail, viewing copy,
poster, PDF page preview) against the hash taken when it was made, and each file of
a finished dossier export (PDF, bundle) against the hash its row records. A changed
byte anywhere fails authentication, so it is named with the item and rendition, or
the export and file, it belongs to. Reads only; nothing is flushed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from portal.crypto.kit import CryptoKit
from portal.models import DossierExport, EvidenceItem, db
from portal.models.sealed import sealed_context
from portal.services.evidence import StoredBlob, check_blob, verify_item
from portal.services.renditions import check_rendition
from portal.storage import BlobStore

ITEM, RENDITION, EXPORT_FILE = "item", "rendition", "export file"


@dataclass(frozen=True)
class Checked:
    """One thing checked: its kind (ITEM, RENDITION, EXPORT_FILE), how to name it
    ("item 4", "item 4 rendition thumbnail", "export 2 pdf") and why it fails, if it
    does (a reason without content)."""

    kind: str
    subject: str
    problem: str | None


def verify_vault(kit: CryptoKit, store: BlobStore) -> Iterator[Checked]:
    """Every item (original and custody chain) with its renditions, then every file
    of every export, in id order, as each is checked."""
    for item in db.session.scalars(select(EvidenceItem).order_by(EvidenceItem.id)):
        yield Checked(ITEM, f"item {item.id}", verify_item(kit, store, item))
        for rendition in item.renditions:
            yield Checked(RENDITION, f"item {item.id} rendition {rendition.purpose}",
                          check_rendition(kit, store, rendition))
    for export in db.session.scalars(select(DossierExport).order_by(DossierExport.id)):
        for which, blob in export_blobs(export).items():
            yield Checked(EXPORT_FILE, f"export {export.id} {which}",
                          check_blob(kit, store, blob))


def export_blobs(export: DossierExport) -> dict[str, StoredBlob]:
    """The export's stored files ("pdf", "bundle") as recorded by its row; an
    unfinished or failed export has none."""
    recorded = {
        "pdf": (export.pdf_blob_key, export.pdf_key_sealed, "pdf_key_sealed",
                export.pdf_sha256, export.pdf_size_bytes),
        "bundle": (export.bundle_blob_key, export.bundle_key_sealed, "bundle_key_sealed",
                   export.bundle_sha256, export.bundle_size_bytes)}
    return {which: StoredBlob(key, sealed, sealed_context("dossier_exports", export.id, column),
                              sha256, size)
            for which, (key, sealed, column, sha256, size) in recorded.items()
            if key is not None}
