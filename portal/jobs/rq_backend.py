"""RQ workers with Redis: `JOBS_BACKEND = "rq"`.

Redis carries only the job's id; the `jobs` table stays the record, so a job whose
Redis message was lost (Redis down at commit time) is sent again by
`flask jobs run-pending` or when a worker starts.
"""

from __future__ import annotations

import logging

from flask import current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker

from portal.jobs.execute import queued_ids, requeue_stale, run_job
from portal.models import JobState

log = logging.getLogger(__name__)


class RqRunner:
    def __init__(self, redis_url: str, queue_name: str, lease_seconds: int) -> None:
        self.connection = Redis.from_url(redis_url)
        self.queue = Queue(queue_name, connection=self.connection)
        self.lease_seconds = lease_seconds

    def notify(self, job_ids: list[int]) -> None:
        for job_id in job_ids:
            try:
                self.queue.enqueue(perform, job_id, job_id=f"portal-job-{job_id}",
                                   job_timeout=self.lease_seconds)
            except RedisError as error:
                log.warning("job %s not sent to Redis (%s); it stays queued",
                            job_id, type(error).__name__)

    def resend_queued(self) -> int:
        requeue_stale()
        ids = queued_ids(limit=10_000)
        self.notify(ids)
        return len(ids)

    def work(self, *, burst: bool) -> None:
        """Run an RQ worker in this process, inside its app context.

        SimpleWorker (no fork per job): the decoding children already run with their
        own limits, and a forked copy of the app's database pool would be unsafe.
        """
        self.resend_queued()
        SimpleWorker([self.queue], connection=self.connection).work(burst=burst)


def perform(job_id: int) -> str | None:
    """The function RQ calls, inside the app context of `flask jobs worker` (a plain
    `rq worker` has no app, no keys and no database: refused)."""
    if not has_app_context():
        raise RuntimeError("run RQ workers with `flask jobs worker`")
    return _perform(job_id)


def _perform(job_id: int) -> str | None:
    from portal.jobs import runner  # the app's runner, to send a retry back to Redis

    state = run_job(job_id, int(current_app.config["JOBS_LEASE_SECONDS"]))
    if state is JobState.QUEUED:
        runner().notify([job_id])
    return None if state is None else state.value
