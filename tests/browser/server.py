"""The portal served by a real `flask run` process on loopback, for the browser tests.

It shares the test app's database and instance folder (and so its keys), so that data
the tests build with the factories is what the browser sees, and the suite's cleanup
after each test empties what the server wrote.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[2]
EXIT_PAGE = "<!doctype html><title>Weather</title><h1>Toronto: light snow</h1>"


class NeutralSite(BaseHTTPRequestHandler):
    """Where quick exit leads. /exit reaches it by a redirect, which Playwright's routes
    do not see, so it is a real site on loopback (another host name than the portal's,
    so no cookie is shared), answering every GET with the same page."""

    def do_GET(self) -> None:
        body = EXIT_PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        del format, args  # quiet: its requests are not the portal's


_NEUTRAL_SITE = ThreadingHTTPServer(("127.0.0.1", 0), NeutralSite)
# The neutral site of quick exit, the one origin beside ours that our pages lead to.
QUICK_EXIT_URL = f"http://localhost:{_NEUTRAL_SITE.server_port}/today?city=toronto"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(app: Flask) -> dict[str, str]:
    """PORTAL_* variables that give the server the test app's database, folder and keys."""
    cfg = app.config
    return {
        **os.environ, "FLASK_APP": "portal", "PYTHONPATH": str(ROOT),
        "PORTAL_INSTANCE_PATH": app.instance_path,
        "PORTAL_DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"],
        "PORTAL_SECRET_KEY": cfg["SECRET_KEY"], "PORTAL_MASTER_KEY": cfg["MASTER_KEY"],
        "PORTAL_INDEX_KEY": cfg["INDEX_KEY"], "PORTAL_ENV": "testing",
        "PORTAL_ARGON2_TIME_COST": "1", "PORTAL_ARGON2_MEMORY_KIB": "8192",
        "PORTAL_ARGON2_PARALLELISM": "1", "PORTAL_QUICK_EXIT_URL": QUICK_EXIT_URL,
        "PORTAL_LOG_LEVEL": "INFO",
    }


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def start_server(app: Flask, log_path: Path) -> LiveServer:
    threading.Thread(target=_NEUTRAL_SITE.serve_forever, daemon=True).start()
    port = free_port()
    with log_path.open("wb") as log:  # a file, not a pipe: a full pipe would stall the server
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port", str(port),
             "--no-reload", "--no-debugger"],
            env=server_environment(app), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the portal server exited at start:\n{server.output()}")
        try:
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=1):  # noqa: S310
                return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    stop_server(server)
    raise RuntimeError(f"the portal server did not answer in 30 s:\n{server.output()}")


def stop_server(server: LiveServer) -> None:
    _NEUTRAL_SITE.shutdown()
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)
