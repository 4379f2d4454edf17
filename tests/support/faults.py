"""Shared pieces of the fault tests (tests/test_upload_faults.py, tests/test_faults_*.py,
tests/test_sqlmap.py): a real `flask run` server in its own process group that a test
can kill with SIGKILL, the CLI run as an operator would, a browser that carries a
session made by the Flask test client, the offline checks every fault must leave
green, and a private, throw-away PostgreSQL cluster a test may stop and start.

Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.browser.server import ROOT, free_port, server_environment
from tests.support.http_client import LoopbackBrowser

SESSION_COOKIE = "portal"  # plain HTTP on loopback: no "__Host-" prefix
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`flask ARGS` in a new process, as an operator runs it (never raises on exit 1)."""
    return subprocess.run([sys.executable, "-m", "flask", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)


def live_environment(app: Flask, **extra: str) -> dict[str, str]:
    """The test app's database, instance folder and keys for a server process, with
    jobs run by the server's own thread (as in production) unless `extra` says else."""
    return {**server_environment(app), "PORTAL_JOBS_BACKEND": "thread", **extra}


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """`flask run` (no reloader: the process started is the server) in its own group."""
    port = free_port()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port", str(port),
             "--no-reload", "--no-debugger"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        assert server.poll() is None, f"server exited: {log.read_text()[-2000:]}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server, port
        except (urllib.error.URLError, ConnectionError):
            assert time.monotonic() < deadline, "server did not answer within 30 s"
            time.sleep(0.05)


def kill_server(server: subprocess.Popen[bytes]) -> None:
    """SIGKILL the server's whole process group (the server and any child it started)."""
    if server.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):  # children that outlived their parent
        os.killpg(server.pid, signal.SIGKILL)


def children_of(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(pid):
            found.append(int(stat.parent.name))
    return found


def wait_for(condition: Callable[[], bool], timeout: float = 30, what: str = "it") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.001)


def browser_like(client: FlaskClient, port: int) -> LoopbackBrowser:
    """A loopback browser holding the session the test client signed in (sessions are
    server-side rows, so the cookie is valid on any server of the same database)."""
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None, "the test client is not signed in"
    return LoopbackBrowser(port, cookies={SESSION_COOKIE: cookie.value})


@dataclass
class OfflineReport:
    orphan_blobs: set[str]
    stale_pending: set[str]
    output: str


def run_cli(target: Flask | dict[str, str], *args: str) -> tuple[int, str]:
    """A CLI command on the test app itself (in-process, as tests/test_backup.py does)
    or, given a server environment, in a new process."""
    if isinstance(target, Flask):
        result = target.test_cli_runner().invoke(args=list(args))
        return result.exit_code, result.output
    done = cli(target, *args)
    return done.returncode, done.stdout + done.stderr


def offline_checks(target: Flask | dict[str, str], *, fix: bool = False, verify: bool = True,
                   label: str = "") -> OfflineReport:
    """With no server running: `evidence reconcile` names no record without its file,
    `evidence verify` and `audit verify` pass. With `fix`, orphans are removed."""
    code, report = run_cli(target, "evidence", "reconcile", *(("--fix",) if fix else ()))
    assert "without its" not in report, f"{label}: {report}"
    assert code == 0, f"{label}: {report}"
    lines = report.splitlines()
    orphans = {line.rsplit(" ", 1)[1] for line in lines
               if line.startswith("blob without a record: ")}
    pending = {line.rsplit(" ", 1)[1] for line in lines if line.startswith("abandoned upload: ")}
    outputs = [report]
    for command in (("evidence", "verify"), ("audit", "verify")) if verify else ():
        code, output = run_cli(target, *command)
        outputs.append(output)
        assert code == 0, f"{label}: {' '.join(command)}: {output}"
    return OfflineReport(orphans, pending, "\n".join(outputs))


# -- a private PostgreSQL cluster ------------------------------------------------------


@dataclass
class PrivatePostgres:
    """A cluster of our own in a temporary folder, owned by the `postgres` user when we
    are root (initdb refuses root). Never the machine's shared server."""

    folder: Path
    port: int
    as_user: list[str]

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.as_user, *args], capture_output=True, text=True,
                              timeout=timeout, check=False, cwd=self.folder)

    def start(self) -> None:
        done = self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l",
                         str(self.folder / "server.log"), "-w", "-t", "30", "-o",
                         f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1",
                         "start")
        assert done.returncode == 0, done.stdout + done.stderr

    def stop(self, mode: str = "fast") -> None:
        done = self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                         "stop")
        assert done.returncode == 0, done.stdout + done.stderr


def postgres_unavailable_reason() -> str | None:
    if not (PG_BIN / "initdb").exists():
        return f"no PostgreSQL 15 binaries in {PG_BIN}"
    if os.geteuid() == 0 and not shutil.which("runuser"):
        return "running as root without runuser: initdb refuses root"
    return None


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """initdb + pg_ctl start on a free loopback port; stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="portal-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres", "postgres")
    cluster = PrivatePostgres(folder, free_port(), as_user)
    try:
        made = cluster._run(str(PG_BIN / "initdb"), "-D", str(cluster.data), "-U", "postgres",
                            "-A", "trust", "--no-sync", "-E", "UTF8", "--no-instructions")
        assert made.returncode == 0, made.stdout + made.stderr
        cluster.start()
        yield cluster
    finally:
        if (cluster.data / "postmaster.pid").exists():
            cluster._run(str(PG_BIN / "pg_ctl"), "-D", str(cluster.data), "-m", "immediate",
                         "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)
