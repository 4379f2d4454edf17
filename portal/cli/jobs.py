"""`flask jobs worker`, `flask jobs run-pending`, `flask jobs list`: long work outside requests."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.jobs import runner
from portal.jobs.execute import requeue_stale, run_pending
from portal.jobs.runners import ThreadRunner
from portal.models import Job, db

jobs_cli = AppGroup("jobs", help="Long work: previews, dossier rendering, re-verification.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when no job is left.")
def worker(burst: bool) -> None:
    """Run jobs: an RQ worker when JOBS_BACKEND is "rq", else this process polls the table."""
    # RQ (and Redis) only when configured: a web process should not carry them in memory.
    from portal.jobs.rq_backend import RqRunner

    chosen = runner()
    if isinstance(chosen, RqRunner):
        chosen.work(burst=burst)
        return
    lease = int(current_app.config["JOBS_LEASE_SECONDS"])
    if burst:
        requeue_stale()
        click.echo(f"{run_pending(lease)} jobs run")
        return
    ThreadRunner(current_app._get_current_object(),  # type: ignore[attr-defined]
                 lease, float(current_app.config["JOBS_POLL_SECONDS"])).loop()


@jobs_cli.command("run-pending")
def run_pending_command() -> None:
    """Queue again jobs interrupted by a crash, then run every queued job here and now."""
    requeued = requeue_stale()
    done = run_pending(int(current_app.config["JOBS_LEASE_SECONDS"]))
    click.echo(f"{requeued} interrupted jobs queued again; {done} jobs run")


@jobs_cli.command("list")
def list_jobs() -> None:
    """How many jobs of each kind are in each state (no payloads: ids only anyway)."""
    rows = db.session.execute(select(Job.kind, Job.state, func.count())
                              .group_by(Job.kind, Job.state).order_by(Job.kind))
    for kind, state, count in rows:
        click.echo(f"{kind}\t{state.value}\t{count}")
