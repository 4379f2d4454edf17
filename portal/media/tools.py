"""Run one external decoder on untrusted plaintext, limited, without touching the disk.

The plaintext is written into an anonymous memory file (``memfd_create``), sealed
against any change, and handed to the child as ``/proc/self/fd/N``: seekable, which
MP4 files with their index (moov atom) at the end need (measured: ffprobe on a pipe
fails with "partial file"; PDFs need seeking too), and never a file on a disk. The
memory file holds the whole input, so inputs are capped at `MAX_MEDIA_INPUT_BYTES`
(512 MiB of RAM per job); larger files are kept and flagged, not previewed.

The child is portal/media/tool_sandbox.py, which limits itself (memory, CPU, no
file writes, no core, no new privileges, no network where namespaces allow) and then
execs the tool. This process adds a wall-clock deadline and caps the output read.
"""

from __future__ import annotations

import fcntl
import os
import selectors
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

MiB = 1024 * 1024
MAX_MEDIA_INPUT_BYTES = 512 * MiB
MAX_TOOL_OUTPUT_BYTES = 16 * MiB
SANDBOX_PATH = Path(__file__).with_name("tool_sandbox.py")
INPUT = "{input}"  # replaced by the memory file's path in a tool's arguments
_ENV = {"LC_ALL": "C.UTF-8", "MALLOC_ARENA_MAX": "2", "PATH": "/usr/bin:/bin"}
_SEALS = fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SEAL


@dataclass(frozen=True)
class ToolLimits:
    max_memory_bytes: int = 768 * MiB
    max_cpu_seconds: int = 30
    timeout_s: float = 60


DEFAULT_TOOL_LIMITS = ToolLimits()


@dataclass(frozen=True)
class ToolOutcome:
    """`returncode` None: killed (deadline or too much output); see `timed_out`."""

    returncode: int | None
    stdout: bytes
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out


class InputTooLarge(Exception):
    """The plaintext is above MAX_MEDIA_INPUT_BYTES."""


class MemoryInput:
    """Sealed anonymous memory holding one plaintext; close it when done."""

    def __init__(self, chunks: Iterable[bytes], max_bytes: int = MAX_MEDIA_INPUT_BYTES) -> None:
        self.fd = os.memfd_create("evidence", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        try:
            self._fill(chunks, max_bytes)
            fcntl.fcntl(self.fd, fcntl.F_ADD_SEALS, _SEALS)  # the tools cannot alter it
        except BaseException:
            os.close(self.fd)
            raise

    def _fill(self, chunks: Iterable[bytes], max_bytes: int) -> None:
        written = 0
        for chunk in chunks:
            written += len(chunk)
            if written > max_bytes:
                raise InputTooLarge
            view = memoryview(chunk)
            while view:
                view = view[os.write(self.fd, view):]

    @property
    def path(self) -> str:
        return f"/proc/self/fd/{self.fd}"

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> MemoryInput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_tool(tool: str, args: Sequence[str], source: MemoryInput,
             limits: ToolLimits = DEFAULT_TOOL_LIMITS) -> ToolOutcome:
    """Run `tool` on `source` (its path replaces "{input}" within `args`) in the sandbox.

    Never raises for what the input contains; raises OSError if the child cannot start.
    """
    argv = [sys.executable, "-I", "-B", str(SANDBOX_PATH), str(limits.max_memory_bytes),
            str(limits.max_cpu_seconds), tool,
            *(arg.replace(INPUT, source.path) for arg in args)]
    deadline = time.monotonic() + limits.timeout_s
    with subprocess.Popen(  # noqa: S603 - our interpreter, our launcher, a fixed tool
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env=_ENV, cwd="/", close_fds=True, pass_fds=(source.fd,),
    ) as child:
        try:
            stdout = _read_until(child, deadline)
            if stdout is not None:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            stdout = None
        finally:
            if child.poll() is None:
                child.kill()
            child.wait()
    if stdout is None:
        return ToolOutcome(None, b"", timed_out=True)
    return ToolOutcome(child.returncode, stdout)


def _read_until(child: subprocess.Popen[bytes], deadline: float) -> bytes | None:
    """Stdout until it closes; None at the deadline or past MAX_TOOL_OUTPUT_BYTES."""
    assert child.stdout is not None
    chunks: list[bytes] = []
    received = 0
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                return None
            chunk = os.read(child.stdout.fileno(), 64 * 1024)
            if not chunk:
                return b"".join(chunks)
            received += len(chunk)
            if received > MAX_TOOL_OUTPUT_BYTES:
                return None
            chunks.append(chunk)
