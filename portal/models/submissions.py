"""Forms that create something, sent once: the one-time token each of them carried."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, utcnow


class FormSubmission(Base):
    """One sending of a form that creates something (a report, a message, an upload),
    and the page it led to: the same form sent again is answered with that page."""

    __tablename__ = "form_submissions"
    # The key that makes a second claim of the same token wait, then fail.
    __table_args__ = (UniqueConstraint("user_id", "token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    token: Mapped[str] = mapped_column(String(64))
    # The path (and query) the first sending was sent on to; empty until it acted.
    result_path: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
