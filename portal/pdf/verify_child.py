"""Run the offline verifier (portal/pdf/verify.py) on untrusted files in a limited child.

The files are already open descriptors (the web page keeps uploads in sealed
anonymous memory files, never on disk); the child reads them as /dev/fd/N. It is a
fresh interpreter in isolated mode (`-I -B`: no environment variables, no user site,
no bytecode written) with an empty environment, the root folder as working
directory, and limits set before the verifier loads: address space, CPU seconds, no
core dump and no file writes at all (RLIMIT_FSIZE 0, SIGXFSZ ignored so that a write
fails instead of killing it). The parent kills it after a wall-clock timeout. Only its
report lines come back; a crash, a limit or the timeout is a verdict too.

Imports nothing heavy: the verifier runs in the child only.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

VERIFY_SCRIPT = Path(__file__).with_name("verify.py")
MAX_OUTPUT_LINES = 200
UNTRUSTED_EXIT = 3  # verify.EXIT_UNTRUSTED (not imported: that would load pyHanko here)

_CHILD = """
import resource, runpy, signal, sys
memory, cpu = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
script = sys.argv[3]
sys.argv = [script, *sys.argv[4:]]
runpy.run_path(script, run_name="__main__")
"""


@dataclass(frozen=True)
class Line:
    status: str  # PASS, FAIL, NOTE or RESULT
    text: str


@dataclass
class Outcome:
    ok: bool
    lines: list[Line] = field(default_factory=list)
    problem: str = ""  # "timeout", "limits" or "crashed" when no report came back
    untrusted: bool = False  # intact, but signed by a root the check did not trust


@dataclass(frozen=True)
class Limits:
    """Of the child: DOSSIER_VERIFY_MAX_MEMORY_BYTES and _SECONDS (portal/config.py)."""

    max_memory_bytes: int
    max_seconds: int


def verify_isolated(pdf_fd: int, bundle_fd: int | None, root: Path | None,
                    limits: Limits) -> Outcome:
    """Verify the PDF (and bundle) behind the descriptors, trusting `root` if given."""
    args = [f"/dev/fd/{pdf_fd}"]
    if bundle_fd is not None:
        args.append(f"/dev/fd/{bundle_fd}")
    if root is not None:
        args += ["--trust", str(root)]
    fds = tuple(fd for fd in (pdf_fd, bundle_fd) if fd is not None)
    command = [sys.executable, "-I", "-B", "-c", _CHILD, str(limits.max_memory_bytes),
               str(limits.max_seconds), str(VERIFY_SCRIPT), *args]
    try:
        ran = subprocess.run(  # noqa: S603 - our interpreter, our verifier, no shell
            command, pass_fds=fds, capture_output=True, cwd="/",
            env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"},
            timeout=limits.max_seconds + 10, check=False)
    except subprocess.TimeoutExpired:
        return Outcome(False, problem="timeout")
    lines = parse_report(ran.stdout.decode("utf-8", "replace"))
    if not any(line.status == "RESULT" for line in lines):
        return Outcome(False, problem="limits" if ran.returncode < 0 else "crashed")
    return Outcome(ran.returncode == 0 and all(
        line.status != "FAIL" for line in lines), lines,
        untrusted=ran.returncode == UNTRUSTED_EXIT)


def parse_report(text: str) -> list[Line]:
    lines = []
    for raw in text.splitlines()[:MAX_OUTPUT_LINES]:
        if raw.startswith("RESULT:"):
            lines.append(Line("RESULT", raw.removeprefix("RESULT:").strip()))
        elif raw[:4] in ("PASS", "FAIL", "NOTE"):
            lines.append(Line(raw[:4], raw[4:].strip()))
    return lines
