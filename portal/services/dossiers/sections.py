"""The narrative sections of a dossier: prefilled from templates, edited by advocates.

A section's text is Markdown (rendered by `markup.render_markup`), sealed like every
free text. Two advocates may open the same section at once: each save names the
`lock_version` its editor loaded, and a save made on an older version is refused
with `EditConflict` (the view keeps the refused text on the page), never silently
overwriting the other person's words.

A section added to the dossier after a dossier was made (admissibility) has no row in
that dossier: its editor starts from the template (version 0) and the first save
creates it; until then the PDF has no heading for it (portal.pdf.html.outline leaves
out a section without text).

Templates: a `SectionTemplate` row (admins edit them) overrides the file shipped in
`section_templates/<key>.<language>.md`. They are generic wording, no facts about
anyone; the facts come from placeholders (see `facts.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.models import User, db, utcnow
from portal.models.dossiers import Dossier, DossierSection, SectionKey, SectionTemplate
from portal.policy import Permission, can
from portal.services.errors import EditConflict, NotFound, PermissionDenied, ValidationFailed
from portal.services.sealing import open_text, seal_text

TEMPLATE_DIR = Path(__file__).parent / "section_templates"
TEMPLATE_LANGUAGES = ("en", "fr")  # the languages the ICC Office of the Prosecutor works in
MAX_SECTION_CHARS = 60_000


@dataclass(frozen=True)
class SectionDraft:
    """What the editor shows: the text and the version it was read at."""

    key: str
    body: str
    lock_version: int


def section_key(key: str) -> SectionKey:
    """The SectionKey named `key`; NotFound for anything else (a URL is typed by anyone)."""
    try:
        return SectionKey(key)
    except ValueError:
        raise NotFound(_l("There is no such section.")) from None


def template_body(key: SectionKey, language: str) -> str:
    """The text a new section starts from: the admins' version, else the shipped file."""
    if language not in TEMPLATE_LANGUAGES:
        language = "en"
    row = db.session.get(SectionTemplate, (key.value, language))
    if row is not None:
        return row.body
    return (TEMPLATE_DIR / f"{key.value}.{language}.md").read_text(encoding="utf-8")


def ensure_sections(kit: CryptoKit, actor: User, dossier: Dossier) -> list[DossierSection]:
    """Create every missing section of `dossier` from the templates in its language.

    Sections that exist are left as they are (a new version keeps its edited text).
    The dossier must be flushed (it needs an id). Flushes; records one event when
    anything was created. Returns the sections in dossier order.
    """
    existing = _sections_by_key(dossier)
    created = []
    for key in SectionKey:
        if key.value in existing:
            continue
        section = DossierSection(dossier_id=dossier.id, key=key.value, updated_by_id=actor.id)
        db.session.add(section)
        db.session.flush()
        seal_text(kit, section, "body_sealed", template_body(key, dossier.language))
        existing[key.value] = section
        created.append(key.value)
    if created:
        db.session.flush()
        record_event(AuditAction.DOSSIER_SECTIONS_PREFILLED, Outcome.SUCCESS, actor=actor,
                     target_type="dossier", target_id=dossier.id,
                     details={"sections": len(created), "language": dossier.language})
    return [existing[key.value] for key in SectionKey]


def section_sources(kit: CryptoKit, dossier: Dossier) -> dict[str, str]:
    """The Markdown of each section, in dossier order ("" for one not created)."""
    existing = _sections_by_key(dossier)
    return {key.value: open_text(kit, existing[key.value], "body_sealed")
            if key.value in existing else "" for key in SectionKey}


def load_section(kit: CryptoKit, dossier: Dossier, key: str) -> SectionDraft:
    """One section for the editor. Raises NotFound for an unknown key. A section the
    dossier has no row for (it was made before the section existed) reads as its
    template at version 0, which the first save creates."""
    known = section_key(key)
    section = _find_section(dossier, known)
    if section is None:
        return SectionDraft(known.value, template_body(known, dossier.language), 0)
    return SectionDraft(section.key, open_text(kit, section, "body_sealed"),
                        section.lock_version)


def save_section(kit: CryptoKit, actor: User, dossier: Dossier, key: str, body: str,
                 lock_version: int) -> bool:
    """Store a section's new text. Returns False when nothing changed.

    Raises:
        PermissionDenied: the actor may not edit this dossier (not a contributor, or
            it is in review or approved).
        NotFound: no such section key.
        ValidationFailed: the text is too long (field "body").
        EditConflict: the section was saved by someone else since `lock_version` was
            read (field "body"); nothing is written.
    """
    if not can(actor, Permission.DOSSIER_EDIT, dossier):
        raise PermissionDenied(_l("This dossier cannot be changed now."))
    known = section_key(key)
    section = _find_section(dossier, known)
    if len(body) > MAX_SECTION_CHARS:
        raise ValidationFailed(_l("Use at most %(max)d characters.", max=MAX_SECTION_CHARS),
                               field="body")
    if section is None:
        if lock_version != 0:  # read as the template: another save created it since
            raise _conflict()
        section = _create_section(actor, dossier, known)
    elif section.lock_version != lock_version:
        raise _conflict()
    elif open_text(kit, section, "body_sealed") == body.strip():
        return False
    seal_text(kit, section, "body_sealed", body)
    section.updated_by_id = actor.id
    section.updated_at = utcnow()
    try:
        db.session.flush()  # the UPDATE names the version read: a concurrent save makes it stale
    except StaleDataError:
        raise _conflict() from None
    record_event(AuditAction.DOSSIER_SECTION_SAVED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id,
                 details={"section": section.key, "version": section.lock_version})
    return True


def _conflict() -> EditConflict:
    return EditConflict(_l("Someone else saved this section while you were editing it. "
                           "Your text is below and was not saved: compare it with the "
                           "current text, then save again."), field="body")


def _sections_by_key(dossier: Dossier) -> dict[str, DossierSection]:
    rows = db.session.scalars(select(DossierSection).where(
        DossierSection.dossier_id == dossier.id))
    return {row.key: row for row in rows}


def _find_section(dossier: Dossier, key: SectionKey) -> DossierSection | None:
    return db.session.scalar(select(DossierSection).where(
        DossierSection.dossier_id == dossier.id, DossierSection.key == key.value))


def _create_section(actor: User, dossier: Dossier, key: SectionKey) -> DossierSection:
    """The row of a section the dossier did not have yet, flushed (its text is sealed
    to its id by the caller). Two first saves at once: the second fails on the
    dossier's unique (dossier, key)."""
    section = DossierSection(dossier_id=dossier.id, key=key.value, updated_by_id=actor.id)
    db.session.add(section)
    db.session.flush()
    return section


# --- the templates admins edit -----------------------------------------------------------


def save_template(actor: User, key: str, language: str, body: str) -> bool:
    """Store an admin's version of a template (used by dossiers created from now on).

    Raises PermissionDenied (not an admin), NotFound (unknown key or language) and
    ValidationFailed (too long, field "body"). Returns False when nothing changed.
    """
    if not can(actor, Permission.REGISTER_MANAGE):
        raise PermissionDenied(_l("You cannot change the templates."))
    section = section_key(key)
    if language not in TEMPLATE_LANGUAGES:
        raise NotFound(_l("There is no such template."))
    if len(body) > MAX_SECTION_CHARS:
        raise ValidationFailed(_l("Use at most %(max)d characters.", max=MAX_SECTION_CHARS),
                               field="body")
    text = body.strip() + "\n"
    if template_body(section, language) == text:
        return False
    row = db.session.get(SectionTemplate, (section.value, language))
    if row is None:
        row = SectionTemplate(key=section.value, language=language)
        db.session.add(row)
    row.body, row.updated_by_id, row.updated_at = text, actor.id, utcnow()
    db.session.flush()
    record_event(AuditAction.SECTION_TEMPLATE_SAVED, Outcome.SUCCESS, actor=actor,
                 target_type="section_template", target_id=f"{section.value}.{language}")
    return True
