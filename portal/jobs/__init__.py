"""Long work as jobs (DESIGN §3): evidence previews, dossier exports.

`JOBS_BACKEND` chooses where jobs run:
- "thread" (default): a background thread in each app process, started by its
  first request; it also queues again jobs left running by a crash.
- "rq": RQ workers (`flask jobs worker`) fed through Redis (`JOBS_REDIS_URL`, else
  `REDIS_URL`).
- "eager": at the end of the app context that committed them (the test suite).
- "manual": only when `flask jobs run-pending` runs.

Services add a job with `portal.services.jobs.enqueue_job`; it is handed to the
runner only after its transaction commits (a rolled-back job never runs). This
package is an edge like web and cli: it may import services.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.jobs import dossier_jobs, evidence_jobs, notice_jobs
from portal.jobs.registry import JobFailed, JobKind, register
from portal.jobs.runners import EagerRunner, ManualRunner, Runner, ThreadRunner
from portal.services.jobs import NEW_JOBS_KEY

__all__ = ["JobFailed", "JobKind", "install", "register", "runner"]

_EXTENSION = "portal.jobs"
BACKENDS = ("thread", "rq", "eager", "manual")


def install(app: Flask) -> None:
    """Build the configured runner and register the job kinds."""
    evidence_jobs.register_kinds()
    dossier_jobs.register_kinds()
    notice_jobs.register_kinds()
    backend = app.config["JOBS_BACKEND"]
    lease = int(app.config["JOBS_LEASE_SECONDS"])
    chosen: Runner
    if backend == "thread":
        thread_runner = ThreadRunner(app, lease, float(app.config["JOBS_POLL_SECONDS"]))
        app.before_request(thread_runner.start)  # cheap once running
        chosen = thread_runner
    elif backend == "rq":
        from portal.jobs.rq_backend import RqRunner

        url = app.config["JOBS_REDIS_URL"] or app.config["REDIS_URL"]
        if not url:
            raise ValueError('JOBS_BACKEND "rq" needs JOBS_REDIS_URL or REDIS_URL')
        chosen = RqRunner(url, app.config["JOBS_QUEUE"], lease)
    elif backend == "eager":
        eager = EagerRunner(lease)
        app.teardown_appcontext(lambda error: eager.run_waiting() if error is None else None)
        chosen = eager
    elif backend == "manual":
        chosen = ManualRunner()
    else:
        raise ValueError(f"JOBS_BACKEND must be one of {', '.join(BACKENDS)}")
    app.extensions[_EXTENSION] = chosen


def runner(app: Flask | None = None) -> Any:
    return (app or current_app).extensions[_EXTENSION]


@event.listens_for(Session, "after_commit")
def _dispatch_committed_jobs(session: Session) -> None:
    job_ids = session.info.pop(NEW_JOBS_KEY, None)
    if job_ids and has_app_context() and _EXTENSION in current_app.extensions:
        current_app.extensions[_EXTENSION].notify(list(job_ids))


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_jobs(session: Session) -> None:
    session.info.pop(NEW_JOBS_KEY, None)
