"""One line that says what a measurement ran on (standard library only)."""

from __future__ import annotations

import os
import platform
import subprocess


def describe_machine() -> str:
    kib = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal"):
                kib = int(line.split()[1])
    model = "?"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    server = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc",  # noqa: S607
                             "SHOW server_version"], capture_output=True, text=True,
                            check=False).stdout.strip()
    return (f"{os.cpu_count()} logical CPUs ({model}, {platform.machine()}), "
            f"{kib / 2**20:.1f} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, PostgreSQL {server or '?'}")
