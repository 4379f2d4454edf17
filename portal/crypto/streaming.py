"""Streaming authenticated encryption of files (evidence), with one data key per file.

Each file gets a fresh Tink keyset holding one ``AES256_GCM_HKDF_1MB`` streaming-AEAD
key: AES-256-GCM over 1 MiB segments, a per-file HKDF-SHA256 derived key with a
random salt, and per-segment nonces carrying the segment number and a last-segment
flag, so segments cannot be truncated, dropped, reordered or swapped without
decryption failing. The keyset is wrapped by the master key with
:class:`~portal.crypto.envelope.EnvelopeCipher` (``FileKey.wrap``); the wrapped bytes
name the master key id, and callers store ``cipher.key_id_of(wrapped)`` next to the
wrapped key ("the key id recorded") so rotations can find what to re-wrap.

Typical use (the blob key is known before writing, so it can bind the ciphertext)::

    key = FileKey.generate()
    with store.begin() as pending:
        writer = key.encrypting_writer(pending.file, pending.key.encode())
        ...write plaintext chunks...; writer.close()
        wrapped = key.wrap(cipher, f"evidence:{pending.key}")
        pending.commit()          # then insert the row with wrapped + key id

Security assumptions: plaintext only passes through memory, a segment at a time; it
is never written anywhere but into the encryptor. A decrypting reader releases each
segment once that segment is authenticated, before the end of the file has been
seen: a consumer must treat the whole read as failed when
:class:`StreamIntegrityError` is raised at any point, and trust ``sha256_hex`` only
once ``complete`` is true. Keys and plaintext never appear in logs, reprs or errors.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from functools import cache
from types import TracebackType
from typing import Any, BinaryIO, cast

import tink
from tink import secret_key_access, streaming_aead

from portal.crypto.envelope import DecryptionError, EnvelopeCipher

__all__ = [
    "CHUNK_BYTES",
    "DecryptingReader",
    "EncryptingWriter",
    "FileKey",
    "StreamIntegrityError",
]

CHUNK_BYTES = 1024 * 1024
"""Default read size of :meth:`DecryptingReader.iter_chunks` (one segment's worth)."""

_KEY_TYPE_URL = "type.googleapis.com/google.crypto.tink.AesGcmHkdfStreamingKey"


class StreamIntegrityError(Exception):
    """Ciphertext failed authentication: altered, truncated, reordered, or the wrong
    key or associated data. Plaintext already returned must be discarded."""


@cache
def _register_tink() -> None:
    streaming_aead.register()


class FileKey:
    """A per-file streaming-AEAD data key (a one-key Tink keyset). ``repr`` hides it."""

    __slots__ = ("_handle", "_primitive")

    def __init__(self, handle: Any) -> None:
        """Wrap a Tink ``KeysetHandle``; use :meth:`generate` or :meth:`unwrap` instead.

        Raises:
            ValueError: if the keyset is not exactly one AES-GCM-HKDF streaming key.
        """
        _register_tink()
        info = handle.keyset_info()
        if len(info.key_info) != 1 or info.key_info[0].type_url != _KEY_TYPE_URL:
            raise ValueError("a file key must be exactly one AES-GCM-HKDF streaming key")
        self._handle = handle
        self._primitive = handle.primitive(streaming_aead.StreamingAead)

    @classmethod
    def generate(cls) -> FileKey:
        """A fresh random key (Tink ``AES256_GCM_HKDF_1MB``) for one file only."""
        _register_tink()
        template = streaming_aead.streaming_aead_key_templates.AES256_GCM_HKDF_1MB
        return cls(tink.new_keyset_handle(template))

    def wrap(self, cipher: EnvelopeCipher, context: str) -> bytes:
        """The keyset sealed under the cipher's active master key, bound to ``context``.

        ``context`` should name where the wrapped key is stored (e.g.
        ``"evidence:<blob key>"``) so that it cannot be moved to another item. Store
        ``cipher.key_id_of(wrapped)`` beside it: it names the master key used.

        Raises:
            ValueError: if ``context`` is empty.
        """
        serialized = tink.proto_keyset_format.serialize(self._handle, secret_key_access.TOKEN)
        return cipher.seal(cast(bytes, serialized), context)

    @classmethod
    def unwrap(cls, cipher: EnvelopeCipher, wrapped: bytes, context: str) -> FileKey:
        """Open a key produced by :meth:`wrap` with the same ``context``.

        Raises:
            DecryptionError: if ``wrapped`` was altered, truncated, sealed under an
                unknown master key or another ``context``, or holds no valid keyset.
        """
        serialized = cipher.open(wrapped, context)
        _register_tink()
        try:
            handle = tink.proto_keyset_format.parse(serialized, secret_key_access.TOKEN)
            return cls(handle)
        except (tink.TinkError, ValueError) as exc:
            raise DecryptionError("wrapped file key holds no valid keyset") from exc

    def encrypting_writer(self, destination: BinaryIO, associated_data: bytes) -> EncryptingWriter:
        """A writer that encrypts plaintext written to it into ``destination``.

        ``associated_data`` (e.g. the blob key) must be given again to decrypt.
        ``destination`` is never closed by the writer.

        Raises:
            StreamIntegrityError: if Tink refuses to start the stream.
        """
        return EncryptingWriter(self._primitive, destination, associated_data)

    def decrypting_reader(self, source: BinaryIO, associated_data: bytes) -> DecryptingReader:
        """A reader of the authenticated plaintext of ``source``; never closes ``source``."""
        return DecryptingReader(self._primitive, source, associated_data)

    def __repr__(self) -> str:
        return "FileKey(<redacted>)"


class _GuardedDestination(io.RawIOBase):
    """What Tink writes ciphertext into: forwards writes only while armed, never closes.

    Tink closes its destination when the ciphertext is finished, and Python finalises
    an abandoned Tink stream when it is garbage-collected, which would append a valid
    last segment to a truncated upload. Writes arriving while not armed (outside
    :class:`EncryptingWriter`'s own calls) are therefore dropped.
    """

    def __init__(self, destination: BinaryIO) -> None:
        super().__init__()
        self._destination = destination
        self.armed = False

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        if self.armed:
            self._destination.write(view)
        return view.nbytes

    def close(self) -> None:
        if self.armed and not self.closed:
            self._destination.flush()
        super().close()


class EncryptingWriter:
    """Encrypts and hashes plaintext as it is written; see :meth:`FileKey.encrypting_writer`.

    Usable as the object returned by a Werkzeug ``stream_factory``: Werkzeug 3.1 calls
    ``write(bytes)`` for each chunk of a file part, ``seek(0)`` once the part has ended
    (to rewind for reading; here nothing moves), and ``close()`` from
    ``FileStorage.close``/``Request.close``. It is not readable.

    Until :meth:`close` returns the ciphertext is incomplete and will not decrypt, so
    an interrupted upload can never pass for a shorter, complete file. Call
    :meth:`abort` on failure paths: it stops without finishing the ciphertext.
    Not thread-safe.
    """

    def __init__(self, primitive: Any, destination: BinaryIO, associated_data: bytes) -> None:
        """Start a stream; prefer :meth:`FileKey.encrypting_writer`.

        Raises:
            StreamIntegrityError: if Tink cannot start the stream.
        """
        self._guard = _GuardedDestination(destination)
        self._hash = hashlib.sha256()
        self._size = 0
        self._finished = False
        self._closed = False
        self._guard.armed = True
        try:
            self._stream = primitive.new_encrypting_stream(self._guard, bytes(associated_data))
        except tink.TinkError as exc:
            raise StreamIntegrityError("cannot start an encrypting stream") from exc
        finally:
            self._guard.armed = False

    def write(self, plaintext: bytes) -> int:
        """Encrypt and hash ``plaintext``; return its length in bytes.

        Raises:
            ValueError: if the writer is closed or aborted.
            StreamIntegrityError: if Tink fails to encrypt.
        """
        if self._closed:
            raise ValueError("write to a closed encrypting writer")
        view = memoryview(plaintext).cast("B")
        self._guard.armed = True
        try:
            self._stream.write(view)
        except tink.TinkError as exc:
            raise StreamIntegrityError("encryption failed") from exc
        finally:
            self._guard.armed = False
        self._hash.update(view)
        self._size += view.nbytes
        return view.nbytes

    def close(self) -> None:
        """Finish the ciphertext (last segment) and flush ``destination``, left open.

        Does nothing if already closed or aborted.

        Raises:
            StreamIntegrityError: if Tink fails to finish; the writer is then aborted.
        """
        if self._closed:
            return
        self._closed = True
        self._guard.armed = True
        try:
            self._stream.close()
        except tink.TinkError as exc:
            raise StreamIntegrityError("encryption failed") from exc
        finally:
            self._guard.armed = False
        self._finished = True

    def abort(self) -> None:
        """Stop without finishing the ciphertext (it stays undecryptable). Idempotent."""
        self._closed = True

    @property
    def closed(self) -> bool:
        """True after :meth:`close` or :meth:`abort`."""
        return self._closed

    @property
    def finished(self) -> bool:
        """True once :meth:`close` completed the ciphertext."""
        return self._finished

    @property
    def sha256_hex(self) -> str:
        """Hex SHA-256 of the plaintext written so far."""
        return self._hash.hexdigest()

    @property
    def size(self) -> int:
        """Plaintext bytes written so far."""
        return self._size

    def tell(self) -> int:
        """The position: plaintext bytes written so far."""
        return self._size

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Accept ``seek(0)`` (Werkzeug's end-of-part rewind) without moving.

        Returns the unchanged position. Raises io.UnsupportedOperation for any other
        offset: an encrypting stream cannot rewind.
        """
        if offset != 0:
            raise io.UnsupportedOperation("an encrypting writer cannot seek")
        return self._size

    def flush(self) -> None:
        """Do nothing: ciphertext is emitted whole segments at a time."""

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return not self._closed

    def seekable(self) -> bool:
        return False

    def __enter__(self) -> EncryptingWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Finish on success; abort (leave the ciphertext incomplete) on an exception."""
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def __repr__(self) -> str:
        return f"EncryptingWriter(size={self._size}, finished={self._finished})"


class _UnclosableSource(io.RawIOBase):
    """Gives Tink read access to ``source`` while ignoring Tink's close."""

    def __init__(self, source: BinaryIO) -> None:
        super().__init__()
        self._source = source

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._source.read(size)


class DecryptingReader:
    """Authenticated plaintext of a stream; see :meth:`FileKey.decrypting_reader`.

    Has ``read``/``close``, so it can be handed to Werkzeug's ``wrap_file``. Any
    authentication failure raises :class:`StreamIntegrityError`, now and on every later
    read. Not thread-safe.
    """

    def __init__(self, primitive: Any, source: BinaryIO, associated_data: bytes) -> None:
        """Prepare to decrypt ``source``; prefer :meth:`FileKey.decrypting_reader`."""
        self._hash = hashlib.sha256()
        self._size = 0
        self._complete = False
        self._failed = False
        self._stream = primitive.new_decrypting_stream(
            _UnclosableSource(source), bytes(associated_data)
        )

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of plaintext (all the rest if negative; avoid that for
        big files); ``b""`` at the end, once the whole stream has been authenticated.

        Raises:
            StreamIntegrityError: if the ciphertext was altered, truncated, reordered,
                or the key or associated data is wrong.
            ValueError: if the reader is closed.
        """
        if self._failed:
            raise StreamIntegrityError("stream failed authentication")
        try:
            data = cast(bytes, self._stream.read(size))
        except tink.TinkError as exc:
            self._failed = True
            raise StreamIntegrityError("stream failed authentication") from exc
        self._hash.update(data)
        self._size += len(data)
        if size < 0 or (size > 0 and not data):
            self._complete = True
        return data

    def iter_chunks(self, chunk_size: int = CHUNK_BYTES) -> Iterator[bytes]:
        """Yield the plaintext in chunks of at most ``chunk_size`` bytes, to the end.

        Raises:
            StreamIntegrityError: as :meth:`read`, possibly after some chunks.
            ValueError: if ``chunk_size`` is not positive.
        """
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        while chunk := self.read(chunk_size):
            yield chunk

    @property
    def complete(self) -> bool:
        """True once the end was reached and every segment authenticated."""
        return self._complete

    @property
    def sha256_hex(self) -> str:
        """Hex SHA-256 of the plaintext read so far."""
        return self._hash.hexdigest()

    @property
    def size(self) -> int:
        """Plaintext bytes read so far."""
        return self._size

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """Release Tink's stream; ``source`` stays open. Idempotent."""
        self._stream.close()

    def __enter__(self) -> DecryptingReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DecryptingReader(size={self._size}, complete={self._complete})"
