"""The protected terms of a dossier's variant, derived from the data, for redaction
(portal/services/dossiers/redaction.py) and the leak scan of the export.

Nothing comes from a list someone keeps. In every variant: the names of each person of
the dossier's families who chose a pseudonym or anonymity (or gave no consent, or
withdrew it), replaced by the person's code. In the public variant also: every other
person's name ([REDACTED – R1]); the places (province and city of every version of
each report, the parts of the people's addresses, where an exhibit is said to come
from: R2); the phone numbers and accounts in the people's contact details (R2); the
reference numbers that lead to the reporter (each authority's reference of a report,
the dossier's earlier reference: R1); every identifier recorded on the dossier's
reports and exhibits (R2, an official's name or a vehicle plate R3: decision 0031);
and every text an advocate marked (with its reason). A name is protected in full and
by each of its parts, in both scripts (portal.text.name_terms); a part several people
share becomes [REDACTED – R1], never one of their codes. In the confidential variant,
the full name of a person who agreed to be named is kept as written, even where a
part of it is protected (a family name shared with a pseudonymous relative).

The codes of the project (family files, people, reports) are pseudonyms printed by
design and are not terms; country names are printed by design too and are left out
of address parts. The data holds no aliases or nicknames: a spelling it does not hold
(another transliteration) is not a term (decision 0012).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import select

from portal.crypto.kit import CryptoKit
from portal.models import Dossier, DossierTermReview, Incident, Person, db
from portal.services.countries import country_names
from portal.services.dossiers.consent_gate import shown_by_code
from portal.services.dossiers.redaction import (
    R1,
    R2,
    R3,
    DossierTerms,
    Protection,
    TermKind,
    marker,
    redactions_of,
)
from portal.services.evidence import description_of
from portal.services.identifiers.dossier_section import recorded_in
from portal.services.identifiers.records import ShownIdentifier
from portal.services.incident_content import IncidentContent
from portal.services.incidents import load_content, revision_content, revisions_of
from portal.services.sealing import open_text
from portal.text import MIN_NAME_PART_CHARS, ProtectedTerm, name_terms
from portal.text import normal_form as normal

_PHONE = re.compile(r"\+?\d[\d ()./-]{5,}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<![\w.])@([\w.]{3,})")
_URL_PATH = re.compile(r"[\w-]+(?:\.[\w-]+)+/+@?([\w.-]{3,})")
_ACCOUNT_TOKEN = re.compile(r"\S*[@_./]\S*")
_SEGMENTS = re.compile(r"[,;\n\u060c\u061b|()/]+")
_TERM_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
MIN_REFERENCE_CHARS = 5  # shorter ones ("12") would match page numbers and dates


def protected_terms(kit: CryptoKit, dossier: Dossier, public: bool,
                    reviewed: bool = True) -> DossierTerms:
    """The terms one variant of `dossier` must not show (see the module docstring).
    Reads and opens the families' people, the reports' versions, the exhibits'
    descriptions and the marked texts; the same data gives the same terms, in the
    same order. `reviewed` adds the phrases kept by the review of occurrences
    (occurrences.py): redaction and the leak scan want them, finding the occurrences
    does not."""
    terms = _Terms()
    people = _people_of(dossier)
    kept = _person_terms(kit, people, public, terms)
    if public:
        _public_terms(kit, dossier, people, terms)
    for phrase, code in kept:
        terms.add([phrase], Protection(None), code)
    if reviewed:
        for number, phrase in enumerate(_reviewed_phrases(kit, dossier), start=1):
            terms.add([phrase], Protection(None), f"reviewed-{number}")
    return DossierTerms(public, terms.protections, tuple(terms.terms))


def _reviewed_phrases(kit: CryptoKit, dossier: Dossier) -> list[str]:
    """The words a reviewer kept as written: an occurrence marked safe, with the words
    around it that show it is not the protected term (occurrences.py)."""
    rows = db.session.scalars(select(DossierTermReview).where(
        DossierTermReview.dossier_id == dossier.id, DossierTermReview.decision == "safe")
        .order_by(DossierTermReview.id))
    return [phrase for row in rows if (phrase := open_text(kit, row, "phrase_sealed"))]


@dataclass
class _Terms:
    terms: list[ProtectedTerm] = field(default_factory=list)
    protections: dict[str, Protection] = field(default_factory=dict)

    def add(self, phrases: Iterable[str], protection: Protection, code: str = "") -> None:
        code = code or f"{protection.kind}-{len(self.protections) + 1}"
        self.protections[code] = protection
        self.terms += [ProtectedTerm(phrase, code) for phrase in phrases if phrase.strip()]


@dataclass
class _Name:
    phrase: str
    owners: dict[str, bool] = field(default_factory=dict)  # person code -> shown by code
    protected: bool = False
    full: bool = False  # the whole name of someone (not only a part)


def _person_terms(kit: CryptoKit, people: list[Person], public: bool,
                  terms: _Terms) -> list[tuple[str, str]]:
    """Add the protected names; return the names to keep as written (phrase, code)."""
    names: dict[tuple[str, ...], _Name] = {}
    for person in people:
        written = [open_text(kit, person, column)
                   for column in ("name_latin_sealed", "name_persian_sealed")]
        coded = shown_by_code(person)
        whole = {_key(name) for name in written if name.strip()}
        for term in name_terms([name for name in written if name.strip()], person.code):
            entry = names.setdefault(_key(term.phrase), _Name(term.phrase))
            entry.owners[person.code] = coded
            entry.protected |= coded or public
            entry.full |= _key(term.phrase) in whole
    kept = []
    for number, entry in enumerate(names.values(), start=1):
        if entry.protected:
            (code, coded), *others = entry.owners.items()
            terms.add([entry.phrase], Protection(TermKind.PERSON, code) if coded and not others
                      else Protection(TermKind.PERSON, marker(R1), R1))
        elif entry.full:
            kept.append((entry.phrase, f"kept-{number}"))
    return kept


def _public_terms(kit: CryptoKit, dossier: Dossier, people: list[Person],
                  terms: _Terms) -> None:
    contents = [content for entry in dossier.incidents
                for content in _versions(kit, entry.incident)]
    countries = _country_names()
    place = Protection(TermKind.PLACE, marker(R2), R2)
    terms.add([p for c in contents for value in (c.province, c.city)
               for p in (value, *_segments(value))], place)
    terms.add([segment for person in people
               for segment in _segments(open_text(kit, person, "address_sealed"))
               if normal(segment) not in countries], place)
    terms.add([description_of(kit, exhibit.evidence).claimed_place
               for exhibit in dossier.exhibits], place)
    terms.add([term for person in people
               for term in contact_terms(open_text(kit, person, "contact_sealed"))],
              Protection(TermKind.CONTACT, marker(R2), R2))
    for identifier in recorded_in(kit, dossier):
        # Redacted by default, like a marked text: decided already (decision 0031).
        reason = identifier_reason(identifier.kind)
        terms.add(identifier_terms(identifier),
                  Protection(TermKind.MARKED, marker(reason), reason))
    references = [c.report_reference for c in contents]
    terms.add([r for r in (*references, open_text(kit, dossier, "earlier_reference_sealed"))
               if len(normal(r)) >= MIN_REFERENCE_CHARS],
              Protection(TermKind.REFERENCE, marker(R1), R1))
    for redaction in redactions_of(dossier):
        terms.add([open_text(kit, redaction, "text_sealed")],
                  Protection(TermKind.MARKED, marker(redaction.reason.value),
                             redaction.reason.value))


def contact_terms(contact: str) -> list[str]:
    """The phone numbers and accounts in a contact text: each phone number as its
    digits apart (so that any grouping matches) with and without its country code
    or trunk zero, each e-mail address and its local part, each @handle and account
    address; a contact that is one word is one term. A handle written without @
    among other words is not recognised."""
    found: list[str] = []
    for number in _PHONE.findall(contact):
        digits = "".join(ch for ch in normal(number) if ch.isdigit())
        if len(digits) >= 7:
            found += [" ".join(d) for d in _phone_forms(digits)]
    for email in _EMAIL.findall(contact):
        found += [email, email.split("@")[0]]
    found += _HANDLE.findall(contact) + _URL_PATH.findall(contact)
    found += [token for token in _ACCOUNT_TOKEN.findall(contact)
              if any(ch.isalpha() for ch in token)]
    if len(contact.split()) == 1:
        found.append(contact.strip())
    return [term for term in dict.fromkeys(found) if len(normal(term)) >= MIN_NAME_PART_CHARS]


def identifier_reason(kind: str) -> str:
    """The reason code an identifier is redacted with in the public variant: a contact
    or a place (R2), an official's name or a vehicle plate, a third party (R3)."""
    return R3 if kind in ("official", "vehicle_plate") else R2


def identifier_terms(identifier: ShownIdentifier) -> list[str]:
    """The spellings of an identifier recorded on the dossier's reports or exhibits:
    as typed, as matched (E.164 grouped, @handle); a phone number, account or e-mail
    address also in every form `contact_terms` finds (digits apart, local part)."""
    found = [identifier.typed, identifier.shown]
    if identifier.kind in ("phone", "account", "email"):
        found += contact_terms(identifier.typed) + contact_terms(identifier.shown)
    if identifier.kind == "account":
        found.append(identifier.shown.lstrip("@"))
    return [term for term in dict.fromkeys(found)
            if len(normal(term)) >= MIN_NAME_PART_CHARS]


def _phone_forms(digits: str) -> list[str]:
    digits = digits.removeprefix("00")
    national = digits[-10:]
    return list(dict.fromkeys([digits, national, "0" + national] if len(digits) > 10
                              else [digits, digits.removeprefix("0")]))


def _segments(text: str) -> list[str]:
    """The parts of an address (street, district, city...) that hold a letter."""
    return [part.strip() for part in _SEGMENTS.split(text)
            if any(ch.isalpha() for ch in part) and len(normal(part)) >= MIN_NAME_PART_CHARS]


@cache
def _country_names() -> frozenset[str]:
    """Country names, printed by design (they are not precise places)."""
    return frozenset(normal(name) for locale in ("en", "fr", "fa")
                     for _code, name in country_names(locale))


def _key(phrase: str) -> tuple[str, ...]:
    """The words of a name as matching compares them (portal.text's normal form)."""
    words = _TERM_EDGES.sub("", normal(phrase.replace("\u200c", " ")))
    return tuple(word for word in re.split(r"[ -]+", words) if word)


def _people_of(dossier: Dossier) -> list[Person]:
    families = sorted({entry.incident.family_id for entry in dossier.incidents})
    return list(db.session.scalars(select(Person).where(Person.family_id.in_(families))
                                   .order_by(Person.family_id, Person.number))) if families else []


def _versions(kit: CryptoKit, incident: Incident) -> Iterator[IncidentContent]:
    """Every version of a report (places and references change when it is amended)."""
    yield load_content(kit, incident)
    for revision in revisions_of(incident):
        yield revision_content(kit, revision)
