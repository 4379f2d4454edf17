"""Consent for incidents and people: who may receive them, how identified, testimony.

Append-only: each change is a new record, and the newest one is in force, so a
withdrawal takes effect at once and the history of consent stays on record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit import AuditAction, Outcome, record_event
from portal.models import ConsentRecord, Incident, Person, User, db
from portal.models.vocabulary import Destination, Disclosure, Testify
from portal.services.errors import InvalidFields


@dataclass(frozen=True)
class ConsentChoice:
    destinations: tuple[str, ...]
    disclosure: str
    testify: str
    # A report may be counted, as a number only, in dossiers that do not cite it
    # (recurring identifiers, decision 0031). No unless asked and answered yes.
    aggregate_use: bool = False


def current_consent(subject: Incident | Person) -> ConsentRecord | None:
    """The record in force for an incident or a person (None: never given)."""
    column = ConsentRecord.incident_id if isinstance(subject, Incident) else ConsentRecord.person_id
    return db.session.scalar(select(ConsentRecord).where(column == subject.id)
                             .order_by(ConsentRecord.id.desc()).limit(1))


def consent_history(subject: Incident | Person) -> list[ConsentRecord]:
    column = ConsentRecord.incident_id if isinstance(subject, Incident) else ConsentRecord.person_id
    return list(db.session.scalars(select(ConsentRecord).where(column == subject.id)
                                   .order_by(ConsentRecord.id.desc())))


def record_consent(actor: User, subject: Incident | Person, choice: ConsentChoice) -> ConsentRecord:
    """Record a new consent for the subject. Raises InvalidFields on unknown values."""
    errors = {}
    if any(d not in {x.value for x in Destination} for d in choice.destinations):
        errors["destinations"] = _l("Choose from the list.")
    if choice.disclosure not in {x.value for x in Disclosure}:
        errors["disclosure"] = _l("Choose how you may be named.")
    if choice.testify not in {x.value for x in Testify}:
        errors["testify"] = _l("Choose an answer.")
    if errors:
        raise InvalidFields(errors)
    record = _new_record(actor, subject, _ordered(choice.destinations),
                         Disclosure(choice.disclosure), Testify(choice.testify), withdrawn=False)
    # Only a report is ever counted: a person's consent has no such use.
    record.aggregate_use = choice.aggregate_use and isinstance(subject, Incident)
    record_event(AuditAction.CONSENT_RECORDED, Outcome.SUCCESS, actor=actor,
                 target_type=_kind(subject), target_id=subject.id,
                 details={"destinations": len(record.destinations),
                          "aggregate_use": record.aggregate_use})
    return record


def withdraw_consent(actor: User, subject: Incident | Person) -> ConsentRecord:
    """Withdraw every destination at once; identity falls back to anonymous."""
    previous = current_consent(subject)
    record = _new_record(actor, subject, [], Disclosure.ANONYMOUS,
                         previous.testify if previous else Testify.NO, withdrawn=True)
    record_event(AuditAction.CONSENT_WITHDRAWN, Outcome.SUCCESS, actor=actor,
                 target_type=_kind(subject), target_id=subject.id)
    return record


def allows(subject: Incident | Person, destination: str) -> bool:
    """Whether the consent in force for `subject` covers `destination`: given, not
    withdrawn since, and naming that destination (a Destination value). The one rule:
    the dossier's consent gate and the consent an evidence item inherits from its
    reports both ask it."""
    record = current_consent(subject)
    return bool(record and not record.withdrawn and destination in record.destinations
                and destination in {d.value for d in Destination})


def _new_record(actor: User, subject: Incident | Person, destinations: list[str],
                disclosure: Disclosure, testify: Testify, withdrawn: bool) -> ConsentRecord:
    record = ConsentRecord(
        family_id=subject.family_id, recorded_by_id=actor.id, destinations=destinations,
        disclosure=disclosure, testify=testify, withdrawn=withdrawn,
        incident_id=subject.id if isinstance(subject, Incident) else None,
        person_id=subject.id if isinstance(subject, Person) else None,
    )
    db.session.add(record)
    db.session.flush()
    return record


def _ordered(destinations: Iterable[str]) -> list[str]:
    chosen = set(destinations)
    return [d.value for d in Destination if d.value in chosen]


def _kind(subject: Incident | Person) -> str:
    return "incident" if isinstance(subject, Incident) else "person"
