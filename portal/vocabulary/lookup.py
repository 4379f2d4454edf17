"""One lookup for every closed list: a vocabulary is a StrEnum, its labels one table.

Code names a vocabulary by its enum (`label(Agency, value)`); templates, which do not
see the enums, by its snake-case name (`label("agency", value)`). A value is looked up
in its own vocabulary only, so `"other"` reads "Other authority" as an authority and
"Something else" as a trigger.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from enum import StrEnum

from flask_babel import force_locale

from portal.audit import AuditAction, Outcome
from portal.audit.custody import CustodyAction
from portal.models import EvidenceKind, ExportStage, Role
from portal.models.dossiers import (
    AdvocacyEventKind,
    DossierKind,
    DossierStatus,
    IncidentOrder,
    RedactionReason,
    SectionKey,
    TranslationMethod,
)
from portal.models.identifiers import IdentifierKind, Platform
from portal.models.vocabulary import (
    Agency,
    Authority,
    Destination,
    Disclosure,
    Harm,
    IncidentStatus,
    LinkKind,
    PlaceType,
    Residence,
    Testify,
    Trigger,
    Verification,
)
from portal.vocabulary import (
    audit,
    consent,
    dossiers,
    evidence,
    identifiers,
    incidents,
    people,
)
from portal.vocabulary.table import Labels

VOCABULARIES: Mapping[type[StrEnum], Labels] = {
    PlaceType: incidents.PLACE_TYPE_LABELS,
    Trigger: incidents.TRIGGER_LABELS,
    Agency: incidents.AGENCY_LABELS,
    Harm: incidents.HARM_LABELS,
    Authority: incidents.AUTHORITY_LABELS,
    IncidentStatus: incidents.INCIDENT_STATUS_LABELS,
    Verification: incidents.VERIFICATION_LABELS,
    LinkKind: incidents.LINK_KIND_LABELS,
    Destination: consent.DESTINATION_LABELS,
    Disclosure: consent.DISCLOSURE_LABELS,
    Testify: consent.TESTIFY_LABELS,
    Residence: people.RESIDENCE_LABELS,
    Role: people.ROLE_LABELS,
    EvidenceKind: evidence.EVIDENCE_KIND_LABELS,
    CustodyAction: evidence.CUSTODY_LABELS,
    AuditAction: audit.ACTION_LABELS,
    Outcome: audit.OUTCOME_LABELS,
    DossierKind: dossiers.DOSSIER_KIND_LABELS,
    DossierStatus: dossiers.DOSSIER_STATUS_LABELS,
    IncidentOrder: dossiers.INCIDENT_ORDER_LABELS,
    SectionKey: dossiers.SECTION_TITLES,
    RedactionReason: dossiers.REDACTION_REASON_LABELS,
    TranslationMethod: dossiers.TRANSLATION_METHOD_LABELS,
    AdvocacyEventKind: dossiers.ADVOCACY_EVENT_KIND_LABELS,
    ExportStage: dossiers.EXPORT_STAGE_LABELS,
    IdentifierKind: identifiers.IDENTIFIER_KIND_LABELS,
    Platform: identifiers.PLATFORM_LABELS,
}

Vocabulary = type[StrEnum] | str


def vocabulary_name(vocabulary: type[StrEnum]) -> str:
    """The name templates and the PDF use for a vocabulary: `PlaceType` is "place_type"."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", vocabulary.__name__).lower()


_BY_NAME: Mapping[str, type[StrEnum]] = {vocabulary_name(v): v for v in VOCABULARIES}


def label(vocabulary: Vocabulary, value: object) -> str:
    """`value`'s label in `vocabulary`, in the current locale; the value itself when it
    is not a member (a value that left the list still reads as stored).

    Raises KeyError for an unknown vocabulary: a misspelt name in a template fails
    loudly rather than showing codes.
    """
    table = VOCABULARIES[_BY_NAME[vocabulary] if isinstance(vocabulary, str) else vocabulary]
    text = table.get(str(value))
    return str(text) if text is not None else str(value)


def texts(vocabulary: type[StrEnum]) -> dict[str, str]:
    """Every member's label in the current locale, by value, in the list's order."""
    return {member.value: label(vocabulary, member) for member in vocabulary}


def every_label() -> dict[str, str]:
    """Every label of every vocabulary in the current locale, keyed `name:value`
    ("agency:other"): what the PDF, which receives plain strings, looks values up in."""
    return {f"{vocabulary_name(v)}:{value}": text
            for v in VOCABULARIES for value, text in texts(v).items()}


def namer(vocabulary: type[StrEnum], language: str) -> Callable[[str], str]:
    """A function naming `vocabulary`'s values in `language`, whatever the page's locale
    (a dossier is written in its own language). Needs an app context."""
    def name(value: str) -> str:
        with force_locale(language):
            return label(vocabulary, value)
    return name
