"""Blobs (encrypted evidence files) in an S3-compatible object store (decision 0026).

The same contract as :mod:`portal.storage.local`, over the S3 API with boto3:

- a pending blob is written a part at a time: bytes collect in a buffer of one part
  (8 MiB); each full part goes up as a part of a *multipart upload*, so memory stays
  flat whatever the file's size. An unfinished multipart upload is not an object: no
  GET or listing sees it. A blob smaller than a part never starts one: at commit it is
  sent whole (``PutObject``);
- :meth:`S3PendingBlob.commit` completes the upload (or puts the object) with
  ``If-None-Match: *``, so an existing key is never overwritten; ``discard`` aborts it;
- an upload abandoned by a crash is an unfinished multipart upload, listed by
  :meth:`S3BlobStore.stale_pending` (``<key>.<upload id>``) and aborted by
  :meth:`S3BlobStore.remove_pending` (``flask evidence reconcile --fix``);
- reads stream the object's body; ``delete`` removes every version of the key.

With ``retention_days`` set, every object is written under S3 Object Lock in
COMPLIANCE mode until that many days from now: nobody, the portal's own credentials
included, can delete or overwrite it before then (the bucket must have been created
with Object Lock). :meth:`S3BlobStore.delete` then raises :class:`BlobRetained`; a
withdrawal destroys the data key instead and records that the ciphertext remains.

Any failure to reach the endpoint (refused, timed out, a 5xx answer) becomes
:class:`StorageUnavailable`, which the web layer answers with a translated 503 page.
Messages never hold content or credentials. boto3 is imported here only, and this
module only when ``EVIDENCE_STORE = "s3"``, so the local default does not load it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, BinaryIO, Self, cast

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import (  # type: ignore[import-untyped]
    BotoCoreError,
    ClientError,
)

from portal.storage.local import (
    BlobAlreadyExists,
    BlobNotFound,
    BlobRetained,
    BlobStore,
    InvalidBlobKey,
    StorageError,
    StorageUnavailable,
    validate_blob_key,
)

__all__ = ["S3BlobStore", "S3PendingBlob", "S3Settings"]

PART_BYTES = 8 * 1024 * 1024  # S3's smallest part is 5 MiB (except the last)
_KEY_RE = re.compile(r"[0-9a-f]{32}")
_PENDING_RE = re.compile(r"([0-9a-f]{32})\.([A-Za-z0-9._~+=/-]{1,1024})")
_MISSING = {"404", "NoSuchKey", "NotFound"}
_RETAINED = {"AccessDenied", "InvalidRequest", "ObjectLocked"}
# boto3's debug lines carry the endpoint's address and every request's headers: the
# portal's own log line says what failed (without them).
for _noisy in ("boto3", "botocore", "s3transfer", "urllib3"):
    logging.getLogger(_noisy).setLevel(logging.WARNING)


@dataclass(frozen=True)
class S3Settings:
    """Where the blobs go. Credentials None: boto3's own chain (AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY in the environment, a profile, an instance role)."""

    bucket: str
    endpoint: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    retention_days: int = 0
    connect_timeout_s: float = 5
    read_timeout_s: float = 60

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> S3Settings:
        return cls(bucket=str(cfg["S3_BUCKET"]), endpoint=cfg.get("S3_ENDPOINT") or None,
                   region=cfg.get("S3_REGION") or None,
                   access_key_id=cfg.get("S3_ACCESS_KEY_ID") or None,
                   secret_access_key=cfg.get("S3_SECRET_ACCESS_KEY") or None,
                   retention_days=int(cfg.get("S3_RETENTION_DAYS") or 0))


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def _translated(error: Exception, doing: str) -> StorageError:
    """The StorageError for a boto3 failure; its message names the step, not the data."""
    if isinstance(error, StorageError):
        return error
    if isinstance(error, ClientError):
        code = _code(error)
        if code in _MISSING:
            return BlobNotFound("no such blob")
        if code == "PreconditionFailed":
            return BlobAlreadyExists("a committed blob already has this key")
        if _status(error) >= 500 or code in {"SlowDown", "ServiceUnavailable"}:
            return StorageUnavailable(f"the object store failed to {doing} ({code})")
        return StorageError(f"the object store refused to {doing} ({code})")
    return StorageUnavailable(f"the object store cannot be reached to {doing} "
                              f"({type(error).__name__})")


class _PartWriter(io.RawIOBase):
    """The pending blob's ``file``: buffers one part, sends each full part as it goes.

    A part that cannot be sent does not raise here: the failure is kept and raised by
    :meth:`S3PendingBlob.commit`, and later bytes are dropped. The writer is called
    from inside the encryption library, which would replace the error with its own
    (losing that the store is unavailable), and a request that reads its body to the
    end can still answer with a page the browser shows (a reset upload shows nothing).
    """

    def __init__(self, pending: S3PendingBlob) -> None:
        super().__init__()
        self._pending = pending
        self._buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        taken = 0
        while taken < view.nbytes:
            room = PART_BYTES - len(self._buffer)
            self._buffer += view[taken:taken + room]
            taken += min(room, view.nbytes - taken)
            if len(self._buffer) >= PART_BYTES:
                self._pending.send_part(bytes(self._buffer))
                self._buffer.clear()
        return view.nbytes

    def take_rest(self) -> bytes:
        rest = bytes(self._buffer)
        self._buffer.clear()
        return rest

    def drop(self) -> None:
        self._buffer.clear()


class S3PendingBlob:
    """A :class:`PendingBlob` as an S3 multipart upload; made by :meth:`S3BlobStore.begin`."""

    def __init__(self, store: S3BlobStore, key: str) -> None:
        self._store = store
        self._key = key
        self._writer = _PartWriter(self)
        self._file = cast(BinaryIO, self._writer)
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._failure: StorageError | None = None
        self._state = "open"

    @property
    def key(self) -> str:
        """The blob's random key, chosen before writing (usable as associated data)."""
        return self._key

    @property
    def file(self) -> BinaryIO:
        """Where the ciphertext goes: full parts are sent as they fill."""
        return self._file

    @property
    def upload_id(self) -> str | None:
        """The multipart upload's id, once the first full part started one."""
        return self._upload_id

    def send_part(self, data: bytes) -> None:
        """Upload one full part (starting the multipart upload at the first). A failure
        is kept for :meth:`commit` to raise; nothing more is sent after it."""
        if self._state != "open" or self._failure is not None:
            return
        try:
            self._upload_part(data)
        except StorageError as error:
            self._failure = error

    def _upload_part(self, data: bytes) -> None:
        store = self._store
        try:
            if self._upload_id is None:
                started = store.client.create_multipart_upload(
                    Bucket=store.bucket, Key=self._key, **store.lock_arguments())
                self._upload_id = str(started["UploadId"])
            number = len(self._parts) + 1
            sent = store.client.upload_part(Bucket=store.bucket, Key=self._key,
                                            UploadId=self._upload_id, PartNumber=number,
                                            Body=data)
        except (BotoCoreError, ClientError) as error:
            raise _translated(error, "store a part of an upload") from None
        self._parts.append({"PartNumber": number, "ETag": sent["ETag"]})

    def commit(self) -> str:
        """Send what is left and make the object visible under :attr:`key`.

        Raises:
            BlobAlreadyExists: if an object has this key (it is left untouched).
            StorageUnavailable, StorageError: (also for a part that failed earlier) the
                blob is then not visible; discard it.
        """
        if self._state != "open":
            raise StorageError(f"cannot commit a {self._state} blob")
        store = self._store
        rest = self._writer.take_rest()
        self._state = "failed"  # until the object exists; discard() still cleans up
        if self._failure is not None:
            raise self._failure
        try:
            if self._upload_id is None:
                store.client.put_object(Bucket=store.bucket, Key=self._key, Body=rest,
                                        IfNoneMatch="*", **store.lock_arguments())
            else:
                if rest:
                    self._upload_part(rest)
                store.client.complete_multipart_upload(
                    Bucket=store.bucket, Key=self._key, UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts}, IfNoneMatch="*")
        except (BotoCoreError, ClientError) as error:
            raise _translated(error, "commit a blob") from None
        self._state = "committed"
        return self._key

    def discard(self) -> None:
        """Drop the buffer and abort the multipart upload. Idempotent; a no-op after a
        commit. An endpoint that cannot be reached leaves the upload for
        ``flask evidence reconcile`` (it is invisible meanwhile)."""
        if self._state in ("committed", "discarded"):
            return
        self._state = "discarded"
        self._writer.drop()
        if self._upload_id is not None:
            with contextlib.suppress(StorageError):
                self._store.abort(self._key, self._upload_id)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Discard unless committed, whether or not an exception is propagating."""
        self.discard()

    def __repr__(self) -> str:
        return f"S3PendingBlob(key={self._key!r}, state={self._state!r})"


class _ObjectReader(io.RawIOBase):
    """An object's streamed body as a raw binary file; read errors become StorageErrors."""

    def __init__(self, body: Any) -> None:
        super().__init__()
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        try:
            data = self._body.read(view.nbytes)
        except (BotoCoreError, OSError) as error:
            raise _translated(error, "read a blob") from None
        view[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()


class S3BlobStore(BlobStore):
    """Blobs as objects named by their key in one bucket (see the module docstring)."""

    def __init__(self, settings: S3Settings, client: Any | None = None) -> None:
        """Use ``settings.bucket``; nothing is asked of the endpoint until first use."""
        if not settings.bucket:
            raise StorageError("the S3 evidence store needs a bucket")
        self.settings = settings
        self.bucket = settings.bucket
        self.client: Any = client or boto3.session.Session().client(
            "s3", endpoint_url=settings.endpoint, region_name=settings.region,
            aws_access_key_id=settings.access_key_id,
            aws_secret_access_key=settings.secret_access_key,
            config=Config(connect_timeout=settings.connect_timeout_s,
                          read_timeout=settings.read_timeout_s,
                          retries={"mode": "standard", "max_attempts": 3},
                          s3={"addressing_style": "path"}))

    def lock_arguments(self) -> dict[str, Any]:
        """The Object Lock arguments of a new object (none without a retention)."""
        if self.settings.retention_days <= 0:
            return {}
        until = datetime.now(UTC) + timedelta(days=self.settings.retention_days)
        return {"ObjectLockMode": "COMPLIANCE", "ObjectLockRetainUntilDate": until}

    def begin(self) -> S3PendingBlob:
        """A new pending blob under a fresh key of 128 random bits from :mod:`secrets`.
        Nothing is sent until a part is full (or the commit)."""
        return S3PendingBlob(self, secrets.token_hex(16))

    def put(self, key: str, source: BinaryIO) -> None:
        """Store ``source``'s bytes as blob ``key`` (a backup's restore), streamed in
        parts like an upload, never over an existing object.

        Raises:
            BlobAlreadyExists, InvalidBlobKey, StorageUnavailable, StorageError.
        """
        with S3PendingBlob(self, validate_blob_key(key)) as pending:
            while chunk := source.read(1024 * 1024):
                pending.file.write(chunk)
            pending.commit()

    def open(self, key: str) -> BinaryIO:
        """The committed blob's body, streamed (buffered); the caller closes it.

        Raises:
            BlobNotFound, InvalidBlobKey, StorageUnavailable, StorageError.
        """
        key = validate_blob_key(key)
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as error:
            raise _translated(error, "read a blob") from None
        return cast(BinaryIO, io.BufferedReader(_ObjectReader(found["Body"]),
                                                buffer_size=1024 * 1024))

    def exists(self, key: str) -> bool:
        """Whether an object ``key`` exists.

        Raises:
            InvalidBlobKey, StorageUnavailable, StorageError.
        """
        key = validate_blob_key(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as error:
            translated = _translated(error, "look for a blob")
            if isinstance(translated, BlobNotFound):
                return False
            raise translated from None
        return True

    def delete(self, key: str) -> None:
        """Remove every version of ``key`` (a versioned bucket would otherwise keep the
        ciphertext behind a delete marker); nothing happens if it is missing.

        Raises:
            BlobRetained: if Object Lock retention keeps a version (it stays).
            InvalidBlobKey, StorageUnavailable, StorageError.
        """
        key = validate_blob_key(key)
        try:
            versions = self._versions(key)
            if not versions:
                self.client.delete_object(Bucket=self.bucket, Key=key)
            for version in versions:
                self.client.delete_object(Bucket=self.bucket, Key=key, VersionId=version)
        except ClientError as error:
            if _code(error) in _RETAINED and self._still_retained(key):
                raise BlobRetained("the object store keeps this blob until its "
                                   "retention period ends") from None
            raise _translated(error, "delete a blob") from None
        except BotoCoreError as error:
            raise _translated(error, "delete a blob") from None

    def _versions(self, key: str) -> list[str]:
        """The version ids (delete markers included) of exactly ``key``; [] when the
        bucket was never versioned or the server lists no versions."""
        try:
            listed = self.client.list_object_versions(Bucket=self.bucket, Prefix=key)
        except ClientError as error:
            if _code(error) in {"NotImplemented", "MethodNotAllowed"}:
                return []
            raise
        found = [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]
        return [str(v["VersionId"]) for v in found
                if v.get("Key") == key and v.get("VersionId") not in (None, "null")]

    def _still_retained(self, key: str) -> bool:
        """Whether a refused delete is Object Lock's doing (a retention not yet over),
        and not, say, credentials without the right to delete."""
        if self.settings.retention_days <= 0:
            return False
        until = self.retained_until(key)
        return until is not None and until > datetime.now(UTC)

    def retained_until(self, key: str) -> datetime | None:
        """When the Object Lock retention of ``key`` ends (None: none, or no object)."""
        key = validate_blob_key(key)
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as error:
            translated = _translated(error, "look for a blob")
            if isinstance(translated, BlobNotFound):
                return None
            raise translated from None
        until = head.get("ObjectLockRetainUntilDate")
        return until if isinstance(until, datetime) else None

    def keys(self) -> Iterator[str]:
        """Every object's key that is a blob key (other objects are not ours)."""
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket):
                for listed in page.get("Contents", []):
                    if _KEY_RE.fullmatch(listed["Key"]):
                        yield str(listed["Key"])
        except (BotoCoreError, ClientError) as error:
            raise _translated(error, "list the blobs") from None

    def stale_pending(self, older_than_seconds: float) -> Iterator[str]:
        """``<key>.<upload id>`` of every unfinished multipart upload with no part sent
        for ``older_than_seconds`` (a live upload keeps sending parts).

        Raises:
            ValueError: if ``older_than_seconds`` is negative.
        """
        if older_than_seconds < 0:
            raise ValueError("older_than_seconds must not be negative")
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
        try:
            for page in self.client.get_paginator("list_multipart_uploads").paginate(
                    Bucket=self.bucket):
                for upload in page.get("Uploads", []):
                    key, upload_id = str(upload["Key"]), str(upload["UploadId"])
                    name = f"{key}.{upload_id}"
                    if (_PENDING_RE.fullmatch(name) and upload["Initiated"] <= cutoff
                            and self._last_part_at(key, upload_id, upload["Initiated"])
                            <= cutoff):
                        yield name
        except (BotoCoreError, ClientError) as error:
            raise _translated(error, "list unfinished uploads") from None

    def _last_part_at(self, key: str, upload_id: str, initiated: datetime) -> datetime:
        latest = initiated
        for page in self.client.get_paginator("list_parts").paginate(
                Bucket=self.bucket, Key=key, UploadId=upload_id):
            for part in page.get("Parts", []):
                modified = part.get("LastModified")
                if isinstance(modified, datetime) and modified > latest:
                    latest = modified
        return latest

    def remove_pending(self, name: str) -> None:
        """Abort the multipart upload named by :meth:`stale_pending`; idempotent.

        Raises:
            InvalidBlobKey: if ``name`` is not a pending name.
        """
        matched = _PENDING_RE.fullmatch(name) if isinstance(name, str) else None
        if matched is None:
            raise InvalidBlobKey("not a pending blob name")
        self.abort(matched.group(1), matched.group(2))

    def abort(self, key: str, upload_id: str) -> None:
        """Abort a multipart upload (its parts are freed); a gone one is no error."""
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=key,
                                               UploadId=upload_id)
        except ClientError as error:
            if _code(error) in {"NoSuchUpload", *_MISSING}:
                return
            raise _translated(error, "abort an upload") from None
        except BotoCoreError as error:
            raise _translated(error, "abort an upload") from None
