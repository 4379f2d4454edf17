"""Running one job: claim it, do it, record the outcome. Shared by every runner.

A runner claims a job with one conditional UPDATE (queued → running), so two runners
(threads, processes, RQ workers) never run the same job. The work and the job's
"done" are committed together; a failure rolls the work back and either queues the
job again or, when its attempts are spent or the failure is permanent, marks it
failed and lets its kind flag what it was about.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from portal.jobs.registry import JobFailed, kind_named
from portal.models import Job, JobState, db, utcnow

log = logging.getLogger(__name__)


def run_job(job_id: int, lease_seconds: int) -> JobState | None:
    """Run the job if it is still queued; its final state, or None if another took it."""
    if not _claim(job_id, lease_seconds):
        return None
    job = db.session.get(Job, job_id)
    assert job is not None
    kind = kind_named(job.kind)
    try:
        if kind is None:
            raise JobFailed("unknown_kind", permanent=True)
        kind.run(job)
    except JobFailed as failure:
        db.session.rollback()
        return _settle_failure(job_id, failure.code, permanent=failure.permanent)
    except Exception as error:  # one broken job must not stop the runner
        db.session.rollback()
        # The class name only: a message could quote the content being processed.
        log.warning("job %s (%s) failed: %s", job_id, job.kind, type(error).__name__)
        return _settle_failure(job_id, f"error:{type(error).__name__}", permanent=False)
    job.state, job.progress_percent = JobState.DONE, 100
    job.finished_at, job.lease_expires_at = utcnow(), None
    db.session.commit()
    return JobState.DONE


def _claim(job_id: int, lease_seconds: int) -> bool:
    now = utcnow()
    result = cast(CursorResult[Any], db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED)
        .values(state=JobState.RUNNING, attempts=Job.attempts + 1, started_at=now,
                lease_expires_at=now + timedelta(seconds=lease_seconds))))
    db.session.commit()
    return result.rowcount == 1


def _settle_failure(job_id: int, code: str, *, permanent: bool) -> JobState:
    job = db.session.get(Job, job_id)
    assert job is not None
    job.error_code, job.lease_expires_at = code[:60], None
    if permanent or job.attempts >= job.max_attempts:
        _give_up(job)
    else:
        job.state = JobState.QUEUED
    db.session.commit()
    return job.state


def _give_up(job: Job) -> None:
    job.state, job.finished_at = JobState.FAILED, utcnow()
    kind = kind_named(job.kind)
    if kind is not None and kind.on_failure is not None:
        kind.on_failure(job)


def requeue_stale() -> int:
    """Queue again the jobs whose runner died (lease passed); fail those out of attempts."""
    stale = list(db.session.scalars(select(Job).where(
        Job.state == JobState.RUNNING, Job.lease_expires_at < utcnow())))
    for job in stale:
        job.error_code, job.lease_expires_at = "interrupted", None
        if job.attempts >= job.max_attempts:
            _give_up(job)
        else:
            job.state = JobState.QUEUED
    db.session.commit()
    return len(stale)


def queued_ids(limit: int = 100) -> list[int]:
    return list(db.session.scalars(select(Job.id).where(Job.state == JobState.QUEUED)
                                   .order_by(Job.id).limit(limit)))


def run_pending(lease_seconds: int, limit: int = 1000) -> int:
    """Run queued jobs (including those queued by these jobs) until none is left."""
    done = 0
    while done < limit:
        ids = queued_ids()
        if not ids:
            break
        for job_id in ids:
            if run_job(job_id, lease_seconds) is not None:
                done += 1
    return done
