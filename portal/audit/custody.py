"""Chains of custody: per evidence item, append-only and hash-chained.

Every event names who (and in which role), when (UTC), why (the purpose staff give
to download an original), and the SHA-256 before and after where bytes are
involved. `verify_custody` finds an edited, deleted or reordered event.

The purpose is free text: it is sealed in `custody_purposes` (one row per event that
has one, bound to the event's id), not in the append-only event row, so that a key
rotation can re-seal it (decision 0014). The event's hash covers the purpose in clear,
so reading a chain's hashed values (`custody_values`) or verifying it takes the
purposes, opened with the kit (`purposes_of`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from sqlalchemy import select, update

from portal.audit.chain import ChainBreak
from portal.audit.hashing import GENESIS_HASH, canonical_time, chain_hash, custody_content
from portal.crypto.envelope import DecryptionError
from portal.crypto.kit import CryptoKit
from portal.models import User, db, utcnow
from portal.models.evidence import CustodyEvent, CustodyPurpose, EvidenceItem
from portal.models.sealed import sealed_context

MAX_PURPOSE_CHARS = 300


class CustodyAction(StrEnum):
    RECEIVED = "received"
    STORED = "stored"
    METADATA_EXTRACTED = "metadata_extracted"
    RENDITION_CREATED = "rendition_created"
    # A copy with marked areas blacked out, for a dossier's public variant.
    REDACTED_RENDITION_CREATED = "redacted_rendition_created"
    VIEWED = "viewed"
    DOWNLOADED = "downloaded"
    INTEGRITY_ALARM = "integrity_alarm"
    LINKED = "linked"
    VERIFIED = "verified"
    EXPORTED = "exported"
    WITHDRAWAL_REQUESTED = "withdrawal_requested"
    WITHDRAWAL_APPROVED = "withdrawal_approved"
    KEY_DESTROYED = "key_destroyed"


def record_custody(
    item: EvidenceItem, action: CustodyAction, *, actor: User | None, purpose: str = "",
    kit: CryptoKit | None = None, hash_before: str = "", hash_after: str = "",
    details: Mapping[str, str | int | bool] | None = None,
) -> CustodyEvent:
    """Append an event to the item's chain in the current transaction (flush, no commit).

    A `purpose` is sealed with `kit` (required then) into `custody_purposes`.

    The item row is written first, which takes the writer's lock before the chain's
    head is read: PostgreSQL locks the row, SQLite takes its database write lock (its
    driver begins a transaction only at the first write, so a read alone would not).
    Concurrent appends (a page view while a preview job records its renditions) then
    line up instead of both claiming the same sequence number.
    """
    db.session.execute(update(EvidenceItem).where(EvidenceItem.id == item.id)
                       .values(custody_last_seq=EvidenceItem.custody_last_seq))
    purpose = purpose[:MAX_PURPOSE_CHARS]
    if purpose and kit is None:
        raise ValueError("a custody purpose is sealed: pass the kit")
    last = db.session.execute(
        select(CustodyEvent.seq, CustodyEvent.row_hash).where(CustodyEvent.item_id == item.id)
        .order_by(CustodyEvent.seq.desc()).limit(1)).first()
    event = CustodyEvent(
        item_id=item.id, seq=(last[0] + 1) if last else 1, occurred_at=utcnow(),
        action=str(action), actor_id=actor.id if actor else None,
        actor_label=actor.username if actor else "", actor_role=actor.role.value if actor else "",
        hash_before=hash_before, hash_after=hash_after,
        details=dict(details or {}), prev_hash=last[1] if last else GENESIS_HASH,
    )
    event.row_hash = custody_hash(event, purpose)
    item.custody_last_seq, item.custody_last_hash = event.seq, event.row_hash
    db.session.add(event)
    db.session.flush()
    if purpose and kit is not None:
        context = sealed_context(CustodyPurpose.__tablename__, event.id, "purpose_sealed")
        db.session.add(CustodyPurpose(id=event.id, purpose_sealed=kit.cipher.seal(
            purpose.encode("utf-8"), context)))
        db.session.flush()
    return event


def purposes_of(kit: CryptoKit, events: Iterable[CustodyEvent]) -> dict[int, str]:
    """The purpose of each of `events` that has one, by event id, opened with `kit`.

    Raises DecryptionError when a sealed purpose was tampered with or moved.
    """
    ids = [event.id for event in events]
    purposes: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        for row in db.session.scalars(select(CustodyPurpose).where(
                CustodyPurpose.id.in_(ids[start:start + 500]))):
            context = sealed_context(CustodyPurpose.__tablename__, row.id, "purpose_sealed")
            purposes[row.id] = kit.cipher.open(bytes(row.purpose_sealed), context).decode("utf-8")
    return purposes


def custody_values(event: CustodyEvent, purpose: str) -> dict[str, object]:
    """What the event's hash covers (hashing.CUSTODY_FIELDS), as exported in
    custody.jsonl for the offline verifier to recompute. `purpose` is the event's
    purpose in clear (`purposes_of`), "" when it has none."""
    return custody_content({
        "item_id": event.item_id, "seq": event.seq,
        "occurred_at": canonical_time(event.occurred_at), "action": event.action,
        "actor_id": event.actor_id, "actor_label": event.actor_label,
        "actor_role": event.actor_role, "purpose": purpose,
        "hash_before": event.hash_before, "hash_after": event.hash_after,
        "details": event.details,
    })


def custody_hash(event: CustodyEvent, purpose: str) -> str:
    return chain_hash(event.prev_hash, custody_values(event, purpose))


def custody_of(item: EvidenceItem) -> list[CustodyEvent]:
    return list(db.session.scalars(select(CustodyEvent).where(CustodyEvent.item_id == item.id)
                                   .order_by(CustodyEvent.id)))


def verify_custody(kit: CryptoKit, item: EvidenceItem) -> ChainBreak | None:
    """The first break in the item's chain, or None when every event is intact.

    Ordered by primary key so that swapped contents show; a missing first or
    middle event leaves a gap in `seq`; the item's recorded head catches events
    removed from the end. A purpose that was changed, removed or moved breaks its
    event's hash; one that does not open (tampered) is a break too.
    """
    expected_prev, expected_seq = GENESIS_HASH, 1
    events = custody_of(item)
    try:
        purposes: dict[int, str | None] = dict(purposes_of(kit, events))
    except DecryptionError:
        purposes = _purposes_one_by_one(kit, events)
    for event in events:
        if event.seq != expected_seq:
            return ChainBreak(expected_seq, f"event {expected_seq} is missing")
        if event.prev_hash != expected_prev:
            return ChainBreak(event.seq, "does not follow the previous event")
        if event.id in purposes and purposes[event.id] is None:
            return ChainBreak(event.seq, "its purpose does not open (changed or moved)")
        if custody_hash(event, purposes.get(event.id) or "") != event.row_hash:
            return ChainBreak(event.seq, "content does not match its hash (changed)")
        expected_prev, expected_seq = event.row_hash, expected_seq + 1
    if expected_seq == 1:
        return ChainBreak(1, "the item has no custody events")
    if (item.custody_last_seq, item.custody_last_hash) != (expected_seq - 1, expected_prev):
        return ChainBreak(expected_seq, f"events after {expected_seq - 1} are missing")
    return None


def _purposes_one_by_one(kit: CryptoKit, events: list[CustodyEvent]) -> dict[int, str | None]:
    """Each event's purpose, None for one that does not open (to name the bad event)."""
    found: dict[int, str | None] = {}
    for event in events:
        try:
            found.update(purposes_of(kit, [event]))
        except DecryptionError:
            found[event.id] = None
    return found
