"""People in a family file: relatives, witnesses and others, known by pseudonym codes."""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.models import Family, Person, User, db
from portal.models.vocabulary import Residence
from portal.policy import Permission, can
from portal.services.errors import InvalidFields, PermissionDenied
from portal.services.sealing import open_text, seal_text

SEALED = {"name_persian": "name_persian_sealed", "name_latin": "name_latin_sealed",
          "relationship_note": "relationship_note_sealed", "contact": "contact_sealed",
          "address": "address_sealed"}
MAX_CHARS = {"name_persian": 200, "name_latin": 200, "contact": 500, "address": 500,
             "relationship_note": 120}


@dataclass
class PersonDetails:
    name_persian: str = ""
    name_latin: str = ""
    relationship_note: str = ""
    residence: str = Residence.IRAN.value
    residence_country: str = ""
    lives_in_iran: bool = False
    travels_to_iran: bool = False
    contact: str = ""
    address: str = ""


def add_person(kit: CryptoKit, actor: User, family: Family, details: PersonDetails,
               countries: Set[str]) -> Person:
    """Add a person with the next code of the family (FAM-017-P3). Names are sealed."""
    if not can(actor, Permission.PERSON_MANAGE, family):
        raise PermissionDenied(_l("You cannot add people to this family file."))
    _validate(details, countries)
    number = family.next_person_number
    family.next_person_number = number + 1
    person = Person(family_id=family.id, number=number, code=f"{family.code}-P{number}",
                    created_by_id=actor.id, residence=Residence(details.residence))
    db.session.add(person)
    db.session.flush()
    _store(kit, person, details)
    record_event(AuditAction.PERSON_CREATED, Outcome.SUCCESS, actor=actor,
                 target_type="person", target_id=person.id)
    return person


def update_person(kit: CryptoKit, actor: User, person: Person, details: PersonDetails,
                  countries: Set[str]) -> None:
    if not can(actor, Permission.PERSON_MANAGE, person):
        raise PermissionDenied(_l("You cannot change this person."))
    _validate(details, countries)
    _store(kit, person, details)
    record_event(AuditAction.PERSON_UPDATED, Outcome.SUCCESS, actor=actor,
                 target_type="person", target_id=person.id)


def person_details(kit: CryptoKit, person: Person) -> PersonDetails:
    details = PersonDetails(
        residence=person.residence.value,
        residence_country=person.residence_country, lives_in_iran=person.lives_in_iran,
        travels_to_iran=person.travels_to_iran)
    for name, column in SEALED.items():
        setattr(details, name, open_text(kit, person, column))
    return details


def relationship_notes(kit: CryptoKit, people: Iterable[Person]) -> dict[int, str]:
    """Each person's relationship note (opened), by id: for lists of people."""
    return {person.id: open_text(kit, person, "relationship_note_sealed") for person in people}


def _validate(details: PersonDetails, countries: Set[str]) -> None:
    errors = {}
    if not (details.name_persian.strip() or details.name_latin.strip()):
        errors["name_persian"] = _l("Enter the name in Persian script, in Latin letters, "
                                    "or both.")
    for name, limit in MAX_CHARS.items():
        if len(getattr(details, name)) > limit:
            errors[name] = _l("Use at most %(max)d characters.", max=limit)
    if details.residence not in {r.value for r in Residence}:
        errors["residence"] = _l("Choose from the list.")
    if details.residence_country and details.residence_country not in countries:
        errors["residence_country"] = _l("Choose from the list.")
    if errors:
        raise InvalidFields(errors)


def _store(kit: CryptoKit, person: Person, details: PersonDetails) -> None:
    person.residence = Residence(details.residence)
    person.residence_country = details.residence_country
    # Someone who lives in Iran is at risk whatever box was ticked.
    person.lives_in_iran = details.lives_in_iran or person.residence is Residence.IRAN
    person.travels_to_iran = details.travels_to_iran
    for name, column in SEALED.items():
        seal_text(kit, person, column, getattr(details, name))
    db.session.flush()
