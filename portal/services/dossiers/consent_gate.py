"""The consent gate: nothing goes into a dossier unless its consent covers the
dossier's destination, and a withdrawal after inclusion blocks approval and export.

A gap names exactly what is missing and from whom, so the advocate knows whom to ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from portal.models import Dossier, EvidenceItem, Incident, Person
from portal.models.evidence import EvidenceState
from portal.models.vocabulary import Disclosure
from portal.services.consent import allows, current_consent
from portal.services.evidence import item_allows


class GapReason(StrEnum):
    NEVER_GIVEN = "never_given"
    WITHDRAWN = "withdrawn"
    NOT_THIS_DESTINATION = "not_this_destination"
    ITEM_NARROWER = "item_narrower"  # the item's own consent excludes the destination
    ITEM_WITHDRAWN = "item_withdrawn"  # the evidence item itself was withdrawn


@dataclass(frozen=True)
class ConsentGap:
    subject: str  # "incident", "person" or "exhibit"
    subject_id: int
    label: str  # report number, person code or item number: never a name
    whose: str  # the family code whose consent is missing
    reason: GapReason


def incident_gaps(incident: Incident, destination: str) -> list[ConsentGap]:
    """What stops `incident` (and the people it targets) from going to `destination`."""
    gaps = []
    reason = _subject_gap(incident, destination)
    if reason:
        gaps.append(ConsentGap("incident", incident.id, str(incident.id),
                               incident.family.code, reason))
    for person in incident.targets:
        reason = _subject_gap(person, destination)
        if reason:
            gaps.append(ConsentGap("person", person.id, person.code, incident.family.code,
                                   reason))
    return gaps


def item_gap(item: EvidenceItem, destination: str) -> ConsentGap | None:
    """Why an evidence item may not go to `destination` (None when it may)."""
    if item_allows(item, destination):
        return None
    if item.state is not EvidenceState.ACTIVE:
        reason = GapReason.ITEM_WITHDRAWN
    elif item.consent_destinations is not None and destination not in item.consent_destinations:
        reason = GapReason.ITEM_NARROWER
    else:
        reason = GapReason.NOT_THIS_DESTINATION
    return ConsentGap("exhibit", item.id, str(item.id), item.family.code, reason)


def dossier_gaps(dossier: Dossier) -> list[ConsentGap]:
    """Every consent that no longer covers what the dossier includes (withheld exhibits
    are not sent, so they do not count). Empty means approval and export may proceed."""
    gaps = [gap for entry in dossier.incidents
            for gap in incident_gaps(entry.incident, dossier.destination)]
    for exhibit in dossier.exhibits:
        if not exhibit.withheld:
            gap = item_gap(exhibit.evidence, dossier.destination)
            if gap:
                gaps.append(gap)
    return gaps


def shown_by_code(person: Person) -> bool:
    """True unless the person agreed to be named: pseudonym, anonymity, withdrawal or no
    consent at all all mean the code, in every variant."""
    record = current_consent(person)
    return not (record and not record.withdrawn and record.disclosure is Disclosure.FULL_NAME)


def _subject_gap(subject: Incident | Person, destination: str) -> GapReason | None:
    """None when the subject's consent covers `destination`; otherwise why it does not."""
    if allows(subject, destination):
        return None
    record = current_consent(subject)
    if record is None:
        return GapReason.NEVER_GIVEN
    return GapReason.WITHDRAWN if record.withdrawn else GapReason.NOT_THIS_DESTINATION
