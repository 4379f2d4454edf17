"""Blobs (encrypted evidence files) on the local disk, behind a small interface.

Layout under the root (``instance/evidence/``), every directory 0700, every file 0600::

    tmp/<key>.pending     a blob being written (created O_EXCL, never readable as a blob)
    <key[:2]>/<key>       a committed blob, never overwritten

A blob is written to ``tmp/``, fsynced, then linked into place (``link`` refuses an
existing target, unlike ``rename``), the directory fsynced and the temporary name
removed. A crash at any point leaves either no blob or a whole one; leftovers in
``tmp/`` are found with :meth:`LocalBlobStore.stale_pending`. Callers commit the blob
*before* the database row that refers to it, so no row lacks its blob; a blob whose
row never committed is an orphan, found by comparing :meth:`keys` with the database.

While a blob is written, every full 8 MiB window is handed to the disk at once
(``sync_file_range``) and, once written, dropped from the page cache
(``posix_fadvise(DONTNEED)``): an upload then holds at most ~16 MiB of the page cache,
recycles the same pages instead of touching fresh memory for every MiB, and leaves
little for the fsync at commit. Durability still rests on that fsync alone.

Security assumptions: blobs hold only ciphertext (see portal.crypto.streaming); keys
are random names that reveal nothing; a key is validated against ``[0-9a-f]{32}``
before any path is built, the path must resolve inside the root with no symbolic
link on the way, and files are opened relative to a directory opened with
``O_NOFOLLOW``. The root itself is trusted configuration.
"""

from __future__ import annotations

import ctypes
import errno
import io
import os
import re
import secrets
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Protocol, Self, cast

__all__ = [
    "BlobAlreadyExists",
    "BlobNotFound",
    "BlobRetained",
    "BlobStore",
    "InvalidBlobKey",
    "LocalBlobStore",
    "LocalPendingBlob",
    "PendingBlob",
    "StorageError",
    "StorageUnavailable",
    "UnsafeBlobPath",
    "validate_blob_key",
]

_KEY_RE = re.compile(r"[0-9a-f]{32}")
_PENDING_SUFFIX = ".pending"
_PENDING_RE = re.compile(r"[0-9a-f]{32}\.pending")
_TMP_DIR = "tmp"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class StorageError(Exception):
    """A blob store operation was refused or failed. Messages hold no file content."""


class InvalidBlobKey(StorageError, ValueError):
    """A key or pending name is not of the form the store generates."""


class UnsafeBlobPath(StorageError):
    """A blob path would leave the root or pass through a symbolic link."""


class BlobNotFound(StorageError, LookupError):
    """No committed blob has this key."""


class BlobAlreadyExists(StorageError):
    """A commit would overwrite a committed blob; it was refused."""


class StorageUnavailable(StorageError):
    """The store cannot be reached or failed (an object store's network error or 5xx)."""


class BlobRetained(StorageError):
    """The store refused to delete a blob still under retention (S3 Object Lock)."""


def validate_blob_key(key: object) -> str:
    """Return ``key`` if it is 32 lowercase hex characters.

    Raises:
        InvalidBlobKey: for anything else (``..``, ``/``, absolute paths, newlines...).
    """
    if not isinstance(key, str) or _KEY_RE.fullmatch(key) is None:
        raise InvalidBlobKey("blob key must be 32 lowercase hex characters")
    return key


class PendingBlob(Protocol):
    """A blob being written: invisible until :meth:`commit`, removed by :meth:`discard`.

    As a context manager, leaving the block without a commit discards it.
    """

    @property
    def key(self) -> str:
        """The blob's random key, chosen before writing (usable as associated data)."""
        ...

    @property
    def file(self) -> BinaryIO:
        """Where to write the blob's bytes (ciphertext only)."""
        ...

    def commit(self) -> str:
        """Make the blob durable and visible under :attr:`key`; return the key."""
        ...

    def discard(self) -> None:
        """Drop the blob; idempotent, and a no-op after a commit."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class BlobStore(Protocol):
    """Where encrypted blobs live: the local disk, or an S3-compatible object store.

    Any method may raise :class:`StorageUnavailable` when the store cannot be reached.
    """

    def begin(self) -> PendingBlob:
        """Start writing a new blob under a fresh random key."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The committed blob ``key``, open for reading (the caller closes it)."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a committed blob ``key`` exists."""
        ...

    def delete(self, key: str) -> None:
        """Remove the committed blob ``key``; idempotent. Raises :class:`BlobRetained`
        when the store keeps it until a retention period ends (S3 Object Lock)."""
        ...

    def keys(self) -> Iterator[str]:
        """Every committed blob's key, in no particular order."""
        ...

    def stale_pending(self, older_than_seconds: float) -> Iterator[str]:
        """Names of pending blobs left unmodified for longer than the given time."""
        ...

    def remove_pending(self, name: str) -> None:
        """Remove a leftover pending blob named by :meth:`stale_pending`; idempotent."""
        ...

    def put(self, key: str, source: BinaryIO) -> None:
        """Store ``source``'s bytes as the committed blob ``key`` (restoring a backup);
        raises :class:`BlobAlreadyExists` if there is one."""
        ...


def _fsync_dir(path: Path | int) -> None:
    """Make a directory's entries durable (path, or an already open directory fd)."""
    fd = os.open(path, _DIR_FLAGS) if isinstance(path, Path) else path
    try:
        os.fsync(fd)
    finally:
        if isinstance(path, Path):
            os.close(fd)


def _private_dir(path: Path) -> None:
    """Create ``path`` (mode 0700) if missing and fsync its parent; refuse a non-directory.

    Raises:
        UnsafeBlobPath: if ``path`` is a symbolic link or not a directory.
    """
    try:
        os.mkdir(path, 0o700)
        _fsync_dir(path.parent)
    except FileExistsError:
        pass
    if not stat.S_ISDIR(os.lstat(path).st_mode):
        raise UnsafeBlobPath("storage directory is a symbolic link or not a directory")
    os.chmod(path, 0o700, follow_symlinks=False)


_WRITEBACK_WINDOW = 8 * 1024 * 1024
# <linux/fs.h>; Python's os module has no sync_file_range.
_SYNC_FILE_RANGE_WAIT_BEFORE, _SYNC_FILE_RANGE_WRITE, _SYNC_FILE_RANGE_WAIT_AFTER = 1, 2, 4


def _load_sync_file_range() -> Callable[[int, int, int, int], int] | None:
    """libc's sync_file_range (Linux), or None where there is none."""
    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    function.restype = ctypes.c_int
    return cast(Callable[[int, int, int, int], int], function)


_sync_file_range = _load_sync_file_range()


class _WritebackFile(io.FileIO):
    """A pending blob's file that writes back and evicts what it wrote as it goes.

    Without this, a 1 GiB upload leaves 1 GiB of dirty page cache for the fsync at
    commit (0.5 s here), and each new page cache page costs the kernel more when it
    is memory not used recently (up to 1.5 s of system time per GiB on this VM).
    Every ``_WRITEBACK_WINDOW`` bytes: start writing the new window to the disk, wait
    for the previous one (long written by then unless the disk is slower than the
    upload, which then paces the upload instead of piling up dirty memory) and drop
    it from the page cache. Only ciphertext passes here. Durability is unchanged:
    nothing is promised before the fsync in :meth:`LocalPendingBlob.commit`.
    The ranges assume appends from offset 0 (all a pending blob gets); were a caller
    to seek, they would only be wrong hints: neither call changes or loses data, and
    DONTNEED never drops a dirty page.
    """

    def __init__(self, fd: int) -> None:
        super().__init__(fd, "wb", closefd=True)
        self._written = 0  # bytes written through this object, from offset 0
        self._started = 0  # writeback has been started for [0, _started)
        self._evicted = 0  # [0, _evicted) is on disk and out of the page cache
        self._writeback = _sync_file_range is not None

    def write(self, data: Any) -> int:
        written = super().write(data)
        if written:
            self._written += written
            if self._writeback and self._written - self._started >= _WRITEBACK_WINDOW:
                self._write_back()
        return written or 0

    def _write_back(self) -> None:
        fd = self.fileno()
        try:
            self._sync_range(fd, self._started, self._written - self._started,
                             _SYNC_FILE_RANGE_WRITE)
            if self._started > self._evicted:
                self._sync_range(fd, self._evicted, self._started - self._evicted,
                                 _SYNC_FILE_RANGE_WAIT_BEFORE | _SYNC_FILE_RANGE_WRITE
                                 | _SYNC_FILE_RANGE_WAIT_AFTER)
                os.posix_fadvise(fd, self._evicted, self._started - self._evicted,
                                 os.POSIX_FADV_DONTNEED)
                self._evicted = self._started
        except OSError as exc:
            if exc.errno in (errno.EIO, errno.ENOSPC, errno.EDQUOT):
                raise  # the disk failed: the upload fails now rather than at commit
            self._writeback = False  # not supported here: leave it all to the fsync
        self._started = self._written

    @staticmethod
    def _sync_range(fd: int, offset: int, length: int, flags: int) -> None:
        assert _sync_file_range is not None
        if _sync_file_range(fd, offset, length, flags) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))


class LocalPendingBlob:
    """A :class:`PendingBlob` in ``<root>/tmp/``; made by :meth:`LocalBlobStore.begin`."""

    def __init__(self, store: LocalBlobStore, key: str, file: BinaryIO) -> None:
        self._store = store
        self._key = key
        self._file = file
        self._tmp_path = store.tmp_dir / f"{key}{_PENDING_SUFFIX}"
        self._state = "open"

    @property
    def key(self) -> str:
        """The blob's random key, chosen before writing (usable as associated data)."""
        return self._key

    @property
    def file(self) -> BinaryIO:
        """The temporary file (opened O_EXCL, mode 0600) to write the blob into."""
        return self._file

    def commit(self) -> str:
        """Flush and fsync the file, link it to ``<root>/<key[:2]>/<key>``, fsync the
        directory, then remove the temporary name. Returns the key.

        Raises:
            BlobAlreadyExists: if a blob with this key exists (it is left untouched).
            StorageError: if the blob was already committed or discarded.
            OSError: on a disk error; the blob is then not visible, discard it.
        """
        if self._state != "open":
            raise StorageError(f"cannot commit a {self._state} blob")
        self._state = "failed"  # until the link is durable; discard() still cleans up
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        shard_fd = self._store.open_shard(self._key, create=True)
        try:
            os.link(self._tmp_path, self._key, dst_dir_fd=shard_fd, follow_symlinks=False)
            os.fsync(shard_fd)
        except FileExistsError:
            raise BlobAlreadyExists("a committed blob already has this key") from None
        finally:
            os.close(shard_fd)
        self._state = "committed"
        os.unlink(self._tmp_path)
        _fsync_dir(self._store.tmp_dir)
        return self._key

    def discard(self) -> None:
        """Close and unlink the temporary file. Idempotent; a no-op after a commit."""
        if self._state in ("committed", "discarded"):
            return
        self._state = "discarded"
        self._file.close()
        self._tmp_path.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Discard unless committed, whether or not an exception is propagating."""
        self.discard()

    def __repr__(self) -> str:
        return f"LocalPendingBlob(key={self._key!r}, state={self._state!r})"


class LocalBlobStore(BlobStore):
    """Blobs as files under ``root`` (see the module docstring for the layout)."""

    def __init__(self, root: Path | str) -> None:
        """Use ``root`` (created with mode 0700, and its ``tmp/``) as the store.

        Raises:
            UnsafeBlobPath: if ``root`` or ``root/tmp`` is a symbolic link or a file.
        """
        given = Path(root)
        given.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _private_dir(given)
        self.root: Path = given.resolve(strict=True)
        self.tmp_dir: Path = self.root / _TMP_DIR
        _private_dir(self.tmp_dir)

    def begin(self) -> LocalPendingBlob:
        """Create ``tmp/<key>.pending`` (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600) under a
        fresh key of 128 random bits from :mod:`secrets`."""
        return self._begin(secrets.token_hex(16))

    def put(self, key: str, source: BinaryIO) -> None:
        """Store ``source``'s bytes as blob ``key`` (a backup's restore: the key is
        the one recorded, bound into the ciphertext), durably, as a commit does.

        Raises:
            BlobAlreadyExists: if a blob has this key (it is left untouched).
            InvalidBlobKey: if ``key`` is malformed.
        """
        with self._begin(validate_blob_key(key)) as pending:
            while chunk := source.read(1024 * 1024):
                pending.file.write(chunk)
            pending.commit()

    def _begin(self, key: str) -> LocalPendingBlob:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(self.tmp_dir / f"{key}{_PENDING_SUFFIX}", flags, 0o600)
        os.fchmod(fd, 0o600)  # exactly 0600 whatever the umask
        try:
            raw = _WritebackFile(fd)
        except BaseException:
            os.close(fd)
            raise
        return LocalPendingBlob(self, key, cast(BinaryIO, io.BufferedWriter(raw)))

    def path_of(self, key: str) -> Path:
        """The path of blob ``key``, checked to resolve inside the root without links.

        Raises:
            InvalidBlobKey: if ``key`` is malformed (checked before any path is built).
            UnsafeBlobPath: if the path resolves outside the root or via a symlink.
        """
        key = validate_blob_key(key)
        path = self.root / key[:2] / key
        resolved = path.resolve()
        if resolved != path or not resolved.is_relative_to(self.root):
            raise UnsafeBlobPath("blob path leaves the storage root or follows a link")
        return path

    def open_shard(self, key: str, *, create: bool = False) -> int:
        """An O_NOFOLLOW file descriptor of ``key``'s directory (the caller closes it).

        Raises:
            InvalidBlobKey, UnsafeBlobPath: as :meth:`path_of`, or if the directory
                turned into a link after the check.
            FileNotFoundError: if the directory does not exist and not ``create``.
        """
        shard = self.path_of(key).parent
        if create:
            _private_dir(shard)
        try:
            return os.open(shard, _DIR_FLAGS)
        except FileNotFoundError:
            raise
        except OSError:  # ELOOP or ENOTDIR: replaced by a link or a file since the check
            raise UnsafeBlobPath("blob directory is not a plain directory") from None

    def open(self, key: str) -> BinaryIO:
        """The committed blob, open for reading (buffered); the caller closes it.

        Raises:
            BlobNotFound: if there is no such blob.
            InvalidBlobKey, UnsafeBlobPath: as :meth:`path_of`.
        """
        try:
            shard_fd = self.open_shard(key)
        except FileNotFoundError:
            raise BlobNotFound("no such blob") from None
        try:
            fd = os.open(key, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=shard_fd)
        except FileNotFoundError:
            raise BlobNotFound("no such blob") from None
        except OSError:
            raise UnsafeBlobPath("blob is not a plain file") from None
        finally:
            os.close(shard_fd)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise UnsafeBlobPath("blob is not a plain file")
        return os.fdopen(fd, "rb")

    def exists(self, key: str) -> bool:
        """Whether a committed blob ``key`` exists as a regular file.

        Raises:
            InvalidBlobKey, UnsafeBlobPath: as :meth:`path_of`.
        """
        try:
            mode = os.lstat(self.path_of(key)).st_mode
        except FileNotFoundError:
            return False
        return stat.S_ISREG(mode)

    def delete(self, key: str) -> None:
        """Unlink the blob and fsync its directory; nothing happens if it is missing.

        Raises:
            InvalidBlobKey, UnsafeBlobPath: as :meth:`path_of`.
        """
        try:
            shard_fd = self.open_shard(key)
        except FileNotFoundError:
            return
        try:
            os.unlink(key, dir_fd=shard_fd)
            os.fsync(shard_fd)
        except FileNotFoundError:
            pass
        finally:
            os.close(shard_fd)

    def keys(self) -> Iterator[str]:
        """Every committed blob's key (regular files with a valid name in their shard)."""
        with os.scandir(self.root) as shards:
            for shard in shards:
                if len(shard.name) != 2 or not shard.is_dir(follow_symlinks=False):
                    continue
                with os.scandir(shard.path) as entries:
                    for entry in entries:
                        name = entry.name
                        if (_KEY_RE.fullmatch(name) and name.startswith(shard.name)
                                and entry.is_file(follow_symlinks=False)):
                            yield name

    def stale_pending(self, older_than_seconds: float) -> Iterator[str]:
        """Names in ``tmp/`` of pending blobs not modified for ``older_than_seconds``.

        A live upload keeps touching its file; choose a delay longer than any stall
        an upload may survive (the request timeout).

        Raises:
            ValueError: if ``older_than_seconds`` is negative.
        """
        if older_than_seconds < 0:
            raise ValueError("older_than_seconds must not be negative")
        cutoff = time.time() - older_than_seconds
        with os.scandir(self.tmp_dir) as entries:
            for entry in entries:
                if (_PENDING_RE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
                        and entry.stat(follow_symlinks=False).st_mtime <= cutoff):
                    yield entry.name

    def remove_pending(self, name: str) -> None:
        """Unlink ``tmp/<name>``; nothing happens if it is already gone.

        Raises:
            InvalidBlobKey: if ``name`` is not a pending name (``<key>.pending``).
        """
        if not isinstance(name, str) or _PENDING_RE.fullmatch(name) is None:
            raise InvalidBlobKey("not a pending blob name")
        (self.tmp_dir / name).unlink(missing_ok=True)
