"""Resumable uploads (the tus protocol) of evidence not yet received whole.

An upload is bound to the person who started it, the report it is for and the length
they declared. What has arrived is kept as encrypted *parts*: each PATCH request's
bytes are one complete streaming-AEAD ciphertext, committed as a blob of its own under
the upload's data key (`file_key_sealed`). Once the last byte arrives, the parts are
decrypted in order into the normal intake (a fresh key, a new blob, an evidence item)
and deleted; the row stays, pointing at the item, until it expires, so that a client
whose last response was lost still learns where its receipt is (decision 0025).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, utcnow


class ResumableUpload(Base):
    __tablename__ = "resumable_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    length_bytes: Mapped[int] = mapped_column(BigInteger)
    # Plaintext bytes received and kept (the tus Upload-Offset); only ever grows.
    offset_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    parts_count: Mapped[int] = mapped_column(Integer, default=0)
    # The data key of the parts (sealed by the master key, re-wrapped by key rotation).
    file_key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The tus Upload-Metadata as JSON (file name, type, what the person said of it).
    metadata_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The upload expires this long after bytes last arrived (not after it started:
    # 2 GiB over a slow connection takes hours).
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Once complete: the evidence item it became.
    item_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_items.id"))

    parts: Mapped[list[ResumableUploadPart]] = relationship(
        order_by="ResumableUploadPart.seq", cascade="all, delete-orphan")


class ResumableUploadPart(Base):
    """One PATCH request's bytes: plaintext [offset, offset + size) of the upload, as a
    complete ciphertext in blob `blob_key` (associated data binds upload, seq, offset)."""

    __tablename__ = "resumable_upload_parts"

    upload_id: Mapped[int] = mapped_column(ForeignKey("resumable_uploads.id"),
                                           primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset_bytes: Mapped[int] = mapped_column(BigInteger)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    blob_key: Mapped[str] = mapped_column(String(32), unique=True)
