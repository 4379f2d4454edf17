"""The dossier as a document: plain, frozen data in the order and numbering the PDF
will use, built from the database for one variant (confidential or public).

Nothing here is an ORM object, so the HTML preview and the PDF templates render the
same thing and cannot reach further into the database. The document is built as the
rows hold it, then redacted in one last stage over the whole of it
(portal/services/dossiers/redaction.py): every caller (the preview, the review page,
the export job, the command line) gets the redacted document and nothing else. The
confidential document's canonical JSON, redacted, gives the content hash a legal
reviewer approves: the hash of what the reviewer reads and what is printed, so that a
change of what must be redacted (a relative who now chose a pseudonym) changes it.

Identity rules (DESIGN §4): a person appears by their code unless they agreed to be
named, and then by name only in the confidential variant; a pseudonymous person's
real name, wherever it was typed, is replaced by their code in every variant. The
PS752 victims each family file relates to come from the register, by name in the
confidential variant only (a victim's name beside a family file's code would name
the family).

Exhibits (`treatment`): the public variant describes only those classified public,
and never prints an original file name; every other exhibit is a withheld sheet there
(its number alone), on the same pages.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date

from sqlalchemy import select

from portal.calendar import DateInputError, format_both, guess_calendar, parse_date
from portal.crypto.kit import CryptoKit
from portal.models import Dossier, DossierExhibit, Incident, IncidentRevision, Person, db
from portal.models.dossiers import SectionKey
from portal.pdf.document import (
    WITHHELD_SHEET,
    DateText,
    Declaration,
    DossierDocument,  # also named as assembly.DossierDocument by the views
    ExhibitEntry,
    FamilyEntry,
    IncidentEntry,
    MachineRead,
    SectionText,
    SectionTranslationText,
    TranslationText,
    VictimEntry,
)
from portal.services import translations as translation_service
from portal.services.dossiers import facts as facts_service
from portal.services.dossiers import redaction, section_translations
from portal.services.dossiers.consent_gate import shown_by_code
from portal.services.dossiers.protected_terms import identifier_reason, protected_terms
from portal.services.dossiers.sections import section_sources
from portal.services.evidence import description_of, filename_of
from portal.services.exhibit_messages import message_range_text
from portal.services.identifiers.dossier_section import recurring_entries
from portal.services.incident_content import IncidentContent
from portal.services.incidents import load_content, revision_content
from portal.services.recognised_text import printable_text
from portal.services.review import legal_tags_of
from portal.services.sealing import open_text

__all__ = ["CONFIDENTIAL", "PUBLIC", "REDACTED_COPY", "VARIANTS", "DossierDocument", "assemble",
           "content_hash", "exhibit_label", "treatment"]

CONFIDENTIAL = "confidential"
PUBLIC = "public"
VARIANTS = (CONFIDENTIAL, PUBLIC)

# How a variant shows an exhibit (`treatment`): the review page says it, the document,
# the export's material (renditions, custody, originals) and the PDF follow it.
IN_FULL = "in_full"
STRIPPED_COPY = "stripped_copy"  # its copy without metadata is what is shown
# WITHHELD_SHEET (portal.pdf.document): public only, a sheet in its place, nothing of it.
WITHHELD = "withheld"  # withheld by the advocates from every variant: no pages at all
# Public only: an exhibit classified public with redacted pages shows its page images,
# blacked out where marked, and nothing else of it (redacted_renditions.py).
REDACTED_COPY = "redacted_copy"
SHOWN = (IN_FULL, STRIPPED_COPY, REDACTED_COPY)


def exhibit_label(number: int) -> str:
    return f"EX-{number:04d}"


def treatment(exhibit: DossierExhibit, variant: str) -> str:
    """How `variant` shows `exhibit`. The public variant shows only the exhibits whose
    evidence is classified public (any other value, unknown ones included, keeps it
    out): a withheld sheet stands in the place of the others. One of them with a
    redacted page shows its redacted copy there (REDACTED_COPY), never the original
    or its other renditions."""
    if exhibit.withheld:
        return WITHHELD
    if variant != CONFIDENTIAL and exhibit.evidence.classification != PUBLIC:
        return WITHHELD_SHEET
    if variant != CONFIDENTIAL and exhibit.redactions:
        return REDACTED_COPY
    stripped = exhibit.use_stripped and any(r.purpose == "viewing_copy"
                                            for r in exhibit.evidence.renditions)
    return STRIPPED_COPY if stripped else IN_FULL


def assemble(kit: CryptoKit, dossier: Dossier, variant: str,
             agency_name: facts_service.NameOf, language: str | None = None
             ) -> DossierDocument:
    """The whole dossier for one variant, redacted. `agency_name` gives agency labels
    in `language` (labels live in the web layer).

    `language` (default: the dossier's) is the language of an export: in another
    language than the dossier's, the sections are their current translations into it
    (section_translations.py; the caller has checked that none is missing), the facts
    and dates are written in it, and the accounts carry their translations into it
    besides those into the dossier's language (decision 0023). Only the dossier's own
    language gives the document a reviewer approves (its content hash)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    terms = protected_terms(kit, dossier, public=variant == PUBLIC)
    document = redaction.redact_document(
        _document(kit, dossier, variant, agency_name, language or dossier.language), terms)
    return _identifiers_withheld(document) if variant == PUBLIC else document


def _identifiers_withheld(document: DossierDocument) -> DossierDocument:
    """The public variant's recurring identifiers: each a marker with its reason code,
    whole ("+98 912…" would keep its "+" around a redacted number), whatever the term
    matching found (decision 0031)."""
    if not document.identifiers:
        return document
    entries = tuple(replace(e, shown=redaction.marker(identifier_reason(e.kind)))
                    for e in document.identifiers)
    reasons = {identifier_reason(e.kind) for e in entries}
    return replace(document, identifiers=entries,
                   redaction_reasons=tuple(sorted(set(document.redaction_reasons) | reasons)))


def unredacted(kit: CryptoKit, dossier: Dossier,
               agency_name: facts_service.NameOf) -> DossierDocument:
    """The confidential document before redaction, for the review of protected terms
    (occurrences.py) alone: it is never rendered, hashed or stored."""
    return _document(kit, dossier, CONFIDENTIAL, agency_name, dossier.language)


def _document(kit: CryptoKit, dossier: Dossier, variant: str,
              agency_name: facts_service.NameOf, language: str) -> DossierDocument:
    """The document as the rows hold it, in `language`, before redaction."""
    public = variant == PUBLIC
    facts = facts_service.compute_facts(dossier)
    cited = _exhibits_by_report(dossier)
    incidents = tuple(_incident_entry(kit, dossier, entry.incident, entry.position,
                                      entry.revision_number, public, cited, language)
                      for entry in dossier.incidents)
    # The confidential entries are what a reviewer approves (their hash): unchanged.
    exhibits = tuple(_exhibit_entry(kit, dossier, exhibit, public, language)
                     if variant == CONFIDENTIAL or treatment(exhibit, variant) in SHOWN
                     else _withheld_entry(exhibit) for exhibit in dossier.exhibits)
    translated = language != dossier.language
    sources = (section_translations.translated_sources(kit, dossier, language) if translated
               else section_sources(kit, dossier))
    sections = tuple(
        SectionText(key.value, facts_service.substitute(
            sources.get(key.value, ""), facts, language, agency_name))
        for key in SectionKey)
    title = open_text(kit, dossier, "title_sealed")
    supersedes = db.session.get(Dossier, dossier.supersedes_id) if dossier.supersedes_id else None
    return DossierDocument(
        variant=variant, number=dossier.number, version=dossier.version,
        reference=f"PS752-{dossier.number:04d}", title=title, kind=dossier.kind.value,
        destination=dossier.destination, language=dossier.language,
        classification=CONFIDENTIAL if variant == CONFIDENTIAL else PUBLIC,
        earlier_reference=open_text(kit, dossier, "earlier_reference_sealed"),
        supersedes_version=supersedes.version if supersedes else None,
        contributors=tuple(c.advocate.username for c in dossier.contributors)
        if variant == CONFIDENTIAL else (),
        sections=sections, incidents=incidents, exhibits=exhibits, facts=facts,
        redaction_reasons=(), families=_families(dossier, public),
        rendered_language=language if translated else "",
        section_translations=_section_records(kit, dossier, language) if translated else (),
        identifiers=recurring_entries(kit, dossier))


def content_hash(document: DossierDocument) -> str:
    """SHA-256 of the (redacted) document's canonical JSON: what a reviewer approves.
    The fields of a document in another language (decision 0023) and the recurring
    identifiers (decision 0031) are left out when empty, so a dossier's own document
    hashes as it did before they existed."""
    fields = asdict(document)
    for name in ("rendered_language", "section_translations", "identifiers"):
        if not fields[name]:
            del fields[name]
    for exhibit in fields["exhibits"]:  # printed OCR text (decision 0030), likewise
        if exhibit.get("machine_read") is None:
            exhibit.pop("machine_read", None)
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"),
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


def _families(dossier: Dossier, public: bool) -> tuple[FamilyEntry, ...]:
    """The family files of the dossier's reports, in the order of their first report,
    each with the PS752 victims the register links it to. The public variant keeps
    how many, not their names: the register is public knowledge, so a victim named
    beside a family file's code would name the family the code protects."""
    families = {entry.incident.family.code: entry.incident.family
                for entry in dossier.incidents}
    return tuple(FamilyEntry(code, tuple(VictimEntry("", "") if public else
                                         VictimEntry(v.name_latin, v.name_persian)
                                         for v in family.victims))
                 for code, family in families.items())


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
                    revision: int, public: bool,
                    cited: dict[int, tuple[str, ...]], language: str) -> IncidentEntry:
    row = _pinned_revision(incident, revision)
    content = _pinned_content(kit, incident, row)
    people = {p.id: p for p in incident.family.people}
    targets = tuple(_person_label(kit, people[pid], public)
                    for pid in content.target_ids if pid in people)
    locale = language
    return IncidentEntry(
        position=position, report=incident.id, revision=revision, family=incident.family.code,
        start=_date(content.start_text, content.calendar, locale),
        end=_date(content.end_text, content.calendar, locale),
        country=content.country, province=content.province,
        city=content.city, place_type=content.place_type,
        online_platform=content.online_platform, country_sent=content.country_sent,
        country_received=content.country_received,
        country_carried_out=content.country_carried_out,
        types=tuple(content.type_codes), agencies=tuple(content.agencies),
        trigger=content.trigger, narrative=content.narrative,
        narrative_language=content.narrative_language,
        translations=_translations(kit, incident, dossier.language, language),
        demands=content.demands, threat_wording=content.threat_wording,
        perpetrators=content.perpetrators, targets=targets,
        harms=tuple(content.harms), harm_note=content.harm_note,
        authority=content.report_authority,
        authority_reference=content.report_reference,
        verification=incident.verification.value,
        legal_tags=tuple((t.tag, t.confirmed_at is not None)
                         for t in legal_tags_of(kit, incident)),
        exhibits=cited.get(incident.id, ()),
        declaration=_declaration(incident, row),
        reporter_is_target=content.reporter_is_target,
    )


def _exhibit_entry(kit: CryptoKit, dossier: Dossier, exhibit: DossierExhibit,
                   public: bool, language: str) -> ExhibitEntry:
    item = exhibit.evidence
    described = description_of(kit, item)
    copy = next((r for r in item.renditions if r.purpose == "viewing_copy"), None)
    stripped = exhibit.use_stripped and copy is not None
    unnamed = _without_file_name(kit, exhibit) if public else str
    shown, shown_sha256 = ("viewing_copy", copy.sha256) if stripped and copy else (
        "original", item.sha256)
    if public and treatment(exhibit, PUBLIC) == REDACTED_COPY:
        # Its first page as the public variant shows it: redacted, or the page preview.
        first = next((r.rendition for r in exhibit.redactions if r.page == 1), None) or \
            next((r for r in item.renditions if r.purpose in ("viewing_copy", "preview")),
                 None)
        shown, shown_sha256 = REDACTED_COPY, first.sha256 if first else ""
    return ExhibitEntry(
        number=exhibit_label(exhibit.number), title=unnamed(described.title),
        kind=item.kind.value, claimed_date=unnamed(described.claimed_date_text),
        creator=unnamed(described.creator), source=unnamed(described.source),
        media_type=item.detected_media_type, size_bytes=item.size_bytes, sha256=item.sha256,
        shown_sha256=shown_sha256, shown=shown, classification=item.classification,
        reports=tuple(i.id for i in item.incidents
                      if any(e.incident_id == i.id for e in dossier.incidents)),
        withheld=exhibit.withheld,
        translations=_translations(kit, item, dossier.language, language),
        language=described.content_language,
        description=unnamed(described.description),
        obtained_how=unnamed(described.obtained_how),
        prior_chain=unnamed(described.prior_chain),
        claimed_place=unnamed(described.claimed_place),
        claim_source=described.claim_source, claim_trusted=described.claim_trusted,
        machine_read=_machine_read(kit, exhibit, public),
        messages=message_range_text(exhibit),
    )


def _machine_read(kit: CryptoKit, exhibit: DossierExhibit, public: bool) -> MachineRead | None:
    """The item's recognised text when the advocate chose to print it (redacted later
    with the rest). Never beside a redacted copy in the public variant: the areas
    blacked out may be the very text the machine read."""
    if not exhibit.print_recognised_text or (
            public and treatment(exhibit, PUBLIC) == REDACTED_COPY):
        return None
    found = printable_text(kit, exhibit.evidence)
    return MachineRead(*found) if found else None


def _withheld_entry(exhibit: DossierExhibit) -> ExhibitEntry:
    """An exhibit the public variant does not show: its number and classification,
    and whether a withheld sheet stands in its place; nothing that describes it (no
    title, file name, creator, source, date, kind, size or hash: a hash would confirm
    a guessed file)."""
    sheet = not exhibit.withheld
    return ExhibitEntry(
        number=exhibit_label(exhibit.number), title="", kind="", claimed_date="", creator="",
        source="", media_type="", size_bytes=0, sha256="", shown_sha256="",
        shown=WITHHELD_SHEET if sheet else "", classification=exhibit.evidence.classification,
        reports=(), withheld=exhibit.withheld, translations=())


def _without_file_name(kit: CryptoKit, exhibit: DossierExhibit) -> Callable[[str], str]:
    """For the public variant, which never prints an original file name (it may hold a
    name, and a title starts as the file name): text that is the file name becomes
    empty, the file name inside other text becomes the exhibit's number."""
    name = filename_of(kit, exhibit.evidence).strip()
    label = exhibit_label(exhibit.number)

    def unnamed(text: str) -> str:
        if not name:
            return text
        if text.strip().casefold() == name.casefold():
            return ""
        return re.sub(re.escape(name), label, text, flags=re.IGNORECASE)

    return unnamed


def _exhibits_by_report(dossier: Dossier) -> dict[int, tuple[str, ...]]:
    cited: dict[int, list[str]] = {}
    for exhibit in dossier.exhibits:
        if exhibit.withheld:
            continue
        for incident in exhibit.evidence.incidents:
            cited.setdefault(incident.id, []).append(exhibit_label(exhibit.number))
    return {report: tuple(labels) for report, labels in cited.items()}


def _translations(kit: CryptoKit, subject: object, filing: str,
                  language: str) -> tuple[TranslationText, ...]:
    """The translations of an account or exhibit into the dossier's language (`filing`)
    and, for an export in another `language`, into that one too."""
    languages = (filing,) if language == filing else (filing, language)
    return tuple(
        TranslationText(language=t.language, text=t.text, translator=t.translator,
                        method=t.method, certified=t.certified)
        for code in languages
        for t in translation_service.translations_for(kit, subject, code))  # type: ignore[arg-type]


def _section_records(kit: CryptoKit, dossier: Dossier,
                     language: str) -> tuple[SectionTranslationText, ...]:
    """Who translated each section printed in `language`, in dossier order."""
    found = section_translations.section_translations(kit, dossier, language)
    return tuple(SectionTranslationText(key=view.key, language=view.language,
                                        translator=view.translator, method=view.method,
                                        certified=view.certified,
                                        certificate=view.certificate)
                 for key in SectionKey if (view := found.get(key.value)) and view.current)
