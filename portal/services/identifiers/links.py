"""Which reports, in which family files, name the same identifier, and what of that a
viewer may see: every count (all family files), but only the reports they may read.

An identifier counts for a report when it is recorded on that report, or on an
evidence item linked to it. Only submitted reports count: a draft is the family's
own, and no advocate may know it exists. Counts are numbers only: the other family
files' codes, names and content never leave this module (decision 0028).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, func, select, union
from sqlalchemy.orm import selectinload

from portal.models import (
    Dossier,
    DossierIncident,
    EvidenceItem,
    Family,
    Identifier,
    Incident,
    Role,
    User,
    db,
    evidence_incidents,
)
from portal.models.dossiers import DossierStatus
from portal.models.evidence import EvidenceState
from portal.models.vocabulary import IncidentStatus
from portal.policy import Permission, can

# A viewer's readable reports are checked one by one (policy); past this many, the
# rest are counted but not listed.
MAX_CHECKED = 200


@dataclass(frozen=True)
class ReadableReport:
    """A report naming the identifier that the viewer may open: an advocate through
    their family files, a legal reviewer through a dossier sent to them."""

    incident_id: int
    family_code: str
    dossier_id: int | None = None
    dossier_reference: str = ""


@dataclass(frozen=True)
class Links:
    """How far an identifier reaches: counts over every family file, and the reports
    among them the viewer may open (the subject's own report excluded)."""

    incidents: int
    families: int
    readable: list[ReadableReport] = field(default_factory=list)
    own: int = 0  # the page's own reports among them

    @property
    def unreadable(self) -> int:
        """Reports the viewer sees only as a count (the page's own aside)."""
        return max(self.incidents - len(self.readable) - self.own, 0)


def naming_reports(recorded_by: datetime | None = None
                   ) -> Select[tuple[str, int, int, date | None]]:
    """(digest, incident id, family id, start day) for every identifier, recorded on a
    submitted report or on an item linked to one (not a withdrawn item). With
    `recorded_by`, only identifiers recorded and reports submitted by then (what an
    approved dossier counted when it was approved)."""
    # An unreadable number has no digest: it names nothing beyond its own subject.
    recorded: list[ColumnElement[bool]] = [Identifier.digest.is_not(None)]
    if recorded_by is not None:
        recorded.append(Identifier.created_at <= recorded_by)
    direct = select(Identifier.digest.label("digest"),
                    Identifier.incident_id.label("incident_id")).where(
        Identifier.incident_id.is_not(None), *recorded)
    through = (select(Identifier.digest.label("digest"),
                      evidence_incidents.c.incident_id.label("incident_id"))
               .join(evidence_incidents, evidence_incidents.c.evidence_id == Identifier.evidence_id)
               .join(EvidenceItem, EvidenceItem.id == Identifier.evidence_id)
               .where(EvidenceItem.state != EvidenceState.WITHDRAWN,  # shredded: gone
                      *recorded))
    both = union(direct, through).subquery()
    query = (select(both.c.digest, Incident.id, Incident.family_id, Incident.start_first_day)
             .join(Incident, Incident.id == both.c.incident_id)
             .where(Incident.status == IncidentStatus.SUBMITTED))
    if recorded_by is not None:
        query = query.where(Incident.submitted_at <= recorded_by)
    return query


def counts(digests: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Per digest: (submitted reports naming it, family files they belong to)."""
    wanted = sorted(set(digests))
    if not wanted:
        return {}
    naming = naming_reports().subquery()
    rows = db.session.execute(
        select(naming.c.digest, func.count(func.distinct(naming.c.id)),
               func.count(func.distinct(naming.c.family_id)))
        .where(naming.c.digest.in_(wanted)).group_by(naming.c.digest))
    return {digest: (int(n), int(f)) for digest, n, f in rows}


def reports_naming(digest: str) -> list[int]:
    """The ids of the submitted reports naming `digest`, oldest first."""
    naming = naming_reports().subquery()
    return list(db.session.scalars(
        select(naming.c.id).where(naming.c.digest == digest).order_by(naming.c.id)))


def may_see_links(viewer: User, subject: Incident | EvidenceItem) -> bool:
    """Staff who read the subject see how far its identifiers reach: the advocates
    reviewing the report (or an item through a report they read), and the legal
    reviewer of a dossier that cites it. Family members see their own identifiers only."""
    if viewer.role is Role.ADVOCATE:
        if isinstance(subject, Incident):
            return can(viewer, Permission.INCIDENT_REVIEW, subject)
        return can(viewer, Permission.EVIDENCE_READ, subject)
    if viewer.role is Role.LEGAL_REVIEWER:
        if isinstance(subject, Incident):
            return bool(reviewer_reads(viewer, [subject.id]))
        return can(viewer, Permission.EVIDENCE_READ, subject)
    return False


def links_of(viewer: User, digest: str, own_incidents: Sequence[int] = ()) -> Links:
    """Counts of `digest` over every family file, and the reports naming it that
    `viewer` may open, other than `own_incidents` (the page's own report)."""
    found = counts([digest]).get(digest, (0, 0))
    naming = reports_naming(digest)
    others = [i for i in naming if i not in set(own_incidents)]
    return Links(found[0], found[1], readable_reports(viewer, others),
                 own=len(naming) - len(others))


def readable_reports(viewer: User, incident_ids: Sequence[int]) -> list[ReadableReport]:
    """Those of `incident_ids` that `viewer` may open, each checked by the policy."""
    checked = list(incident_ids)[:MAX_CHECKED]
    if viewer.role is Role.LEGAL_REVIEWER:
        return [ReadableReport(i, "", dossier.id, _reference(dossier))
                for i, dossier in reviewer_reads(viewer, checked).items()]
    incidents = db.session.scalars(
        select(Incident).where(Incident.id.in_(checked)).order_by(Incident.id).options(
            selectinload(Incident.family).selectinload(Family.assignments),
            selectinload(Incident.family).selectinload(Family.memberships)))
    return [ReadableReport(incident.id, incident.family.code) for incident in incidents
            if can(viewer, Permission.INCIDENT_READ, incident)]


def reviewer_reads(viewer: User, incident_ids: Sequence[int]) -> dict[int, Dossier]:
    """The reports among `incident_ids` cited by a dossier sent to `viewer` for review
    (and readable by them under the policy), each with one such dossier."""
    rows = db.session.execute(
        select(DossierIncident.incident_id, Dossier)
        .join(Dossier, Dossier.id == DossierIncident.dossier_id)
        .where(DossierIncident.incident_id.in_(list(incident_ids)),
               Dossier.reviewer_id == viewer.id, Dossier.status != DossierStatus.DRAFT)
        .order_by(DossierIncident.incident_id, Dossier.id))
    found: dict[int, Dossier] = {}
    for incident_id, dossier in rows:
        if incident_id not in found and can(viewer, Permission.DOSSIER_READ, dossier):
            found[incident_id] = dossier
    return found


def _reference(dossier: Dossier) -> str:
    return f"PS752-{dossier.number:04d}"
