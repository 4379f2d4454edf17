"""Jobs: the record of long work (previews, dossier rendering, re-verification).

A job names what to do (`kind`) and on what (`subject_type`, `subject_id`, and a
`payload` of ids only: never plaintext, never a secret, since Redis and this table
are not encrypted). Whichever runner executes it (a thread in the app, an RQ worker,
`flask jobs run-pending`) claims it by moving it from queued to running, so that two
runners never run the same job. A job left running past its lease by a crash is
queued again, until its attempts are spent.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, utcnow
from portal.models.vocabulary import enum_column


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40), default="")
    subject_id: Mapped[int | None]
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[JobState] = mapped_column(enum_column(JobState, "job_state", length=20),
                                            default=JobState.QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    progress_percent: Mapped[int] = mapped_column(default=0)
    # A short code (never a message or a stack trace, which could quote content).
    error_code: Mapped[str] = mapped_column(String(60), default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # Until when the runner that claimed it is presumed alive.
    lease_expires_at: Mapped[datetime | None]

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)
