"""A server killed with SIGKILL while it exports a dossier leaves no plaintext behind.

The export decrypts the originals, the custody log (with the purposes staff gave for
their downloads) and the manifests to build the evidence bundle. None of it may ever
reach a file: a SIGKILL leaves files as they are, and nothing would remove them.

Setup: an exhibit whose original carries a canary (in a JPEG comment and trailing
bytes), and an advocate's download of it with a canary as the purpose (so the
confidential custody log carries it). The dossier is approved over HTTP; a real
`flask run` server (jobs on its own thread, TMPDIR a folder of the test's own) is asked
for the confidential export and killed, with its whole process group, at a moment
chosen by the trial's mode:

    bundling  0-40 ms after the export reaches its bundling stage
    render    once the render child runs (the bundle is built by then)

and, in every mode, at once if a canary shows up in any file under the server's
TMPDIR or the instance folder while the export runs (the watcher reads them all in
a loop). After the kill, no file under TMPDIR or the instance folder holds a canary.
The database files are left out here: they hold the purposes sealed (decision 0014),
which test_encryption_at_rest.py checks on a copy of the database and of its backups.

Before the bundle was zipped straight into its encrypted blob, it was built as a
folder of decrypted files under TMPDIR (`ps752-bag-*`): the watcher caught the
canaries there and the kill left them for good.
"""

from __future__ import annotations

import io
import os
import random
import time
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from portal.models import DossierExport, ExportStage, db
from tests.support.client import BrowserClient
from tests.support.evidence import upload
from tests.support.faults import (
    browser_like,
    children_of,
    kill_server,
    live_environment,
    start_server,
)
from tests.support.journeys import sign_in, sign_out
from tests.test_dossiers import World
from tests.test_evidence import receipt_items
from tests.test_export import approved_dossier
from tests.test_export import world_of_two_families as world  # noqa: F401 - the fixture
from tests.test_faults_export import ask_for_export, keep_sign_in_recent

SEED = 752
ORIGINAL_CANARY = b"CANARY-ORIGINAL-7f3a91c4"
PURPOSE_CANARY = "CANARY-PURPOSE-52be0d17"
CANARIES = (ORIGINAL_CANARY, PURPOSE_CANARY.encode())
DATABASE_FILES = (".sqlite3", ".sqlite3-wal", ".sqlite3-shm", ".sqlite3-journal")


def canary_photo() -> bytes:
    """A real JPEG (its preview is made as for any photo) whose comment and trailing
    bytes carry the canary, padded with noise to take the bundle a moment."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 90, 160)).save(out, "JPEG", comment=ORIGINAL_CANARY * 8)
    noise = random.Random(SEED).randbytes(2 * 1024**2)
    return out.getvalue() + ORIGINAL_CANARY.join([noise[i:i + 4096]
                                                  for i in range(0, len(noise), 4096)])


def files_with_canaries(folders: list[Path]) -> list[str]:
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file() or path.name.endswith(DATABASE_FILES):
                continue
            try:
                data = path.read_bytes()
            except OSError:  # removed while we looked
                continue
            found += [f"{path}: {canary.decode()}" for canary in CANARIES if canary in data]
    return found


def stage_of(app: Flask, export_id: int) -> ExportStage | None:
    with app.app_context():
        return db.session.scalar(select(DossierExport.stage).where(
            DossierExport.id == export_id))


def exhibit_with_canaries(client: BrowserClient, world: World) -> None:  # noqa: F811
    """The canary photo as evidence of report one, downloaded by the advocate with a
    canary purpose (recorded in its custody log)."""
    sign_in(client, world.reporter_one)
    [item_id] = receipt_items(client, upload(client, world.report_one,
                                             [(canary_photo(), "canary.jpg")]))
    sign_out(client)
    sign_in(client, world.advocate, code_offset=-1)  # approved_dossier signs in with 0
    response = client.submit(f"/evidence/{item_id}", {"purpose": PURPOSE_CANARY},
                             action=f"/evidence/{item_id}/download")
    assert response.status_code == 200
    assert ORIGINAL_CANARY in response.get_data()  # read to the end: the stream closes
    sign_out(client)


def kill_at(mode: str, rng: random.Random, app: Flask, server_pid: int, export_id: int,
            watched: list[Path]) -> list[str]:
    """Watch until the mode's moment (or a canary on disk); return what was seen."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        seen = files_with_canaries(watched)
        if seen:
            return seen
        if mode == "bundling" and stage_of(app, export_id) is not ExportStage.QUEUED:
            time.sleep(rng.uniform(0, 0.04))
            return files_with_canaries(watched)
        if mode == "render" and children_of(server_pid):
            return files_with_canaries(watched)
        time.sleep(0.002)
    pytest.fail(f"the export never reached its {mode} moment")


@pytest.mark.parametrize("mode", ["bundling", "render"])
def test_sigkill_during_export_leaves_no_decrypted_original_or_purpose_on_disk(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World, tmp_path: Path, mode: str):  # noqa: F811 - the fixture
    exhibit_with_canaries(client, world)
    dossier_id = approved_dossier(client, another_client, world)
    server_tmp = tmp_path / "server-tmp"
    server_tmp.mkdir(mode=0o700)
    watched = [server_tmp, Path(app.instance_path)]
    assert not files_with_canaries(watched)  # at rest, the vault holds ciphertext only
    env = live_environment(app, PORTAL_JOBS_POLL_SECONDS="1", TMPDIR=str(server_tmp))
    keep_sign_in_recent(app)
    server, port = start_server(env, tmp_path / "server.log")
    try:
        export_id = ask_for_export(browser_like(another_client, port), dossier_id)
        seen = kill_at(mode, random.Random(f"{SEED}-{mode}"), app, server.pid, export_id,
                       watched)
    finally:
        kill_server(server)
    assert not seen, f"plaintext on disk while the export ran: {seen}"
    assert stage_of(app, export_id) is not ExportStage.QUEUED, "the export never started"
    assert not files_with_canaries(watched), "plaintext left on disk after the kill"
    assert not [p for p in server_tmp.rglob("*") if p.is_file()], os.listdir(server_tmp)
