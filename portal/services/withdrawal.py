"""Withdrawal, not deletion: the only way evidence leaves the vault.

A reporter asks; a legal reviewer (another person, with a recent sign-in) approves.
Approval destroys the item's data keys (crypto-shredding) and its sealed details;
what remains is a tombstone: the SHA-256 taken at intake, the size, and the whole
custody log, which records both steps. The blobs are then deleted, unless the store
keeps them under a retention period (S3 Object Lock, decision 0026): the key is gone
either way, and the "key destroyed" event counts the blobs left behind.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit.custody import CustodyAction, record_custody
from portal.crypto.kit import CryptoKit
from portal.models import EvidenceItem, EvidenceState, User, db, utcnow
from portal.policy import Permission, can
from portal.services.errors import PermissionDenied, ValidationFailed
from portal.services.sealing import seal_text
from portal.storage import BlobRetained, BlobStore

MAX_REASON_CHARS = 2_000
# Everything sealed about the item goes with its key; the hash and the log stay.
SHREDDED_COLUMNS = ("title_sealed", "description_sealed", "original_filename_sealed",
                    "obtained_how_sealed", "prior_chain_sealed", "creator_sealed",
                    "source_sealed", "claimed_date_text_sealed", "claimed_place_sealed",
                    "metadata_sealed")


def request_withdrawal(kit: CryptoKit, actor: User, item: EvidenceItem, reason: str) -> None:
    """The reporter's request. Raises PermissionDenied or ValidationFailed ("reason")."""
    if not can(actor, Permission.EVIDENCE_WITHDRAW_REQUEST, item):
        raise PermissionDenied(_l("You cannot ask for this item to be withdrawn."))
    if item.state is not EvidenceState.ACTIVE:
        raise ValidationFailed(_l("A withdrawal was already asked for."), field="reason")
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_CHARS:
        raise ValidationFailed(_l("Say in a few words why (at most %(max)d characters).",
                                  max=MAX_REASON_CHARS), field="reason")
    item.state = EvidenceState.WITHDRAWAL_REQUESTED
    item.withdrawal_requested_by_id = actor.id
    item.withdrawal_requested_at = utcnow()
    seal_text(kit, item, "withdrawal_reason_sealed", reason)
    record_custody(item, CustodyAction.WITHDRAWAL_REQUESTED, actor=actor,
                   hash_before=item.sha256)


def approve_withdrawal(actor: User, item: EvidenceItem, store: BlobStore) -> None:
    """Approve, destroy the keys and the blobs, keep the tombstone.

    Raises PermissionDenied unless the actor is a legal reviewer other than the
    person who asked.
    """
    if not can(actor, Permission.EVIDENCE_WITHDRAW_APPROVE, item):
        raise PermissionDenied(_l("You cannot approve this withdrawal."))
    record_custody(item, CustodyAction.WITHDRAWAL_APPROVED, actor=actor,
                   hash_before=item.sha256)
    item.file_key_sealed = None
    for column in SHREDDED_COLUMNS:
        setattr(item, column, None)
    for rendition in item.renditions:
        rendition.file_key_sealed = None
    item.state = EvidenceState.WITHDRAWN
    item.withdrawn_by_id = actor.id
    item.withdrawn_at = utcnow()
    db.session.flush()
    # Without their keys the blobs are noise; removing them frees the space. A store
    # under retention (S3 Object Lock) refuses: the ciphertext stays, unreadable, until
    # the retention ends, and the custody log says so.
    retained = 0
    for key in [item.blob_key, *(r.blob_key for r in item.renditions)]:
        try:
            store.delete(key)
        except BlobRetained:
            retained += 1
    details: dict[str, str | int | bool] = {"renditions": len(item.renditions)}
    if retained:
        details["ciphertext_retained"] = retained
    record_custody(item, CustodyAction.KEY_DESTROYED, actor=actor, hash_before=item.sha256,
                   details=details)


def pending_withdrawals() -> list[EvidenceItem]:
    return list(db.session.scalars(select(EvidenceItem).where(
        EvidenceItem.state == EvidenceState.WITHDRAWAL_REQUESTED).order_by(
        EvidenceItem.withdrawal_requested_at)))
