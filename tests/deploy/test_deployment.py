"""The shipped deployment, started as an operator would on loopback (decision 0032):
deploy/render.py's nginx site with TLS in front of gunicorn (deploy/gunicorn.conf.py)
and an RQ worker, on the test app's database; Tor's own check of the torrc; systemd's of
the units. `make deploy-check` (CI runs it after `make test`).

What it holds the deployment to: the portal's security headers once each (nginx adds
none), a 1 GiB upload and its download streamed through nginx with nothing in nginx's
temp folders, 413 above the limit in the portal's words, a client that stops sending
dropped and its gunicorn thread freed, onion-only mode refusing what did not come through
the onion listener, and nginx's logs without a single address.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from portal.logs import IP_LITERAL
from portal.models import EvidenceItem, Job, JobState, Role, db
from tests.deploy import stack as deploy
from tests.deploy.stack import ONION, MiB, Stack
from tests.deploy.tls_browser import SESSION_COOKIE, TlsBrowser
from tests.support.client import BrowserClient
from tests.support.factories import make_account, make_family
from tests.support.faults import cli
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report

pytestmark = pytest.mark.deploy

GiB = 1024 * MiB
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                    "Referrer-Policy", "Permissions-Policy", "Cross-Origin-Opener-Policy",
                    "Strict-Transport-Security", "Cache-Control")
RECEIPT_HASH = re.compile(r'data-sha256="([0-9a-f]{64})"')


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def stack(app: Flask) -> Iterator[Stack]:
    for tool in ("nginx", "tor"):
        if shutil.which(tool) is None and shutil.which(tool, path="/usr/sbin") is None:
            pytest.fail(f"Debian's {tool} is needed: `make system-packages` installs it")
    if not redis_answers():
        pytest.fail("the RQ worker needs Redis on 127.0.0.1:6379 (.ci/run starts it)")
    started = deploy.start(app)
    yield started
    deploy.stop(started)


@pytest.fixture
def family_browser(app: Flask, client: BrowserClient, stack: Stack) -> tuple[TlsBrowser, int]:
    """A family member with a submitted report, signed in (the test client's session)."""
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[member])
    sign_in(client, member)
    incident_id = start_report(client)
    assert send_report(client, incident_id, "submit", start_text="1398/10/18").status_code == 302
    cookie = client.get_cookie("portal")
    assert cookie is not None
    return TlsBrowser(stack, cookie.value), incident_id


class TempWatch(threading.Thread):
    """Looks into nginx's temp folders every 20 ms while a transfer runs."""

    def __init__(self, stack: Stack) -> None:
        super().__init__(daemon=True)
        self.stack, self.seen, self.halt = stack, set[str](), threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.02):
            self.seen.update(self.stack.spooled())

    def stop(self) -> set[str]:
        self.halt.set()
        self.join()
        self.seen.update(self.stack.spooled())
        return self.seen


def multipart(token: str, size: int) -> tuple[str, int, Iterator[bytes], hashlib._Hash]:
    """A streamed evidence form with one file of `size` bytes, made as it is sent."""
    boundary = "deploycheck" + os.urandom(8).hex()
    head = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                   f"{value}\r\n" for name, value in (("csrf_token", token),
                                                      ("kind", "document")))
    head += (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
             'filename="recording.bin"\r\nContent-Type: application/octet-stream\r\n\r\n')
    tail = f"\r\n--{boundary}--\r\n".encode()
    digest = hashlib.sha256()

    def chunks() -> Iterator[bytes]:
        yield head.encode()
        block = bytearray(os.urandom(MiB))
        for n in range(size // MiB):
            block[:8] = n.to_bytes(8, "big")
            digest.update(block)
            yield bytes(block)
        yield tail

    return (f"multipart/form-data; boundary={boundary}", len(head.encode()) + size + len(tail),
            chunks(), digest)


# -- headers -----------------------------------------------------------------------------


def test_each_security_header_comes_once_from_the_portal_with_onion_location(stack: Stack):
    page = TlsBrowser(stack).request("GET", "/login")
    assert page.status == 200
    for name in SECURITY_HEADERS:
        assert len(page.header(name)) == 1, (name, page.header(name))
    assert page.header("Strict-Transport-Security") == ["max-age=63072000; includeSubDomains"]
    assert page.header("Server") == ["nginx"]  # no version
    assert page.header("Onion-Location") == [f"http://{ONION}/login"]
    assert page.header("Set-Cookie")[0].startswith(f"{SESSION_COOKIE}=")
    assert "Secure" in page.header("Set-Cookie")[0]


def test_plain_http_only_leads_to_https(stack: Stack):
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    connection.request("GET", "/login?next=%2F", headers={"Host": "localhost"})
    response = connection.getresponse()
    assert response.status == 301
    assert response.getheader("Location") == f"{stack.origin}/login?next=%2F"


def test_the_onion_listener_answers_without_onion_location(stack: Stack):
    connection = stack.onion()
    connection.request("GET", "/healthz", headers={"Host": ONION})
    response = connection.getresponse()
    assert (response.status, response.read()) == (200, b"ok")
    assert response.getheader("Onion-Location") is None
    assert response.getheader("Cache-Control") == "no-store"


# -- a 1 GiB upload and its download ---------------------------------------------------------


def test_a_1_gib_upload_and_its_download_stream_through_nginx_and_never_touch_its_disk(
        app: Flask, stack: Stack, family_browser: tuple[TlsBrowser, int]):
    browser, incident_id = family_browser
    path = f"/reports/{incident_id}/evidence"
    content_type, length, chunks, digest = multipart(browser.csrf_token(path), GiB)
    watch = TempWatch(stack)
    watch.start()
    try:
        response = browser.stream("POST", path, length, chunks, content_type)
        response.read()
        assert response.status == 302, response.status
        receipt_at = urlsplit(response.getheader("Location", ""))
        receipt = browser.request("GET", f"{receipt_at.path}?{receipt_at.query}")
        assert RECEIPT_HASH.findall(receipt.text) == [digest.hexdigest()]

        item_id = int(re.search(r"/evidence/(\d+)", receipt.text).group(1))
        token = browser.csrf_token(f"/evidence/{item_id}")
        form = f"csrf_token={token}".encode()
        download = browser.stream("POST", f"/evidence/{item_id}/download", len(form),
                                  iter([form]), "application/x-www-form-urlencoded")
        assert download.status == 200, download.status
        copy = hashlib.sha256()
        while piece := download.read(MiB):
            copy.update(piece)
        assert copy.hexdigest() == digest.hexdigest()
    finally:
        spooled = watch.stop()
    assert spooled == set(), "nginx wrote a request or response body to disk"


def test_the_rq_worker_makes_the_preview_of_a_photo_sent_through_nginx(
        app: Flask, stack: Stack, family_browser: tuple[TlsBrowser, int]):
    browser, incident_id = family_browser
    photo = io.BytesIO()
    Image.effect_noise((64, 48), 40).convert("RGB").save(photo, "PNG")
    path = f"/reports/{incident_id}/evidence"
    boundary = "deployphoto"
    body = b"".join([
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{browser.csrf_token(path)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
        f'name="kind"\r\n\r\nphoto\r\n--{boundary}\r\nContent-Disposition: form-data; '
        f'name="files"; filename="photo.png"\r\nContent-Type: image/png\r\n\r\n'.encode(),
        photo.getvalue(), f"\r\n--{boundary}--\r\n".encode()])
    sent = browser.request("POST", path, body,
                           Content_Type=f"multipart/form-data; boundary={boundary}")
    assert sent.status == 302, sent.text[:300]
    with app.app_context():
        item_id = db.session.scalar(select(func.max(EvidenceItem.id)))  # the only one
    wait_for_jobs_done(app, item_id)


def wait_for_jobs_done(app: Flask, item_id: int | None) -> None:
    """The RQ worker, not the web process (PORTAL_JOBS_BACKEND=rq), runs the item's job."""
    assert item_id is not None
    deadline = time.monotonic() + 60
    while True:
        with app.app_context():
            states = list(db.session.scalars(select(Job.state).where(
                Job.subject_id == item_id)))
            db.session.rollback()
        if states and all(s in (JobState.DONE, JobState.FAILED) for s in states):
            assert set(states) == {JobState.DONE}, states
            return
        assert time.monotonic() < deadline, f"jobs not done by the worker: {states}"
        time.sleep(0.5)


# -- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize("listener", ["https", "onion"])
def test_a_body_over_the_limit_gets_413_in_the_portals_words(stack: Stack, listener: str):
    connection = stack.https() if listener == "https" else stack.onion()
    connection.putrequest("POST", "/reports/1/evidence")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(stack.nginx_limit + 1))
    connection.endheaders()  # nginx answers from the header alone: no body is sent
    response = connection.getresponse()
    page = response.read().decode()
    assert response.status == 413
    assert "What you sent is too large. Nothing was saved." in page
    assert "Rien n’a été enregistré." in page
    assert "آنچه فرستادید بیش از حد بزرگ است" in page
    headers = [name.lower() for name, _ in response.getheaders()]
    for name in ("Content-Security-Policy", "X-Frame-Options", "Cache-Control"):
        assert headers.count(name.lower()) == 1, name
    # deploy/render.py put nginx's limit 1 MiB above the portal's (MAX_UPLOAD_BYTES + 16 MiB)
    site = (stack.render / "ps752.conf").read_text()
    assert f"client_max_body_size {stack.max_upload_bytes + 17 * MiB};" in site


def test_resumable_upload_methods_pass_through_nginx(
        stack: Stack, family_browser: tuple[TlsBrowser, int]):
    browser, incident_id = family_browser
    token = browser.csrf_token(f"/reports/{incident_id}/evidence")
    tus = {"Tus-Resumable": "1.0.0", "X-CSRFToken": token}
    name = base64.b64encode(b"call.m4a").decode()
    created = browser.request("POST", f"/reports/{incident_id}/uploads", **tus, **{
        "Upload-Length": str(8 * MiB + 10),
        "Upload-Metadata": f"filename {name},kind {base64.b64encode(b'audio').decode()}"})
    assert created.status == 201, created.text
    location = created.header("Location")[0].split(str(stack.https_port), 1)[-1]
    part = browser.stream("PATCH", location, 8 * MiB, iter([os.urandom(8 * MiB)]),
                          "application/offset+octet-stream", **tus, **{"Upload-Offset": "0"})
    part.read()
    assert part.status == 204, part.status
    offset = browser.request("HEAD", location, **tus)
    assert offset.header("Upload-Offset") == [str(8 * MiB)]
    assert browser.request("DELETE", location, **tus).status == 204


def test_a_client_that_stops_sending_is_dropped_and_frees_the_workers(
        app: Flask, family_browser: tuple[TlsBrowser, int]):
    """Every gunicorn thread held by a client that sent a bit of its body and stopped:
    nothing else is served until nginx's client_body_timeout (4 s here) drops them.
    One gunicorn worker of two threads, so that no other worker's idle thread answers."""
    small = deploy.start(app, workers=1, threads=2, job_worker=False)
    try:
        held_until_the_timeout(small, TlsBrowser(small, family_browser[0].session),
                               family_browser[1])
    finally:
        deploy.stop(small)


def held_until_the_timeout(stack: Stack, browser: TlsBrowser, incident_id: int) -> None:
    path = f"/reports/{incident_id}/evidence"
    stalled = []
    for _ in range(stack.slots):
        content_type, length, parts, _digest = multipart(browser.csrf_token(path), 100 * MiB)
        connection = stack.https(timeout=30)
        connection.putrequest("POST", path)
        for name, value in {**browser.headers(path), "Content-Type": content_type,
                            "Content-Length": str(length)}.items():
            connection.putheader(name, value)
        connection.endheaders()
        connection.send(next(parts))
        connection.send(next(parts))  # 1 MiB of the file, then nothing more
        stalled.append(connection)
    began = time.monotonic()
    time.sleep(0.5)
    try:  # every thread is held by a silent client
        status = health_status(stack)
    except TimeoutError:
        status = 0
    assert status == 0, f"answered {status} while the threads were held:\n{stack.log_tail()}"
    while True:
        try:
            if health_status(stack) == 200:
                break
        except TimeoutError:
            pass
        assert time.monotonic() - began < 15, "the stalled clients still hold the workers"
    assert time.monotonic() - began >= 3.5  # freed by the timeout, not before
    for connection in stalled:
        connection.close()
    evidence_tmp = Path(stack.env["PORTAL_INSTANCE_PATH"]) / "evidence" / "tmp"
    deadline = time.monotonic() + 10
    while evidence_tmp.exists() and any(evidence_tmp.iterdir()):
        assert time.monotonic() < deadline, "a stalled upload left a pending blob"
        time.sleep(0.1)
    done = cli(stack.env, "evidence", "reconcile")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "blob without a record" not in done.stdout


def health_status(stack: Stack) -> int:
    probe = stack.https(timeout=2)
    probe.request("GET", "/healthz")
    return probe.getresponse().status


# -- onion only --------------------------------------------------------------------------


def test_onion_only_mode_refuses_what_did_not_come_through_the_onion_service(app: Flask):
    onion_only = deploy.start(app, onion_only=True, workers=1, threads=2, job_worker=False)
    try:
        for headers in ({"Host": ONION}, {"Host": ONION, "X-Portal-Via-Onion": "1"}):
            connection = onion_only.https()
            connection.request("GET", "/login", headers=headers)
            response = connection.getresponse()
            assert (response.status, response.read()) == (421, b"Misdirected request.\n")
            assert response.getheader("Set-Cookie") is None
        connection = onion_only.onion()
        connection.request("GET", "/login", headers={"Host": "anything.example"})
        response = connection.getresponse()
        page = response.read().decode()
        assert response.status == 200
        assert 'name="passphrase"' in page
        assert "localhost" not in page
    finally:
        deploy.stop(onion_only)


# -- tor and systemd -------------------------------------------------------------------------


def test_tor_accepts_the_shipped_torrc_and_would_refuse_a_broken_one(
        stack: Stack, tmp_path: Path):
    torrc = stack.render / "torrc"
    verify = ["tor", "--verify-config", "-f", str(tmp_path / "torrc"),
              "--DataDirectory", str(tmp_path / "data")]
    (tmp_path / "torrc").write_text(torrc.read_text())
    done = subprocess.run(verify, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout
    assert "Configuration was valid" in done.stdout
    assert f"HiddenServicePort 80 127.0.0.1:{stack.onion_port}" in torrc.read_text()
    (tmp_path / "torrc").write_text(torrc.read_text() + "HiddenServicePort 80 nowhere:x\n")
    broken = subprocess.run(verify, capture_output=True, text=True, timeout=60, check=False)
    assert broken.returncode != 0


def test_systemd_accepts_the_units_and_workers_yield_the_cpu_to_the_web(tmp_path: Path):
    units = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
    web = (units / "ps752-web.service").read_text()
    worker = (units / "ps752-worker@.service").read_text()
    assert "Nice=10" in worker
    assert "CPUWeight=20" in worker
    assert "CPUWeight=100" in web
    assert "OnCalendar=weekly" in (units / "ps752-checkpoint.timer").read_text()
    if shutil.which("systemd-analyze") is None:
        pytest.skip("no systemd-analyze here")
    root = str(Path(__file__).resolve().parents[2])
    for unit in units.iterdir():
        name = unit.name.replace("@.service", "@1.service")
        (tmp_path / name).write_text(unit.read_text().replace("/opt/ps752", root))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no",
                           *sorted(str(p) for p in tmp_path.iterdir())],
                          capture_output=True, text=True, timeout=60, check=False,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout + done.stderr == "", done.stdout + done.stderr


# -- logs (last: after every request above) ------------------------------------------------


def test_nginx_logs_hold_no_address_no_query_and_no_invitation_token(stack: Stack):
    TlsBrowser(stack).request("GET", "/invite/secret-invitation-token?lang=secret-query")
    time.sleep(0.2)
    access = (stack.logs / "ps752-access.log").read_text()
    assert " GET /invite/... " in access
    assert "secret-invitation-token" not in access
    assert "secret-query" not in access
    assert " GET /login " in access
    assert " GET /healthz 200 " in access
    for log in stack.logs.glob("*.log"):
        text = log.read_text()
        assert not IP_LITERAL.search(text), f"{log.name}: {IP_LITERAL.search(text)}"
