"""Reading one member of an untrusted zip in memory, never to disk.

A zip can lie about everything: its member count, the sizes it declares, the names
(``../../etc/passwd``, ``/abs``, ``C:\\x``). Nothing is extracted: a member is read into
memory up to its limit, plus one byte to catch a lying header. A zip holding any
unsafe name is refused whole: an export the phone made never has one.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable
from typing import TypeVar

from .limits import ChatLimits, ExportRefused

T = TypeVar("T")
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,
               RuntimeError, ValueError, OSError)


def is_zip(head: bytes) -> bool:
    return head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def safe_name(name: str) -> bool:
    """False for absolute paths, drive letters, parent references, NUL, control chars."""
    parts = name.replace("\\", "/").split("/")
    return not (
        name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":")
        or ".." in parts or any(ord(c) < 32 for c in name)
    )


def open_zip(data: bytes, limits: ChatLimits) -> zipfile.ZipFile:
    """The zip, checked as a whole (member count, declared total size, every name)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except _ZIP_ERRORS as error:
        raise ExportRefused("damaged_zip") from error
    if len(members) > limits.max_members:
        raise ExportRefused("too_many_members")
    if sum(m.file_size for m in members) > limits.max_total_uncompressed:
        raise ExportRefused("zip_bomb")
    if not all(safe_name(m.filename) for m in members):
        raise ExportRefused("unsafe_names")
    return archive


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, max_bytes: int,
                limits: ChatLimits) -> bytes:
    """One member's bytes, at most `max_bytes` whatever its header claims."""
    if info.flag_bits & 0x1:
        raise ExportRefused("encrypted")
    if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(
            info.compress_size, 1):
        raise ExportRefused("zip_bomb")
    if info.file_size > max_bytes:
        raise ExportRefused("too_large")
    return guarded(lambda: _bounded_read(archive, info, max_bytes))


def _bounded_read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, max_bytes: int) -> bytes:
    with archive.open(info) as member:
        payload = member.read(max_bytes + 1)
    if len(payload) > max_bytes:
        raise ExportRefused("zip_bomb")  # it said it was smaller
    return payload


def guarded(action: Callable[[], T]) -> T:
    """Run `action`; whatever a damaged zip raises becomes ExportRefused("damaged_zip")."""
    try:
        return action()
    except ExportRefused:
        raise
    except _ZIP_ERRORS as error:
        raise ExportRefused("damaged_zip") from error
