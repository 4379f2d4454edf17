"""Asking for long work: a job row now, run later by whichever runner is configured.

Services call `enqueue_job` inside the request's unit of work; the job becomes
visible to runners only when that unit commits (portal/jobs dispatches it then), so
a job never refers to rows that were rolled back.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from portal.models import Job, JobState, User, db

NEW_JOBS_KEY = "portal.new_job_ids"  # in Session.info: ids flushed in this transaction


def enqueue_job(kind: str, *, subject_type: str, subject_id: int | None,
                payload: Mapping[str, int | str] | None = None,
                requested_by: User | None = None, max_attempts: int = 3) -> Job:
    """Add a queued job (flush, no commit).

    `payload` holds ids and short codes only: it is stored in clear (and in Redis
    with the RQ backend), so it must never carry content, names or secrets.
    """
    job = Job(kind=kind, subject_type=subject_type, subject_id=subject_id,
              payload=dict(payload or {}), state=JobState.QUEUED,
              requested_by_id=requested_by.id if requested_by else None,
              max_attempts=max_attempts)
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(NEW_JOBS_KEY, []).append(job.id)
    return job


def jobs_for(subject_type: str, subject_id: int, kind: str | None = None) -> list[Job]:
    """The jobs about one object, newest first."""
    query = select(Job).where(Job.subject_type == subject_type, Job.subject_id == subject_id)
    if kind is not None:
        query = query.where(Job.kind == kind)
    return list(db.session.scalars(query.order_by(Job.id.desc())))
