"""The conversation on an incident between its advocates and its reporter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.models import Incident, IncidentMessage, Role, User, db, utcnow
from portal.policy import Permission, can
from portal.services import notices
from portal.services.errors import PermissionDenied, ValidationFailed
from portal.services.sealing import open_text, seal_text

MAX_MESSAGE_CHARS = 5_000


@dataclass(frozen=True)
class Message:
    id: int
    author: User
    is_question: bool
    answered_at: datetime | None
    body: str
    created_at: datetime


def post_message(kit: CryptoKit, actor: User, incident: Incident, body: str,
                 as_question: bool = False) -> IncidentMessage:
    """Add to the thread. Advocates may ask questions; a reporter's post answers them.

    Raises PermissionDenied or ValidationFailed (field "body").
    """
    if not can(actor, Permission.INCIDENT_DISCUSS, incident):
        raise PermissionDenied(_l("You cannot write in this conversation."))
    body = body.strip()
    if not body:
        raise ValidationFailed(_l("Write a message."), field="body")
    if len(body) > MAX_MESSAGE_CHARS:
        raise ValidationFailed(_l("Use at most %(max)d characters.", max=MAX_MESSAGE_CHARS),
                               field="body")
    asking = as_question and actor.role is Role.ADVOCATE
    message = IncidentMessage(incident_id=incident.id, author_id=actor.id, is_question=asking,
                              body_sealed=b"")
    db.session.add(message)
    db.session.flush()
    seal_text(kit, message, "body_sealed", body)
    if actor.id == incident.reporter_id:
        for question in open_questions(incident):
            question.answered_at = utcnow()
    record_event(AuditAction.MESSAGE_POSTED, Outcome.SUCCESS, actor=actor,
                 target_type="incident", target_id=incident.id,
                 details={"question": asking})
    notices.message_posted(actor, incident)
    return message


def open_questions(incident: Incident) -> list[IncidentMessage]:
    return list(db.session.scalars(select(IncidentMessage).where(
        IncidentMessage.incident_id == incident.id, IncidentMessage.is_question,
        IncidentMessage.answered_at.is_(None))))


def read_thread(kit: CryptoKit, incident: Incident) -> list[Message]:
    rows = db.session.scalars(select(IncidentMessage).where(
        IncidentMessage.incident_id == incident.id).order_by(IncidentMessage.id))
    return [Message(m.id, m.author, m.is_question, m.answered_at,
                    open_text(kit, m, "body_sealed"), m.created_at) for m in rows]


def open_questions_for_reporter(reporter: User) -> dict[int, int]:
    """How many questions wait for `reporter`'s answer, by incident id (only incidents
    that have some): for their home page and "My reports"."""
    rows = db.session.execute(
        select(IncidentMessage.incident_id, func.count())
        .join(Incident, Incident.id == IncidentMessage.incident_id)
        .where(Incident.reporter_id == reporter.id, IncidentMessage.is_question,
               IncidentMessage.answered_at.is_(None))
        .group_by(IncidentMessage.incident_id).order_by(IncidentMessage.incident_id.desc()))
    return dict(rows.tuples().all())
