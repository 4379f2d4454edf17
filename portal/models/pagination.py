"""The pagination of an approved dossier version, fixed at its first export (decision 0022).

One row per version (dossier row and approved content hash), language and page size:
the page count of every block (cover, section, incident, annex, exhibit), in document
order, as the first successful export laid them out (the larger of the two variants).
Every later export of that version, in either variant, is padded to these counts, so
every page keeps its Bates number; an export whose block would need more pages is
refused. Block ids and counts only: nothing of the content.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, utcnow


class FixedPagination(Base):
    __tablename__ = "fixed_paginations"
    __table_args__ = (UniqueConstraint("dossier_id", "content_sha256", "language", "page_size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    content_sha256: Mapped[str] = mapped_column(String(64))  # the approved content hash
    language: Mapped[str] = mapped_column(String(2))  # en, fr, fa: a Bates number is per language
    page_size: Mapped[str] = mapped_column(String(10))  # a4, letter
    # [[block id, pages], ...] in document order (a list: JSON object order is not kept
    # by every database).
    blocks: Mapped[list[list[str | int]]] = mapped_column(JSON)
    page_count: Mapped[int]
    export_id: Mapped[int] = mapped_column(ForeignKey("dossier_exports.id"))  # the first one
    fixed_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def block_pages(self) -> dict[str, int]:
        """Block id -> pages, in document order."""
        return {str(block): int(pages) for block, pages in self.blocks}
