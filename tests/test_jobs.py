"""Jobs: the upload returns at once and the preview follows; each runner (thread, RQ with
the real Redis, `flask jobs run-pending`) runs a queued job exactly once; a job left
running by a crash is queued again; a rolled-back job never runs."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from portal import create_app
from portal.jobs import JobKind, register, runner
from portal.jobs.rq_backend import RqRunner
from portal.jobs.runners import ThreadRunner
from portal.models import EvidenceItem, Job, JobState, Role, db, utcnow
from portal.services.jobs import enqueue_job
from tests.conftest import app_config
from tests.support.client import BrowserClient
from tests.support.evidence import jpeg_with_gps, upload
from tests.support.factories import make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report
from tests.test_evidence import ITEM_LINK
from tests.test_real_server import redis_answers

ran: list[int] = []
register(JobKind("test.record", lambda job: ran.append(job.id)))


def sibling_app(app: Flask, **overrides: object) -> Flask:
    """Another app on the same database and vault, with its own jobs backend."""
    config = app_config(Path(app.instance_path), app.config["SQLALCHEMY_DATABASE_URI"])
    sibling = create_app({**config, **overrides})
    sibling.test_client_class = BrowserClient
    return sibling


def upload_photo(app: Flask, client: BrowserClient) -> int:
    reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[reporter])
    sign_in(client, reporter)
    incident_id = start_report(client)
    send_report(client, incident_id, "submit", start_text="1398/10/18")
    response = upload(client, incident_id, [(jpeg_with_gps(), "photo.jpg")])
    assert response.status_code == 302
    [item_id] = map(int, ITEM_LINK.findall(client.text(response.headers["Location"])))
    return item_id


def renditions_of(app: Flask, item_id: int) -> set[str]:
    with app.app_context():
        item = db.session.get(EvidenceItem, item_id)
        assert item is not None
        return {r.purpose for r in item.renditions}


@pytest.fixture
def manual_app(app: Flask) -> Flask:
    return sibling_app(app, JOBS_BACKEND="manual")


def test_the_item_page_says_the_preview_is_being_prepared_until_the_job_ran(
        manual_app: Flask):
    client: BrowserClient = manual_app.test_client()  # type: ignore[assignment]
    item_id = upload_photo(manual_app, client)
    page = client.text(f"/evidence/{item_id}")
    assert "The preview is being prepared" in page
    assert f'href="/evidence/{item_id}">Reload this page' in page  # works without script
    assert renditions_of(manual_app, item_id) == set()
    result = manual_app.test_cli_runner().invoke(args=["jobs", "run-pending"])
    assert result.exit_code == 0, result.output
    assert "1 jobs run" in result.output
    page = client.text(f"/evidence/{item_id}")
    assert "being prepared" not in page
    assert renditions_of(manual_app, item_id) == {"thumbnail", "viewing_copy"}


def test_the_thread_runner_prepares_the_preview_after_the_upload_returned(app: Flask):
    threaded = sibling_app(app, JOBS_BACKEND="thread", JOBS_POLL_SECONDS=1)
    client: BrowserClient = threaded.test_client()  # type: ignore[assignment]
    try:
        item_id = upload_photo(threaded, client)
        deadline = time.monotonic() + 30
        while "being prepared" in client.text(f"/evidence/{item_id}"):
            assert time.monotonic() < deadline, "the thread runner never ran the job"
            time.sleep(0.2)
        assert renditions_of(threaded, item_id) == {"thumbnail", "viewing_copy"}
    finally:
        chosen = runner(threaded)
        assert isinstance(chosen, ThreadRunner)
        chosen.stop()


def test_a_job_left_running_by_a_crash_is_queued_again_then_given_up(manual_app: Flask):
    ran.clear()
    with manual_app.app_context():
        crashed = enqueue_job("test.record", subject_type="test", subject_id=None)
        spent = enqueue_job("test.record", subject_type="test", subject_id=None,
                            max_attempts=1)
        for job in (crashed, spent):
            job.state, job.attempts = JobState.RUNNING, 1
            job.lease_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        ids = crashed.id, spent.id
    result = manual_app.test_cli_runner().invoke(args=["jobs", "run-pending"])
    assert "2 interrupted jobs queued again; 1 jobs run" in result.output
    assert ran == [ids[0]]
    with manual_app.app_context():
        states = [db.session.get(Job, i).state for i in ids]  # type: ignore[union-attr]
    assert states == [JobState.DONE, JobState.FAILED]


def test_a_job_whose_transaction_rolled_back_never_runs(app: Flask):
    ran.clear()
    with app.app_context():
        enqueue_job("test.record", subject_type="test", subject_id=None)
        db.session.rollback()
        enqueue_job("test.record", subject_type="test", subject_id=None)
        db.session.commit()
    assert len(ran) == 1  # the eager runner ran the committed one only
    with app.app_context():
        assert db.session.scalars(select(Job.state)).all() == [JobState.DONE]


@pytest.fixture
def rq_app(app: Flask) -> Iterator[Flask]:
    if not redis_answers():
        if os.environ.get("CI"):
            pytest.fail("Redis must run on CI (.ci/run starts it)")
        pytest.skip("no Redis server on 127.0.0.1:6379")
    queue = f"portal-test-{uuid.uuid4().hex[:8]}"
    sibling = sibling_app(app, JOBS_BACKEND="rq", JOBS_REDIS_URL="redis://127.0.0.1:6379/14",
                          JOBS_QUEUE=queue)
    yield sibling
    chosen = runner(sibling)
    chosen.queue.delete(delete_jobs=True)


def test_rq_workers_run_jobs_sent_through_redis_and_redis_carries_only_the_id(
        rq_app: Flask):
    ran.clear()
    chosen = runner(rq_app)
    assert isinstance(chosen, RqRunner)
    with rq_app.app_context():
        job_id = enqueue_job("test.record", subject_type="test", subject_id=None).id
        db.session.commit()
    [queued] = chosen.queue.get_jobs()
    assert queued.args == (job_id,)
    assert queued.id == f"portal-job-{job_id}"
    assert ran == []  # nothing ran in the web process
    result = rq_app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert ran == [job_id]  # exactly once, though the worker also re-sent queued jobs
    with rq_app.app_context():
        assert db.session.get(Job, job_id).state is JobState.DONE  # type: ignore[union-attr]
