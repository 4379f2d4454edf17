"""The review of protected terms: every place where a protected term occurs in a
dossier's own text, and the decision taken on each (decision 0016).

Redaction removes every protected term automatically (redaction.py); a match is a
candidate, not proof ("Ali" the relative, or "Ali" in a quoted official's name). So
before approval someone reads each occurrence in context and decides: redact here
(the default made explicit), or keep it, for a reason that is recorded. Kept words
are the occurrence with up to two words either side ("Ayatollah Ali Khamenei"), never
the term alone: they become a kept phrase of the dossier's terms (protected_terms.py),
which redaction leaves as written and the leak scan allows, in both variants. A kept
phrase never holds another protected term: it stops at the next one.

Where: every text of the confidential document before redaction, except the fields
that are ours by construction (redaction.OURS), the ones the public variant removes
whole (redaction.REMOVED_IN_PUBLIC), the contributors' usernames (confidential only)
and the targets (codes, or names given with consent). The terms are the public
variant's, which hold every name, place, contact, reference and marked text. An
occurrence of a marked text is decided already: an advocate chose to redact it.

An occurrence is named by a keyed hash of where it is (report, section or exhibit,
and field), the words around it and which of the same words in that field it is
(the first, the second...): the decision follows it while those stay as they are,
and a changed text is shown for review again. Decisions are taken by the
advocates while the dossier is a draft, and by its legal reviewer while in review.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass, replace
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.models import Dossier, DossierTermReview, User, db, utcnow
from portal.pdf.document import DossierDocument, ExhibitEntry, IncidentEntry, SectionText
from portal.policy import Permission, can
from portal.services.dossiers import assembly
from portal.services.dossiers.naming import agency_namer
from portal.services.dossiers.protected_terms import protected_terms
from portal.services.dossiers.redaction import OURS, REMOVED_IN_PUBLIC, DossierTerms, TermKind
from portal.services.errors import NotFound, PermissionDenied, ValidationFailed
from portal.services.sealing import open_text, seal_text
from portal.text import normal_form

CONTEXT_WORDS = 2  # words kept either side of an occurrence marked safe
SHOWN_CHARS = 60  # characters of context shown either side on the review page
MAX_REASON = 500
_NOT_REVIEWED: dict[type, frozenset[str]] = {
    DossierDocument: frozenset({"contributors"}),
    IncidentEntry: frozenset({"targets"}),
}
_WORD = re.compile(r"\S+")


class Decision(StrEnum):
    REDACT = "redact"
    SAFE = "safe"


@dataclass(frozen=True)
class Place:
    """Where an occurrence is: a report (by id), a section (by key), an exhibit (by
    number) or the dossier itself; and the field (narrative, title...)."""

    part: str  # "report", "section", "exhibit", "dossier"
    ref: str  # the report's id, the section's key, the exhibit's number, ""
    field: str  # the field's name; a translation's is "translation-<language>"


@dataclass(frozen=True)
class Occurrence:
    key: str
    place: Place
    before: str
    text: str
    after: str
    kind: TermKind
    replacement: str  # what the public variant prints instead
    phrase: str  # the words kept if marked safe; "" when nothing around it can be kept
    decision: str = ""  # Decision value, "" while unresolved
    reason: str = ""  # why it is kept (safe)

    @property
    def resolved(self) -> bool:
        return bool(self.decision)


def find_occurrences(kit: CryptoKit, dossier: Dossier,
                     document: DossierDocument | None = None) -> list[Occurrence]:
    """Every occurrence of a protected term in the dossier's text, in document order,
    with the decision taken on it (see the module docstring). `document` is the
    dossier's `assembly.unredacted` document when the caller has it already."""
    terms = protected_terms(kit, dossier, public=True, reviewed=False)
    if not terms.terms:
        return []
    if document is None:
        document = assembly.unredacted(kit, dossier, agency_namer(dossier.language))
    decisions = _decisions(kit, dossier)
    found: list[Occurrence] = []
    for place, text in _texts(document):
        for occurrence in _in_text(kit, terms, place, text):
            decision, reason = decisions.get(occurrence.key, ("", ""))
            if occurrence.kind is TermKind.MARKED:
                decision = Decision.REDACT.value
            found.append(replace(occurrence, decision=decision, reason=reason))
    return found


def unresolved(occurrences: list[Occurrence]) -> list[Occurrence]:
    return [occurrence for occurrence in occurrences if not occurrence.resolved]


def decide(kit: CryptoKit, actor: User, dossier: Dossier, key: str, decision: str,
           reason: str = "") -> None:
    """Record `decision` on the occurrence named `key` (replacing an earlier one).

    Raises:
        PermissionDenied: the actor may not decide (not an advocate of this draft, nor
            the legal reviewer it was sent to).
        NotFound: no such occurrence in the dossier's current text.
        ValidationFailed: no reason given for keeping it (field "reason"), or it
            cannot be kept (field "decision").
    """
    _require_decider(actor, dossier)
    occurrence = next((o for o in find_occurrences(kit, dossier) if o.key == key), None)
    if occurrence is None:
        raise NotFound(_l("This passage is no longer in the dossier. Reload the page."))
    if decision not in {d.value for d in Decision}:
        raise ValidationFailed(_l("Choose to redact it or to keep it."), field="decision")
    reason = reason.strip()
    if decision == Decision.SAFE:
        if occurrence.kind is TermKind.MARKED or not occurrence.phrase:
            raise ValidationFailed(_l("This passage can only be redacted: nothing around it "
                                      "shows that it is not the protected term."),
                                   field="decision")
        if len(reason) < 3 or len(reason) > MAX_REASON:
            raise ValidationFailed(_l("Say why it can be kept (3 to %(max)d characters).",
                                      max=MAX_REASON), field="reason")
    _store(kit, actor, dossier, occurrence, Decision(decision), reason)


def redact_remaining(kit: CryptoKit, actor: User, dossier: Dossier) -> int:
    """Decide "redact" for every occurrence not decided yet; returns how many."""
    _require_decider(actor, dossier)
    remaining = unresolved(find_occurrences(kit, dossier))
    for occurrence in remaining:
        _store(kit, actor, dossier, occurrence, Decision.REDACT, "")
    return len(remaining)


def copy_decisions(kit: CryptoKit, source: Dossier, copy: Dossier) -> None:
    """A new version starts with its predecessor's decisions (the keys do not name the
    dossier, so they still name the same passages)."""
    for row in _rows(source):
        new = DossierTermReview(dossier_id=copy.id, occurrence_key=row.occurrence_key,
                                decision=row.decision, decided_by_id=row.decided_by_id,
                                decided_at=row.decided_at)
        db.session.add(new)
        db.session.flush()
        for column in ("phrase_sealed", "reason_sealed"):
            seal_text(kit, new, column, open_text(kit, row, column))


def _require_decider(actor: User, dossier: Dossier) -> None:
    if not (can(actor, Permission.DOSSIER_EDIT, dossier)
            or can(actor, Permission.DOSSIER_REVIEW, dossier)):
        raise PermissionDenied(_l("You cannot review this dossier's protected terms."))


def _store(kit: CryptoKit, actor: User, dossier: Dossier, occurrence: Occurrence,
           decision: Decision, reason: str) -> None:
    row = db.session.scalar(select(DossierTermReview).where(
        DossierTermReview.dossier_id == dossier.id,
        DossierTermReview.occurrence_key == occurrence.key))
    if row is None:
        row = DossierTermReview(dossier_id=dossier.id, occurrence_key=occurrence.key,
                                decision=decision.value, decided_by_id=actor.id)
        db.session.add(row)
        db.session.flush()
    row.decision, row.decided_by_id, row.decided_at = decision.value, actor.id, utcnow()
    seal_text(kit, row, "phrase_sealed", occurrence.phrase if decision == Decision.SAFE else "")
    seal_text(kit, row, "reason_sealed", reason)
    db.session.flush()
    record_event(AuditAction.DOSSIER_TERM_DECIDED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id,
                 details={"decision": decision.value, "kind": occurrence.kind.value,
                          "part": occurrence.place.part})


def _rows(dossier: Dossier) -> list[DossierTermReview]:
    return list(db.session.scalars(select(DossierTermReview).where(
        DossierTermReview.dossier_id == dossier.id).order_by(DossierTermReview.id)))


def _decisions(kit: CryptoKit, dossier: Dossier) -> dict[str, tuple[str, str]]:
    return {row.occurrence_key: (row.decision, open_text(kit, row, "reason_sealed"))
            for row in _rows(dossier)}


def _texts(document: DossierDocument) -> Iterator[tuple[Place, str]]:
    """Every reviewed text of the document, with where it is."""
    yield from _walk(document, Place("dossier", "", ""))


def _walk(record: object, place: Place) -> Iterator[tuple[Place, str]]:
    skipped = OURS.get(type(record), frozenset()) | _NOT_REVIEWED.get(type(record), frozenset())
    for item in fields(record):  # type: ignore[arg-type]
        if item.name in skipped or (type(record), item.name) in REMOVED_IN_PUBLIC:
            continue
        yield from _values(getattr(record, item.name), _field_place(place, item.name))


def _values(value: object, place: Place) -> Iterator[tuple[Place, str]]:
    if isinstance(value, str):
        if value.strip():
            yield place, value
    elif isinstance(value, tuple):
        for item in value:
            yield from _values(item, _item_place(place, item))
    elif is_dataclass(value) and not isinstance(value, type):
        yield from _walk(value, place)


def _field_place(place: Place, name: str) -> Place:
    if place.field.startswith("translation-"):
        return place  # a translation's text and translator belong to the translation
    return Place(place.part, place.ref, name if not place.field else f"{place.field}.{name}")


def _item_place(place: Place, item: object) -> Place:
    """The place of one element of a tuple: a report, a section, an exhibit by its own
    reference (stable when others are added or moved), a translation by language."""
    if isinstance(item, IncidentEntry):
        return Place("report", str(item.report), "")
    if isinstance(item, SectionText):
        return Place("section", item.key, "")
    if isinstance(item, ExhibitEntry):
        return Place("exhibit", item.number, "")
    language = getattr(item, "language", None)
    if isinstance(language, str):
        return Place(place.part, place.ref, f"translation-{language}")
    return place


def _in_text(kit: CryptoKit, terms: DossierTerms, place: Place,
             text: str) -> Iterator[Occurrence]:
    matches = terms.matcher.find(text)
    seen: dict[tuple[str, str], int] = {}  # the same words again in this field: the nth
    for index, match in enumerate(matches):
        protection = terms.protections[match.term.code]
        if protection.kind is None:
            continue
        low = matches[index - 1].end if index else 0
        high = matches[index + 1].start if index + 1 < len(matches) else len(text)
        phrase = _kept_phrase(terms, text, match.start, match.end, low, high)
        identity = (normal_form(phrase or text[match.start:match.end]),
                    normal_form(text[match.start:match.end]))
        seen[identity] = nth = seen.get(identity, 0) + 1
        yield Occurrence(
            key=_key(kit, place, *identity, nth), place=place,
            before=_shown_before(text[:match.start]), text=text[match.start:match.end],
            after=_shown_after(text[match.end:]), kind=protection.kind,
            replacement=protection.replacement, phrase=phrase)


def _kept_phrase(terms: DossierTerms, text: str, start: int, end: int, low: int,
                 high: int) -> str:
    """The occurrence with up to CONTEXT_WORDS words either side, within [low, high)
    (not reaching the neighbouring matches), holding no other protected term; "" when
    no word around it can be kept."""
    before = [m for m in _WORD.finditer(text, low, start) if m.end() <= start]
    after = [m for m in _WORD.finditer(text, end, high) if m.start() >= end]
    for words in range(CONTEXT_WORDS, 0, -1):
        left = before[-words:] if before else []
        right = after[:words]
        if not left and not right:
            continue
        phrase = text[left[0].start() if left else start:right[-1].end() if right else end]
        if len(terms.matcher.find(phrase)) == 1:
            return phrase.strip()
    return ""


def _shown_before(text: str) -> str:
    return ("…" + text[-SHOWN_CHARS:].lstrip()) if len(text) > SHOWN_CHARS else text


def _shown_after(text: str) -> str:
    return (text[:SHOWN_CHARS].rstrip() + "…") if len(text) > SHOWN_CHARS else text


def _key(kit: CryptoKit, place: Place, words: str, matched: str, nth: int) -> str:
    message = "\x1f".join(("occurrence/1", place.part, place.ref, place.field, words,
                           matched, str(nth)))
    return hmac.new(kit.search_index_key, message.encode("utf-8"), hashlib.sha256).hexdigest()

