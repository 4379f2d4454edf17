"""Launcher that limits itself, then becomes one decoding tool (ffprobe, ffmpeg,
pdfinfo, pdftoppm). Run only by portal.media.tools, as
``python -I -B tool_sandbox.py MAX_MEMORY_BYTES MAX_CPU_SECONDS TOOL [ARGS...]``.

Before exec it sets what image_worker sets (address space, CPU time, no file writes,
no core dumps, not dumpable), forbids gaining privileges, and tries to leave the
network: a new user and network namespace has no interface but a downed loopback.
Where namespaces are not allowed the tools still get no network from us: ffmpeg is
given only the `file` protocol and a short list of demuxers, poppler has none.
Standard library only: never Flask, the app or its configuration.
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys

_PR_SET_DUMPABLE = 4
_PR_SET_NO_NEW_PRIVS = 38
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
EXIT_USAGE = 64


def apply_limits(max_memory_bytes: int, max_cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_AS, (max_memory_bytes, max_memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (max_cpu_seconds, max_cpu_seconds + 1))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET)  # best effort, see the docstring


def main(argv: list[str]) -> int:
    if len(argv) < 4 or not argv[1].isdigit() or not argv[2].isdigit():
        return EXIT_USAGE
    apply_limits(int(argv[1]), int(argv[2]))
    os.execv(argv[3], argv[3:])  # noqa: S606 - a fixed tool path chosen by portal.media.tools


if __name__ == "__main__":
    sys.exit(main(sys.argv))
