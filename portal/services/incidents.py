"""Reporting incidents: drafts, submission, amendments kept as revisions.

Nothing a reporter submitted is overwritten: the incident row holds the current
version, and every submitted version is kept whole, sealed, in a revision.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.audit import AuditAction, Outcome, record_event
from portal.calendar import ParsedDate
from portal.crypto.kit import CryptoKit
from portal.models import (
    AuthorityReport,
    Family,
    Incident,
    IncidentAgency,
    IncidentHarm,
    IncidentRevision,
    IncidentTypeTerm,
    Person,
    User,
    db,
    utcnow,
)
from portal.models.vocabulary import (
    Agency,
    Authority,
    Harm,
    IncidentPrecision,
    IncidentStatus,
    PlaceType,
    Trigger,
)
from portal.policy import Permission, can
from portal.services import notices
from portal.services.errors import InvalidFields, PermissionDenied, ValidationFailed
from portal.services.incident_content import (
    IncidentContent,
    ParsedDates,
    missing_for_submission,
    validate_content,
)
from portal.services.sealing import open_text, seal_text
from portal.services.search_index import reindex_incident

SEALED_TEXT = {
    "province": "province_sealed", "city": "city_sealed",
    "online_platform": "online_platform_sealed",
    "narrative": "narrative_sealed", "demands": "demands_sealed",
    "threat_wording": "threat_wording_sealed", "perpetrators": "perpetrators_sealed",
    "harm_note": "harm_note_sealed", "witnesses": "witnesses_sealed",
}
# Dates as typed (they must parse as dates), countries, the zone and closed choices.
PLAIN_TEXT = ("start_text", "end_text", "approximate", "timezone", "country",
              "country_sent", "country_received", "country_carried_out",
              "narrative_language", "reporter_is_target")


def narrative_language(text: str, fallback: str) -> str:
    """The language an account is written in, where the form does not ask: Persian
    when most of its letters are of the Arabic script (a Persian speaker may use the
    portal in English), else `fallback` (the writer's language when the draft was
    started). Dossiers use it to know which accounts need a translation."""
    letters = [ch for ch in text if ch.isalpha()]
    arabic = sum(1 for ch in letters
                 if "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff")
    if letters and arabic * 2 > len(letters):
        return "fa"
    return "" if fallback == "fa" and letters else fallback


def start_draft(actor: User, family: Family) -> Incident:
    """A new, empty draft in the actor's family file."""
    if not can(actor, Permission.INCIDENT_CREATE, family):
        raise PermissionDenied(_l("You cannot report for this family file."))
    incident = Incident(family_id=family.id, reporter_id=actor.id, family=family,
                        narrative_language=actor.locale or "")
    db.session.add(incident)
    db.session.flush()
    record_event(AuditAction.INCIDENT_CREATED, Outcome.SUCCESS, actor=actor,
                 target_type="incident", target_id=incident.id)
    return incident


def load_content(kit: CryptoKit, incident: Incident) -> IncidentContent:
    """The incident's current content, decrypted."""
    content = IncidentContent(
        calendar=incident.start_calendar or IncidentContent.calendar,
        place_type=incident.place_type.value if incident.place_type else "",
        trigger=incident.trigger.value if incident.trigger else "",
        type_codes=[t.code for t in incident.types],
        agencies=[a.agency.value for a in incident.agencies],
        target_ids=[p.id for p in incident.targets],
        harms=[h.harm.value for h in incident.harms],
    )
    for name in PLAIN_TEXT:
        setattr(content, name, getattr(incident, name))
    for name, column in SEALED_TEXT.items():
        setattr(content, name, open_text(kit, incident, column))
    if incident.authority_reports:
        report = incident.authority_reports[0]
        content.report_authority = report.authority.value
        content.report_date = report.reported_on_text
        content.report_reference = open_text(kit, report, "reference_sealed")
    return content


def save_draft(kit: CryptoKit, actor: User, incident: Incident, content: IncidentContent,
               today: date, choices: Choices) -> None:
    """Store whatever is there so far; only malformed values are refused."""
    _require_status(incident, IncidentStatus.DRAFT)
    _apply(kit, actor, incident, content, today, choices)
    record_event(AuditAction.INCIDENT_DRAFT_SAVED, Outcome.SUCCESS, actor=actor,
                 target_type="incident", target_id=incident.id)


def submit(kit: CryptoKit, actor: User, incident: Incident, content: IncidentContent,
           today: date, choices: Choices, declared: bool = False) -> IncidentRevision:
    """Submit a draft: it must be complete; revision 1 keeps it as submitted.
    `declared`: the reporter made the statement of truth for this version."""
    _require_status(incident, IncidentStatus.DRAFT)
    missing = missing_for_submission(content)
    _apply(kit, actor, incident, content, today, choices, also=missing)
    incident.status = IncidentStatus.SUBMITTED
    incident.submitted_at = utcnow()
    revision = _add_revision(kit, actor, incident, content, changed=[], declared=declared)
    reindex_incident(kit, incident, content)
    record_event(AuditAction.INCIDENT_SUBMITTED, Outcome.SUCCESS, actor=actor,
                 target_type="incident", target_id=incident.id)
    notices.report_submitted(incident)
    return revision


def amend(kit: CryptoKit, actor: User, incident: Incident, content: IncidentContent,
          today: date, choices: Choices, declared: bool = False) -> IncidentRevision | None:
    """Change a submitted report. Returns the new revision, or None if nothing changed
    (a statement of truth alone makes no new version: it is made for a version)."""
    _require_status(incident, IncidentStatus.SUBMITTED)
    if not can(actor, Permission.INCIDENT_AMEND, incident):
        raise PermissionDenied(_l("Only the person who reported this can change it."))
    before = load_content(kit, incident)
    _apply(kit, actor, incident, content, today, choices, also=missing_for_submission(content))
    changed = content.changed_fields(before)
    if not changed:
        return None
    revision = _add_revision(kit, actor, incident, content, changed, declared=declared)
    reindex_incident(kit, incident, content)
    record_event(AuditAction.INCIDENT_AMENDED, Outcome.SUCCESS, actor=actor,
                 target_type="incident", target_id=incident.id,
                 details={"revision": revision.number, "fields": len(changed),
                          "declared_true": declared})
    return revision


def revision_content(kit: CryptoKit, revision: IncidentRevision) -> IncidentContent:
    data = json.loads(open_text(kit, revision, "snapshot_sealed"))
    return IncidentContent.from_dict(data)


def revisions_of(incident: Incident) -> list[IncidentRevision]:
    return list(db.session.scalars(select(IncidentRevision).where(
        IncidentRevision.incident_id == incident.id).order_by(IncidentRevision.number)))


class Choices:
    """What a family's form may offer: active types, the family's people, countries, zones."""

    def __init__(self, family: Family, countries: Iterable[str], timezones: Iterable[str]):
        self.types = {t.code: t for t in db.session.scalars(
            select(IncidentTypeTerm).where(IncidentTypeTerm.active))}
        self.people = {p.id: p for p in db.session.scalars(
            select(Person).where(Person.family_id == family.id))}
        self.countries = set(countries)
        self.timezones = set(timezones)


def _require_status(incident: Incident, status: IncidentStatus) -> None:
    if incident.status is not status:
        raise ValidationFailed(_l("This report has changed state meanwhile. Reload the page."))


def _apply(kit: CryptoKit, actor: User, incident: Incident, content: IncidentContent,
           today: date, choices: Choices, also: dict[str, LazyString] | None = None) -> None:
    errors, dates = validate_content(
        content, today=today, known_type_codes=set(choices.types),
        family_person_ids=set(choices.people), countries=choices.countries,
        timezones=choices.timezones)
    errors = {**(also or {}), **errors}
    if errors:
        raise InvalidFields(errors)
    # The revision made from `content` records it too.
    content.narrative_language = content.narrative_language or narrative_language(
        content.narrative, incident.narrative_language)
    for name in PLAIN_TEXT:
        value = getattr(content, name)
        setattr(incident, name, value.strip() if isinstance(value, str) else value)
    for name, column in SEALED_TEXT.items():
        seal_text(kit, incident, column, getattr(content, name))
    incident.place_type = PlaceType(content.place_type) if content.place_type else None
    incident.trigger = Trigger(content.trigger) if content.trigger else None
    _apply_dates(incident, content, dates)
    incident.types = [choices.types[code] for code in content.type_codes]
    incident.targets = [choices.people[pid] for pid in content.target_ids]
    incident.agencies = [IncidentAgency(agency=Agency(a)) for a in dict.fromkeys(content.agencies)]
    incident.harms = [IncidentHarm(harm=Harm(h)) for h in dict.fromkeys(content.harms)]
    _apply_authority_report(kit, incident, content, dates.report)
    incident.updated_at = utcnow()
    db.session.flush()


def _apply_dates(incident: Incident, content: IncidentContent, dates: ParsedDates) -> None:
    for prefix, parsed, text in (("start", dates.start, content.start_text),
                                 ("end", dates.end, content.end_text)):
        setattr(incident, f"{prefix}_first_day", parsed.first_day if parsed else None)
        setattr(incident, f"{prefix}_last_day", parsed.last_day if parsed else None)
        setattr(incident, f"{prefix}_precision",
                IncidentPrecision(parsed.precision.value) if parsed else None)
        setattr(incident, f"{prefix}_time", parsed.time_of_day if parsed else None)
        setattr(incident, f"{prefix}_text", text.strip())
        setattr(incident, f"{prefix}_calendar", content.calendar if text.strip() else "")


def _apply_authority_report(kit: CryptoKit, incident: Incident, content: IncidentContent,
                            reported: ParsedDate | None) -> None:
    if not content.report_authority:
        incident.authority_reports = []
        return
    report = incident.authority_reports[0] if incident.authority_reports else AuthorityReport()
    report.authority = Authority(content.report_authority)
    report.reported_on = reported.first_day if reported else None
    report.reported_on_text = content.report_date.strip()
    incident.authority_reports = [report]
    db.session.flush()
    seal_text(kit, report, "reference_sealed", content.report_reference)


def _add_revision(kit: CryptoKit, actor: User, incident: Incident, content: IncidentContent,
                  changed: list[str], declared: bool = False) -> IncidentRevision:
    number = (db.session.scalar(select(func.max(IncidentRevision.number)).where(
        IncidentRevision.incident_id == incident.id)) or 0) + 1
    revision = IncidentRevision(incident_id=incident.id, number=number, author_id=actor.id,
                                changed_fields=changed, snapshot_sealed=b"",
                                declared_true_at=utcnow() if declared else None)
    db.session.add(revision)
    db.session.flush()
    seal_text(kit, revision, "snapshot_sealed", json.dumps(content.as_dict(), ensure_ascii=False))
    return revision
