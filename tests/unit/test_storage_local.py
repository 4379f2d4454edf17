"""Unit tests for portal.storage.local (the local blob store)."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from portal.crypto.streaming import FileKey
from portal.storage import (
    BlobAlreadyExists,
    BlobNotFound,
    InvalidBlobKey,
    LocalBlobStore,
    StorageError,
    UnsafeBlobPath,
)

MiB = 1024 * 1024
KEY = "ab" + "0" * 30


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "instance" / "evidence")


def committed(store: LocalBlobStore, content: bytes) -> str:
    with store.begin() as pending:
        pending.file.write(content)
        return pending.commit()


def test_new_store_creates_private_root_and_tmp(store: LocalBlobStore) -> None:
    assert mode(store.root) == 0o700
    assert mode(store.root / "tmp") == 0o700


def test_keys_are_opaque_random_hex_known_before_writing(store: LocalBlobStore) -> None:
    with store.begin() as first, store.begin() as second:
        assert len(first.key) == 32
        assert set(first.key) <= set("0123456789abcdef")
        assert first.key != second.key
        assert mode(store.root / "tmp" / f"{first.key}.pending") == 0o600


def test_commit_makes_a_private_blob_visible(store: LocalBlobStore) -> None:
    key = committed(store, b"ciphertext")
    assert list(store.keys()) == [key]
    assert store.exists(key)
    path = store.root / key[:2] / key
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    assert os.listdir(store.root / "tmp") == []
    with store.open(key) as blob:
        assert blob.read() == b"ciphertext"


def test_discard_leaves_nothing_and_is_idempotent(store: LocalBlobStore) -> None:
    pending = store.begin()
    pending.file.write(b"partial")
    pending.discard()
    pending.discard()
    assert list(store.keys()) == []
    assert os.listdir(store.root / "tmp") == []
    assert not store.exists(pending.key)


def test_leaving_the_with_block_without_commit_discards(store: LocalBlobStore) -> None:
    with store.begin() as pending:
        pending.file.write(b"forgotten")
    assert os.listdir(store.root / "tmp") == []
    assert list(store.keys()) == []


def test_an_exception_inside_the_with_block_leaves_nothing(store: LocalBlobStore) -> None:
    def upload_that_breaks() -> None:
        with store.begin() as pending:
            pending.file.write(b"x" * 100_000)
            raise ConnectionError("client went away")

    with pytest.raises(ConnectionError):
        upload_that_breaks()
    assert os.listdir(store.root / "tmp") == []
    assert list(store.keys()) == []


def test_a_committed_blob_cannot_be_committed_again_or_discarded(
    store: LocalBlobStore,
) -> None:
    with store.begin() as pending:
        pending.file.write(b"kept")
        key = pending.commit()
        with pytest.raises(StorageError):
            pending.commit()
        pending.discard()
    assert store.exists(key)


def test_a_committed_blob_is_never_overwritten(
    store: LocalBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("portal.storage.local.secrets.token_hex", lambda _n: KEY)
    assert committed(store, b"original") == KEY
    with store.begin() as pending:
        pending.file.write(b"impostor")
        with pytest.raises(BlobAlreadyExists):
            pending.commit()
    assert os.listdir(store.root / "tmp") == []
    with store.open(KEY) as blob:
        assert blob.read() == b"original"


def test_a_dropped_pending_blob_is_invisible_and_reported_as_stale(
    store: LocalBlobStore,
) -> None:
    pending = store.begin()
    pending.file.write(b"half an upload")
    pending.file.close()
    name = f"{pending.key}.pending"
    del pending  # no commit, no discard: as if the worker died
    assert list(store.keys()) == []
    assert list(store.stale_pending(older_than_seconds=3600)) == []
    assert list(store.stale_pending(older_than_seconds=0)) == [name]
    store.remove_pending(name)
    store.remove_pending(name)  # idempotent
    assert list(store.stale_pending(older_than_seconds=0)) == []


def test_a_process_killed_before_commit_leaves_only_a_stale_temp_file(
    store: LocalBlobStore,
) -> None:
    script = textwrap.dedent(
        """
        import os, signal, sys
        from portal.storage import LocalBlobStore
        pending = LocalBlobStore(sys.argv[1]).begin()
        pending.file.write(b"x" * 300_000)
        pending.file.flush()
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(store.root)],
        cwd=Path(__file__).resolve().parents[2], check=False,
    )
    assert result.returncode == -9
    assert list(store.keys()) == []
    stale = list(store.stale_pending(older_than_seconds=0))
    assert len(stale) == 1
    store.remove_pending(stale[0])
    assert os.listdir(store.root / "tmp") == []


@pytest.mark.parametrize(
    "bad_key",
    ["", "../../../etc/passwd", "/etc/passwd", "ab/" + "0" * 29, "../" + "0" * 29,
     "0" * 31, "0" * 33, "A" * 32, "g" * 32, "0" * 32 + "\n", "0" * 16 + "\x00" + "0" * 15],
)
def test_invalid_keys_are_refused(store: LocalBlobStore, bad_key: str) -> None:
    with pytest.raises(InvalidBlobKey):
        store.open(bad_key)
    with pytest.raises(InvalidBlobKey):
        store.exists(bad_key)
    with pytest.raises(InvalidBlobKey):
        store.delete(bad_key)


def test_invalid_pending_names_are_refused(store: LocalBlobStore) -> None:
    for name in ("../" + KEY + ".pending", KEY, "/etc/passwd", KEY + ".pending/.."):
        with pytest.raises(InvalidBlobKey):
            store.remove_pending(name)


def test_a_symlinked_shard_directory_is_refused(store: LocalBlobStore, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / KEY).write_bytes(b"secret elsewhere")
    (store.root / KEY[:2]).symlink_to(outside, target_is_directory=True)
    for action in (store.open, store.exists, store.delete):
        with pytest.raises(UnsafeBlobPath):
            action(KEY)
    assert (outside / KEY).exists()
    assert list(store.keys()) == []


def test_a_symlinked_blob_is_refused(store: LocalBlobStore, tmp_path: Path) -> None:
    target = tmp_path / "passwd"
    target.write_bytes(b"root:x:0:0")
    (store.root / KEY[:2]).mkdir(mode=0o700)
    (store.root / KEY[:2] / KEY).symlink_to(target)
    for action in (store.open, store.exists, store.delete):
        with pytest.raises(UnsafeBlobPath):
            action(KEY)
    assert target.exists()
    assert list(store.keys()) == []


def test_a_symlinked_tmp_directory_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    root.mkdir()
    (root / "tmp").symlink_to(tmp_path, target_is_directory=True)
    with pytest.raises(UnsafeBlobPath):
        LocalBlobStore(root)


def test_missing_blobs(store: LocalBlobStore) -> None:
    assert not store.exists(KEY)
    with pytest.raises(BlobNotFound):
        store.open(KEY)
    store.delete(KEY)  # nothing to do, no error


def test_delete_removes_the_blob_and_is_idempotent(store: LocalBlobStore) -> None:
    key = committed(store, b"to be erased")
    store.delete(key)
    store.delete(key)
    assert not store.exists(key)
    assert list(store.keys()) == []


def test_keys_ignore_stray_files(store: LocalBlobStore) -> None:
    key = committed(store, b"real")
    (store.root / "README").write_text("not a blob")
    (store.root / key[:2] / "notes.txt").write_text("not a blob")
    (store.root / "cd").mkdir()
    (store.root / "cd" / KEY).write_text("key in the wrong shard")
    assert list(store.keys()) == [key]


def test_ten_mib_written_through_file(store: LocalBlobStore) -> None:
    digest = hashlib.sha256()
    with store.begin() as pending:
        for index in range(10):
            chunk = bytes([index]) * MiB
            pending.file.write(chunk)
            digest.update(chunk)
        key = pending.commit()
    with store.open(key) as blob:
        assert os.fstat(blob.fileno()).st_size == 10 * MiB
        assert hashlib.sha256(blob.read()).hexdigest() == digest.hexdigest()


def test_an_encrypted_upload_round_trips_through_the_store(store: LocalBlobStore) -> None:
    file_key = FileKey.generate()
    plaintext = os.urandom(2 * MiB + 3)
    with store.begin() as pending:
        writer = file_key.encrypting_writer(pending.file, pending.key.encode("ascii"))
        writer.write(plaintext)
        writer.close()
        key = pending.commit()
    with store.open(key) as blob:
        ciphertext = blob.read()
        blob.seek(0)
        reader = file_key.decrypting_reader(blob, key.encode("ascii"))
        assert b"".join(reader.iter_chunks()) == plaintext
    assert plaintext[:64] not in ciphertext
