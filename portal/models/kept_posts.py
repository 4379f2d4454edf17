"""Forms sent after their session ended, kept sealed until their owner signs in again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, utcnow


class KeptPost(Base):
    """What a person typed into a form that reached the portal after their session ended
    (or while they switched language): the fields, sealed as JSON, bound to the account
    whose session the browser still named. Restored once on the same page after that
    account signs in again, then deleted; deleted unread at `expires_at`, at sign-out and
    at quick exit (decision 0020)."""

    __tablename__ = "kept_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The endpoint and path the form was sent to: it is restored on that page only.
    endpoint: Mapped[str] = mapped_column(String(80))
    path: Mapped[str] = mapped_column(String(500))
    # Why it was kept: "expired" (the session had ended) or "language" (a language switch).
    reason: Mapped[str] = mapped_column(String(16))
    form_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
