"""Where jobs run: in this process (a background thread, or eagerly for tests), on RQ
workers, or only when `flask jobs run-pending` is called.

Every runner is told about new jobs after the transaction that created them commits
(`_dispatch_committed_jobs` in portal/jobs/__init__.py), and the thread runner also
polls: a lost wake-up only delays a job, it never loses one, because the `jobs` table
is the record.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from flask import Flask

from portal.jobs.execute import requeue_stale, run_pending
from portal.models import db

log = logging.getLogger(__name__)


class Runner(Protocol):
    def notify(self, job_ids: list[int]) -> None: ...


class ManualRunner:
    """Jobs wait for `flask jobs run-pending` (or a worker process of another kind)."""

    def notify(self, job_ids: list[int]) -> None:
        return None


class EagerRunner:
    """Runs new jobs when the app context that committed them ends (tests, tools):
    deterministic, and still after the commit, as every other runner."""

    def __init__(self, lease_seconds: int) -> None:
        self.lease_seconds = lease_seconds
        self._waiting = threading.local()

    def notify(self, job_ids: list[int]) -> None:
        self._waiting.pending = True

    def run_waiting(self) -> None:
        while getattr(self._waiting, "pending", False):
            self._waiting.pending = False
            run_pending(self.lease_seconds)


class ThreadRunner:
    """One daemon thread per process, started by the first request (not by CLI
    commands, and after a pre-fork server forked). Claims are atomic, so several
    processes may each run one."""

    def __init__(self, app: Flask, lease_seconds: int, poll_seconds: float) -> None:
        self.app, self.lease_seconds, self.poll_seconds = app, lease_seconds, poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def notify(self, job_ids: list[int]) -> None:
        self._wake.set()

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self.loop, name="portal-jobs",
                                                daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            self.run_once()
            self._wake.wait(self.poll_seconds)

    def run_once(self) -> None:
        with self.app.app_context():
            try:
                requeue_stale()
                run_pending(self.lease_seconds)
            except Exception as error:  # e.g. the database is not migrated yet
                log.warning("job runner pass failed: %s", type(error).__name__)
                db.session.rollback()
