"""Building a dossier: its details, its contributors, the incidents it cites in order,
and the exhibits that follow from them.

Every change needs `DOSSIER_EDIT` (a contributor, while the dossier is a draft or
returned); adding an incident also needs the advocate's own scope over it
(`INCIDENT_REVIEW`: assigned to its family) and consent for the destination. Every
contributor reads every report the dossier cites, so each must be assigned to the
family of each: a contributor joins only if they are, and a report is added only if
all of them are.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.models import (
    Dossier,
    DossierContributor,
    DossierExhibit,
    DossierIncident,
    EvidenceItem,
    Incident,
    Role,
    User,
    db,
    utcnow,
)
from portal.models.dossiers import DossierKind, IncidentOrder
from portal.models.evidence import EvidenceState
from portal.models.vocabulary import Destination, IncidentStatus
from portal.policy import Permission, can
from portal.policy.permissions import assigned_to_every_family, is_assigned
from portal.services.dossiers.consent_gate import ConsentGap, incident_gaps, item_gap
from portal.services.dossiers.sections import ensure_sections
from portal.services.errors import (
    ConsentMissing,
    EditConflict,
    InvalidFields,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from portal.services.evidence import items_of
from portal.services.incidents import revisions_of
from portal.services.sealing import open_text, seal_text

LANGUAGES = ("en", "fr")  # the languages the ICC Office of the Prosecutor works in
CLASSIFICATIONS = ("confidential",)  # the public variant is derived, never the source
MAX_TITLE = 200
MAX_REFERENCE = 120
MAX_REASON = 500


@dataclass(frozen=True)
class DossierDetails:
    title: str
    kind: str
    destination: str
    language: str
    earlier_reference: str = ""


def require(actor: User, permission: Permission, obj: object) -> None:
    if not can(actor, permission, obj):
        raise PermissionDenied(_l("You cannot change this dossier now."))


def details_of(kit: CryptoKit, dossier: Dossier) -> DossierDetails:
    return DossierDetails(title=open_text(kit, dossier, "title_sealed"), kind=dossier.kind.value,
                          destination=dossier.destination, language=dossier.language,
                          earlier_reference=open_text(kit, dossier, "earlier_reference_sealed"))


def create_dossier(kit: CryptoKit, actor: User, details: DossierDetails) -> Dossier:
    if not can(actor, Permission.DOSSIER_CREATE):
        raise PermissionDenied(_l("Only advocates compile dossiers."))
    _validate(details)
    number = (db.session.scalar(select(func.max(Dossier.number))) or 0) + 1
    dossier = Dossier(number=number, version=1, kind=DossierKind(details.kind),
                      destination=details.destination, language=details.language,
                      created_by_id=actor.id)
    db.session.add(dossier)
    db.session.flush()
    dossier.contributors.append(DossierContributor(advocate_id=actor.id))
    _seal_details(kit, dossier, details)
    db.session.flush()
    ensure_sections(kit, actor, dossier)
    record_event(AuditAction.DOSSIER_CREATED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id,
                 details={"number": number, "destination": details.destination})
    return dossier


def update_details(kit: CryptoKit, actor: User, dossier: Dossier, details: DossierDetails,
                   lock_version: int) -> None:
    """Save the details unless someone saved them since `lock_version` was read."""
    require(actor, Permission.DOSSIER_EDIT, dossier)
    if lock_version != dossier.lock_version:
        raise _conflict()
    _validate(details)
    changed_destination = details.destination != dossier.destination
    dossier.kind = DossierKind(details.kind)
    dossier.destination = details.destination
    dossier.language = details.language
    dossier.updated_at = utcnow()
    _seal_details(kit, dossier, details)
    try:
        db.session.flush()
    except StaleDataError as exc:  # another save landed between our read and write
        raise _conflict() from exc
    if changed_destination:
        sync_exhibits(dossier)
    record_event(AuditAction.DOSSIER_UPDATED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id)


def add_contributor(actor: User, dossier: Dossier, advocate: User | None) -> None:
    """Let another active advocate work on the dossier. Raises ValidationFailed (field
    "username") unless they are assigned to every family whose reports it cites."""
    require(actor, Permission.DOSSIER_EDIT, dossier)
    if advocate is None or advocate.role is not Role.ADVOCATE or not advocate.is_active:
        raise ValidationFailed(_l("Enter the user name of an active advocate."), field="username")
    if any(c.advocate_id == advocate.id for c in dossier.contributors):
        return
    if not assigned_to_every_family(advocate, dossier):
        raise ValidationFailed(_l(
            "%(username)s is not assigned to every family whose reports this dossier "
            "cites, so they cannot work on it.", username=advocate.username),
            field="username")
    dossier.contributors.append(DossierContributor(advocate_id=advocate.id))
    db.session.flush()
    record_event(AuditAction.DOSSIER_CONTRIBUTOR_ADDED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id, details={"advocate": advocate.id})


def add_incident(actor: User, dossier: Dossier, incident: Incident) -> DossierIncident:
    """Add a submitted incident of the actor's families, if every contributor is
    assigned to its family and its consent (and that of the people it targets) covers
    the destination. Raises ValidationFailed (field "incident_id") naming the
    contributors who are not assigned; ConsentMissing with the gaps."""
    require(actor, Permission.DOSSIER_EDIT, dossier)
    if (not can(actor, Permission.INCIDENT_REVIEW, incident)
            or incident.status is not IncidentStatus.SUBMITTED):
        raise NotFound(_l("No such report."))
    existing = next((e for e in dossier.incidents if e.incident_id == incident.id), None)
    if existing:
        return existing
    outsiders = sorted(c.advocate.username for c in dossier.contributors
                       if not is_assigned(c.advocate, incident.family))
    if outsiders:
        raise ValidationFailed(_l(
            "Some advocates of this dossier (%(usernames)s) are not assigned to the family "
            "of this report, so it cannot be added.", usernames=", ".join(outsiders)),
            field="incident_id")
    gaps = incident_gaps(incident, dossier.destination)
    if gaps:
        record_event(AuditAction.DOSSIER_INCIDENT_REFUSED, Outcome.DENIED, actor=actor,
                     target_type="dossier", target_id=dossier.id,
                     details={"incident": incident.id, "gaps": len(gaps)})
        raise ConsentMissing(_l("This report cannot be added: consent is missing."), list(gaps))
    entry = DossierIncident(incident_id=incident.id, added_by_id=actor.id,
                            position=len(dossier.incidents) + 1,
                            revision_number=latest_revision(incident))
    dossier.incidents.append(entry)
    db.session.flush()
    _apply_order(dossier)
    sync_exhibits(dossier)
    record_event(AuditAction.DOSSIER_INCIDENT_ADDED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id, details={"incident": incident.id})
    return entry


def remove_incident(actor: User, dossier: Dossier, entry: DossierIncident) -> None:
    require(actor, Permission.DOSSIER_EDIT, dossier)
    incident_id = entry.incident_id
    dossier.incidents.remove(entry)
    db.session.flush()
    _renumber_positions(dossier)
    sync_exhibits(dossier)
    record_event(AuditAction.DOSSIER_INCIDENT_REMOVED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id, details={"incident": incident_id})


def move_incident(actor: User, dossier: Dossier, entry: DossierIncident, step: int) -> None:
    """Move one place up (-1) or down (+1); the order becomes manual."""
    require(actor, Permission.DOSSIER_EDIT, dossier)
    entries = list(dossier.incidents)
    index = entries.index(entry)
    target = index + (1 if step > 0 else -1)
    if not 0 <= target < len(entries):
        return
    entries[index], entries[target] = entries[target], entries[index]
    for position, each in enumerate(entries, start=1):
        each.position = position
    dossier.incident_order = IncidentOrder.MANUAL
    db.session.flush()
    db.session.expire(dossier, ["incidents"])
    record_event(AuditAction.DOSSIER_INCIDENTS_ORDERED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id, details={"order": "manual"})


def sort_incidents(actor: User, dossier: Dossier, order: str) -> None:
    require(actor, Permission.DOSSIER_EDIT, dossier)
    if order not in (IncidentOrder.DATE.value, IncidentOrder.TYPE.value):
        raise ValidationFailed(_l("Choose from the list."), field="order")
    dossier.incident_order = IncidentOrder(order)
    _apply_order(dossier)
    record_event(AuditAction.DOSSIER_INCIDENTS_ORDERED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id, details={"order": order})


def latest_revision(incident: Incident) -> int:
    revisions = revisions_of(incident)
    return revisions[-1].number if revisions else 0


def candidate_items(dossier: Dossier) -> list[EvidenceItem]:
    """The active evidence of the dossier's incidents, in incident order, each once."""
    seen: dict[int, EvidenceItem] = {}
    for entry in dossier.incidents:
        for item in items_of(entry.incident):
            if item.state is EvidenceState.ACTIVE:
                seen.setdefault(item.id, item)
    return list(seen.values())


def left_out_items(dossier: Dossier) -> list[ConsentGap]:
    """Evidence of the chosen incidents that consent keeps out of the exhibits."""
    gaps = (item_gap(item, dossier.destination) for item in candidate_items(dossier))
    return [gap for gap in gaps if gap is not None]


def sync_exhibits(dossier: Dossier) -> None:
    """Make the exhibit list follow the incidents: keep existing numbers, give new
    items the next numbers, drop items no chosen incident cites any more, and leave
    out items whose consent does not cover the destination."""
    allowed = [item for item in candidate_items(dossier)
               if item_gap(item, dossier.destination) is None]
    wanted = {item.id for item in allowed}
    for exhibit in list(dossier.exhibits):
        if exhibit.evidence_id not in wanted:
            dossier.exhibits.remove(exhibit)
    db.session.flush()
    present = {exhibit.evidence_id for exhibit in dossier.exhibits}
    next_number = max((e.number for e in dossier.exhibits), default=0) + 1
    for item in allowed:
        if item.id not in present:
            dossier.exhibits.append(DossierExhibit(evidence_id=item.id, number=next_number))
            next_number += 1
    db.session.flush()


def renumber_exhibits(actor: User, dossier: Dossier) -> None:
    """Close the gaps: EX-0001... in the order of the incidents that cite them."""
    require(actor, Permission.DOSSIER_EDIT, dossier)
    order = {item.id: index for index, item in enumerate(candidate_items(dossier))}
    exhibits = sorted(dossier.exhibits, key=lambda e: order.get(e.evidence_id, len(order)))
    # Two passes: numbers are unique per dossier, so move out of the way first.
    for exhibit in exhibits:
        exhibit.number = -exhibit.number
    db.session.flush()
    for number, exhibit in enumerate(exhibits, start=1):
        exhibit.number = number
    db.session.flush()
    db.session.expire(dossier, ["exhibits"])
    record_event(AuditAction.DOSSIER_EXHIBITS_RENUMBERED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id)


def set_exhibit(kit: CryptoKit, actor: User, dossier: Dossier, exhibit: DossierExhibit,
                withheld: bool, reason: str, use_stripped: bool) -> None:
    """Withhold an exhibit (a reason is required) or show its metadata-free copy."""
    require(actor, Permission.DOSSIER_EDIT, dossier)
    reason = reason.strip()
    if withheld and not reason:
        raise ValidationFailed(_l("Say why this exhibit is withheld."), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(_l("Use at most %(max)d characters.", max=MAX_REASON),
                               field="reason")
    if use_stripped and not any(r.purpose == "viewing_copy"
                                for r in exhibit.evidence.renditions):
        raise ValidationFailed(_l("This item has no metadata-free copy."), field="use_stripped")
    exhibit.withheld = withheld
    seal_text(kit, exhibit, "withheld_reason_sealed", reason if withheld else "")
    exhibit.use_stripped = use_stripped
    db.session.flush()
    record_event(AuditAction.DOSSIER_EXHIBIT_CHANGED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id,
                 details={"exhibit": exhibit.number, "withheld": withheld,
                          "stripped": use_stripped})


def _validate(details: DossierDetails) -> None:
    errors = {}
    title = details.title.strip()
    if not title:
        errors["title"] = _l("Give the dossier a title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _l("Use at most %(max)d characters.", max=MAX_TITLE)
    if details.kind not in {k.value for k in DossierKind}:
        errors["kind"] = _l("Choose from the list.")
    if details.destination not in {d.value for d in Destination}:
        errors["destination"] = _l("Choose from the list.")
    if details.language not in LANGUAGES:
        errors["language"] = _l("Choose English or French.")
    if len(details.earlier_reference.strip()) > MAX_REFERENCE:
        errors["earlier_reference"] = _l("Use at most %(max)d characters.", max=MAX_REFERENCE)
    if errors:
        raise InvalidFields(errors)


def _seal_details(kit: CryptoKit, dossier: Dossier, details: DossierDetails) -> None:
    seal_text(kit, dossier, "title_sealed", details.title)
    seal_text(kit, dossier, "earlier_reference_sealed", details.earlier_reference)


def _apply_order(dossier: Dossier) -> None:
    """Re-sort by date (undated last) or by first type; manual order stays as it is."""
    if dossier.incident_order is IncidentOrder.MANUAL:
        return
    entries = list(dossier.incidents)
    if dossier.incident_order is IncidentOrder.DATE:
        entries.sort(key=lambda e: (e.incident.start_first_day is None,
                                    e.incident.start_first_day, e.incident_id))
    else:
        entries.sort(key=lambda e: (min((t.position for t in e.incident.types), default=10**6),
                                    e.incident.start_first_day is None,
                                    e.incident.start_first_day, e.incident_id))
    for position, entry in enumerate(entries, start=1):
        entry.position = position
    db.session.flush()
    db.session.expire(dossier, ["incidents"])


def _renumber_positions(dossier: Dossier) -> None:
    for position, entry in enumerate(dossier.incidents, start=1):
        entry.position = position
    db.session.flush()


def _conflict() -> EditConflict:
    return EditConflict(_l("Someone else saved this dossier after you opened it. Your text "
                           "is below: compare it with the saved version, then save again."))
