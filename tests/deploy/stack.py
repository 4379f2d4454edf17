"""The shipped deployment started on loopback for a test: deploy/render.py's output for
free ports and temporary paths, Debian's nginx (as www-data when the test runs as
root: never as root), gunicorn with deploy/gunicorn.conf.py, and an RQ worker
(`flask jobs worker`), on the test app's database, instance folder and keys.
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import ipaddress
import os
import pwd
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask

from tests.browser.server import ROOT, free_port, server_environment

BIN = Path(sys.executable).parent
ONION = "ps752" + "abcdefghijklmnopqrstuvwxyz234567" + "abcdefghijklmnopqrs.onion"
REDIS_URL = "redis://127.0.0.1:6379/13"
UNPRIVILEGED = "www-data"
MiB = 1024 * 1024


@dataclass
class Stack:
    folder: Path  # nginx's prefix: config, pages, certificate, logs, temp folders
    env: dict[str, str]
    https_port: int
    http_port: int
    onion_port: int
    max_upload_bytes: int
    nginx_limit: int
    slots: int  # gunicorn workers × threads: requests served at once
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def render(self) -> Path:
        return self.folder / "render"

    @property
    def certificate(self) -> Path:
        return self.folder / "tls" / "cert.pem"

    @property
    def logs(self) -> Path:
        return self.folder / "logs"

    @property
    def temp(self) -> Path:
        return self.folder / "temp"

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.https_port}"

    def spooled(self) -> list[str]:
        """Files in nginx's temp folders (request bodies, proxied responses)."""
        return [str(p) for p in self.temp.rglob("*") if p.is_file()]

    def https(self, timeout: float = 60) -> http.client.HTTPSConnection:
        context = ssl.create_default_context(cafile=str(self.certificate))
        return http.client.HTTPSConnection("localhost", self.https_port, context=context,
                                           timeout=timeout)

    def onion(self, timeout: float = 60) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.onion_port, timeout=timeout)

    def log_tail(self) -> str:
        files = [*self.logs.glob("*.log"), *self.folder.glob("*.out")]
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in files)


def make_certificate(folder: Path) -> None:
    """A self-signed certificate for localhost and 127.0.0.1 (P-256)."""
    folder.mkdir(parents=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


def render(stack: Stack, base_url: str, client_timeout: str, *, clearnet: bool = True) -> None:
    """deploy/render.py, as an operator runs it, with this stack's ports and paths."""
    settings = {
        "BASE_URL": base_url, "MAX_UPLOAD_BYTES": str(stack.max_upload_bytes),
        "UPSTREAM": stack.env["PS752_BIND"],
        "HTTP_LISTEN": f"127.0.0.1:{stack.http_port}" if clearnet else "",
        "HTTPS_LISTEN": f"127.0.0.1:{stack.https_port}" if clearnet else "",
        "ONION_LISTEN": f"127.0.0.1:{stack.onion_port}", "ONION_LOCATION": ONION,
        "TLS_CERTIFICATE": str(stack.certificate),
        "TLS_CERTIFICATE_KEY": str(stack.folder / "tls" / "key.pem"),
        "CLIENT_TIMEOUT": client_timeout, "PROXY_TIMEOUT": "120s",
        "LOG_DIR": str(stack.logs), "ERROR_PAGES_DIR": str(stack.render / "ps752-errors"),
        "NGINX_USER": "", "NGINX_PID": str(stack.folder / "nginx.pid"),
        "NGINX_LOG_DIR": str(stack.logs), "NGINX_TEMP_DIR": str(stack.temp),
        "NGINX_SITE": str(stack.render / "ps752.conf"),
        "TOR_SERVICE_DIR": str(stack.folder / "tor" / "service"),
    }
    arguments = [f"--set={name}={value}" for name, value in settings.items()]
    subprocess.run([sys.executable, str(ROOT / "deploy" / "render.py"),
                    f"--out={stack.render}", *arguments], check=True, capture_output=True)


def as_unprivileged() -> list[str]:
    """nginx never runs as root here: as www-data when the test is root."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", f"--reuid={UNPRIVILEGED}", f"--regid={UNPRIVILEGED}", "--init-groups"]


def start(app: Flask, *, onion_only: bool = False, workers: int = 2, threads: int = 2,
          job_worker: bool = True, max_upload_bytes: int = 1024 * MiB + MiB,
          client_timeout: int = 4) -> Stack:
    folder = Path(tempfile.mkdtemp(prefix="ps752-deploy-"))  # outside pytest's 0700 tree
    https_port, http_port, onion_port, web_port = (free_port() for _ in range(4))
    base_url = f"http://{ONION}" if onion_only else f"https://localhost:{https_port}"
    env = {**server_environment(app), "PORTAL_BASE_URL": base_url,
           "PORTAL_HTTPS": "0" if onion_only else "1",
           "PORTAL_ONION_ONLY": "1" if onion_only else "0",
           "PORTAL_MAX_UPLOAD_BYTES": str(max_upload_bytes),
           "PORTAL_JOBS_BACKEND": "rq", "PORTAL_JOBS_REDIS_URL": REDIS_URL,
           "PORTAL_JOBS_QUEUE": "deploy-check-" + secrets.token_hex(4),
           "PS752_BIND": f"127.0.0.1:{web_port}", "PS752_WORKERS": str(workers),
           "PS752_THREADS": str(threads), "PS752_GUNICORN_LOG_LEVEL": "info"}
    nginx_limit = max_upload_bytes + 17 * MiB
    stack = Stack(folder, env, https_port, http_port, onion_port, max_upload_bytes,
                  nginx_limit, workers * threads)
    try:
        make_certificate(folder / "tls")
        stack.logs.mkdir()
        stack.temp.mkdir()
        render(stack, base_url, f"{client_timeout}s")
        if os.geteuid() == 0:
            user = pwd.getpwnam(UNPRIVILEGED)
            for path in [folder, *folder.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid)
        launch(stack, "gunicorn", [str(BIN / "gunicorn"), "-c",
                                   str(ROOT / "deploy" / "gunicorn.conf.py"), "wsgi:app"])
        if job_worker:
            launch(stack, "worker", [str(BIN / "flask"), "jobs", "worker"])
        launch(stack, "nginx", [*as_unprivileged(), "nginx", "-p", str(folder), "-c",
                                str(stack.render / "nginx.conf"), "-e",
                                str(stack.logs / "error.log"), "-g", "daemon off;"])
        wait_until_answering(stack)
    except BaseException:
        stop(stack)
        raise
    return stack


def launch(stack: Stack, name: str, command: list[str]) -> None:
    with (stack.folder / f"{name}.out").open("wb") as out:
        stack.processes[name] = subprocess.Popen(
            command, env=stack.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)


def wait_until_answering(stack: Stack) -> None:
    """/healthz through the onion listener (it answers in onion-only mode too)."""
    deadline = time.monotonic() + 60
    while True:
        for name, process in stack.processes.items():
            assert process.poll() is None, f"{name} exited:\n{stack.log_tail()}"
        try:
            connection = stack.onion(timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"no answer in 60 s:\n{stack.log_tail()}"
        time.sleep(0.2)


def stop(stack: Stack) -> None:
    for process in reversed(stack.processes.values()):
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    shutil.rmtree(stack.folder, ignore_errors=True)
