"""A dossier export run by an RQ worker through the real Redis (127.0.0.1:6379), and its
progress seen by another request while the job runs: each stage is committed on its
own short transaction, apart from the export's content."""

from __future__ import annotations

import re
import threading
import time

import pytest
from flask import Flask

from portal.jobs import runner
from portal.jobs.rq_backend import RqRunner
from portal.models import DossierExport, Job, JobState, db
from tests.support.client import BrowserClient
from tests.support.journeys import sign_in
from tests.test_dossiers import World
from tests.test_export import approved_dossier, download
from tests.test_export import world_of_two_families as world  # noqa: F401 (fixture)
from tests.test_jobs import rq_app  # noqa: F401 (fixture)

STAGE = re.compile(r"<li><strong>([^<]+)</strong></li>")


def test_an_export_runs_on_an_rq_worker_and_its_stages_show_while_it_runs(
        app: Flask, rq_app: Flask, client: BrowserClient,  # noqa: F811
        another_client: BrowserClient, world: World, monkeypatch: pytest.MonkeyPatch):  # noqa: F811
    import portal.pdf.sign as sign_module
    import portal.services.dossiers.export as export_module

    dossier_id = approved_dossier(client, another_client, world)
    reviewer: BrowserClient = rq_app.test_client()  # type: ignore[assignment]
    sign_in(reviewer, world.reviewer, code_offset=1)  # the current code was used
    watcher = reviewer  # idle while the worker runs: it watches from another thread
    started = reviewer.submit(f"/dossiers/{dossier_id}/export", {
        "variant": "confidential", "language": "en", "page_size": "a4"})
    assert started.status_code == 302, started.get_data(as_text=True)[:600]
    export_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    status_page = f"/dossiers/{dossier_id}/exports/{export_id}"

    chosen = runner(rq_app)
    assert isinstance(chosen, RqRunner)
    [queued] = chosen.queue.get_jobs()  # sent to Redis, not run in the web process
    with rq_app.app_context():
        row = db.session.get(DossierExport, export_id)
        assert row is not None
        assert row.job_id is not None
        assert queued.args == (row.job_id,)
        assert row.stage.value == "queued"
        job_id = row.job_id

    # The signing step waits (at most a minute) until another request saw "Signing".
    seen: list[str] = []
    signing_seen = threading.Event()
    real_sign = sign_module.sign_pdf

    def sign_when_seen(*args: object, **kwargs: object) -> bytes:
        signing_seen.wait(timeout=60)
        return real_sign(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sign_module, "sign_pdf", sign_when_seen)
    monkeypatch.setattr(export_module, "sign_pdf", sign_when_seen, raising=False)

    def watch() -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not signing_seen.is_set():
            response = watcher.get(status_page)
            found = STAGE.search(response.get_data(as_text=True))
            if found and (not seen or seen[-1] != found.group(1)):
                seen.append(found.group(1))
            if found and found.group(1) == "Signing":
                signing_seen.set()
            time.sleep(0.05)

    watching = threading.Thread(target=watch, daemon=True)
    watching.start()
    result = rq_app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    signing_seen.set()
    watching.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert "Signing" in seen, seen  # an intermediate stage, seen while the job ran

    page = watcher.get(status_page)
    assert "Download the PDF" in page.get_data(as_text=True)
    assert "Refresh" not in page.headers
    with rq_app.app_context():
        assert db.session.get(Job, job_id).state is JobState.DONE  # type: ignore[union-attr]
        row = db.session.get(DossierExport, export_id)
        assert row is not None
        assert row.stage.value == "done"
        assert row.pdf_sha256
    assert download(watcher, dossier_id, export_id, "pdf").startswith(b"%PDF-")
