"""The portal as it really runs: a real HTTP server process, and Redis for rate limits.

These start separate processes, so the app's process-wide pieces (the rate limiter's
storage, logging) are configured exactly as in production.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from portal.logs import IP_LITERAL
from portal.setup_instance import ensure_instance_config

ROOT = Path(__file__).resolve().parent.parent
REDIS = ("127.0.0.1", 6379)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def instance(tmp_path: Path) -> dict[str, str]:
    ensure_instance_config(tmp_path)
    return {**os.environ, "PORTAL_INSTANCE_PATH": str(tmp_path), "FLASK_APP": "portal",
            "PORTAL_ARGON2_TIME_COST": "1", "PORTAL_ARGON2_MEMORY_KIB": "8192",
            "PORTAL_ARGON2_PARALLELISM": "1", "PYTHONPATH": str(ROOT)}


def flask_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flask", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


def test_development_server_logs_no_address_and_no_secret(tmp_path: Path):
    env = instance(tmp_path)
    flask_cli(env, "db", "upgrade")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        statuses = [status_of(f"http://127.0.0.1:{port}{path}")
                    for path in ("/login", "/no-such-page", "/invite/secret-token-in-the-url")]
        assert statuses == [200, 404, 404]
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert "GET /login 200" in output  # our own request log works...
    assert not IP_LITERAL.search(output), output  # ...without the client's address
    assert "secret-token-in-the-url" not in output


def test_rate_limits_live_in_redis_when_configured(tmp_path: Path):
    if not redis_answers():
        if os.environ.get("CI"):
            pytest.fail("Redis must run on CI (.ci/run starts it)")
        pytest.skip("no Redis server on 127.0.0.1:6379")
    env = {**instance(tmp_path), "PORTAL_REDIS_URL": "redis://127.0.0.1:6379/15"}
    flask_cli(env, "db", "upgrade")
    script = """
import redis
from portal import create_app
from portal.dependencies import crypto_kit
from portal.models import Role, db
from portal.services.accounts import create_user
app = create_app({"WTF_CSRF_ENABLED": False})
store = redis.Redis.from_url(app.config["REDIS_URL"])
store.flushdb()
with app.app_context():
    create_user(crypto_kit(), username="redis-probe", display_name="Probe",
                role=Role.FAMILY_MEMBER, passphrase="quiet lantern harbor pebble")
    db.session.commit()
client = app.test_client()
codes = [client.post("/login", data={"username": "redis-probe", "passphrase": "wrong"}).status_code
         for _ in range(5)]
codes.append(client.post("/login", data={"username": "redis-probe",
                                         "passphrase": "quiet lantern harbor pebble"}).status_code)
print("codes", codes)
print("storage", app.config["RATELIMIT_STORAGE_URI"])
print("keys", b" ".join(store.keys("*")).decode())
store.flushdb()
"""
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=True)
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["codes"] == "[200, 200, 200, 200, 200, 429]"
    assert lines["storage"].startswith("redis://")
    assert "LIMITER" in lines["keys"]  # the counters really are in Redis
    assert "redis-probe" not in lines["keys"]
    assert not IP_LITERAL.search(lines["keys"])
