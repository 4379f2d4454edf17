"""Which family files a person belongs to or is assigned to, and who can read a file.

A family sees who reads its file: the advocates assigned to it, and the legal
reviewers of dossiers that cite its reports, with the changes to that list over time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select

from portal.audit import AuditAction
from portal.models import (
    Assignment,
    AuditEvent,
    Dossier,
    DossierIncident,
    Family,
    FamilyMembership,
    Incident,
    User,
    db,
)
from portal.models.dossiers import DossierStatus


def family_of_member(user: User) -> Family | None:
    """The family file of a family member (each belongs to one at most)."""
    return db.session.scalar(select(Family).join(FamilyMembership).where(
        FamilyMembership.user_id == user.id))


def assigned_families(advocate: User) -> list[Family]:
    return list(db.session.scalars(select(Family).join(Assignment).where(
        Assignment.advocate_id == advocate.id).order_by(Family.code)))


class ReaderKind(StrEnum):
    """How someone reads a family file, or how that changed."""

    ASSIGNED = "assigned"  # an advocate assigned to it
    UNASSIGNED = "unassigned"  # an advocate whose assignment ended
    REVIEWING = "reviewing"  # the legal reviewer of a dossier citing its reports


@dataclass(frozen=True)
class Reader:
    """Someone who can read the file now (or, in the history, a change)."""

    user: User
    kind: ReaderKind
    since: datetime
    dossier_number: int | None = None  # for a legal reviewer: the dossier they review


def readers_of(family: Family) -> list[Reader]:
    """Who can read the family's reports now: its active assigned advocates, then the
    legal reviewers of dossiers (sent for review or later) that cite them."""
    advocates = [Reader(a.advocate, ReaderKind.ASSIGNED, a.confirmed_at)
                 for a in family.assignments if a.advocate.is_active]
    reviewers = [r for r in _reviewers_of(family) if r.user.is_active]
    return sorted(advocates, key=lambda r: r.since) + reviewers


def reader_changes(family: Family) -> list[Reader]:
    """When advocates were assigned and unassigned (from the audit log) and when a
    dossier citing the family's reports was sent to a legal reviewer, newest first."""
    events = list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "family", AuditEvent.target_id == str(family.id),
        AuditEvent.action.in_([AuditAction.ADVOCATE_ASSIGNED,
                               AuditAction.ADVOCATE_UNASSIGNED]))))
    people = _users({e.details.get("advocate_id") for e in events})
    changes = [Reader(people[advocate_id], _change_of(event), event.occurred_at)
               for event in events
               if isinstance(advocate_id := event.details.get("advocate_id"), int)
               and advocate_id in people]
    changes += _reviewers_of(family)
    return sorted(changes, key=lambda r: r.since, reverse=True)


def _change_of(event: AuditEvent) -> ReaderKind:
    return ReaderKind.ASSIGNED if event.action == AuditAction.ADVOCATE_ASSIGNED \
        else ReaderKind.UNASSIGNED


def _reviewers_of(family: Family) -> list[Reader]:
    """One line per legal reviewer and dossier number, from its first sending."""
    dossiers = db.session.scalars(
        select(Dossier).join(DossierIncident).join(Incident)
        .where(Incident.family_id == family.id, Dossier.status != DossierStatus.DRAFT,
               Dossier.reviewer_id.is_not(None), Dossier.sent_at.is_not(None))
        .order_by(Dossier.sent_at).distinct())
    readers: dict[tuple[int, int], Reader] = {}
    for dossier in dossiers:
        if dossier.reviewer is None or dossier.sent_at is None:
            continue
        readers.setdefault((dossier.reviewer.id, dossier.number), Reader(
            dossier.reviewer, ReaderKind.REVIEWING, dossier.sent_at, dossier.number))
    return list(readers.values())


def _users(ids: set[object]) -> dict[int, User]:
    wanted = {i for i in ids if isinstance(i, int)}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}
