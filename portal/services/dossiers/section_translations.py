"""Translations of a dossier's sections: one filing language, translations as evidence
(decision 0023).

A dossier is written in one language (`Dossier.language`). To file it in another, every
section with text needs a translation into that language: a record of its own, like a
narrative's translation, with the translator (sealed), the method, and, when
certified, the translator's certificate statement (sealed). A translation remembers
the SHA-256 of the section text it was made from; once the section changes it is
stale, and an export in its language is refused (`missing_translations`) until it is
made again. Saving one records `dossier.section_saved` with its language.
Translations are written by the dossier's advocates while it can be
edited (DOSSIER_EDIT): a legal reviewer approves them with the version, and an
approved version's translations never change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.models import User, db, utcnow
from portal.models.dossiers import (
    Dossier,
    DossierSection,
    SectionKey,
    SectionTranslation,
    TranslationMethod,
)
from portal.policy import Permission, can
from portal.services.dossiers.sections import MAX_SECTION_CHARS, section_key
from portal.services.errors import EditConflict, InvalidFields, NotFound, PermissionDenied
from portal.services.sealing import open_text, seal_text
from portal.services.translations import translation_field_errors

LANGUAGES = ("en", "fr", "fa")  # the languages a dossier can be exported in
MAX_CERTIFICATE_CHARS = 2_000


@dataclass(frozen=True)
class SectionTranslationInput:
    text: str
    translator: str
    method: str
    certified: bool
    certificate: str
    lock_version: int  # 0 for a new translation


@dataclass(frozen=True)
class SectionTranslationView:
    """A section's translation as plain data (the editor, the export, Annex C)."""

    key: str
    language: str
    text: str
    translator: str
    method: str
    certified: bool
    certificate: str
    current: bool  # made from the section's text as it is now
    lock_version: int


def text_sha256(text: str) -> str:
    """The hash a translation records of its source (the stripped text, as sealed)."""
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


def save_section_translation(kit: CryptoKit, actor: User, dossier: Dossier, key: str,
                             language: str, given: SectionTranslationInput) -> None:
    """Add or replace the translation of section `key` into `language`, made from the
    section's current text. Flushes; records `dossier.section_saved` (with the language).

    Raises:
        PermissionDenied: not a contributor, or the dossier is in review or approved.
        NotFound: no such section (or it has no text yet), or the language is the
            dossier's own or not one the portal exports in.
        InvalidFields: every problem at once, keyed by form field.
        EditConflict: someone saved this translation since `lock_version` was read.
    """
    if not can(actor, Permission.DOSSIER_EDIT, dossier):
        raise PermissionDenied(_l("This dossier cannot be changed now."))
    section = _section(dossier, key)
    _check_language(dossier, language)
    _validate(given)
    source = open_text(kit, section, "body_sealed")
    row = _translation(section, language)
    if row is None:
        if given.lock_version != 0:
            raise _conflict()
        row = SectionTranslation(section_id=section.id, language=language,
                                 method=TranslationMethod(given.method),
                                 source_sha256=text_sha256(source), created_by_id=actor.id)
        db.session.add(row)
        db.session.flush()
    elif row.lock_version != given.lock_version:
        raise _conflict()
    row.method, row.certified = TranslationMethod(given.method), given.certified
    row.source_sha256, row.created_by_id, row.created_at = (text_sha256(source), actor.id,
                                                            utcnow())
    seal_text(kit, row, "text_sealed", given.text)
    seal_text(kit, row, "translator_sealed", given.translator)
    seal_text(kit, row, "certificate_sealed", given.certificate if given.certified else "")
    try:
        db.session.flush()
    except StaleDataError:
        raise _conflict() from None
    # The section-saved event, naming the translation's language (an action of its own
    # would need a change to portal/audit; the details say which text was saved).
    record_event(AuditAction.DOSSIER_SECTION_SAVED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id,
                 details={"section": section.key, "translation": language,
                          "method": given.method, "certified": given.certified})


def load_section_translation(kit: CryptoKit, dossier: Dossier, key: str,
                             language: str) -> SectionTranslationView | None:
    """The translation of section `key` into `language`, or None. Raises NotFound."""
    section = _section(dossier, key)
    _check_language(dossier, language)
    row = _translation(section, language)
    return _view(kit, section, row, open_text(kit, section, "body_sealed")) if row else None


def section_translations(kit: CryptoKit, dossier: Dossier,
                         language: str) -> dict[str, SectionTranslationView]:
    """Every section's translation into `language`, current or stale, by section key."""
    found = {}
    for section, row in db.session.execute(
            select(DossierSection, SectionTranslation)
            .join(SectionTranslation, SectionTranslation.section_id == DossierSection.id)
            .where(DossierSection.dossier_id == dossier.id,
                   SectionTranslation.language == language)):
        found[section.key] = _view(kit, section, row, open_text(kit, section, "body_sealed"))
    return found


def translated_sources(kit: CryptoKit, dossier: Dossier, language: str) -> dict[str, str]:
    """The Markdown of each section in `language`: its current translation, "" for a
    section without text. The caller has checked `missing_translations` is empty."""
    translations = section_translations(kit, dossier, language)
    return {key: view.text for key, view in translations.items() if view.current}


def missing_translations(kit: CryptoKit, dossier: Dossier, language: str) -> list[str]:
    """The keys (in dossier order) of the sections with text that have no current
    translation into `language`; [] when `language` is the dossier's own."""
    if language == dossier.language:
        return []
    translations = section_translations(kit, dossier, language)
    sections = {s.key: s for s in db.session.scalars(select(DossierSection).where(
        DossierSection.dossier_id == dossier.id))}
    return [key.value for key in SectionKey
            if key.value in sections and open_text(kit, sections[key.value], "body_sealed")
            and not (key.value in translations and translations[key.value].current)]


def copy_translations(kit: CryptoKit, source: DossierSection, target: DossierSection) -> None:
    """Carry a section's translations to its copy in a new version (same text, so they
    stay current). Flushes."""
    for row in db.session.scalars(select(SectionTranslation).where(
            SectionTranslation.section_id == source.id)):
        copy = SectionTranslation(section_id=target.id, language=row.language,
                                  method=row.method, certified=row.certified,
                                  source_sha256=row.source_sha256,
                                  created_by_id=row.created_by_id, created_at=row.created_at)
        db.session.add(copy)
        db.session.flush()
        for column in ("text_sealed", "translator_sealed", "certificate_sealed"):
            seal_text(kit, copy, column, open_text(kit, row, column))
    db.session.flush()


def _section(dossier: Dossier, key: str) -> DossierSection:
    known = section_key(key)
    section = db.session.scalar(select(DossierSection).where(
        DossierSection.dossier_id == dossier.id, DossierSection.key == known.value))
    if section is None:
        raise NotFound(_l("There is no such section."))
    return section


def _check_language(dossier: Dossier, language: str) -> None:
    if language not in LANGUAGES or language == dossier.language:
        raise NotFound(_l("There is no such translation."))


def _translation(section: DossierSection, language: str) -> SectionTranslation | None:
    return db.session.scalar(select(SectionTranslation).where(
        SectionTranslation.section_id == section.id, SectionTranslation.language == language))


def _validate(given: SectionTranslationInput) -> None:
    errors = translation_field_errors(given.text, MAX_SECTION_CHARS, given.translator,
                                      given.method, given.certified)
    if given.certified and not given.certificate.strip():
        errors["certificate"] = _l("Enter the translator's certificate.")
    elif len(given.certificate) > MAX_CERTIFICATE_CHARS:
        errors["certificate"] = _l("Use at most %(max)d characters.", max=MAX_CERTIFICATE_CHARS)
    if errors:
        raise InvalidFields(errors)


def _conflict() -> EditConflict:
    return EditConflict(_l("Someone else saved this translation while you were editing it. "
                           "Your text is below and was not saved: compare it with the "
                           "current text, then save again."), field="text")


def _view(kit: CryptoKit, section: DossierSection, row: SectionTranslation,
          source: str) -> SectionTranslationView:
    return SectionTranslationView(
        key=section.key, language=row.language, text=open_text(kit, row, "text_sealed"),
        translator=open_text(kit, row, "translator_sealed"), method=str(row.method),
        certified=row.certified, certificate=open_text(kit, row, "certificate_sealed"),
        current=row.source_sha256 == text_sha256(source), lock_version=row.lock_version)
