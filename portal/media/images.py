"""Metadata and clean derivatives of an uploaded image, decoded in a limited child process.

`analyse_image` hands the plaintext bytes to portal/media/image_worker.py through a
pipe and reads back the metadata as found (EXIF with GPS, XMP, format, size) and two
re-encoded derivatives without any metadata: a thumbnail (at most 320 px) and a viewing
copy (at most 2048 px), upright.

Security assumptions:
- The image is hostile. It is decoded only in the child, which limits its own address
  space, CPU time and file writes before reading a byte (see image_worker); this
  process adds a wall-clock deadline and kills the child when it passes.
- Plaintext never touches the disk: bytes go through pipes, never temporary files.
- The child's output is untrusted beyond its framing: it is read up to
  `MAX_OUTPUT_BYTES`, the header must be a JSON object of the expected shape, the
  lengths must add up exactly and each payload must start like the type it claims.
- The child runs as ``python -I -B <file>``: no PYTHON* variables, no user site, no
  current directory on its path, so it imports nothing from the portal (not Flask,
  not the app) and nothing planted beside it. Limits are set in the child rather than
  in ``preexec_fn``, which can deadlock a threaded server between fork and exec.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

__all__ = [
    "DEFAULT_LIMITS",
    "MAX_INPUT_BYTES",
    "MAX_OUTPUT_BYTES",
    "ImageProblem",
    "ImageResult",
    "WorkerLimits",
    "analyse_image",
]

MiB = 1024 * 1024
MAX_INPUT_BYTES = 128 * MiB
MAX_OUTPUT_BYTES = 32 * MiB
MAX_HEADER_BYTES = 1 * MiB
WORKER_PATH = Path(__file__).with_name("image_worker.py")

# Kept in step with image_worker (which cannot import this package); a test checks.
EXIT_OK = 0
EXIT_UNDECODABLE = 2
EXIT_TOO_LARGE = 3
EXIT_OUT_OF_MEMORY = 4

_LENGTH_PREFIX = struct.Struct(">Q")
_MAGIC_NUMBERS = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
_LIMIT_SIGNALS = frozenset({signal.SIGXCPU, signal.SIGKILL})
_WORKER_ENV = {"LC_ALL": "C.UTF-8", "MALLOC_ARENA_MAX": "2"}
_PIPE_CHUNK = 64 * 1024


class ImageProblem(StrEnum):
    """Why an image has no derivatives."""

    TOO_LARGE = "too_large"  # too many pixels (a bomb) or too many bytes
    UNDECODABLE = "undecodable"  # corrupt, truncated, or not a previewable image
    TIMEOUT = "timeout"  # the wall-clock deadline passed
    LIMIT = "limit"  # the child ran out of memory or CPU time
    CRASHED = "crashed"  # the child died of another signal (a decoder fault)
    WORKER_ERROR = "worker_error"  # the child broke the protocol


@dataclass(frozen=True)
class WorkerLimits:
    """Resource limits of one decoding child."""

    max_memory_bytes: int = 512 * MiB
    max_cpu_seconds: int = 20


DEFAULT_LIMITS = WorkerLimits()


@dataclass(frozen=True)
class ImageResult:
    """What the worker found. ``metadata`` is JSON-safe and describes the original."""

    ok: bool
    problem: str | None = None
    metadata: dict[str, object] = field(default_factory=dict)
    thumbnail: bytes | None = None
    viewing_copy: bytes | None = None
    thumbnail_type: str = ""
    viewing_type: str = ""


class _ProtocolError(Exception):
    """The child's output is not what the protocol allows."""


@dataclass(frozen=True)
class _Outcome:
    returncode: int | None  # None: killed at the deadline or for too much output
    stdout: bytes
    problem: ImageProblem | None = None


def analyse_image(
    data: bytes, *, timeout_s: float = 30, limits: WorkerLimits = DEFAULT_LIMITS
) -> ImageResult:
    """Decode ``data`` (a whole image, plaintext) in a limited child process.

    Never raises for the content of ``data``: every failure is an ``ok=False`` result
    whose ``problem`` is an `ImageProblem`. Raises OSError only if the child cannot be
    started at all.
    """
    if not data:
        return _failed(ImageProblem.UNDECODABLE)
    if len(data) > MAX_INPUT_BYTES:
        return _failed(ImageProblem.TOO_LARGE)
    outcome = _run_worker(_worker_argv(limits), data, timeout_s)
    if outcome.problem is not None:
        return _failed(outcome.problem)
    if outcome.returncode != EXIT_OK:
        return _failed(_problem_for_exit(outcome.returncode))
    try:
        return _parse_output(outcome.stdout)
    except _ProtocolError:
        return _failed(ImageProblem.WORKER_ERROR)


def _failed(problem: ImageProblem) -> ImageResult:
    return ImageResult(ok=False, problem=problem)


def _worker_argv(limits: WorkerLimits) -> list[str]:
    return [
        sys.executable, "-I", "-B", str(WORKER_PATH),
        str(limits.max_memory_bytes), str(limits.max_cpu_seconds),
    ]


def _problem_for_exit(returncode: int | None) -> ImageProblem:
    if returncode == EXIT_UNDECODABLE:
        return ImageProblem.UNDECODABLE
    if returncode == EXIT_TOO_LARGE:
        return ImageProblem.TOO_LARGE
    if returncode == EXIT_OUT_OF_MEMORY:
        return ImageProblem.LIMIT
    if returncode is not None and returncode < 0:
        limited = -returncode in _LIMIT_SIGNALS
        return ImageProblem.LIMIT if limited else ImageProblem.CRASHED
    return ImageProblem.WORKER_ERROR


def _run_worker(argv: list[str], data: bytes, timeout_s: float) -> _Outcome:
    """Feed ``data`` to the child and collect at most `MAX_OUTPUT_BYTES` before the deadline."""
    deadline = time.monotonic() + timeout_s
    with subprocess.Popen(  # noqa: S603 - our own interpreter and worker, no shell
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env=_WORKER_ENV, cwd="/", close_fds=True,
    ) as child:
        try:
            stdout, problem = _exchange(child, data, deadline)
            if problem is None:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            stdout, problem = b"", ImageProblem.TIMEOUT
        finally:
            if child.poll() is None:
                child.kill()
            child.wait()
    return _Outcome(child.returncode if problem is None else None, stdout, problem)


def _exchange(
    child: subprocess.Popen[bytes], data: bytes, deadline: float
) -> tuple[bytes, ImageProblem | None]:
    """Write stdin and read stdout without blocking on either, until stdout closes."""
    assert child.stdin is not None
    assert child.stdout is not None
    pending = memoryview(data)
    chunks: list[bytes] = []
    received = 0
    with selectors.DefaultSelector() as selector:
        os.set_blocking(child.stdin.fileno(), False)
        selector.register(child.stdin, selectors.EVENT_WRITE)
        selector.register(child.stdout, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return b"", ImageProblem.TIMEOUT
            for key, _ in selector.select(remaining):
                if key.fileobj is child.stdin:
                    pending = _feed(selector, child, pending)
                    continue
                chunk = os.read(child.stdout.fileno(), _PIPE_CHUNK)
                if not chunk:
                    selector.unregister(child.stdout)
                    continue
                received += len(chunk)
                if received > MAX_OUTPUT_BYTES:
                    return b"", ImageProblem.WORKER_ERROR
                chunks.append(chunk)
    return b"".join(chunks), None


def _feed(
    selector: selectors.BaseSelector, child: subprocess.Popen[bytes], pending: memoryview
) -> memoryview:
    """Write the next chunk of stdin; close it when all is written or the child left."""
    assert child.stdin is not None
    try:
        pending = pending[os.write(child.stdin.fileno(), pending[:_PIPE_CHUNK]):]
    except BrokenPipeError:
        pending = pending[:0]  # the child stopped reading (a bomb refused early)
    if not pending:
        selector.unregister(child.stdin)
        child.stdin.close()
    return pending


def _parse_output(stdout: bytes) -> ImageResult:
    """Check the child's output against the protocol; raises _ProtocolError."""
    newline = stdout.find(b"\n", 0, MAX_HEADER_BYTES + 1)
    if newline < 0:
        raise _ProtocolError
    header = _parse_header(stdout[:newline])
    payloads = _split_payloads(memoryview(stdout)[newline + 1:])
    thumbnail_type, viewing_type = header["thumbnail_type"], header["viewing_type"]
    thumbnail, viewing_copy = payloads
    for media_type, payload in ((thumbnail_type, thumbnail), (viewing_type, viewing_copy)):
        if not isinstance(media_type, str) or media_type not in _MAGIC_NUMBERS:
            raise _ProtocolError
        if not payload.startswith(_MAGIC_NUMBERS[media_type]):
            raise _ProtocolError
    metadata = header["metadata"]
    assert isinstance(metadata, dict)
    return ImageResult(
        ok=True, metadata=metadata, thumbnail=thumbnail, viewing_copy=viewing_copy,
        thumbnail_type=str(thumbnail_type), viewing_type=str(viewing_type),
    )


def _reject_constant(name: str) -> object:
    raise _ProtocolError(name)  # NaN and Infinity are not JSON


def _parse_header(line: bytes) -> dict[str, object]:
    try:
        header = json.loads(line, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise _ProtocolError from error
    if not isinstance(header, dict) or not isinstance(header.get("metadata"), dict):
        raise _ProtocolError
    if not {"thumbnail_type", "viewing_type"} <= header.keys():
        raise _ProtocolError
    return header


def _split_payloads(rest: memoryview) -> tuple[bytes, bytes]:
    """Two length-prefixed payloads that must account for every remaining byte."""
    payloads: list[bytes] = []
    offset = 0
    for _ in range(2):
        if len(rest) - offset < _LENGTH_PREFIX.size:
            raise _ProtocolError
        (length,) = _LENGTH_PREFIX.unpack_from(rest, offset)
        offset += _LENGTH_PREFIX.size
        if length == 0 or length > len(rest) - offset:
            raise _ProtocolError
        payloads.append(bytes(rest[offset:offset + length]))
        offset += length
    if offset != len(rest):
        raise _ProtocolError
    return payloads[0], payloads[1]
