"""Uploaded files kept in anonymous memory, never on disk: for endpoints that only
read a file and forget it (checking an exported dossier), unlike evidence, which is
encrypted into the vault as it arrives (decision 0007).

Each file part goes into its own `memfd` (an anonymous file in RAM: no name in any
file system, gone when its descriptor closes). The request's parts share one byte
limit, checked as every chunk arrives, so a large body is refused before it fills
memory. The endpoint lists itself in `MEMORY_UPLOAD_LIMITS` (config key of its limit),
and `portal.web.uploads.PortalRequest` hands its parts here; every other endpoint
still refuses files. The parts are closed when the request ends.
"""

from __future__ import annotations

import fcntl
import os
from typing import IO

from flask import current_app, g
from werkzeug.exceptions import RequestEntityTooLarge

# endpoint -> the configuration key of the most bytes its files may hold together
MEMORY_UPLOAD_LIMITS = {"dossiers.verify": "DOSSIER_VERIFY_MAX_UPLOAD_BYTES"}
SEALS = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE


class MemoryPart:
    """The file object Werkzeug writes one part into."""

    def __init__(self, name: str, limit: int) -> None:
        fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        self.file: IO[bytes] = os.fdopen(fd, "w+b")
        self.limit = limit

    def write(self, data: bytes) -> int:
        used = int(g.get("memory_upload_bytes", 0)) + len(data)
        if used > self.limit:
            raise RequestEntityTooLarge()
        g.memory_upload_bytes = used
        return self.file.write(data)

    def read(self, size: int = -1) -> bytes:
        return self.file.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        return self.file.tell()

    def flush(self) -> None:
        self.file.flush()

    def fileno(self) -> int:
        return self.file.fileno()

    def size(self) -> int:
        self.file.flush()
        return os.fstat(self.file.fileno()).st_size

    def seal(self) -> int:
        """No more writes, growth or shrinking (for a reader in a child process);
        returns the descriptor."""
        self.file.flush()
        fcntl.fcntl(self.file.fileno(), fcntl.F_ADD_SEALS, SEALS)
        return self.file.fileno()

    def close(self) -> None:
        """Werkzeug closes the part when the request ends; `close_memory_parts` too."""

    def discard(self) -> None:
        if not self.file.closed:
            self.file.close()


def memory_upload_limit(endpoint: str) -> int:
    return int(current_app.config[MEMORY_UPLOAD_LIMITS[endpoint]])


def memory_part(endpoint: str) -> MemoryPart:
    """A new part for a request to `endpoint` (one of MEMORY_UPLOAD_LIMITS)."""
    limit = memory_upload_limit(endpoint)
    part = MemoryPart("ps752-upload", limit)
    g.setdefault("memory_parts", []).append(part)
    return part


def memory_parts_of_request() -> list[MemoryPart]:
    parts: list[MemoryPart] = g.get("memory_parts", [])
    return parts


def close_memory_parts(_error: BaseException | None = None) -> None:
    for part in g.pop("memory_parts", []):
        part.discard()
