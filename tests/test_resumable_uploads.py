"""Resumable uploads (tus 1.0, decision 0025): a file sent in pieces, across dropped
connections, becomes the same evidence item the plain form makes; what is refused or
abandoned leaves nothing behind."""

from __future__ import annotations

import base64
import hashlib
import http.client
import random
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from portal.models import EvidenceItem, ResumableUpload, ResumableUploadPart, Role, db, utcnow
from tests.support.client import BrowserClient
from tests.support.evidence import upload as plain_upload
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report

MiB = 1024 * 1024
UPLOAD_ROW = re.compile(r"/uploads/(\d+)$")


def metadata(**values: str) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}"
                    for key, value in values.items())


class Tus:
    """A tus client speaking through the test client, as static/js/resumable-upload.js
    does in a browser: the CSRF token of the upload page in a header."""

    def __init__(self, client: BrowserClient, incident_id: int) -> None:
        self.client, self.incident_id = client, incident_id
        self.token = client.csrf_token(f"/reports/{incident_id}/evidence")

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Tus-Resumable": "1.0.0", "X-CSRFToken": self.token,
                **{name.replace("_", "-"): value for name, value in extra.items()}}

    def create(self, length: int, name: str = "notes.txt", **fields: str) -> TestResponse:
        return self.client.post(f"/reports/{self.incident_id}/uploads", headers=self.headers(
            Upload_Length=str(length), Upload_Metadata=metadata(
                filename=name, filetype="text/plain", kind="document", **fields)))

    def patch(self, location: str, offset: int, data: bytes) -> TestResponse:
        return self.client.patch(location, data=data, headers=self.headers(
            Upload_Offset=str(offset)), content_type="application/offset+octet-stream")

    def offset(self, location: str) -> int:
        response = self.client.head(location, headers=self.headers())
        assert response.status_code == 200, response.status_code
        return int(response.headers["Upload-Offset"])


def started(tus: Tus, length: int, **fields: str) -> str:
    response = tus.create(length, **fields)
    assert response.status_code == 201, response.get_data(as_text=True)
    return str(response.headers["Location"])


def upload_rows(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (len(db.session.scalars(select(ResumableUpload.id)).all()),
                len(db.session.scalars(select(ResumableUploadPart.blob_key)).all()))


def stored_files(app: Flask) -> list[Path]:
    return [p for p in Path(app.config["EVIDENCE_DIR"]).rglob("*") if p.is_file()]


def test_a_file_sent_in_pieces_is_the_same_evidence_as_from_the_plain_form(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    content = "پیام تهدید: دیگر با رسانه‌ها حرف نزنید\n".encode() * 3000
    tus = Tus(client, incident_id)
    location = started(tus, len(content), name="پیام.txt", description="from my phone")
    for start in range(0, len(content), 40_000):
        response = tus.patch(location, start, content[start:start + 40_000])
        assert response.status_code == 204
        assert tus.offset(location) == min(start + 40_000, len(content))
        for path in stored_files(app):  # what waits between requests is ciphertext only
            assert content[:64] not in path.read_bytes(), path
    receipt = client.text(response.headers["Portal-Receipt"])
    assert hashlib.sha256(content).hexdigest() in receipt
    assert "پیام.txt" in receipt
    with app.app_context():
        item = db.session.scalars(select(EvidenceItem)).one()
        assert (item.sha256, item.size_bytes) == (hashlib.sha256(content).hexdigest(),
                                                  len(content))
        assert item.detected_media_type == "text/plain"
    # the parts are gone; only the item's blob (and its renditions) remain
    assert upload_rows(app) == (1, 0)
    assert "0 orphans" in app.test_cli_runner().invoke(args=["evidence", "reconcile"]).output
    # a client whose last response was lost still finds its receipt
    head = client.head(location, headers=tus.headers())
    assert head.headers["Portal-Receipt"] == response.headers["Portal-Receipt"]


def test_a_wrong_offset_is_refused_with_409_and_keeps_nothing(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    tus = Tus(client, incident_id)
    location = started(tus, 100)
    assert tus.patch(location, 0, b"a" * 30).status_code == 204
    assert tus.patch(location, 10, b"b" * 30).status_code == 409
    assert tus.patch(location, 60, b"b" * 30).status_code == 409
    assert tus.offset(location) == 30
    assert upload_rows(app) == (1, 1)
    assert len(stored_files(app)) == 1  # the refused bodies left no blob
    # more than was declared: refused before a byte is kept
    assert tus.patch(location, 30, b"c" * 71).status_code == 413
    assert tus.offset(location) == 30


def test_uploads_of_another_family_or_person_answer_404(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    location = started(Tus(client, incident_id), 100)
    stranger = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[stranger])
    sign_in(another_client, stranger)
    token = another_client.csrf_token("/account")
    headers = {"Tus-Resumable": "1.0.0", "X-CSRFToken": token}
    assert another_client.post(f"/reports/{incident_id}/uploads", headers={
        **headers, "Upload-Length": "10"}).status_code == 404
    assert another_client.head(location, headers=headers).status_code == 404
    assert another_client.patch(location, data=b"x", headers={
        **headers, "Upload-Offset": "0"},
        content_type="application/offset+octet-stream").status_code == 404
    assert another_client.delete(location, headers=headers).status_code == 404
    assert upload_rows(app) == (1, 0)


def test_a_file_over_the_limit_is_refused_with_413_in_the_persons_language(
        app: Flask, client: BrowserClient, monkeypatch: pytest.MonkeyPatch):
    member = make_account(app, Role.FAMILY_MEMBER, locale="fa")
    make_family(app, members=[member])
    sign_in(client, member)
    incident_id = start_report(client)
    send_report(client, incident_id, "submit", start_text="1398/10/18")
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1000)
    response = Tus(client, incident_id).create(5000)
    assert response.status_code == 413
    assert "آنچه فرستادید بیش از حد بزرگ است" in response.get_data(as_text=True)
    assert upload_rows(app) == (0, 0)


def test_without_the_token_or_the_protocol_header_nothing_is_accepted(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    tus = Tus(client, incident_id)
    no_token = {"Tus-Resumable": "1.0.0", "Upload-Length": "10"}
    assert client.post(f"/reports/{incident_id}/uploads", headers=no_token).status_code == 400
    assert client.post(f"/reports/{incident_id}/uploads", headers={
        "X-CSRFToken": tus.token, "Upload-Length": "10"}).status_code == 412
    assert upload_rows(app) == (0, 0)


def test_an_abandoned_or_expired_upload_leaves_nothing(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    tus = Tus(client, incident_id)
    abandoned, expired = started(tus, 100), started(tus, 100)
    for location in (abandoned, expired):
        assert tus.patch(location, 0, b"half" * 10).status_code == 204
    assert len(stored_files(app)) == 2
    assert client.delete(abandoned, headers=tus.headers()).status_code == 204
    assert client.head(abandoned, headers=tus.headers()).status_code == 404
    assert len(stored_files(app)) == 1
    age_upload(app, expired, hours=25)
    assert tus.patch(expired, 40, b"late").status_code == 410
    result = app.test_cli_runner().invoke(args=["evidence", "expire-uploads"])
    assert "1 parts of expired uploads removed" in result.output
    assert upload_rows(app) == (0, 0)
    assert stored_files(app) == []


def age_upload(app: Flask, location: str, hours: float) -> None:
    """Time passes for an upload: nothing has arrived for `hours`."""
    match = UPLOAD_ROW.search(location)
    assert match
    with app.app_context():
        past = utcnow() - timedelta(hours=hours)
        db.session.execute(update(ResumableUpload).where(
            ResumableUpload.id == int(match.group(1))).values(created_at=past, received_at=past))
        db.session.commit()


def test_the_plain_form_still_works_without_javascript(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    page = client.text(f"/reports/{incident_id}/evidence")
    assert 'enctype="multipart/form-data"' in page
    assert "js/resumable-upload.js" in page
    response = plain_upload(client, incident_id, [(b"plain bytes", "plain.txt")])
    assert response.status_code == 302
    assert hashlib.sha256(b"plain bytes").hexdigest() in client.text(response.headers["Location"])


# --- over a real HTTP server: 200 MiB, the connection cut half-way ----------------------

TOTAL = 200 * MiB


def block(index: int) -> bytes:
    """1 MiB of the test file (fictional random bytes, the same on every call)."""
    return random.Random(index).randbytes(MiB)


def file_bytes(start: int) -> Iterator[bytes]:
    """The test file from `start` to its end, a block at a time (never all in memory)."""
    first, skip = divmod(start, MiB)
    yield block(first)[skip:]
    for index in range(first + 1, TOTAL // MiB):
        yield block(index)


@pytest.fixture
def server(app: Flask) -> Iterator[int]:
    """The app behind a real threaded HTTP server on loopback."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(httpd.server_port)
    finally:
        httpd.shutdown()
        thread.join(10)


def test_200_mib_survive_a_connection_cut_half_way_and_the_receipt_hash_is_the_files(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int],
        server: int):
    _reporter, _advocate, incident_id = reported
    tus = Tus(client, incident_id)
    cookie = client.get_cookie("portal")
    assert cookie is not None
    headers = {**tus.headers(), "Cookie": f"portal={cookie.value}"}
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=60)
    connection.request("POST", f"/reports/{incident_id}/uploads", headers={
        **headers, "Upload-Length": str(TOTAL),
        "Upload-Metadata": metadata(filename="recording.bin", kind="audio")})
    created = connection.getresponse()
    created.read()
    assert created.status == 201
    location = created.headers["Location"]

    # The first PATCH announces the whole file, sends half of it, and the line drops.
    cut = socket.create_connection(("127.0.0.1", server))
    cut.sendall((f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                 + f"Upload-Offset: 0\r\nContent-Length: {TOTAL}\r\n"
                 "Content-Type: application/offset+octet-stream\r\n\r\n").encode())
    for index in range(TOTAL // MiB // 2):
        cut.sendall(block(index))
    cut.shutdown(socket.SHUT_RDWR)
    cut.close()

    offset = settled_offset(connection, location, headers)
    assert 0 < offset <= TOTAL // 2
    connection.request("PATCH", location, body=file_bytes(offset), headers={
        **headers, "Upload-Offset": str(offset), "Content-Length": str(TOTAL - offset),
        "Content-Type": "application/offset+octet-stream"})
    finished = connection.getresponse()
    finished.read()
    assert finished.status == 204, finished.status
    assert finished.headers["Upload-Offset"] == str(TOTAL)

    whole = hashlib.sha256()
    for chunk in file_bytes(0):
        whole.update(chunk)
    assert whole.hexdigest() in client.text(finished.headers["Portal-Receipt"])
    with app.app_context():
        item = db.session.scalars(select(EvidenceItem)).one()
        assert (item.sha256, item.size_bytes) == (whole.hexdigest(), TOTAL)
    assert upload_rows(app) == (1, 0)
    connection.close()


def settled_offset(connection: http.client.HTTPConnection, location: str,
                   headers: dict[str, str]) -> int:
    """HEAD until the server has finished with the cut request (the offset is kept
    and stops moving)."""
    seen = -1
    for _ in range(100):
        connection.request("HEAD", location, headers=headers)
        response = connection.getresponse()
        response.read()
        offset = int(response.headers["Upload-Offset"])
        if offset > 0 and offset == seen:
            return offset
        seen = offset
        time.sleep(0.2)
    raise AssertionError("the cut request was never settled")
