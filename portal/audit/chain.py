"""Append-only audit events, chained by SHA-256.

Each row stores `prev_hash` (the previous row's hash) and `row_hash`, the SHA-256
of `prev_hash` and the row's canonical JSON. Verification walks the rows in
sequence order: an edited row no longer matches its hash, a deleted row leaves a
gap in `seq` (or a head that points past the last row), and swapped rows break
the `prev_hash` links.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, SessionTransaction

from portal.audit.hashing import GENESIS_HASH, canonical_time, chain_hash
from portal.logs import IP_LITERAL
from portal.models import AuditChainHead, AuditEvent, User, db, utcnow

_HEAD_ID = 1
_PENDING_KEY = "audit_events_to_chain"  # in Session.info: this transaction's events

# Details are for context (a role name, a count), never for secrets. Keys that
# look like secrets, and values that look like IP addresses, are refused outright.
_FORBIDDEN_KEY_PARTS = frozenset(
    {"passphrase", "password", "token", "secret", "code", "codes", "key", "ip", "address"}
)


class AuditAction(StrEnum):
    LOGIN = "login"
    LOGIN_SECOND_FACTOR = "login.second_factor"
    LOGIN_THROTTLED = "login.throttled"
    LOGOUT = "logout"
    REAUTHENTICATE = "reauthenticate"
    SESSIONS_ENDED = "sessions.ended"
    PASSPHRASE_CHANGED = "passphrase.changed"  # noqa: S105 - an event name
    SECOND_FACTOR_ENROLLED = "second_factor.enrolled"
    SECOND_FACTOR_RESET = "second_factor.reset"
    RECOVERY_CODE_USED = "recovery_code.used"
    RECOVERY_CODES_REGENERATED = "recovery_codes.regenerated"
    INVITATION_CREATED = "invitation.created"
    INVITATION_ACCEPTED = "invitation.accepted"
    INVITATION_REVOKED = "invitation.revoked"
    USER_CREATED = "user.created"
    ROLE_CHANGED = "user.role_changed"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    ACCESS_DENIED = "access.denied"
    KEYS_ROTATED = "keys.rotated"
    BACKUP_CREATED = "backup.created"
    BACKUP_RESTORED = "backup.restored"
    VICTIM_CREATED = "victim.created"
    VICTIM_UPDATED = "victim.updated"
    VICTIMS_IMPORTED = "victims.imported"
    FAMILY_CREATED = "family.created"
    FAMILY_VICTIMS_CHANGED = "family.victims_changed"
    FAMILY_MEMBER_ADDED = "family.member_added"
    ADVOCATE_ASSIGNED = "family.advocate_assigned"
    ADVOCATE_UNASSIGNED = "family.advocate_unassigned"
    ADVOCATE_PROPOSED = "family.advocate_proposed"
    ADVOCATE_DECLINED = "family.advocate_declined"
    INCIDENT_TYPE_ADDED = "taxonomy.type_added"
    PERSON_CREATED = "person.created"
    PERSON_UPDATED = "person.updated"
    INCIDENT_CREATED = "incident.created"
    INCIDENT_DRAFT_SAVED = "incident.draft_saved"
    INCIDENT_DRAFT_DELETED = "incident.draft_deleted"
    INCIDENT_SUBMITTED = "incident.submitted"
    INCIDENT_AMENDED = "incident.amended"
    INCIDENT_VIEWED = "incident.viewed"
    CONSENT_RECORDED = "consent.recorded"
    CONSENT_WITHDRAWN = "consent.withdrawn"
    MESSAGE_POSTED = "incident.message_posted"
    VERIFICATION_SET = "incident.verification_set"
    INCIDENTS_LINKED = "incident.linked"
    LEGAL_TAG_SUGGESTED = "incident.legal_tag_suggested"
    INCIDENTS_SEARCHED = "incidents.searched"
    IDENTIFIER_ADDED = "identifier.added"
    IDENTIFIER_REMOVED = "identifier.removed"
    EVIDENCE_UPLOADED = "evidence.uploaded"
    EVIDENCE_DESCRIBED = "evidence.described"
    DOSSIER_CREATED = "dossier.created"
    DOSSIER_UPDATED = "dossier.updated"
    DOSSIER_CONTRIBUTOR_ADDED = "dossier.contributor_added"
    DOSSIER_INCIDENT_ADDED = "dossier.incident_added"
    DOSSIER_INCIDENT_REFUSED = "dossier.incident_refused"
    DOSSIER_INCIDENT_REMOVED = "dossier.incident_removed"
    DOSSIER_INCIDENTS_ORDERED = "dossier.incidents_ordered"
    DOSSIER_EXHIBIT_CHANGED = "dossier.exhibit_changed"
    DOSSIER_EXHIBITS_RENUMBERED = "dossier.exhibits_renumbered"
    DOSSIER_REDACTION_ADDED = "dossier.redaction_added"
    DOSSIER_REDACTION_REMOVED = "dossier.redaction_removed"
    DOSSIER_TERM_DECIDED = "dossier.term_decided"
    DOSSIER_SENT_FOR_REVIEW = "dossier.sent_for_review"
    DOSSIER_RETURNED = "dossier.returned"
    DOSSIER_APPROVED = "dossier.approved"
    DOSSIER_VERSION_CREATED = "dossier.version_created"
    DOSSIER_PREVIEWED = "dossier.previewed"
    LEGAL_TAG_CONFIRMED = "incident.legal_tag_confirmed"
    DOSSIER_SECTIONS_PREFILLED = "dossier.sections_prefilled"
    DOSSIER_SECTION_SAVED = "dossier.section_saved"
    DOSSIER_EXPORT_REQUESTED = "dossier.export_requested"
    DOSSIER_EXPORTED = "dossier.exported"
    DOSSIER_EXPORT_FAILED = "dossier.export_failed"
    DOSSIER_EXPORT_DOWNLOADED = "dossier.export_downloaded"
    DOSSIER_FILES_VERIFIED = "dossier.files_verified"
    SECTION_TEMPLATE_SAVED = "section_template.saved"
    ADVOCACY_EVENT_RECORDED = "advocacy_event.recorded"
    ADVOCACY_EVENT_DELETED = "advocacy_event.deleted"
    TRANSLATION_ADDED = "translation.added"
    TRANSLATIONS_VIEWED = "translations.viewed"
    NOTICE_SETTINGS_CHANGED = "notice.settings_changed"
    NOTICE_SENT = "notice.sent"


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    DENIED = "denied"


@dataclass(frozen=True)
class ChainBreak:
    """The first row at which the chain stops being intact."""

    seq: int
    reason: str


@dataclass(frozen=True)
class ChainPosition:
    """One event of the chain by its sequence number and hash: the head now, or what a
    checkpoint or an exported dossier recorded of it. Seq 0 is the empty log."""

    seq: int
    row_hash: str


def chain_head(session: Session | None = None) -> ChainPosition:
    """The last committed event (seq 0 and the genesis hash while the log is empty)."""
    head = (session or db.session()).get(AuditChainHead, _HEAD_ID)
    return ChainPosition(head.last_seq, head.last_hash) if head else ChainPosition(0, GENESIS_HASH)


def ensure_chain_head(session: Session | None = None) -> None:
    """Create the chain's head row if this database has none (new or restored)."""
    session = session or db.session()
    if session.get(AuditChainHead, _HEAD_ID) is None:
        session.add(AuditChainHead(id=_HEAD_ID, last_seq=0, last_hash=GENESIS_HASH))
        session.flush()


def record_event(
    action: AuditAction,
    outcome: Outcome,
    *,
    actor: User | None = None,
    target_type: str = "",
    target_id: object = "",
    details: Mapping[str, str | int | bool] | None = None,
) -> None:
    """Record one event of the current transaction: it joins the chain when the
    transaction commits, and is gone if it rolls back.

    Appending takes the chain head's row lock until the commit. Taken at the commit, the
    lock lasts a few statements; taken here, it lasted the rest of the request, template
    included, and every audited request queued behind the one before it (the load run,
    docs/benchmarks.md).

    Raises ValueError if `details` holds anything that looks like a secret or an
    IP address: such values must never reach the log.
    """
    clean = _checked_details(details or {})
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that the transaction's end, whatever it is, is seen
    session.info.setdefault(_PENDING_KEY, []).append(AuditEvent(
        occurred_at=utcnow(), action=str(action), outcome=str(outcome),
        actor_id=actor.id if actor else None, actor_label=actor.username if actor else "",
        target_type=target_type, target_id=str(target_id), details=clean))


@event.listens_for(Session, "before_commit")
def _append_recorded_events(session: Session) -> None:
    """Chain the transaction's events, in the order they were recorded, under the lock."""
    pending: list[AuditEvent] = session.info.pop(_PENDING_KEY, [])
    if not pending:
        return
    # The UPDATE takes the head's row lock first, so the hash it returns is the latest.
    bump = (update(AuditChainHead).where(AuditChainHead.id == _HEAD_ID)
            .values(last_seq=AuditChainHead.last_seq + len(pending))
            .returning(AuditChainHead.last_seq, AuditChainHead.last_hash))
    row = session.execute(bump).one_or_none()
    if row is None:  # a new or restored database: the head row first
        ensure_chain_head(session)
        row = session.execute(bump).one()
    last_seq, previous = row
    for seq, audit_event in enumerate(pending, start=last_seq - len(pending) + 1):
        audit_event.seq, audit_event.prev_hash = seq, previous
        audit_event.row_hash = previous = compute_row_hash(audit_event)
        session.add(audit_event)
        session.flush()  # one at a time: ids in chain order, which verify_chain walks
    session.execute(update(AuditChainHead).where(AuditChainHead.id == _HEAD_ID)
                    .values(last_hash=previous))


@event.listens_for(Session, "after_transaction_end")
def _forget_unchained_events(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back or closed transaction takes its events with it."""
    if transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)


def compute_row_hash(event: AuditEvent) -> str:
    """SHA-256 over the previous hash and the row's canonical JSON content."""
    content = {
        "seq": event.seq,
        "occurred_at": canonical_time(event.occurred_at),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "outcome": event.outcome,
        "details": event.details,
    }
    return chain_hash(event.prev_hash, content)


def verify_chain(up_to: ChainPosition | None = None) -> ChainBreak | None:
    """Walk the whole chain; return the first break, or None when it is intact.

    With `up_to` (the head, read first), only the events up to that one, which must end
    on its hash: events appended meanwhile by a live portal are not its business.
    """
    expected_prev, expected_seq = GENESIS_HASH, 1
    for row in _events_in_order(up_to.seq if up_to else None):
        if row.seq != expected_seq:
            return ChainBreak(expected_seq, f"row {expected_seq} is missing (found {row.seq})")
        if row.prev_hash != expected_prev:
            return ChainBreak(row.seq, "does not follow the previous row (moved or swapped)")
        if compute_row_hash(row) != row.row_hash:
            return ChainBreak(row.seq, "content does not match its hash (changed)")
        expected_prev, expected_seq = row.row_hash, expected_seq + 1
    end = up_to or chain_head()
    if (end.seq, end.row_hash) != (expected_seq - 1, expected_prev):
        return ChainBreak(expected_seq, f"rows after {expected_seq - 1} are missing")
    return None


def _events_in_order(last_seq: int | None = None) -> Iterator[AuditEvent]:
    # Ordered by the primary key, not by seq: swapping two rows' contents must show.
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=500)
    if last_seq is not None:
        query = query.where(AuditEvent.seq <= last_seq)
    yield from db.session.scalars(query)


def _checked_details(details: Mapping[str, str | int | bool]) -> dict[str, str | int | bool]:
    for key, value in details.items():
        if _FORBIDDEN_KEY_PARTS & set(key.lower().split("_")):
            raise ValueError(f"audit detail key {key!r} looks like a secret")
        if isinstance(value, str) and IP_LITERAL.search(value):
            raise ValueError(f"audit detail {key!r} looks like an IP address")
    return dict(details)
