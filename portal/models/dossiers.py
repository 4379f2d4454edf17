"""Dossiers: what advocates compile from incidents and evidence for a destination
(the ICC Office of the Prosecutor, Canadian police...), and what legal reviewers approve.

A dossier has a `number` shared by all its versions (it names the Bates range,
PS752-<number>-NNNNNN) and one row per `version`. Editing an approved version
creates the next one; the approved row is never changed again. Free text (title,
sections, reasons, comments, redacted strings, translations) is sealed like every
`*_sealed` column. `lock_version` columns make concurrent saves fail instead of
silently overwriting one another (SQLAlchemy's version counter: the UPDATE names
the version it read).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import User
from portal.models.base import Base, utcnow
from portal.models.evidence import EvidenceItem, Rendition
from portal.models.incidents import Incident
from portal.models.vocabulary import enum_column


class DossierKind(StrEnum):
    ARTICLE_15 = "article_15"
    SUPPLEMENTARY = "supplementary"
    VICTIMS_REPRESENTATION = "victims_representation"
    POLICE_REFERRAL = "police_referral"


class DossierStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"


class IncidentOrder(StrEnum):
    DATE = "date"
    TYPE = "type"
    MANUAL = "manual"


class RedactionReason(StrEnum):
    """The reason codes printed in the public variant as [REDACTED – R1]."""

    R1 = "R1"  # identity of a victim, witness or relative
    R2 = "R2"  # location or contact
    R3 = "R3"  # third party
    R4 = "R4"  # source
    R5 = "R5"  # security-sensitive


class SectionKey(StrEnum):
    """The narrative sections, in the order of the dossier (DESIGN §5)."""

    EXECUTIVE_SUMMARY = "executive_summary"
    METHODOLOGY = "methodology"
    BACKGROUND = "background"
    OTHER_PROCEEDINGS = "other_proceedings"
    JURISDICTION = "jurisdiction"
    LEGAL_CHARACTERISATION = "legal_characterisation"
    # Added after the first dossiers: theirs have no row for it (stored as a string key,
    # so no migration), and the PDF leaves out a section without text.
    ADMISSIBILITY = "admissibility"
    REQUESTS = "requests"
    EVIDENCE_HANDLING = "evidence_handling"


class TranslationMethod(StrEnum):
    HUMAN = "human"
    MACHINE_REVIEWED = "machine_reviewed"
    MACHINE = "machine"


class AdvocacyEventKind(StrEnum):
    ANNIVERSARY = "anniversary"
    LEGAL_FILING = "legal_filing"
    INTERVIEW = "interview"
    RALLY = "rally"
    OTHER = "other"


class Dossier(Base):
    __tablename__ = "dossiers"
    __table_args__ = (UniqueConstraint("number", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    title_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    kind: Mapped[DossierKind] = mapped_column(enum_column(DossierKind, "dossier_kind"))
    destination: Mapped[str] = mapped_column(String(40))  # a consent Destination value
    language: Mapped[str] = mapped_column(String(2))  # "en" or "fr": the OTP works in these
    classification: Mapped[str] = mapped_column(String(20), default="confidential")
    earlier_reference_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    incident_order: Mapped[IncidentOrder] = mapped_column(
        enum_column(IncidentOrder, "incident_order", 10), default=IncidentOrder.DATE)
    status: Mapped[DossierStatus] = mapped_column(
        enum_column(DossierStatus, "dossier_status", 20), default=DossierStatus.DRAFT,
        index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The legal reviewer it was sent to: the only reviewer who sees it.
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    sent_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    approved_content_hash: Mapped[str] = mapped_column(String(64), default="")
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012 (SQLAlchemy reads it)

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    contributors: Mapped[list[DossierContributor]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan",
        order_by="DossierContributor.added_at")
    incidents: Mapped[list[DossierIncident]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan",
        order_by="DossierIncident.position")
    exhibits: Mapped[list[DossierExhibit]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan",
        order_by="DossierExhibit.number")


class DossierContributor(Base):
    """An advocate who works on the dossier (its creator, and those they add)."""

    __tablename__ = "dossier_contributors"

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    advocate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    dossier: Mapped[Dossier] = relationship(back_populates="contributors")
    advocate: Mapped[User] = relationship()


class DossierIncident(Base):
    """An incident in a dossier, at a position, pinned to the revision that was cited."""

    __tablename__ = "dossier_incidents"
    __table_args__ = (UniqueConstraint("dossier_id", "incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    position: Mapped[int]
    revision_number: Mapped[int]
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    dossier: Mapped[Dossier] = relationship(back_populates="incidents")
    incident: Mapped[Incident] = relationship()


class DossierExhibit(Base):
    """An evidence item as an exhibit (EX-0001...), numbered stably within a version."""

    __tablename__ = "dossier_exhibits"
    __table_args__ = (UniqueConstraint("dossier_id", "evidence_id"),
                      UniqueConstraint("dossier_id", "number", name="uq_dossier_exhibits_number"),
                      CheckConstraint("(messages_from IS NULL AND messages_to IS NULL) OR "
                                      "(messages_from >= 1 AND messages_to >= messages_from)",
                                      name="messages_range"))

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    number: Mapped[int]
    withheld: Mapped[bool] = mapped_column(default=False)
    withheld_reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Show the metadata-stripped viewing copy instead of the original where the
    # original would expose someone (GPS, names in metadata).
    use_stripped: Mapped[bool] = mapped_column(default=False)
    # Print the item's machine-read text (OCR, decision 0030) under its image; the
    # public variant prints it redacted like every text, and never under a redacted copy.
    print_recognised_text: Mapped[bool] = mapped_column(default=False)
    # The messages of a chat export this exhibit cites ("messages 14–19"), numbered as
    # in the item's message list (decision 0029); None: the whole export.
    messages_from: Mapped[int | None]
    messages_to: Mapped[int | None]

    dossier: Mapped[Dossier] = relationship(back_populates="exhibits")
    evidence: Mapped[EvidenceItem] = relationship()
    # The pages (1 for an image) the public variant shows as redacted copies.
    redactions: Mapped[list[ExhibitRedaction]] = relationship(
        cascade="all, delete-orphan", order_by="ExhibitRedaction.page")


class ExhibitRedaction(Base):
    """A page of an exhibit (1 for an image, the page number for a PDF's previews) that
    the public variant shows as a copy whose marked areas were blacked out
    (services/dossiers/redacted_renditions.py). The rendition is a new one of the
    evidence item; the original and its other renditions never change. Replacing it
    points this row at a newer rendition (the older one stays, with its custody event);
    clearing deletes the row, never the rendition."""

    __tablename__ = "exhibit_redactions"
    __table_args__ = (UniqueConstraint("exhibit_id", "page"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exhibit_id: Mapped[int] = mapped_column(ForeignKey("dossier_exhibits.id"), index=True)
    page: Mapped[int]
    rendition_id: Mapped[int] = mapped_column(ForeignKey("renditions.id"))
    # [[x, y, width, height], ...] in the source image's own pixels: coordinates, no text.
    rectangles: Mapped[list[list[int]]] = mapped_column(JSON)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rendition: Mapped[Rendition] = relationship()


class DossierSection(Base):
    """A narrative section in the safe markup (Markdown, sanitised when rendered)."""

    __tablename__ = "dossier_sections"
    __table_args__ = (UniqueConstraint("dossier_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # sealed values are bound to it
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    body_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012 (SQLAlchemy reads it)


class SectionTemplate(Base):
    """The editable text a new dossier's section starts from, per language.

    Generic wording (no facts about anyone), so it is kept in clear.
    """

    __tablename__ = "section_templates"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    body: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DossierRedaction(Base):
    """A string an advocate marked for removal from the public variant, with its reason."""

    __tablename__ = "dossier_redactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    text_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason: Mapped[RedactionReason] = mapped_column(
        enum_column(RedactionReason, "redaction_reason", 2))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DossierTermReview(Base):
    """A decision on one occurrence of a protected term in a dossier's text: redact
    it there, or keep it (safe) for a recorded reason. The occurrence is named by a
    keyed hash of where it is and the words around it (never the words in clear);
    a kept occurrence seals the words kept (services/dossiers/occurrences.py)."""

    __tablename__ = "dossier_term_reviews"
    __table_args__ = (UniqueConstraint("dossier_id", "occurrence_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    occurrence_key: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(10))  # "redact" or "safe"
    phrase_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)  # the words kept
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class DossierReview(Base):
    """A legal reviewer's decision. An approval carries a statement (who, when, which
    content hash) signed with the portal's review key, verifiable offline."""

    __tablename__ = "dossier_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(20))  # returned, approved
    comments_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_hash: Mapped[str] = mapped_column(String(64))
    statement: Mapped[str] = mapped_column(Text, default="")
    signature: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    reviewer: Mapped[User] = relationship()


class Translation(Base):
    """A translation of an incident's narrative or of an exhibit, with who made it and how."""

    __tablename__ = "translations"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id"),
                                                    index=True)
    language: Mapped[str] = mapped_column(String(8))
    text_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    translator_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    method: Mapped[TranslationMethod] = mapped_column(
        enum_column(TranslationMethod, "translation_method", 20))
    certified: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdvocacyEvent(Base):
    """A public event (anniversary, legal filing, interview) that admins record, for
    timelines of incidents against advocacy. Public knowledge, so in clear."""

    __tablename__ = "advocacy_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[AdvocacyEventKind] = mapped_column(
        enum_column(AdvocacyEventKind, "advocacy_event_kind", 20))
    title_en: Mapped[str] = mapped_column(String(200))
    title_fr: Mapped[str] = mapped_column(String(200), default="")
    title_fa: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def title(self, locale: str) -> str:
        return {"fa": self.title_fa, "fr": self.title_fr}.get(locale, "") or self.title_en


class SectionTranslation(Base):
    """A translation of one narrative section of a dossier into another language: the
    text a filing in that language prints instead of the section (decision 0023).

    Evidence of its own, like a narrative's translation: who translated it (sealed),
    how, and whether it is certified with the translator's certificate statement.
    `source_sha256` is the SHA-256 of the section's text it was made from: when the
    section changes after it, the translation is stale and an export in its language
    is refused until it is made again.
    """

    __tablename__ = "section_translations"
    __table_args__ = (UniqueConstraint("section_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)  # sealed values are bound to it
    section_id: Mapped[int] = mapped_column(ForeignKey("dossier_sections.id"), index=True)
    language: Mapped[str] = mapped_column(String(2))
    text_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    translator_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    method: Mapped[TranslationMethod] = mapped_column(
        enum_column(TranslationMethod, "translation_method", 20))
    certified: Mapped[bool] = mapped_column(default=False)
    certificate_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    source_sha256: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012 (SQLAlchemy reads it)


class PendingTranslation(Base):
    """A legal reviewer's reason for approving a dossier although the account of one of
    its reports, written in another language, has no certified translation into the
    dossier's language ("translation to follow"). The dossier prints it where the
    translation would be."""

    __tablename__ = "pending_translations"
    __table_args__ = (UniqueConstraint("dossier_id", "incident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
