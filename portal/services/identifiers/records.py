"""Recording identifiers on a report or an evidence item, and reading them back.

The value as typed and its normal form are sealed; the digest (a keyed hash of the
normal form, under a key derived for identifiers from the search-index key) is the
only clear trace, so equal identifiers can be found without the plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.models import EvidenceItem, Identifier, IdentifierKind, Incident, Platform, User, db
from portal.services.errors import ValidationFailed
from portal.services.sealing import open_text, seal_text
from portal.text.identifiers import (
    MAX_VALUE_CHARS,
    IdentifierRefused,
    NormalIdentifier,
    normalise_identifier,
)

Subject = Incident | EvidenceItem

_REFUSALS: dict[str, tuple[str, LazyString]] = {
    "empty": ("value", _l("Enter the identifier.")),
    "too_long": ("value", _l("Use at most %(max)d characters.", max=MAX_VALUE_CHARS)),
    "phone_invalid": ("value", _l(
        "This is not a phone number that can be read. Type it with its country code "
        "(+98 912 123 4567) or as it is dialled in Iran (0912 123 4567).")),
    "handle_invalid": ("value", _l(
        "Type the account's name (such as @name) or the address of its page.")),
    "email_invalid": ("value", _l("Type an e-mail address such as name@example.com.")),
    "platform_missing": ("platform", _l("Choose where this account is.")),
    "kind_unknown": ("kind", _l("Choose from the list.")),
}


@dataclass(frozen=True)
class ShownIdentifier:
    """An identifier opened for a reader: as typed, and in the form it is matched on."""

    id: int
    kind: str
    platform: str
    typed: str
    shown: str
    digest: str | None
    # A phone number that could not be read: kept as typed, never linked or counted.
    unreadable: bool = False


def identifier_digest(kit: CryptoKit, found: NormalIdentifier) -> str:
    """The keyed hash of an identifier's normal form (with its kind and platform). Its
    own domain under the search-index key: it never equals a word token or a legal
    tag digest. Equal identifiers have equal digests in every family file."""
    message = b"identifier\x00" + found.key.encode("utf-8")
    return hmac.new(kit.search_index_key, message, hashlib.sha256).hexdigest()


def normalised(kind: str, value: str, platform: str = "") -> NormalIdentifier:
    """The identifier's normal form, or ValidationFailed with a translated message on
    the field it concerns (the typed value is the form's to keep)."""
    platform = platform if kind == IdentifierKind.ACCOUNT else ""
    try:
        return normalise_identifier(kind, value, platform)
    except IdentifierRefused as refused:
        field, message = _REFUSALS.get(refused.reason, _REFUSALS["kind_unknown"])
        raise ValidationFailed(message, field=field) from refused


def record_identifier(kit: CryptoKit, actor: User, subject: Subject, kind: str, value: str,
                      platform: str = "") -> Identifier:
    """Record an identifier on a report or an evidence item. The caller checked that
    `actor` may (policy: evidence:add on the report, evidence:describe on the item).
    A phone number that cannot be read is kept as typed and flagged `unreadable`,
    with no digest: never linked, never counted (issue 19, "Bad input"). Raises
    ValidationFailed when anything else cannot be read, or it is already recorded
    there. The audit event names the kind, never the value."""
    found = _readable_or_none(kind, value, platform)
    digest = identifier_digest(kit, found) if found else None
    if digest and db.session.scalar(select(Identifier.id).where(_on(subject),
                                                                Identifier.digest == digest)):
        raise ValidationFailed(_l("This identifier is already recorded here."), field="value")
    row = Identifier(kind=IdentifierKind(found.kind if found else kind),
                     platform=Platform(found.platform) if found and found.platform else None,
                     digest=digest, unreadable=digest is None, family_id=subject.family_id,
                     created_by_id=actor.id)
    if isinstance(subject, Incident):
        row.incident_id = subject.id
    else:
        row.evidence_id = subject.id
    db.session.add(row)
    db.session.flush()
    seal_text(kit, row, "value_sealed", value.strip())
    seal_text(kit, row, "normal_sealed", found.normal if found else "")
    db.session.flush()
    record_event(AuditAction.IDENTIFIER_ADDED, Outcome.SUCCESS, actor=actor,
                 target_type=_target_type(subject), target_id=subject.id,
                 details={"kind": row.kind.value, "identifier": row.id,
                          "unreadable": row.unreadable})
    return row


def _readable_or_none(kind: str, value: str, platform: str) -> NormalIdentifier | None:
    """The normal form, or None for a phone number that cannot be read (kept as typed
    rather than refused: a person may have only what the caller's screen showed)."""
    if kind == IdentifierKind.PHONE:
        try:
            return normalise_identifier(kind, value)
        except IdentifierRefused as refused:
            if refused.reason == "phone_invalid":
                return None
    return normalised(kind, value, platform)


def remove_identifier(actor: User, row: Identifier) -> None:
    """Remove an identifier recorded by mistake (the caller checked the subject). The
    audit event keeps the kind and id, never the value."""
    target_type, target_id = (("incident", row.incident_id) if row.incident_id is not None
                              else ("evidence", row.evidence_id))
    record_event(AuditAction.IDENTIFIER_REMOVED, Outcome.SUCCESS, actor=actor,
                 target_type=target_type, target_id=target_id,
                 details={"kind": row.kind.value, "identifier": row.id})
    db.session.delete(row)
    db.session.flush()


def subject_of(row: Identifier) -> Subject:
    """The report or the evidence item an identifier was recorded on."""
    subject: Subject | None = (db.session.get(Incident, row.incident_id)
                               if row.incident_id is not None
                               else db.session.get(EvidenceItem, row.evidence_id))
    assert subject is not None  # foreign keys
    return subject


def identifiers_of(kit: CryptoKit, subject: Subject) -> list[ShownIdentifier]:
    """The identifiers recorded on a report or an item, opened, in the order recorded."""
    rows = db.session.scalars(select(Identifier).where(_on(subject)).order_by(Identifier.id))
    return [shown(kit, row) for row in rows]


def shown(kit: CryptoKit, row: Identifier) -> ShownIdentifier:
    """One identifier opened: as typed and in its matching form."""
    platform = row.platform.value if row.platform else ""
    typed = open_text(kit, row, "value_sealed")
    if row.unreadable:
        return ShownIdentifier(row.id, row.kind.value, platform, typed, typed, None, True)
    normal = NormalIdentifier(row.kind.value, platform, open_text(kit, row, "normal_sealed"))
    return ShownIdentifier(row.id, row.kind.value, platform, typed, normal.shown, row.digest)


def _on(subject: Subject) -> ColumnElement[bool]:
    if isinstance(subject, Incident):
        return Identifier.incident_id == subject.id
    return Identifier.evidence_id == subject.id


def _target_type(subject: Subject) -> str:
    return "incident" if isinstance(subject, Incident) else "evidence"
