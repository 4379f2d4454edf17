"""Fault injection: the disk fills up during an upload.

A real server keeps its evidence vault on a 2 MiB tmpfs (we run as root in CI and in
the dev container; elsewhere the test is skipped and says why). A family member whose
language is Persian uploads a small file (kept), then a 3 MiB one: the kernel refuses
the write with ENOSPC while the ciphertext streams in. The person must get a clear
error page in their own language (never a traceback, never a receipt); nothing of the
large file may be kept (no row, no blob, no pending file); what was stored before is
untouched; `flask evidence reconcile` finds no orphan, `verify` and `audit verify`
pass; and once there is room again the same upload goes through with its receipt.
"""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from portal import create_app
from portal.models import EvidenceItem, Role, db
from tests.conftest import app_config
from tests.support.client import BrowserClient
from tests.support.factories import make_account, make_family
from tests.support.faults import (
    browser_like,
    kill_server,
    live_environment,
    offline_checks,
    start_server,
)
from tests.support.http_client import path_of
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report

TMPFS_BYTES = 2 * 1024**2


@pytest.fixture
def checker(app: Flask, tiny_disk: Path, tmp_path: Path) -> Iterator[Flask]:
    """The test app's database and keys with the vault on the tiny disk, for the CLI."""
    checking = create_app({**app_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]),
                           "EVIDENCE_DIR": str(tiny_disk)})
    yield checking
    with checking.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def tiny_disk() -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (mount -t tmpfs); run as root to prove "
                    "the full-disk path")
    folder = Path(tempfile.mkdtemp(prefix="portal-full-disk-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES},mode=0700",
                              "tmpfs", str(folder)], capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)
        folder.rmdir()


def item_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(EvidenceItem)) or 0)


def vault(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_a_full_disk_during_upload_keeps_nothing_and_says_so(
        app: Flask, client: BrowserClient, tiny_disk: Path, checker: Flask,
        tmp_path: Path) -> None:
    member = make_account(app, Role.FAMILY_MEMBER, locale="fa")
    make_family(app, members=[member])
    sign_in(client, member)
    incident_id = start_report(client)
    assert send_report(client, incident_id, "submit", start_text="1398/10/18").status_code == 302
    env = live_environment(app, PORTAL_EVIDENCE_DIR=str(tiny_disk))
    rng = random.Random(752)
    small = rng.randbytes(100 * 1024)
    large = rng.randbytes(3 * 1024**2)
    with app.test_request_context(), force_locale("fa"):
        expected = [gettext("Something went wrong"),
                    gettext("Nothing was saved. Please try again in a moment.")]
    assert expected[1] != "Nothing was saved. Please try again in a moment.", "no Persian"

    server, port = start_server(env, tmp_path / "server.log")
    try:
        browser = browser_like(client, port)
        token = browser.csrf_token(f"/reports/{incident_id}/evidence")
        kept = browser.upload(incident_id, [(small, "summons-photo.bin")], token)
        assert kept.status == 302, kept.text[:500]
        before_items, before_files = item_count(app), vault(tiny_disk)

        refused = browser.upload(incident_id, [(large, "long-recording.bin")], token)
        assert refused.status >= 500, (refused.status, refused.text[:500])
        assert "receipt" not in refused.location
        for text in expected:
            assert text in refused.text, refused.text[:2000]
        assert 'lang="fa"' in refused.text
        assert "Traceback" not in refused.text
        assert "OSError" not in refused.text
        assert "No space" not in refused.text
        assert item_count(app) == before_items, "a row was kept for the refused file"
        assert vault(tiny_disk) == before_files, "something of the refused file is on disk"

        # What was kept before is whole.
        with app.app_context():
            item_id = db.session.scalars(select(EvidenceItem.id)).one()
        download = browser.download(item_id)
        assert download.status == 200
        assert download.body == small
    finally:
        kill_server(server)
    found = offline_checks(checker, label="after the full disk")
    assert not found.orphan_blobs
    assert not found.stale_pending
    assert not list((tiny_disk / "tmp").glob("*"))

    # Room again (a larger vault): the same file goes through, with its receipt.
    subprocess.run(["mount", "-o", f"remount,size={8 * TMPFS_BYTES}", str(tiny_disk)],
                   check=True)
    server, port = start_server(env, tmp_path / "server-2.log")
    try:
        browser = browser_like(client, port)
        token = browser.csrf_token(f"/reports/{incident_id}/evidence")
        accepted = browser.upload(incident_id, [(large, "long-recording.bin")], token)
        assert accepted.status == 302, accepted.text[:500]
        receipt = browser.get(path_of(accepted.location))
        assert hashlib.sha256(large).hexdigest() in receipt.text
    finally:
        kill_server(server)
    offline_checks(checker, label="after room came back")

