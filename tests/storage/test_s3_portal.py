"""The portal on an S3 evidence store (a real SeaweedFS), driven as people use it.

One journey: a family member uploads files (one of several S3 parts), downloads
them byte for byte, the vault checks pass, a backup of the bucket restores into a
new instance on another bucket, and a withdrawal deletes the blobs. Then the faults
of issue 18: the endpoint down during an upload (a translated error page, no row,
no orphan), down during a download (a 503 page), and an object changed or removed
behind the portal's back (`flask evidence verify` names the item).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from portal import create_app
from portal.models import EvidenceItem, Rendition, Role, db
from portal.storage.s3 import PART_BYTES
from tests.conftest import app_config
from tests.support import pgdb
from tests.support.client import BrowserClient
from tests.support.evidence import upload
from tests.support.factories import make_account, make_family
from tests.support.faults import offline_checks, run_cli
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report
from tests.support.seaweed import Seaweed, free_ports
from tests.test_evidence import download, receipt_items


def s3_app(app: Flask, seaweed: Seaweed, bucket: str, **extra: Any) -> Flask:
    """The test app's database, keys and instance with its evidence in `bucket`."""
    made = create_app({**app_config(Path(app.instance_path),
                                    app.config["SQLALCHEMY_DATABASE_URI"]),
                       **seaweed.portal_config(bucket, **extra)})
    made.test_client_class = BrowserClient
    return made


def dispose(made: Flask) -> None:
    with made.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def on_s3(app: Flask, session_seaweed: Seaweed) -> Iterator[Flask]:
    made = s3_app(app, session_seaweed, session_seaweed.new_bucket())
    yield made
    dispose(made)


@pytest.fixture
def down_port() -> int:
    """A loopback port nothing listens on: an S3 endpoint that is down."""
    return free_ports(1)[0]


def reported(app: Flask, client: BrowserClient, locale: str = "en") -> int:
    reporter = make_account(app, Role.FAMILY_MEMBER, locale=locale)
    make_family(app, members=[reporter])
    sign_in(client, reporter)
    incident_id = start_report(client)
    assert send_report(client, incident_id, "submit", start_text="1398/10/18").status_code == 302
    return incident_id


def bucket_keys(seaweed: Seaweed, bucket: str) -> set[str]:
    listed = seaweed.client().list_objects_v2(Bucket=bucket)
    return {entry["Key"] for entry in listed.get("Contents", [])}


def recorded_keys(made: Flask) -> set[str]:
    with made.app_context():
        return (set(db.session.scalars(select(EvidenceItem.blob_key)))
                | set(db.session.scalars(select(Rendition.blob_key))))


def item_count(made: Flask) -> int:
    with made.app_context():
        return int(db.session.scalar(select(func.count()).select_from(EvidenceItem)) or 0)


def test_upload_download_verify_backup_withdraw_on_s3(
        app: Flask, on_s3: Flask, session_seaweed: Seaweed, tmp_path: Path) -> None:
    bucket = on_s3.config["S3_BUCKET"]
    client: BrowserClient = on_s3.test_client()  # type: ignore[assignment]
    incident_id = reported(on_s3, client)
    rng = random.Random(18)
    large = rng.randbytes(PART_BYTES + 300_000)  # two parts once encrypted
    small = "پیام تهدید\n".encode()
    items = receipt_items(client, upload(client, incident_id,
                                         [(large, "recording.bin"), (small, "پیام.txt")]))
    assert len(items) == 2
    assert bucket_keys(session_seaweed, bucket) == recorded_keys(on_s3)
    assert download(client, items[0]) == large
    assert download(client, items[1]) == small

    found = offline_checks(on_s3, label="after the uploads")
    assert not found.orphan_blobs
    assert not found.stale_pending
    assert "2 items checked, 0 with problems" in found.output

    # A backup of the bucket restores into a new instance whose evidence is in another.
    folder = tmp_path / "backup"
    code, output = run_cli(on_s3, "backup", "create", str(folder))
    assert code == 0, output
    assert f"{len(recorded_keys(on_s3))} evidence files" in output
    restored = restored_instance(app, session_seaweed, tmp_path)
    try:
        code, output = run_cli(restored, "backup", "restore", str(folder))
        assert code == 0, output
        code, output = run_cli(restored, "evidence", "verify")
        assert code == 0, output
        assert "2 items checked, 0 with problems" in output
        assert (bucket_keys(session_seaweed, restored.config["S3_BUCKET"])
                == bucket_keys(session_seaweed, bucket))
    finally:
        dispose(restored)

    # Withdrawal: the reporter asks, a legal reviewer approves, the objects go.
    gone = items[0]
    withdraw(on_s3, client, gone)
    with on_s3.app_context():
        withdrawn = db.session.get(EvidenceItem, gone)
        assert withdrawn is not None
        assert withdrawn.file_key_sealed is None
        assert withdrawn.blob_key not in bucket_keys(session_seaweed, bucket)
    assert bucket_keys(session_seaweed, bucket) == recorded_keys(on_s3) - {withdrawn.blob_key}
    offline_checks(on_s3, label="after the withdrawal")


def withdraw(made: Flask, client: BrowserClient, item_id: int) -> None:
    """The reporter on `client` asks; a new legal reviewer approves."""
    asked = client.submit(f"/evidence/{item_id}", {"reason": "Sent by mistake."},
                          action=f"/evidence/{item_id}/withdrawal")
    assert asked.status_code == 302
    approver: BrowserClient = made.test_client()  # type: ignore[assignment]
    sign_in(approver, make_account(made, Role.LEGAL_REVIEWER, locale="en"))
    done = approver.submit("/evidence/withdrawals", {},
                           action=f"/evidence/{item_id}/withdrawal/approve")
    assert done.status_code == 302


def test_under_object_lock_a_withdrawal_destroys_the_key_and_records_the_kept_ciphertext(
        app: Flask, session_seaweed: Seaweed) -> None:
    bucket = session_seaweed.new_bucket(object_lock=True)
    locked = s3_app(app, session_seaweed, bucket, S3_RETENTION_DAYS=1)
    try:
        client: BrowserClient = locked.test_client()  # type: ignore[assignment]
        incident_id = reported(locked, client)
        [item_id] = receipt_items(client, upload(client, incident_id,
                                                 [(b"a statement", "statement.txt")]))
        with locked.app_context():
            key = db.session.get(EvidenceItem, item_id).blob_key  # type: ignore[union-attr]
        retention = session_seaweed.client().head_object(Bucket=bucket, Key=key)
        assert retention["ObjectLockMode"] == "COMPLIANCE"
        withdraw(locked, client, item_id)
        assert key in bucket_keys(session_seaweed, bucket)  # the server kept it...
        with locked.app_context():
            item = db.session.get(EvidenceItem, item_id)
            assert item is not None
            assert item.file_key_sealed is None
        log = client.text(f"/evidence/{item_id}/custody.jsonl")
        assert '"key_destroyed"' in log
        assert '"ciphertext_retained": 1' in log, log
        offline_checks(locked, label="after a withdrawal under Object Lock")
    finally:
        dispose(locked)


def restored_instance(app: Flask, seaweed: Seaweed, tmp_path: Path) -> Flask:
    """An empty instance (own database) with the same keys, its evidence in a new bucket."""
    if os.environ.get("PORTAL_TEST_DATABASE_URL"):
        url = pgdb.create_database(prefix="portal_s3_restore").render_as_string(
            hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    (tmp_path / "restored").mkdir()
    made = create_app({**app_config(tmp_path / "restored", url),
                       **seaweed.portal_config(seaweed.new_bucket())})
    return made


def test_s3_down_during_an_upload_keeps_nothing_and_says_so(
        app: Flask, on_s3: Flask, session_seaweed: Seaweed, down_port: int) -> None:
    down = s3_app(app, session_seaweed, on_s3.config["S3_BUCKET"],
                  S3_ENDPOINT=f"http://127.0.0.1:{down_port}")
    try:
        client: BrowserClient = down.test_client()  # type: ignore[assignment]
        incident_id = reported(down, client, locale="fa")
        with down.test_request_context(), force_locale("fa"):
            expected = gettext("Files cannot be stored or opened at the moment. Nothing was "
                               "saved. Please try again in a few minutes.")
        refused = upload(client, incident_id, [(os.urandom(PART_BYTES + 10), "video.bin"),
                                               (b"note", "note.txt")])
        assert refused.status_code == 503
        page = refused.get_data(as_text=True)
        assert expected in page
        assert 'lang="fa"' in page
        assert "Traceback" not in page
        assert "127.0.0.1" not in page
        assert item_count(down) == 0
    finally:
        dispose(down)
    # The endpoint is back: nothing was kept, nothing is left half-written.
    found = offline_checks(on_s3, label="after the failed upload")
    assert not found.orphan_blobs
    assert not found.stale_pending
    assert bucket_keys(session_seaweed, on_s3.config["S3_BUCKET"]) == set()
    assert list(session_seaweed.client().list_multipart_uploads(
        Bucket=on_s3.config["S3_BUCKET"]).get("Uploads", [])) == []


def test_s3_down_during_a_download_gives_a_503_page(
        app: Flask, on_s3: Flask, session_seaweed: Seaweed, down_port: int) -> None:
    client: BrowserClient = on_s3.test_client()  # type: ignore[assignment]
    incident_id = reported(on_s3, client)
    [item_id] = receipt_items(client, upload(client, incident_id, [(b"kept", "kept.txt")]))
    down = s3_app(app, session_seaweed, on_s3.config["S3_BUCKET"],
                  S3_ENDPOINT=f"http://127.0.0.1:{down_port}")
    try:
        browser: BrowserClient = down.test_client()  # type: ignore[assignment]
        browser.set_cookie(*session_cookie(client))
        response = browser.submit(f"/evidence/{item_id}", {},
                                  action=f"/evidence/{item_id}/download")
        assert response.status_code == 503
        page = response.get_data(as_text=True)
        assert "The evidence store cannot be reached" in page
        assert "Traceback" not in page
    finally:
        dispose(down)
    assert download(client, item_id) == b"kept"  # back up: the file is whole


def session_cookie(client: BrowserClient) -> tuple[str, str]:
    from tests.support.faults import SESSION_COOKIE
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    return SESSION_COOKIE, cookie.value


def test_an_object_changed_or_removed_in_the_bucket_is_named_by_verify(
        on_s3: Flask, session_seaweed: Seaweed) -> None:
    bucket = on_s3.config["S3_BUCKET"]
    client: BrowserClient = on_s3.test_client()  # type: ignore[assignment]
    incident_id = reported(on_s3, client)
    changed, removed = receipt_items(client, upload(
        client, incident_id, [(b"first statement", "a.txt"), (b"second statement", "b.txt")]))
    with on_s3.app_context():
        keys = {item_id: db.session.get(EvidenceItem, item_id).blob_key  # type: ignore[union-attr]
                for item_id in (changed, removed)}
    s3 = session_seaweed.client()
    body = bytearray(s3.get_object(Bucket=bucket, Key=keys[changed])["Body"].read())
    body[-5] ^= 0x01
    s3.put_object(Bucket=bucket, Key=keys[changed], Body=bytes(body))
    s3.delete_object(Bucket=bucket, Key=keys[removed])

    code, output = run_cli(on_s3, "evidence", "verify")
    assert code == 1
    assert f"item {changed}: cannot be decrypted" in output
    assert f"item {removed}: its blob is missing" in output
    code, output = run_cli(on_s3, "evidence", "reconcile")
    assert code == 1
    assert f"record without its blob: item {removed}" in output
