"""What a legal reviewer must see before approving a dossier, and what stops it.

Blocking (approval is refused, on the page and in workflow.approve):
- an occurrence of a protected term nobody has decided on (occurrences.py);
- a template placeholder left in a section ("[State the …]"): the bracketed
  instructions of the section templates, or any bracketed sentence (text in square
  brackets ending with a full stop), which is how the templates write them; a
  Markdown link "[text](…)", "[sic]" or "[…]" is not one;
- consent that does not cover the destination (consent_gate.dossier_gaps).

Warnings, each of which the reviewer acknowledges in the approval statement:
- jurisdiction: a report none of whose elements (where it happened, where a threat
  was sent from, received, carried out) is on the territory of a State Party to the
  Rome Statute, while the destination is the ICC (Art. 12(2)(a); the nationality of
  the perpetrators, 12(2)(b), is for the reviewer to weigh);
- untranslated: an account in another language than the dossier's, with no
  certified translation into it. Acknowledging it is not enough: the reviewer
  records why ("translation to follow"), and the dossier prints that reason where
  the translation would be (decision 0023);
- provenance: an exhibit the dossier shows that says neither who made it nor where
  it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from portal.crypto.kit import CryptoKit
from portal.models import Dossier
from portal.models.vocabulary import Destination
from portal.pdf.document import DossierDocument
from portal.services.dossiers import assembly
from portal.services.dossiers.consent_gate import ConsentGap, dossier_gaps
from portal.services.dossiers.naming import agency_namer
from portal.services.dossiers.occurrences import Occurrence, find_occurrences, unresolved
from portal.services.dossiers.sections import TEMPLATE_DIR
from portal.text import normal_form

# The States Parties to the Rome Statute (ISO 3166-1 alpha-2), as the Assembly of
# States Parties lists them on 2026-12-05: 124, Hungary's withdrawal having taken
# effect on 2 June 2026. Check https://asp.icc-cpi.int/states-parties before filing:
# the warning is an aid to the reviewer, not a ruling on jurisdiction.
ROME_STATUTE_STATES_PARTIES = frozenset((
    # Africa (33)
    "BJ", "BW", "BF", "CV", "CF", "TD", "KM", "CG", "CI", "CD", "DJ", "GA", "GM", "GH", "GN",
    "KE", "LS", "LR", "MG", "MW", "ML", "MU", "NA", "NE", "NG", "SN", "SC", "SL", "ZA", "TN",
    "UG", "TZ", "ZM",
    # Asia-Pacific (19)
    "AF", "BD", "KH", "CK", "CY", "FJ", "JP", "JO", "KI", "MV", "MH", "MN", "NR", "PS", "KR",
    "WS", "TJ", "TL", "VU",
    # Eastern Europe (19)
    "AL", "AM", "BA", "BG", "HR", "CZ", "EE", "GE", "LV", "LT", "ME", "MK", "PL", "MD", "RO",
    "RS", "SK", "SI", "UA",
    # Latin America and the Caribbean (28)
    "AG", "AR", "BB", "BZ", "BO", "BR", "CL", "CO", "CR", "DM", "DO", "EC", "SV", "GD", "GT",
    "GY", "HN", "MX", "PA", "PY", "PE", "KN", "LC", "VC", "SR", "TT", "UY", "VE",
    # Western Europe and others (25)
    "AD", "AU", "AT", "BE", "CA", "DK", "FI", "FR", "DE", "GR", "IS", "IE", "IT", "LI", "LU",
    "MT", "NL", "NZ", "NO", "PT", "SM", "ES", "SE", "CH", "GB",
))
ICC_DESTINATIONS = frozenset({Destination.ICC_PROSECUTOR.value, Destination.ICC_REGISTRY.value})
# A bracketed sentence: how the templates write an instruction to the advocate.
BRACKETED_INSTRUCTION = re.compile(r"\[([^\[\]\n]{6,}?[.۔])\](?!\()")
_BRACKETED = re.compile(r"\[([^\[\]]+)\](?!\()")


class ApprovalWarning(StrEnum):
    JURISDICTION = "jurisdiction"
    UNTRANSLATED = "untranslated"
    PROVENANCE = "provenance"


@dataclass(frozen=True)
class Placeholder:
    section: str  # SectionKey value
    text: str  # the placeholder as written, brackets included


@dataclass(frozen=True)
class Checklist:
    occurrences: list[Occurrence]
    placeholders: list[Placeholder]
    gaps: tuple[ConsentGap, ...]
    # What each warning is about: report ids, exhibit numbers.
    warnings: dict[ApprovalWarning, tuple[str, ...]]

    @property
    def unresolved(self) -> list[Occurrence]:
        return unresolved(self.occurrences)

    @property
    def blocked(self) -> bool:
        return bool(self.unresolved or self.placeholders or self.gaps)


def checklist(kit: CryptoKit, dossier: Dossier) -> Checklist:
    document = assembly.unredacted(kit, dossier, agency_namer(dossier.language))
    return Checklist(occurrences=find_occurrences(kit, dossier, document),
                     placeholders=placeholders(document), gaps=tuple(dossier_gaps(dossier)),
                     warnings=warnings(dossier, document))


def placeholders(document: DossierDocument) -> list[Placeholder]:
    """The template placeholders still in the sections (see the module docstring)."""
    known = _template_placeholders()
    found = []
    for section in document.sections:
        for match in _BRACKETED.finditer(section.markdown):
            inside = match.group(1)
            if normal_form(inside) in known or BRACKETED_INSTRUCTION.fullmatch(match.group()):
                found.append(Placeholder(section.key, match.group()))
    return found


def warnings(dossier: Dossier, document: DossierDocument) -> dict[ApprovalWarning, tuple[str, ...]]:
    found: dict[ApprovalWarning, tuple[str, ...]] = {}
    if dossier.destination in ICC_DESTINATIONS:
        outside = tuple(str(entry.report) for entry in document.incidents
                        if not {entry.country, entry.country_sent, entry.country_received,
                                entry.country_carried_out} & ROME_STATUTE_STATES_PARTIES)
        if outside:
            found[ApprovalWarning.JURISDICTION] = outside
    untranslated = tuple(
        str(entry.report) for entry in document.incidents
        if entry.narrative.strip() and entry.narrative_language
        and entry.narrative_language != document.language
        and not any(t.language == document.language and t.text.strip() and t.certified
                    for t in entry.translations))
    if untranslated:
        found[ApprovalWarning.UNTRANSLATED] = untranslated
    unsourced = tuple(exhibit.number for exhibit in document.exhibits
                      if not exhibit.left_out and not exhibit.creator.strip()
                      and not exhibit.source.strip())
    if unsourced:
        found[ApprovalWarning.PROVENANCE] = unsourced
    return found


def _template_placeholders() -> frozenset[str]:
    """The bracketed instructions of the shipped section templates, normalised."""
    return frozenset(normal_form(match.group(1)) for path in TEMPLATE_DIR.glob("*.md")
                     for match in _BRACKETED.finditer(path.read_text(encoding="utf-8")))
