"""Redaction: the protected terms of a variant removed from the whole assembled
document, in one pass, and the texts advocates mark for removal.

The terms come from the data (portal/services/dossiers/protected_terms.py): the names
of people who chose a pseudonym, and in the public variant every name, precise place,
contact, reference and marked text of the dossier. `redact_document` walks every text
of the frozen document generically (its dataclasses), so a field added later is
redacted without anyone remembering to; only the fields that are ours by construction
(codes, closed-list values, labels, hashes) are exempt, listed in `OURS`. In the
public variant a few fields go whole (the province, the city, the references, a human
translator's name). Matching is portal.text's (decision 0012): every spelling, whole
words. Redaction is conservative: a term quoted inside a law's text is removed too.
Removed means not in the document: the person's code or the marker
`[REDACTED – R1]` stands instead.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.models import Dossier, DossierRedaction, User, db
from portal.models.dossiers import RedactionReason, TranslationMethod
from portal.pdf.document import (
    Declaration,
    DossierDocument,
    ExhibitEntry,
    IncidentEntry,
    RecurringIdentifierEntry,
    SectionText,
    SectionTranslationText,
    TranslationText,
)
from portal.pdf.leak_scan import Watchlist
from portal.policy import Permission
from portal.services.dossiers.builder import require
from portal.services.errors import ValidationFailed
from portal.services.sealing import seal_text
from portal.text import ProtectedTerm, TermMatch, TermMatcher

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

MAX_REDACTION = 300
_Record = TypeVar("_Record", bound="DataclassInstance")
R1, R2, R3 = RedactionReason.R1.value, RedactionReason.R2.value, RedactionReason.R3.value

# Fields that are ours by construction: codes, closed-list values, labels, hashes.
OURS: Mapping[type, frozenset[str]] = {
    DossierDocument: frozenset({"variant", "reference", "kind", "destination", "language",
                                "classification", "facts", "redaction_reasons",
                                "rendered_language"}),
    IncidentEntry: frozenset({"family", "country", "place_type", "country_sent",
                              "country_received", "country_carried_out", "types", "agencies",
                              "trigger", "narrative_language", "harms", "authority",
                              "verification", "legal_tags", "exhibits"}),
    ExhibitEntry: frozenset({"number", "kind", "media_type", "sha256", "shown_sha256", "shown",
                             "classification", "language"}),
    TranslationText: frozenset({"language", "method"}),
    SectionText: frozenset({"key"}),
    SectionTranslationText: frozenset({"key", "language", "method"}),
    Declaration: frozenset({"declared_on", "declared_by"}),
    RecurringIdentifierEntry: frozenset({"kind", "platform", "cited_exhibits", "timeline",
                                         "first_day", "last_day"}),
}
# Removed whole from the public variant, with the reason printed.
REMOVED_IN_PUBLIC: Mapping[tuple[type, str], str] = {
    (IncidentEntry, "province"): R2, (IncidentEntry, "city"): R2,
    (IncidentEntry, "authority_reference"): R1, (DossierDocument, "earlier_reference"): R1,
    (TranslationText, "translator"): R3,  # the translation form promises it
    (SectionTranslationText, "translator"): R3,
}


def marker(reason: str) -> str:
    return f"[REDACTED – {reason}]"


class TermKind(StrEnum):
    """What a protected term is, as the leak scan's refusal names it (never the term)."""

    PERSON = "person"
    PLACE = "place"
    REFERENCE = "reference"
    CONTACT = "contact"
    MARKED = "marked"


@dataclass(frozen=True)
class Protection:
    """What replaces a term: a person's code, or a marker with its reason. `kind` None
    is a name given with consent, kept as written (confidential variant)."""

    kind: TermKind | None
    replacement: str = ""
    reason: str = ""  # recorded in the key to reason codes when a marker replaces it


@dataclass(frozen=True)
class DossierTerms:
    """The protected terms of one variant of a dossier, compiled once; a term's code
    (`ProtectedTerm.code`) is the key of its protection."""

    public: bool
    protections: Mapping[str, Protection]
    terms: tuple[ProtectedTerm, ...]

    @cached_property
    def matcher(self) -> TermMatcher:
        return TermMatcher(self.terms)

    def redact(self, text: str, reasons: set[str]) -> str:
        """`text` with every protected term replaced; the reasons of markers go to `reasons`."""
        def replacement(match: TermMatch) -> str:
            protection = self.protections[match.term.code]
            if protection.kind is None:
                return text[match.start:match.end]
            if protection.reason:
                reasons.add(protection.reason)
            return protection.replacement

        return self.matcher.redact(text, replacement) if self.protections else text

    def watchlist(self, ours: Iterable[str] = ()) -> Watchlist:
        """What the leak scan looks for: every term but the names kept with consent.
        `ours` is the portal's own wording printed beside the document (its labels):
        a label that holds a protected word ("R1 – identity of a victim, witness or
        relative" and a relative whose name is Witness) is allowed whole, so that the
        word inside it is not taken for the name; a label that is the name itself
        stays protected."""
        kept = {code for code, protection in self.protections.items() if protection.kind is None}
        phrases = dict.fromkeys(phrase for label in ours for phrase in _label_phrases(label))
        labels = [ProtectedTerm(phrase, f"ours-{number}")
                  for number, phrase in enumerate(phrases, start=1)
                  if any(match.term.code not in kept for match in self.matcher.find(phrase))]
        if not labels:
            return Watchlist(self.matcher, frozenset(kept))
        return Watchlist(TermMatcher([*self.terms, *labels]),
                         frozenset(kept | {label.code for label in labels}))

    def kind_of(self, code: str) -> TermKind:
        kind = self.protections[code].kind
        assert kind is not None, "a kept name is never a leak"
        return kind


def _label_phrases(label: str) -> list[str]:
    """A label, and its parts between punctuation ("R1 – identity of a victim, witness
    or relative": "witness or relative"...): text extraction reorders a label that
    mixes scripts ("R1" and Persian) around its punctuation, not inside a part."""
    parts, part = [], ""
    for ch in label:
        if unicodedata.category(ch)[0] in "PS" and ch not in "-'":
            parts.append(part.strip())
            part = ""
        else:
            part += ch
    parts.append(part.strip())
    return [label, *(part for part in parts if part and part != label)]


def redact_document(document: DossierDocument, terms: DossierTerms) -> DossierDocument:
    """`document` with every protected term removed from every text that is not ours
    (see OURS), and, in the public variant, the fields of REMOVED_IN_PUBLIC replaced
    whole; `redaction_reasons` lists the reasons of the markers it holds."""
    walk = _Walk(terms)
    redacted = walk.record(document)
    return replace(redacted, redaction_reasons=tuple(sorted(walk.reasons)))


class _Walk:
    """One pass over the document: every `str` in every dataclass and tuple."""

    def __init__(self, terms: DossierTerms) -> None:
        self.terms = terms
        self.reasons: set[str] = set()

    def record(self, record: _Record) -> _Record:
        ours = OURS.get(type(record), frozenset())
        changes = {}
        for item in fields(record):
            if item.name in ours:
                continue
            value = getattr(record, item.name)
            removed = self._removed(record, item.name, value)
            new = removed if removed is not None else self.value(value)
            if new != value:
                changes[item.name] = new
        return replace(record, **changes) if changes else record

    def value(self, value: object) -> object:
        if isinstance(value, str):
            return self.terms.redact(value, self.reasons)
        if isinstance(value, tuple):
            return tuple(self.value(item) for item in value)
        if is_dataclass(value) and not isinstance(value, type):
            return self.record(value)
        if value is None or isinstance(value, bool | int | float | date):
            return value
        raise TypeError(f"redaction cannot walk a {type(value).__name__}")

    def _removed(self, record: object, name: str, value: object) -> str | None:
        reason = REMOVED_IN_PUBLIC.get((type(record), name)) if self.terms.public else None
        if reason is None or not isinstance(value, str) or (
                isinstance(record, TranslationText)
                and record.method == TranslationMethod.MACHINE.value):
            return None  # a machine translation's tool is not a person
        if not value.strip():
            return ""
        self.reasons.add(reason)
        return marker(reason)


def redactions_of(dossier: Dossier) -> list[DossierRedaction]:
    return list(db.session.scalars(select(DossierRedaction).where(
        DossierRedaction.dossier_id == dossier.id).order_by(DossierRedaction.id)))


def add_redaction(kit: CryptoKit, actor: User, dossier: Dossier, text: str,
                  reason: str) -> DossierRedaction:
    require(actor, Permission.DOSSIER_EDIT, dossier)
    text = text.strip()
    if len(text) < 2 or len(text) > MAX_REDACTION:
        raise ValidationFailed(_l("Enter the exact text to remove (2 to %(max)d characters).",
                                  max=MAX_REDACTION), field="text")
    if reason not in {r.value for r in RedactionReason}:
        raise ValidationFailed(_l("Choose a reason."), field="reason")
    redaction = DossierRedaction(dossier_id=dossier.id, reason=RedactionReason(reason),
                                 created_by_id=actor.id)
    db.session.add(redaction)
    db.session.flush()
    seal_text(kit, redaction, "text_sealed", text)
    record_event(AuditAction.DOSSIER_REDACTION_ADDED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id, details={"reason": reason})
    return redaction


def remove_redaction(actor: User, dossier: Dossier, redaction: DossierRedaction) -> None:
    require(actor, Permission.DOSSIER_EDIT, dossier)
    db.session.delete(redaction)
    db.session.flush()
    record_event(AuditAction.DOSSIER_REDACTION_REMOVED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id)
