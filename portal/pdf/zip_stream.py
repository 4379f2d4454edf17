"""Reading a zip from its bytes as they are written, front to back, without seeking.

The evidence bundle is zipped straight into its encrypted blob, so its plaintext can
be read only on the way there: the leak scan (portal/pdf/leak_scan.py) reads it
with this reader while the bytes pass. It understands what `zipfile` writes to a
stream it cannot seek (portal/pdf/bundle.py): local headers followed by the data
and a data descriptor, deflated entries (the deflate stream says where it ends) or
stored ones of known size, ZIP64 sizes, then the central directory and its end
records. Anything else (an encrypted entry, a stored entry of unknown size, bytes
that are not a zip) raises ZipStreamError: a scan that cannot read to the end fails.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

LOCAL = b"PK\x03\x04"
CENTRAL = b"PK\x01\x02"
DESCRIPTOR = b"PK\x07\x08"
END_RECORDS = (b"PK\x05\x06", b"PK\x06\x06")  # an archive without entries starts with these
_LOCAL_HEADER = struct.Struct("<4sHHHHHLLLHH")  # 30 bytes, then name and extra field
_CENTRAL_FIXED = 46
_ZIP64_EXTRA = 0x0001
_ENCRYPTED = 0x0001
_DATA_DESCRIPTOR = 0x0008
_UTF8_NAME = 0x0800
_STORED, _DEFLATED = 0, 8
MAX_DIRECTORY_BYTES = 64 << 20


class ZipStreamError(Exception):
    """The bytes are not a zip this reader can follow to the end."""


Part = Callable[[str, bytes], None]
"""Called with an entry's name and a text of it: its name, its content, a comment."""


@dataclass
class _Entry:
    name: str
    flags: int
    method: int
    remaining: int  # stored entries: bytes of content still to come
    zip64: bool
    keep: bool  # False: the content is read past, never handed out
    content: bytearray


class ZipStreamReader:
    """Feed the zip's bytes in order (`feed`), then `finish`. `on_part(name, text)`
    receives every entry's name, the content of every entry `skip_content` does not
    exclude (each at most `max_entry_bytes`), and every comment of the archive."""

    def __init__(self, on_part: Part, skip_content: Callable[[str], bool],
                 max_entry_bytes: int = 256 << 20) -> None:
        self._on_part = on_part
        self._skip = skip_content
        self._max_entry = max_entry_bytes
        self._buffer = bytearray()
        self._entry: _Entry | None = None
        self._inflater: zlib._Decompress | None = None
        self._state = "header"

    def feed(self, data: bytes) -> None:
        """Read `data`, the next bytes of the zip. Raises ZipStreamError."""
        self._buffer += data
        if self._state == "directory":
            if len(self._buffer) > MAX_DIRECTORY_BYTES:
                raise ZipStreamError("central directory too large")
            return
        while self._step():
            pass

    def finish(self) -> None:
        """The zip ended: read its central directory. Raises ZipStreamError if the
        bytes stopped anywhere else."""
        if self._state != "directory":
            raise ZipStreamError("the zip ends inside an entry")
        _read_directory(bytes(self._buffer), self._on_part)

    def _step(self) -> bool:
        if self._state == "header":
            return self._header()
        if self._state == "data":
            return self._data()
        return self._descriptor() if self._state == "descriptor" else False

    def _header(self) -> bool:
        signature = bytes(self._buffer[:4])
        if len(signature) < 4:
            return False
        if signature == CENTRAL or signature in END_RECORDS:
            self._state = "directory"
            return False
        if signature != LOCAL:
            raise ZipStreamError("not a local file header")
        if len(self._buffer) < _LOCAL_HEADER.size:
            return False
        (_, _, flags, method, _, _, _, compressed, _, name_length,
         extra_length) = _LOCAL_HEADER.unpack_from(self._buffer)
        end = _LOCAL_HEADER.size + name_length + extra_length
        if len(self._buffer) < end:
            return False
        raw_name = bytes(self._buffer[_LOCAL_HEADER.size:_LOCAL_HEADER.size + name_length])
        extra = bytes(self._buffer[_LOCAL_HEADER.size + name_length:end])
        del self._buffer[:end]
        name = raw_name.decode("utf-8" if flags & _UTF8_NAME else "cp437", "replace")
        self._start_entry(name, flags, method, compressed, extra)
        return True

    def _start_entry(self, name: str, flags: int, method: int, compressed: int,
                     extra: bytes) -> None:
        zip64_sizes = _zip64_sizes(extra)
        if flags & _ENCRYPTED:
            raise ZipStreamError("encrypted entry")
        if method == _DEFLATED:
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        elif method != _STORED or flags & _DATA_DESCRIPTOR:
            raise ZipStreamError("entry of unknown length")
        if zip64_sizes is not None and compressed == 0xFFFFFFFF:
            compressed = zip64_sizes[1]
        self._on_part(name, name.encode("utf-8"))
        self._entry = _Entry(name, flags, method, compressed, zip64_sizes is not None,
                             not self._skip(name), bytearray())
        self._state = "data"

    def _data(self) -> bool:
        entry = self._entry
        assert entry is not None
        if entry.method == _STORED:
            taken = bytes(self._buffer[:entry.remaining])
            del self._buffer[:len(taken)]
            entry.remaining -= len(taken)
            self._collect(entry, taken)
            if entry.remaining:
                return False
        else:
            assert self._inflater is not None
            if not self._buffer:
                return False
            self._collect(entry, self._inflater.decompress(bytes(self._buffer)))
            self._buffer = bytearray(self._inflater.unused_data)
            if not self._inflater.eof:
                return False
        if entry.flags & _DATA_DESCRIPTOR:
            self._state = "descriptor"
        else:
            self._end_entry(entry)
        return True

    def _descriptor(self) -> bool:
        entry = self._entry
        assert entry is not None
        if len(self._buffer) < 4:
            return False
        signed = bytes(self._buffer[:4]) == DESCRIPTOR
        length = (4 if signed else 0) + 4 + (16 if entry.zip64 else 8)
        if len(self._buffer) < length:
            return False
        del self._buffer[:length]
        self._end_entry(entry)
        return True

    def _collect(self, entry: _Entry, data: bytes) -> None:
        if not entry.keep:
            return
        entry.content += data
        if len(entry.content) > self._max_entry:
            raise ZipStreamError("entry too large to read")

    def _end_entry(self, entry: _Entry) -> None:
        if entry.keep:
            self._on_part(entry.name, bytes(entry.content))
        self._entry, self._inflater, self._state = None, None, "header"


def _zip64_sizes(extra: bytes) -> tuple[int, int] | None:
    """(uncompressed, compressed) from a ZIP64 extra field, or None without one."""
    position = 0
    while position + 4 <= len(extra):
        header, size = struct.unpack_from("<HH", extra, position)
        if header == _ZIP64_EXTRA:
            body = extra[position + 4:position + 4 + size]
            sizes = struct.unpack_from(f"<{len(body) // 8}Q", body) if len(body) >= 8 else ()
            return (sizes[0] if sizes else 0, sizes[1] if len(sizes) > 1 else 0)
        position += 4 + size
    return None


def _read_directory(tail: bytes, on_part: Part) -> None:
    """The names and comments of the central directory, and the archive's comment."""
    position = 0
    while position < len(tail):
        signature = tail[position:position + 4]
        if signature == CENTRAL and position + _CENTRAL_FIXED <= len(tail):
            flags = struct.unpack_from("<H", tail, position + 8)[0]
            name_length, extra_length, comment_length = struct.unpack_from(
                "<HHH", tail, position + 28)
            start = position + _CENTRAL_FIXED
            name = tail[start:start + name_length].decode(
                "utf-8" if flags & _UTF8_NAME else "cp437", "replace")
            on_part(name, name.encode("utf-8"))
            comment_start = start + name_length + extra_length
            if comment_length:
                on_part(name, tail[comment_start:comment_start + comment_length])
            position = comment_start + comment_length
        elif signature == b"PK\x06\x06" and position + 12 <= len(tail):
            position += 12 + struct.unpack_from("<Q", tail, position + 4)[0]
        elif signature == b"PK\x06\x07":
            position += 20
        elif signature == b"PK\x05\x06" and position + 22 <= len(tail):
            comment_length = struct.unpack_from("<H", tail, position + 20)[0]
            if comment_length:
                on_part("", tail[position + 22:position + 22 + comment_length])
            position += 22 + comment_length
        else:
            raise ZipStreamError("unreadable central directory")
