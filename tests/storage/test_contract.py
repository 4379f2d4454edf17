"""The BlobStore contract, on the local disk and on a real S3 server (SeaweedFS).

Both stores must behave the same for everything the portal relies on: a pending blob
is invisible until its commit and leaves nothing once discarded; an upload abandoned
by a crash is found as stale and removed; a committed blob is never overwritten;
keys() lists committed blobs only; delete is idempotent; a large blob (several S3
parts) streams in and out unchanged; backup's `put` stores a blob under a known key.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal.storage import (
    BlobAlreadyExists,
    BlobNotFound,
    BlobRetained,
    BlobStore,
    InvalidBlobKey,
    LocalBlobStore,
    StorageError,
    StorageUnavailable,
)
from portal.storage.s3 import PART_BYTES, S3BlobStore, S3Settings
from tests.support.seaweed import Seaweed, free_ports

# The stores alone, no database: the SQLite pass only.
pytestmark = pytest.mark.database_independent


def s3_store(seaweed: Seaweed, **extra: int) -> S3BlobStore:
    bucket = seaweed.new_bucket(object_lock=bool(extra.get("retention_days")))
    return S3BlobStore(S3Settings(bucket=bucket, endpoint=seaweed.endpoint,
                                  region="us-east-1", access_key_id=seaweed.access_key,
                                  secret_access_key=seaweed.secret_key, **extra))


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "evidence")
    else:
        yield s3_store(request.getfixturevalue("session_seaweed"))


def committed(store: BlobStore, content: bytes) -> str:
    with store.begin() as pending:
        pending.file.write(content)
        return pending.commit()


def read(store: BlobStore, key: str) -> bytes:
    with store.open(key) as blob:
        return blob.read()


def test_write_commit_read(store: BlobStore) -> None:
    pending = store.begin()
    assert len(pending.key) == 32
    pending.file.write(b"ciphertext ")
    pending.file.write(b"only")
    assert not store.exists(pending.key)
    key = pending.commit()
    assert key == pending.key
    assert store.exists(key)
    assert read(store, key) == b"ciphertext only"
    assert list(store.keys()) == [key]


def test_uncommitted_is_invisible_and_discard_leaves_nothing(store: BlobStore) -> None:
    pending = store.begin()
    pending.file.write(os.urandom(PART_BYTES + 1000))  # a part has gone up already
    assert not store.exists(pending.key)
    assert list(store.keys()) == []
    with pytest.raises(BlobNotFound):
        store.open(pending.key)
    pending.discard()
    pending.discard()
    assert list(store.keys()) == []
    assert list(store.stale_pending(0)) == []
    with store.begin() as dropped:  # leaving the block without a commit discards too
        dropped.file.write(b"x" * 100)
    assert list(store.keys()) == []
    assert list(store.stale_pending(0)) == []


def test_an_abandoned_upload_is_found_as_stale_and_removed(store: BlobStore) -> None:
    pending = store.begin()
    pending.file.write(os.urandom(PART_BYTES + 10))
    pending.file.flush()
    # The process dies here: no commit, no discard.
    assert list(store.stale_pending(3600)) == []  # a live upload is not stale
    [name] = list(store.stale_pending(0))
    assert name.startswith(pending.key)
    store.remove_pending(name)
    store.remove_pending(name)  # idempotent
    assert list(store.stale_pending(0)) == []
    assert list(store.keys()) == []
    with pytest.raises(InvalidBlobKey):
        store.remove_pending("../" + name)


def test_a_committed_blob_is_never_overwritten(store: BlobStore) -> None:
    key = committed(store, b"first")
    with pytest.raises(BlobAlreadyExists):
        store.put(key, io.BytesIO(b"second"))
    assert read(store, key) == b"first"


def test_delete_is_idempotent_and_keys_list_committed_blobs(store: BlobStore) -> None:
    keys = {committed(store, bytes([n]) * 10) for n in range(3)}
    assert set(store.keys()) == keys
    gone = keys.pop()
    store.delete(gone)
    store.delete(gone)
    assert not store.exists(gone)
    assert set(store.keys()) == keys
    with pytest.raises(BlobNotFound):
        store.open(gone)
    with pytest.raises(InvalidBlobKey):
        store.exists("../etc/passwd")


def test_a_large_blob_streams_in_and_out_in_parts(store: BlobStore) -> None:
    rng = random.Random(752)
    size = 2 * PART_BYTES + 12345  # three parts on S3
    digest = hashlib.sha256()
    with store.begin() as pending:
        for start in range(0, size, 64 * 1024):
            piece = rng.randbytes(min(64 * 1024, size - start))
            digest.update(piece)
            pending.file.write(piece)
        key = pending.commit()
    back = hashlib.sha256()
    with store.open(key) as blob:
        while chunk := blob.read(1024 * 1024):
            back.update(chunk)
    assert back.hexdigest() == digest.hexdigest()


def test_put_stores_a_blob_under_a_known_key(store: BlobStore) -> None:
    key = "ab" * 16
    store.put(key, io.BytesIO(b"restored"))
    assert read(store, key) == b"restored"


def test_s3_unreachable_is_storage_unavailable(session_seaweed: Seaweed) -> None:
    [port] = free_ports(1)
    down = S3BlobStore(S3Settings(bucket="evidence", endpoint=f"http://127.0.0.1:{port}",
                                  region="us-east-1", access_key_id="k",
                                  secret_access_key="s"))
    pending = down.begin()
    pending.file.write(os.urandom(PART_BYTES + 1))  # the failure is kept, not raised here
    with pytest.raises(StorageUnavailable):
        pending.commit()
    pending.discard()
    for call in (lambda: down.open("ab" * 16), lambda: down.exists("ab" * 16),
                 lambda: list(down.keys()), lambda: list(down.stale_pending(0))):
        with pytest.raises(StorageUnavailable):
            call()


def test_s3_going_down_mid_upload_leaves_only_an_upload_reconcile_aborts(
        session_seaweed: Seaweed) -> None:
    """Parts were sent, then the endpoint went away: the commit fails, the abort cannot
    reach the server either, and what remains is an unfinished multipart upload, which
    nobody can read and `stale_pending`/`remove_pending` (reconcile --fix) clear."""
    store = s3_store(session_seaweed)
    reachable = store.client
    pending = store.begin()
    pending.file.write(os.urandom(PART_BYTES + 10))  # the first part went up
    [port] = free_ports(1)
    store.client = S3BlobStore(S3Settings(bucket=store.bucket,
                                          endpoint=f"http://127.0.0.1:{port}",
                                          region="us-east-1", access_key_id="k",
                                          secret_access_key="s")).client
    pending.file.write(os.urandom(PART_BYTES))
    with pytest.raises(StorageUnavailable):
        pending.commit()
    pending.discard()  # cannot reach the server: no error, the upload stays behind
    store.client = reachable  # the endpoint is back
    assert list(store.keys()) == []
    [name] = list(store.stale_pending(0))
    store.remove_pending(name)
    assert list(store.stale_pending(0)) == []
    assert reachable.list_multipart_uploads(Bucket=store.bucket).get("Uploads", []) == []


def test_object_lock_keeps_the_ciphertext_until_the_retention_ends(
        session_seaweed: Seaweed) -> None:
    """SeaweedFS implements Object Lock: in COMPLIANCE mode even the portal's own
    credentials cannot delete a blob (nor any version of it) before its retention ends."""
    locked = s3_store(session_seaweed, retention_days=1)
    small = committed(locked, b"locked")
    large = committed(locked, os.urandom(PART_BYTES + 5))
    for key in (small, large):
        until = locked.retained_until(key)
        assert until is not None
        with pytest.raises(BlobRetained):
            locked.delete(key)
        assert locked.exists(key)
    assert read(locked, small) == b"locked"


def test_a_bucket_without_object_lock_refuses_a_retention(session_seaweed: Seaweed) -> None:
    plain = s3_store(session_seaweed)
    asking = S3BlobStore(S3Settings(**{**plain.settings.__dict__, "retention_days": 1}))
    with pytest.raises(StorageError):
        committed(asking, b"x")
