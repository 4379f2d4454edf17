"""Review: draft → in review (locked) → returned with comments, or approved; and new
versions of an approved dossier.

Approval needs the legal reviewer the dossier was sent to (never one of its authors),
a passphrase proven within the last few minutes (checked by the caller, which owns
the session), no missing consent, nothing blocking on the approval checklist
(checklist.py: every protected-term occurrence decided, no template placeholder),
each of its warnings acknowledged, and the content hash the reviewer read: if the
dossier changed since the page was shown, the approval is refused. The hash is that of
the confidential document as assembled and redacted (assembly.content_hash), the same
for the review page, the export job and the command line: what the reviewer reads is
what is printed, and a change of what must be redacted (a relative who now chose a
pseudonym) changes it. The approval is a statement (who, when, which hash) signed
with the portal's review key.
"""

from __future__ import annotations

from collections.abc import Collection

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.crypto.statements import sign_statement
from portal.models import (
    Dossier,
    DossierContributor,
    DossierExhibit,
    DossierIncident,
    DossierRedaction,
    DossierReview,
    DossierSection,
    LegalTag,
    PendingTranslation,
    Role,
    User,
    db,
    utcnow,
)
from portal.models.dossiers import DossierStatus
from portal.policy import Permission, can
from portal.services.dossiers.builder import latest_revision, require
from portal.services.dossiers.checklist import ApprovalWarning, checklist
from portal.services.dossiers.consent_gate import dossier_gaps
from portal.services.dossiers.occurrences import copy_decisions
from portal.services.dossiers.redacted_renditions import carry_redactions
from portal.services.dossiers.section_translations import copy_translations
from portal.services.errors import ConsentMissing, PermissionDenied, ValidationFailed
from portal.services.sealing import open_text, seal_text

MAX_COMMENTS = 10_000


def reviewers() -> list[User]:
    """Active legal reviewers, whom a dossier can be sent to."""
    return list(db.session.scalars(select(User).where(
        User.role == Role.LEGAL_REVIEWER, User.is_active.is_(True)).order_by(User.username)))


def send_for_review(actor: User, dossier: Dossier, reviewer: User | None) -> None:
    """Lock the dossier and send it to one legal reviewer, citing the reports' latest
    revisions."""
    require(actor, Permission.DOSSIER_EDIT, dossier)
    if (reviewer is None or reviewer.role is not Role.LEGAL_REVIEWER or not reviewer.is_active
            or any(c.advocate_id == reviewer.id for c in dossier.contributors)):
        raise ValidationFailed(_l("Choose a legal reviewer."), field="reviewer")
    if not dossier.incidents:
        raise ValidationFailed(_l("Add at least one report first."), field="reviewer")
    gaps = dossier_gaps(dossier)
    if gaps:
        raise ConsentMissing(_l("Consent is missing: resolve it before review."), list(gaps))
    for entry in dossier.incidents:
        entry.revision_number = latest_revision(entry.incident)
    dossier.reviewer_id = reviewer.id
    dossier.status = DossierStatus.IN_REVIEW
    dossier.sent_at = utcnow()
    db.session.flush()
    record_event(AuditAction.DOSSIER_SENT_FOR_REVIEW, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id, details={"reviewer": reviewer.id})


def return_dossier(kit: CryptoKit, actor: User, dossier: Dossier, comments: str,
                   reviewed_hash: str) -> DossierReview:
    _require_review(actor, dossier)
    comments = comments.strip()
    if not comments:
        raise ValidationFailed(_l("Say what needs to change."), field="comments")
    if len(comments) > MAX_COMMENTS:
        raise ValidationFailed(_l("Use at most %(max)d characters.", max=MAX_COMMENTS),
                               field="comments")
    review = _record_review(kit, actor, dossier, "returned", comments, reviewed_hash)
    dossier.status = DossierStatus.RETURNED
    db.session.flush()
    record_event(AuditAction.DOSSIER_RETURNED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id,
                 details={"content_hash": reviewed_hash})
    return review


def approve(kit: CryptoKit, actor: User, dossier: Dossier, reviewed_hash: str,
            current_hash: str, comments: str = "",
            acknowledged: Collection[str] = (), translation_reason: str = "") -> DossierReview:
    """Approve what the reviewer read (`reviewed_hash`), which must still be the
    dossier's content (`current_hash`, computed by the caller from the assembly), once
    nothing on the approval checklist blocks it and the reviewer has acknowledged
    each of its warnings (`acknowledged`: their codes, recorded in the statement).
    An account without a certified translation into the dossier's language needs
    `translation_reason` too ("translation to follow"): it is kept per report
    (PendingTranslation) and printed where the translation would be."""
    _require_review(actor, dossier)
    if reviewed_hash != current_hash:
        raise ValidationFailed(_l("The dossier changed while you were reading it. Read it "
                                  "again before approving."), field="content_hash")
    items = checklist(kit, dossier)
    if items.gaps:
        raise ConsentMissing(_l("Consent was withdrawn or is missing: this dossier cannot be "
                                "approved."), list(items.gaps))
    if items.unresolved:
        raise ValidationFailed(_l("Protected names or places in the text are not reviewed "
                                  "yet: decide on each before approving."),
                               field="content_hash")
    if items.placeholders:
        raise ValidationFailed(_l("A section still holds a template placeholder in square "
                                  "brackets: the advocates must complete it first."),
                               field="content_hash")
    warned = sorted(warning.value for warning in items.warnings)
    if not set(warned) <= set(acknowledged):
        raise ValidationFailed(_l("Acknowledge each warning of the checklist before "
                                  "approving."), field="acknowledged")
    pending = items.warnings.get(ApprovalWarning.UNTRANSLATED, ())
    if pending and not translation_reason.strip():
        raise ValidationFailed(_l("An account has no certified translation into the "
                                  "dossier's language: say why (for example, “translation "
                                  "to follow”) before approving."), field="translation_reason")
    if len(translation_reason) > MAX_COMMENTS:
        raise ValidationFailed(_l("Use at most %(max)d characters.", max=MAX_COMMENTS),
                               field="translation_reason")
    now = utcnow()
    statement, signature = sign_statement(kit.review_signing_seed, {
        "statement": "approved",
        "dossier": f"PS752-{dossier.number:04d}",
        "version": dossier.version,
        "content_sha256": current_hash,
        "reviewer": actor.username,
        "reviewer_id": actor.id,
        "approved_at": now.isoformat(),
        "acknowledged_warnings": warned,
        **({"translations_pending": [int(report) for report in pending]} if pending else {}),
    })
    review = _record_review(kit, actor, dossier, "approved", comments, current_hash)
    review.statement, review.signature = statement, signature
    _record_pending_translations(kit, actor, dossier, pending, translation_reason)
    dossier.status = DossierStatus.APPROVED
    dossier.approved_at = now
    dossier.approved_content_hash = current_hash
    db.session.flush()
    record_event(AuditAction.DOSSIER_APPROVED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id,
                 details={"content_hash": current_hash, "version": dossier.version,
                          "acknowledged": ",".join(warned)})
    return review


def _record_pending_translations(kit: CryptoKit, actor: User, dossier: Dossier,
                                 reports: Collection[str], reason: str) -> None:
    """Keep the reviewer's reason for each report approved without its certified
    translation (sealed: a reviewer's free text)."""
    for report in reports:
        row = PendingTranslation(dossier_id=dossier.id, incident_id=int(report),
                                 recorded_by_id=actor.id)
        db.session.add(row)
        db.session.flush()
        seal_text(kit, row, "reason_sealed", reason)


def pending_translation_reasons(kit: CryptoKit, dossier: Dossier) -> dict[int, str]:
    """Report id -> the reason its account was approved without a certified translation."""
    return {row.incident_id: open_text(kit, row, "reason_sealed")
            for row in db.session.scalars(select(PendingTranslation).where(
                PendingTranslation.dossier_id == dossier.id))}


def reviews_of(dossier: Dossier) -> list[DossierReview]:
    return list(db.session.scalars(select(DossierReview).where(
        DossierReview.dossier_id == dossier.id).order_by(DossierReview.id)))


def successor_of(dossier: Dossier) -> Dossier | None:
    return db.session.scalar(select(Dossier).where(Dossier.supersedes_id == dossier.id))


def versions_of(dossier: Dossier) -> list[Dossier]:
    return list(db.session.scalars(select(Dossier).where(Dossier.number == dossier.number)
                                   .order_by(Dossier.version)))


def new_version(kit: CryptoKit, actor: User, dossier: Dossier) -> Dossier:
    """Start the next version of an approved dossier: a draft copy that supersedes it.
    The approved version is left exactly as it was."""
    require(actor, Permission.DOSSIER_NEW_VERSION, dossier)
    existing = successor_of(dossier)
    if existing is not None:
        return existing
    copy = Dossier(number=dossier.number, version=dossier.version + 1, supersedes_id=dossier.id,
                   kind=dossier.kind, destination=dossier.destination,
                   language=dossier.language, classification=dossier.classification,
                   incident_order=dossier.incident_order, created_by_id=actor.id)
    db.session.add(copy)
    db.session.flush()
    # Sealed values are bound to their row: open each and seal it again for the copy.
    _copy_sealed(kit, dossier, copy, "title_sealed")
    _copy_sealed(kit, dossier, copy, "earlier_reference_sealed")
    for contributor in dossier.contributors:
        copy.contributors.append(DossierContributor(advocate_id=contributor.advocate_id))
    for entry in dossier.incidents:
        copy.incidents.append(DossierIncident(
            incident_id=entry.incident_id, position=entry.position,
            revision_number=entry.revision_number, added_by_id=entry.added_by_id))
    if not any(c.advocate_id == actor.id for c in dossier.contributors):
        copy.contributors.append(DossierContributor(advocate_id=actor.id))
    db.session.flush()
    for exhibit in dossier.exhibits:
        new = DossierExhibit(evidence_id=exhibit.evidence_id, number=exhibit.number,
                             withheld=exhibit.withheld, use_stripped=exhibit.use_stripped,
                             print_recognised_text=exhibit.print_recognised_text,
                             messages_from=exhibit.messages_from,
                             messages_to=exhibit.messages_to)
        copy.exhibits.append(new)
        db.session.flush()
        _copy_sealed(kit, exhibit, new, "withheld_reason_sealed")
        carry_redactions(exhibit, new)
    for section in db.session.scalars(select(DossierSection).where(
            DossierSection.dossier_id == dossier.id)):
        copied = DossierSection(dossier_id=copy.id, key=section.key, updated_by_id=actor.id)
        _add_copy(kit, section, copied, "body_sealed")
        copy_translations(kit, section, copied)
    for redaction in db.session.scalars(select(DossierRedaction).where(
            DossierRedaction.dossier_id == dossier.id)):
        _add_copy(kit, redaction, DossierRedaction(
            dossier_id=copy.id, reason=redaction.reason,
            created_by_id=redaction.created_by_id), "text_sealed")
    copy_decisions(kit, dossier, copy)
    db.session.flush()
    record_event(AuditAction.DOSSIER_VERSION_CREATED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=copy.id,
                 details={"supersedes": dossier.id, "version": copy.version})
    return copy


def confirm_legal_tag(actor: User, dossier: Dossier, tag: LegalTag) -> None:
    """A legal reviewer confirms a suggested legal characterisation of an incident that
    the dossier under their review cites."""
    _require_review(actor, dossier)
    if not can(actor, Permission.LEGAL_TAG_CONFIRM) or not any(
            entry.incident_id == tag.incident_id for entry in dossier.incidents):
        raise PermissionDenied(_l("You cannot confirm this tag."))
    if tag.confirmed_at is not None:
        return
    tag.confirmed_by_id = actor.id
    tag.confirmed_at = utcnow()
    db.session.flush()
    record_event(AuditAction.LEGAL_TAG_CONFIRMED, Outcome.SUCCESS, actor=actor,
                 target_type="incident", target_id=tag.incident_id,
                 details={"dossier": dossier.id})


def _require_review(actor: User, dossier: Dossier) -> None:
    if not can(actor, Permission.DOSSIER_REVIEW, dossier):
        raise PermissionDenied(_l("You cannot review this dossier."))


def _record_review(kit: CryptoKit, actor: User, dossier: Dossier, decision: str,
                   comments: str, content_hash: str) -> DossierReview:
    review = DossierReview(dossier_id=dossier.id, reviewer_id=actor.id, decision=decision,
                           content_hash=content_hash)
    db.session.add(review)
    db.session.flush()
    seal_text(kit, review, "comments_sealed", comments)
    return review


def _copy_sealed(kit: CryptoKit, source: object, target: object, column: str) -> None:
    seal_text(kit, target, column, open_text(kit, source, column))


def _add_copy(kit: CryptoKit, source: object, target: object, column: str) -> None:
    """Add `target` (a copy of `source` for the new version) and seal its text again:
    the row needs its id first, because sealed values are bound to their row."""
    db.session.add(target)
    db.session.flush()
    _copy_sealed(kit, source, target, column)
