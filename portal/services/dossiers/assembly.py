"""The dossier as a document: plain, frozen data in the order and numbering the PDF
will use, built from the database for one variant (confidential or public).

Nothing here is an ORM object, so the HTML preview and the PDF templates render the
same thing and cannot reach further into the database. The confidential document's
canonical JSON gives the content hash a legal reviewer approves.

Identity rules (DESIGN §4): a person appears by their code unless they agreed to be
named, and then by name only in the confidential variant; a pseudonymous person's
real name, wherever it was typed, is replaced by their code in every variant.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date

from sqlalchemy import select

from portal.calendar import DateInputError, format_both, guess_calendar, parse_date
from portal.crypto.kit import CryptoKit
from portal.models import Dossier, DossierExhibit, Incident, IncidentRevision, Person, db
from portal.models.dossiers import RedactionReason, SectionKey, TranslationMethod
from portal.pdf.document import (
    DateText,
    Declaration,
    DossierDocument,  # also named as assembly.DossierDocument by the views
    ExhibitEntry,
    IncidentEntry,
    SectionText,
    TranslationText,
)
from portal.services import translations as translation_service
from portal.services.dossiers import facts as facts_service
from portal.services.dossiers.consent_gate import shown_by_code
from portal.services.dossiers.redaction import Redactor, build_redactor, marker
from portal.services.dossiers.sections import section_sources
from portal.services.evidence import description_of
from portal.services.incident_content import IncidentContent
from portal.services.incidents import load_content, revision_content
from portal.services.review import legal_tags_of
from portal.services.sealing import open_text

__all__ = ["CONFIDENTIAL", "PUBLIC", "VARIANTS", "DossierDocument", "assemble", "content_hash",
           "exhibit_label"]

CONFIDENTIAL = "confidential"
PUBLIC = "public"
VARIANTS = (CONFIDENTIAL, PUBLIC)


def exhibit_label(number: int) -> str:
    return f"EX-{number:04d}"


def assemble(kit: CryptoKit, dossier: Dossier, variant: str,
             agency_name: facts_service.NameOf) -> DossierDocument:
    """The whole dossier for one variant. `agency_name` gives agency labels in the
    dossier's language (labels live in the web layer)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    redactor = build_redactor(kit, dossier, public=variant == PUBLIC)
    facts = facts_service.compute_facts(dossier)
    cited = _exhibits_by_report(dossier)
    incidents = tuple(_incident_entry(kit, dossier, entry.incident, entry.position,
                                      entry.revision_number, redactor, cited)
                      for entry in dossier.incidents)
    exhibits = tuple(_exhibit_entry(kit, dossier, exhibit, redactor)
                     for exhibit in dossier.exhibits)
    sources = section_sources(kit, dossier)
    sections = tuple(
        SectionText(key.value, redactor.text(facts_service.substitute(
            sources.get(key.value, ""), facts, dossier.language, agency_name)))
        for key in SectionKey)
    title = redactor.text(open_text(kit, dossier, "title_sealed"))
    supersedes = db.session.get(Dossier, dossier.supersedes_id) if dossier.supersedes_id else None
    return DossierDocument(
        variant=variant, number=dossier.number, version=dossier.version,
        reference=f"PS752-{dossier.number:04d}", title=title, kind=dossier.kind.value,
        destination=dossier.destination, language=dossier.language,
        classification=CONFIDENTIAL if variant == CONFIDENTIAL else PUBLIC,
        earlier_reference=redactor.reference(open_text(kit, dossier,
                                                       "earlier_reference_sealed")),
        supersedes_version=supersedes.version if supersedes else None,
        contributors=tuple(c.advocate.username for c in dossier.contributors)
        if variant == CONFIDENTIAL else (),
        sections=sections, incidents=incidents, exhibits=exhibits, facts=facts,
        redaction_reasons=redactor.reasons_used())


def content_hash(document: DossierDocument) -> str:
    """SHA-256 of the document's canonical JSON: what a reviewer approves."""
    payload = json.dumps(asdict(document), sort_keys=True, separators=(",", ":"),
                         ensure_ascii=False, default=_json_default)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _pinned_revision(incident: Incident, revision: int) -> IncidentRevision | None:
    return db.session.scalar(select(IncidentRevision).where(
        IncidentRevision.incident_id == incident.id, IncidentRevision.number == revision))


def _pinned_content(kit: CryptoKit, incident: Incident,
                    row: IncidentRevision | None) -> IncidentContent:
    """The incident as it was at the revision the dossier cites."""
    return revision_content(kit, row) if row else load_content(kit, incident)


def _declaration(incident: Incident, row: IncidentRevision | None) -> Declaration | None:
    """The reporter's statement of truth for the cited version, by the family file's code
    in every variant (a reporter is never named in a dossier)."""
    if row is None or row.declared_true_at is None:
        return None
    return Declaration(declared_on=row.declared_true_at.date().isoformat(),
                       declared_by=incident.family.code)


def _date(text: str, calendar_hint: str, locale: str) -> DateText | None:
    text = text.strip()
    if not text:
        return None
    calendar = guess_calendar(text)
    try:
        parsed = parse_date(text, calendar or calendar_hint, today=date.max)  # type: ignore[arg-type]
    except (DateInputError, ValueError):
        return DateText(text, "", text)
    primary, secondary = format_both(parsed, locale)
    return DateText(primary, secondary, text)


def _person_label(kit: CryptoKit, person: Person, public: bool) -> str:
    if public or shown_by_code(person):
        return person.code
    name = open_text(kit, person, "name_latin_sealed") or open_text(kit, person,
                                                                    "name_persian_sealed")
    return f"{name} ({person.code})" if name else person.code


def _incident_entry(kit: CryptoKit, dossier: Dossier, incident: Incident, position: int,
                    revision: int, redactor: Redactor,
                    cited: dict[int, tuple[str, ...]]) -> IncidentEntry:
    row = _pinned_revision(incident, revision)
    content = _pinned_content(kit, incident, row)
    people = {p.id: p for p in incident.family.people}
    targets = tuple(_person_label(kit, people[pid], redactor.public)
                    for pid in content.target_ids if pid in people)
    locale = dossier.language
    text = redactor.text
    return IncidentEntry(
        position=position, report=incident.id, revision=revision, family=incident.family.code,
        start=_date(content.start_text, content.calendar, locale),
        end=_date(content.end_text, content.calendar, locale),
        country=content.country, province=redactor.place(content.province),
        city=redactor.place(content.city), place_type=content.place_type,
        online_platform=text(content.online_platform), country_sent=content.country_sent,
        country_received=content.country_received,
        country_carried_out=content.country_carried_out,
        types=tuple(content.type_codes), agencies=tuple(content.agencies),
        trigger=content.trigger, narrative=text(content.narrative),
        narrative_language=content.narrative_language,
        translations=_translations(kit, incident, dossier.language, redactor),
        demands=text(content.demands), threat_wording=text(content.threat_wording),
        perpetrators=text(content.perpetrators), targets=targets,
        harms=tuple(content.harms), harm_note=text(content.harm_note),
        authority=content.report_authority,
        authority_reference=redactor.reference(content.report_reference),
        verification=incident.verification.value,
        legal_tags=tuple((t.tag, t.confirmed_at is not None) for t in legal_tags_of(incident)),
        exhibits=cited.get(incident.id, ()),
        declaration=_declaration(incident, row),
    )


def _exhibit_entry(kit: CryptoKit, dossier: Dossier, exhibit: DossierExhibit,
                   redactor: Redactor) -> ExhibitEntry:
    item = exhibit.evidence
    described = description_of(kit, item)
    copy = next((r for r in item.renditions if r.purpose == "viewing_copy"), None)
    stripped = exhibit.use_stripped and copy is not None
    return ExhibitEntry(
        number=exhibit_label(exhibit.number), title=redactor.text(described.title),
        kind=item.kind.value, claimed_date=described.claimed_date_text,
        creator=redactor.text(described.creator), source=redactor.text(described.source),
        media_type=item.detected_media_type, size_bytes=item.size_bytes, sha256=item.sha256,
        shown_sha256=copy.sha256 if stripped and copy else item.sha256,
        shown="viewing_copy" if stripped else "original", classification=item.classification,
        reports=tuple(i.id for i in item.incidents
                      if any(e.incident_id == i.id for e in dossier.incidents)),
        withheld=exhibit.withheld,
        translations=_translations(kit, item, dossier.language, redactor),
        language=described.content_language,
    )


def _exhibits_by_report(dossier: Dossier) -> dict[int, tuple[str, ...]]:
    cited: dict[int, list[str]] = {}
    for exhibit in dossier.exhibits:
        if exhibit.withheld:
            continue
        for incident in exhibit.evidence.incidents:
            cited.setdefault(incident.id, []).append(exhibit_label(exhibit.number))
    return {report: tuple(labels) for report, labels in cited.items()}


def _translations(kit: CryptoKit, subject: object, language: str,
                  redactor: Redactor) -> tuple[TranslationText, ...]:
    return tuple(
        TranslationText(language=t.language, text=redactor.text(t.text),
                        translator=_translator(t.translator, t.method, redactor),
                        method=t.method,
                        certified=t.certified)
        for t in translation_service.translations_for(kit, subject, language))  # type: ignore[arg-type]


def _translator(name: str, method: str, redactor: Redactor) -> str:
    """A translator is named in the confidential variant only (the translation form
    promises it); a machine translation's tool is not a person and stays."""
    if not redactor.public or method == TranslationMethod.MACHINE.value or not name.strip():
        return redactor.text(name)
    redactor.used.add(RedactionReason.R3.value)
    return marker(RedactionReason.R3.value)
