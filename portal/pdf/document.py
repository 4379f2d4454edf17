"""The dossier as a document: plain, frozen data in the order and numbering of the PDF.

`portal.services.dossiers.assembly` builds it from the database for one variant
(confidential or public, redaction already applied: removed text is not in the data);
the HTML preview and the PDF templates render it. Nothing here is an ORM object, so
a template cannot reach further into the database. It lives in `portal.pdf` so that
rendering (below services) can use it without importing services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol


class DossierFactsLike(Protocol):
    """The facts a dossier states about its incidents (services.dossiers.facts.DossierFacts)."""

    @property
    def incident_count(self) -> int: ...
    @property
    def family_count(self) -> int: ...
    @property
    def exhibit_count(self) -> int: ...
    @property
    def first_day(self) -> date | None: ...
    @property
    def last_day(self) -> date | None: ...
    @property
    def countries(self) -> tuple[str, ...]: ...
    @property
    def agencies(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class DateText:
    primary: str
    secondary: str
    original: str


@dataclass(frozen=True)
class TranslationText:
    language: str
    text: str
    translator: str
    method: str
    certified: bool


@dataclass(frozen=True)
class Declaration:
    """A reporter's statement of truth, made for the version the dossier cites."""

    declared_on: str  # ISO date (UTC) the reporter submitted that version with it
    declared_by: str  # the reporter by code (the family file's code), never by name


@dataclass(frozen=True)
class IncidentEntry:
    position: int
    report: int
    revision: int
    family: str
    start: DateText | None
    end: DateText | None
    country: str
    province: str
    city: str
    place_type: str
    online_platform: str
    country_sent: str
    country_received: str
    country_carried_out: str
    types: tuple[str, ...]
    agencies: tuple[str, ...]
    trigger: str
    narrative: str
    narrative_language: str
    translations: tuple[TranslationText, ...]
    demands: str
    threat_wording: str
    perpetrators: str
    targets: tuple[str, ...]
    harms: tuple[str, ...]
    harm_note: str
    authority: str
    authority_reference: str
    verification: str
    legal_tags: tuple[tuple[str, bool], ...]  # (tag, confirmed by a legal reviewer)
    exhibits: tuple[str, ...]  # EX-0001...
    declaration: Declaration | None = None  # None: no statement of truth for this version
    # The report says the act was aimed at its reporter (printed among the targets as
    # "the reporter", by the family file's code: a reporter is never named).
    reporter_is_target: bool = False


# ExhibitEntry.shown of an exhibit the public variant replaces by a withheld sheet: its
# number, Bates range and reason code on the pages the exhibit has in the confidential
# variant, nothing that describes it.
WITHHELD_SHEET = "withheld_sheet"


@dataclass(frozen=True)
class MachineRead:
    """An exhibit's recognised text (OCR, decision 0030), printed under its image when
    the advocate chose so: labelled machine-read, with tesseract's mean confidence."""

    text: str
    confidence: int


@dataclass(frozen=True)
class ExhibitEntry:
    number: str
    title: str
    kind: str
    claimed_date: str
    creator: str
    source: str
    media_type: str
    size_bytes: int
    sha256: str
    shown_sha256: str  # the rendition shown (the original's hash when it is the original)
    # "original" or "viewing_copy"; in the public variant WITHHELD_SHEET, or
    # "redacted_copy" (its page images, blacked out where marked: nothing else of it),
    # or "" for an exhibit withheld from every variant (every descriptive field empty).
    shown: str
    classification: str
    reports: tuple[int, ...]
    withheld: bool
    translations: tuple[TranslationText, ...]
    language: str = ""  # the language of the content as described (fa, en...), "" unknown
    # Provenance as described (the evidence's description form): free text, redacted
    # like every other text; "" when not said.
    description: str = ""
    obtained_how: str = ""
    prior_chain: str = ""  # who passed it on before it reached the portal
    claimed_place: str = ""
    claim_source: str = ""  # who says when and where it was made: "reporter", "metadata", ""
    claim_trusted: bool | None = None  # whether that claim can be trusted; None not assessed
    machine_read: MachineRead | None = None  # printed under the image; None: not chosen
    messages: str = ""  # the chat messages cited ("14–19", decision 0029); "": all of it

    @property
    def sheet(self) -> bool:
        """A withheld sheet stands in this variant where the exhibit would be."""
        return self.shown == WITHHELD_SHEET

    @property
    def left_out(self) -> bool:
        """Nothing of the exhibit is in this variant (withheld, or a sheet instead)."""
        return self.withheld or self.sheet


@dataclass(frozen=True)
class VictimEntry:
    """A person killed on PS752, from the victims register. Both names are "" in the
    public variant: naming the victim would name the family the file's code protects."""

    name_latin: str
    name_persian: str


@dataclass(frozen=True)
class FamilyEntry:
    """A family file the dossier's reports come from, and the victims it relates to."""

    code: str  # FAM-001
    victims: tuple[VictimEntry, ...]


@dataclass(frozen=True)
class SectionText:
    key: str
    markdown: str


@dataclass(frozen=True)
class SectionTranslationText:
    """Who translated a section of a dossier exported in another language than the one
    it was written in (decision 0023): the export prints the translation in the
    section's place and this record in Annex C."""

    key: str  # the section key
    language: str
    translator: str
    method: str
    certified: bool
    certificate: str  # the translator's certificate statement, "" when not certified


@dataclass(frozen=True)
class RecurringIdentifierEntry:
    """An identifier recorded on the dossier's reports or exhibits that more than one
    counted report names (decision 0031). The counts hold the dossier's reports and,
    as numbers only, other reports whose consent allows it; `shown` is redacted in the
    public variant (a protected term)."""

    kind: str  # IdentifierKind value
    platform: str  # Platform value for an account, ""
    shown: str  # "+98 912 345 6789", "@handle"... ("[REDACTED – R2]" in public)
    reports: int  # counted reports naming it
    families: int  # the family files of those reports
    first_day: str  # the earliest start date among them, ISO ("2020-01-08"); "" unknown
    last_day: str
    cited_reports: tuple[int, ...]  # the dossier's reports naming it (their ids)
    cited_exhibits: tuple[str, ...]  # the dossier's exhibits it is recorded on (EX-0001)
    # The timeline strip: (period, counted reports), every month from the first to the
    # last ("2022-10"), or every year ("2022") when they span more than two years.
    timeline: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class DossierDocument:
    variant: str
    number: int
    version: int
    reference: str  # PS752-0003 (the Bates prefix)
    title: str
    kind: str
    destination: str
    language: str
    classification: str
    earlier_reference: str
    supersedes_version: int | None
    contributors: tuple[str, ...]
    sections: tuple[SectionText, ...]
    incidents: tuple[IncidentEntry, ...]
    exhibits: tuple[ExhibitEntry, ...]
    facts: DossierFactsLike
    redaction_reasons: tuple[str, ...]  # the reason codes used, for the key to codes
    families: tuple[FamilyEntry, ...] = ()  # in the order their first report appears
    # Set only when the document is assembled in another language than the dossier's
    # (then `sections` hold the translations): the record of each, for Annex C. Left out
    # of the content hash when empty, so the filing language's document hashes as before.
    rendered_language: str = ""
    section_translations: tuple[SectionTranslationText, ...] = ()
    # Recurring identifiers (decision 0031): left out of the content hash when empty, so
    # a dossier without any hashes as it did before they existed.
    identifiers: tuple[RecurringIdentifierEntry, ...] = ()
