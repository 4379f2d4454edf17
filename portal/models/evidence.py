"""Evidence items, their renditions and their chains of custody.

An item's bytes live encrypted in the blob store under `blob_key`, with a fresh
data key per file (`file_key_sealed`, wrapped by the master key; the key id is in
the sealed blob's header and in the item's "stored" custody event). Withdrawal
destroys the wrapped key (crypto-shredding) and leaves the row as a tombstone with
the hash and the custody log. Nothing here is ever deleted.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import User
from portal.models.base import Base, utcnow
from portal.models.families import Family
from portal.models.incidents import Incident
from portal.models.vocabulary import enum_column

if TYPE_CHECKING:
    from portal.models.dossiers import DossierExhibit

evidence_incidents = Table(
    "evidence_incidents", Base.metadata,
    Column("evidence_id", ForeignKey("evidence_items.id"), primary_key=True),
    Column("incident_id", ForeignKey("incidents.id"), primary_key=True),
)


class EvidenceKind(StrEnum):
    DOCUMENT = "document"
    PHOTO = "photo"
    VIDEO = "video"
    AUDIO = "audio"
    SCREENSHOT = "screenshot"
    CHAT_EXPORT = "chat_export"
    EMAIL = "email"
    WEB_CAPTURE = "web_capture"
    CALL_LOG = "call_log"
    MEDICAL_RECORD = "medical_record"
    OTHER = "other"


class EvidenceState(StrEnum):
    ACTIVE = "active"
    WITHDRAWAL_REQUESTED = "withdrawal_requested"
    WITHDRAWN = "withdrawn"


class EvidenceItem(Base):
    __tablename__ = "evidence_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[EvidenceState] = mapped_column(
        enum_column(EvidenceState, "evidence_state"), default=EvidenceState.ACTIVE)
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind, "evidence_kind"),
                                               default=EvidenceKind.OTHER)
    title_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    description_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The file as received: the name may hold a person's name, so it is sealed.
    original_filename_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    extension: Mapped[str] = mapped_column(String(16), default="")
    client_media_type: Mapped[str] = mapped_column(String(120), default="")
    detected_media_type: Mapped[str] = mapped_column(String(120), default="")
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # Where the encrypted bytes are, and the per-file data key that opens them, sealed
    # by the master key like every *_sealed column (so key rotation re-wraps it). None
    # once the item is withdrawn: the key is destroyed (crypto-shredding).
    blob_key: Mapped[str] = mapped_column(String(32), unique=True)
    file_key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Flags for the advocate: a type never previewed, a file that could not be decoded.
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # How it was obtained, the chain before the portal, and what it claims.
    obtained_how_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    prior_chain_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    creator_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    source_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    claimed_date_text_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    claimed_place_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    claim_source: Mapped[str] = mapped_column(String(20), default="")
    claim_trusted: Mapped[bool | None]
    # The language of the content (a BCP 47 tag such as fa or en), as described; "" unknown.
    content_language: Mapped[str] = mapped_column(String(16), default="")
    metadata_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    classification: Mapped[str] = mapped_column(String(20), default="confidential")
    # Consent narrower than the incident's, if the reporter chose so (None: inherit).
    consent_destinations: Mapped[list[str] | None] = mapped_column(JSON)
    withdrawal_requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_requested_at: Mapped[datetime | None]
    withdrawal_reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None]
    # The head of the custody chain, so that events deleted from its end are noticed.
    custody_last_seq: Mapped[int] = mapped_column(default=0)
    custody_last_hash: Mapped[str] = mapped_column(String(64), default="")

    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])
    family: Mapped[Family] = relationship()
    incidents: Mapped[list[Incident]] = relationship(secondary=evidence_incidents,
                                                     order_by="Incident.id", viewonly=True)
    renditions: Mapped[list[Rendition]] = relationship(back_populates="item",
                                                       order_by="Rendition.id")
    # Where the item is an exhibit: the legal reviewer of such a dossier may read it.
    exhibits: Mapped[list[DossierExhibit]] = relationship(viewonly=True)


class Rendition(Base):
    """A derived copy (thumbnail, metadata-stripped viewing copy, poster, preview)."""

    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("item_id", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # thumbnail, viewing_copy, preview
    media_type: Mapped[str] = mapped_column(String(60))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    blob_key: Mapped[str] = mapped_column(String(32), unique=True)
    file_key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item: Mapped[EvidenceItem] = relationship(back_populates="renditions")


class CustodyEvent(Base):
    """One link of an item's chain of custody: append-only, hash-chained per item."""

    __tablename__ = "custody_events"
    __table_args__ = (UniqueConstraint("item_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    seq: Mapped[int]
    occurred_at: Mapped[datetime]
    action: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None]
    actor_label: Mapped[str] = mapped_column(String(120), default="")
    actor_role: Mapped[str] = mapped_column(String(20), default="")
    # The purpose staff gave (a download) is sealed in `custody_purposes`: this row is
    # append-only, and a key rotation must be able to re-seal it (decision 0014).
    hash_before: Mapped[str] = mapped_column(String(64), default="")
    hash_after: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))


class CustodyPurpose(Base):
    """The purpose a custody event was recorded with, sealed, one row per such event.

    Kept beside the append-only `custody_events` rather than in them, because a key
    rotation re-seals every sealed value in place, and an append-only row cannot be
    updated (decision 0014). The id is the event's: the sealed value is bound to it
    (`custody_purposes:<event id>:purpose_sealed`), so it opens for that event only.
    The event's hash still covers the purpose in clear (portal/audit/hashing.py): a
    purpose changed, removed or moved here breaks the chain.
    """

    __tablename__ = "custody_purposes"

    id: Mapped[int] = mapped_column(ForeignKey("custody_events.id"), primary_key=True,
                                    autoincrement=False)
    purpose_sealed: Mapped[bytes] = mapped_column(LargeBinary)
