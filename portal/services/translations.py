"""Translations of an incident's narrative or of an evidence item, as records of their own.

A translation never replaces the original: it is stored beside it, with its language,
who made it, how (by a person, by a machine and reviewed by a person, by a machine
alone) and whether it is certified, so that a dossier can say which text is an
original and which a translation. The text and the translator's name are sealed.
Only advocates assigned to the family may add one (`TRANSLATION_MANAGE`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.models import EvidenceItem, Incident, User, db
from portal.models.dossiers import Translation, TranslationMethod
from portal.policy import Permission, can
from portal.services.errors import InvalidFields, PermissionDenied
from portal.services.sealing import open_text, seal_text

LANGUAGES = ("en", "fr", "fa")
MAX_TEXT_CHARS = 100_000
MAX_TRANSLATOR_CHARS = 200

Subject = Incident | EvidenceItem


@dataclass(frozen=True)
class TranslationInput:
    language: str
    text: str
    translator: str
    method: str
    certified: bool


@dataclass(frozen=True)
class TranslationView:
    """A translation as plain data, for pages and the dossier assembly."""

    id: int
    subject_type: str  # "incident" or "evidence"
    subject_id: int
    language: str
    text: str
    translator: str
    method: str
    certified: bool
    created_at: datetime


def add_translation(kit: CryptoKit, actor: User, subject: Subject,
                    given: TranslationInput) -> Translation:
    """Record a translation of `subject`. Flushes; records `translation.added`.

    Raises PermissionDenied (not an assigned advocate) and InvalidFields (every
    problem at once, keyed by form field).
    """
    if not can(actor, Permission.TRANSLATION_MANAGE, subject):
        raise PermissionDenied(_l("You cannot add a translation here."))
    _validate(given)
    translation = Translation(language=given.language, method=TranslationMethod(given.method),
                              certified=given.certified, created_by_id=actor.id,
                              **_subject_columns(subject))
    db.session.add(translation)
    db.session.flush()
    seal_text(kit, translation, "text_sealed", given.text)
    seal_text(kit, translation, "translator_sealed", given.translator)
    db.session.flush()
    record_event(AuditAction.TRANSLATION_ADDED, Outcome.SUCCESS, actor=actor,
                 target_type=_subject_type(subject), target_id=subject.id,
                 details={"translation": translation.id, "language": given.language,
                          "method": given.method, "certified": given.certified})
    return translation


def _validate(given: TranslationInput) -> None:
    errors = translation_field_errors(given.text, MAX_TEXT_CHARS, given.translator,
                                      given.method, given.certified)
    if given.language not in LANGUAGES:
        errors["language"] = _l("Choose the language of the translation.")
    if errors:
        raise InvalidFields(errors)


def translation_field_errors(text: str, max_text_chars: int, translator: str, method: str,
                             certified: bool) -> dict[str, LazyString]:
    """What is wrong with the fields every translation record has (text, translator,
    method, certified), by field: the rules of a narrative's and of a dossier section's
    translation are one."""
    errors: dict[str, LazyString] = {}
    if not text.strip():
        errors["text"] = _l("Enter the translated text.")
    elif len(text) > max_text_chars:
        errors["text"] = _l("Use at most %(max)d characters.", max=max_text_chars)
    if not translator.strip():
        errors["translator"] = _l("Enter who translated it (for a machine, the tool's name).")
    elif len(translator) > MAX_TRANSLATOR_CHARS:
        errors["translator"] = _l("Use at most %(max)d characters.", max=MAX_TRANSLATOR_CHARS)
    if method not in {m.value for m in TranslationMethod}:
        errors["method"] = _l("Choose how it was translated.")
    elif certified and method == TranslationMethod.MACHINE:
        # A certificate vouches for a translator's work; nobody vouched for raw machine output.
        errors["certified"] = _l("A machine translation that no one reviewed cannot be "
                                 "certified.")
    return errors


def list_translations(kit: CryptoKit, subject: Subject) -> list[TranslationView]:
    """Every translation of `subject`, oldest first. The caller has checked access."""
    return [_view(kit, t) for t in db.session.scalars(_query(subject))]


def translations_for(kit: CryptoKit, subject: Subject, language: str) -> list[TranslationView]:
    """The translations of `subject` into `language`, certified first, then newest first:
    the first one is the one a dossier in that language should use. The caller (the
    dossier assembly) has checked that the subject is in the dossier."""
    rows = db.session.scalars(_query(subject).where(Translation.language == language)
                              .order_by(None).order_by(Translation.certified.desc(),
                                                       Translation.id.desc()))
    return [_view(kit, t) for t in rows]


def _query(subject: Subject) -> Select[tuple[Translation]]:
    column = (Translation.incident_id if isinstance(subject, Incident)
              else Translation.evidence_id)
    return select(Translation).where(column == subject.id).order_by(Translation.id)


def _subject_type(subject: Subject) -> str:
    return "incident" if isinstance(subject, Incident) else "evidence"


def _subject_columns(subject: Subject) -> dict[str, int]:
    key = "incident_id" if isinstance(subject, Incident) else "evidence_id"
    return {key: subject.id}


def _view(kit: CryptoKit, translation: Translation) -> TranslationView:
    subject_type, subject_id = (("incident", translation.incident_id)
                                if translation.incident_id is not None
                                else ("evidence", translation.evidence_id or 0))
    return TranslationView(
        id=translation.id, subject_type=subject_type, subject_id=subject_id,
        language=translation.language, text=open_text(kit, translation, "text_sealed"),
        translator=open_text(kit, translation, "translator_sealed"),
        method=str(translation.method), certified=translation.certified,
        created_at=translation.created_at)
