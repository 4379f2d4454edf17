"""Exports of approved dossiers: which variant, in which language and page size, by
whom, when, and the SHA-256 of the PDF and of the evidence bundle (DESIGN §4).

The files themselves are encrypted blobs in the vault (one per-file key each, wrapped
by the master key like evidence); the row keeps their hashes in clear so that a
returned copy can be recognised without decrypting anything. A row is written when
the export is asked for (state queued) and completed by the export job.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.accounts import User
from portal.models.base import Base, utcnow
from portal.models.dossiers import Dossier
from portal.models.vocabulary import enum_column


class ExportStage(StrEnum):
    QUEUED = "queued"
    RENDERING = "rendering"
    ATTACHING = "attaching"
    SIGNING = "signing"
    BUNDLING = "bundling"
    DONE = "done"
    FAILED = "failed"


class DossierExport(Base):
    __tablename__ = "dossier_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    variant: Mapped[str] = mapped_column(String(20))  # confidential, public
    language: Mapped[str] = mapped_column(String(2))  # en, fr, fa
    page_size: Mapped[str] = mapped_column(String(10))  # a4, letter
    include_originals: Mapped[bool] = mapped_column(default=False)
    stage: Mapped[ExportStage] = mapped_column(enum_column(ExportStage, "export_stage", 20),
                                               default=ExportStage.QUEUED)
    error_code: Mapped[str] = mapped_column(String(60), default="")  # never content
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"))
    content_sha256: Mapped[str] = mapped_column(String(64), default="")  # what was approved
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    pdf_size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    page_count: Mapped[int] = mapped_column(default=0)
    pdf_blob_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    pdf_key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    bundle_sha256: Mapped[str] = mapped_column(String(64), default="")
    bundle_size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    bundle_blob_key: Mapped[str | None] = mapped_column(String(32), unique=True)
    bundle_key_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    signed: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    dossier: Mapped[Dossier] = relationship()
    created_by: Mapped[User] = relationship()
