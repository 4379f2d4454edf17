"""What advocates do with a submitted incident: verify, link, suggest legal tags."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.models import Incident, IncidentLink, LegalTag, User, db
from portal.models.vocabulary import LinkKind, Verification
from portal.policy import Permission, can
from portal.services import notices
from portal.services.errors import PermissionDenied, ValidationFailed
from portal.services.sealing import open_text, seal_text
from portal.services.search_index import legal_tag_digest

MAX_NOTES_CHARS = 5_000
TAG_PATTERN = re.compile(r"^[A-Za-z0-9 .()/_-]{2,60}$")


def _require_review(actor: User, incident: Incident) -> None:
    if not can(actor, Permission.INCIDENT_REVIEW, incident):
        raise PermissionDenied(_l("You cannot review this report."))


def set_verification(kit: CryptoKit, actor: User, incident: Incident, status: str,
                     notes: str) -> None:
    _require_review(actor, incident)
    if status not in {v.value for v in Verification}:
        raise ValidationFailed(_l("Choose from the list."), field="verification")
    if len(notes) > MAX_NOTES_CHARS:
        raise ValidationFailed(_l("Use at most %(max)d characters.", max=MAX_NOTES_CHARS),
                               field="notes")
    notices.verification_changing(incident, Verification(status))
    incident.verification = Verification(status)
    incident.verified_by_id = actor.id
    seal_text(kit, incident, "verification_notes_sealed", notes)
    record_event(AuditAction.VERIFICATION_SET, Outcome.SUCCESS, actor=actor,
                 target_type="incident", target_id=incident.id, details={"status": status})


def link_incidents(actor: User, incident: Incident, other: Incident, kind: str) -> IncidentLink:
    """Mark two incidents as related or duplicates. Both must be within the actor's scope."""
    _require_review(actor, incident)
    _require_review(actor, other)
    if other.id == incident.id:
        raise ValidationFailed(_l("A report cannot be linked to itself."), field="linked_id")
    if kind not in {k.value for k in LinkKind}:
        raise ValidationFailed(_l("Choose from the list."), field="kind")
    existing = db.session.scalar(select(IncidentLink).where(
        IncidentLink.incident_id == incident.id, IncidentLink.linked_id == other.id))
    link = existing or IncidentLink(incident_id=incident.id, linked_id=other.id,
                                    created_by_id=actor.id, kind=LinkKind(kind))
    link.kind = LinkKind(kind)
    db.session.add(link)
    db.session.flush()
    record_event(AuditAction.INCIDENTS_LINKED, Outcome.SUCCESS, actor=actor,
                 target_type="incident", target_id=incident.id,
                 details={"linked": other.id, "kind": kind})
    return link


def links_of(incident: Incident) -> list[IncidentLink]:
    return list(db.session.scalars(select(IncidentLink).where(
        (IncidentLink.incident_id == incident.id) | (IncidentLink.linked_id == incident.id))))


@dataclass(frozen=True)
class ShownLegalTag:
    """A legal tag as pages and the dossier read it: its text opened."""

    id: int
    incident_id: int
    tag: str
    confirmed_at: datetime | None


def suggest_legal_tag(kit: CryptoKit, actor: User, incident: Incident, tag: str) -> LegalTag:
    """An advocate's suggestion; a legal reviewer confirms it later. The tag is sealed;
    its keyed digest finds the same tag already suggested for the incident."""
    _require_review(actor, incident)
    tag = tag.strip()
    if not TAG_PATTERN.match(tag):
        raise ValidationFailed(_l("Use 2 to 60 Latin letters, digits, spaces and . ( ) / - _, "
                                  "for example “Art. 7(1)(h)”."), field="tag")
    digest = legal_tag_digest(kit, tag)
    existing = db.session.scalar(select(LegalTag).where(LegalTag.incident_id == incident.id,
                                                        LegalTag.tag_digest == digest))
    if existing:
        return existing
    legal_tag = LegalTag(incident_id=incident.id, tag_digest=digest, suggested_by_id=actor.id)
    db.session.add(legal_tag)
    db.session.flush()
    seal_text(kit, legal_tag, "tag_sealed", tag)
    record_event(AuditAction.LEGAL_TAG_SUGGESTED, Outcome.SUCCESS, actor=actor,
                 target_type="incident", target_id=incident.id)
    return legal_tag


def legal_tags_of(kit: CryptoKit, incident: Incident) -> list[ShownLegalTag]:
    """The incident's legal tags, in the order they were suggested, their text opened."""
    return [ShownLegalTag(id=tag.id, incident_id=tag.incident_id,
                          tag=open_text(kit, tag, "tag_sealed"), confirmed_at=tag.confirmed_at)
            for tag in db.session.scalars(select(LegalTag).where(
                LegalTag.incident_id == incident.id).order_by(LegalTag.id))]
