"""Identifiers recorded on an incident or an evidence item: phone numbers, accounts,
e-mail addresses, officials' names, places, vehicle plates (decision 0028).

The value as typed and its normal form are sealed like every free text
(`value_sealed`, `normal_sealed`); only `digest`, a keyed hash of the normal form,
is clear, so that the database can find the rows that name the same number or
account, in every family file, without holding any of them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, utcnow
from portal.models.vocabulary import IdentifierKind, Platform, enum_column

__all__ = ["Identifier", "IdentifierKind", "Platform"]


class Identifier(Base):
    """One identifier as recorded on one incident or one evidence item.

    `family_id` is the family file of that report or item, kept so that links can be
    counted per family without a join through both kinds of subject.
    """

    __tablename__ = "identifiers"
    __table_args__ = (
        CheckConstraint("(incident_id IS NULL) <> (evidence_id IS NULL)", name="one_subject"),
        # A number that cannot be read is kept as typed, flagged, and has no digest: it
        # is never linked or counted (decision 0028).
        CheckConstraint("(digest IS NULL) = unreadable", name="unreadable_has_no_digest"),
        # Recorded once per report or item: a second entry of the same number is a no-op.
        UniqueConstraint("incident_id", "digest", name="uq_identifiers_incident_digest"),
        UniqueConstraint("evidence_id", "digest", name="uq_identifiers_evidence_digest"),
        Index("ix_identifiers_digest", "digest", "family_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[IdentifierKind] = mapped_column(enum_column(IdentifierKind, "identifier_kind",
                                                             20))
    platform: Mapped[Platform | None] = mapped_column(enum_column(Platform, "identifier_platform",
                                                                  20))
    # What the person typed, and the form it was matched on (E.164, @handle…): sealed.
    value_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    normal_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # HMAC-SHA256 of kind, platform and normal form under a key derived for identifiers;
    # None for a phone number that could not be read (`unreadable`).
    digest: Mapped[str | None] = mapped_column(String(64))
    unreadable: Mapped[bool] = mapped_column(default=False, server_default=false())
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
