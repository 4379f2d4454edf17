"""Backups of one instance (the database and the encrypted evidence), and their restore.

A backup is a folder::

    manifest.json          format, time, engine, schema revision, key ids, and the
                           SHA-256 and size of every other file (written last)
    database.sqlite3       SQLite: a copy made with SQLite's online backup API
    database.pgdump        PostgreSQL: `pg_dump --format=custom`
    evidence/<xx>/<key>    every committed blob of the store, copied byte for byte

The evidence store may be the local folder or an S3 bucket (decision 0026): blobs are
read and written through the store's interface, so a backup of one kind of store
restores into the other.

Security assumptions: the blobs and every sealed column are ciphertext, so the folder
holds no plaintext of evidence or narratives; it holds **no key** (not the master keys,
not the index key, not `instance/config.py`): only the ids of the master keys, so that
a restore can say which keys it needs. Whoever holds the backup *and* the keys holds
everything: keep them apart (docs/operations.md). A restore goes only into an empty
instance (no table in the database, no blob in the store) and checks every file
against the manifest before it writes anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

from portal.storage import BlobStore, LocalBlobStore, validate_blob_key

FORMAT = "ps752-portal-backup/1"
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
EVIDENCE = "evidence"
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore was refused or failed; the message says why, with no secret."""


@dataclass
class Manifest:
    engine: str
    schema_revision: str
    master_key_ids: list[str]
    files: dict[str, dict[str, str | int]] = field(default_factory=dict)
    created_at: str = ""
    format: str = FORMAT

    @property
    def blob_count(self) -> int:
        return sum(1 for name in self.files if name.startswith(f"{EVIDENCE}/"))


def create_backup(engine: Engine, store: BlobStore, target: Path,
                  master_key_ids: list[str]) -> Manifest:
    """Write a backup of the database behind `engine` and of `store` into `target`.

    `target` must not exist or be an empty folder; it is made 0700, every file 0600.
    The manifest is written last, so a folder without one is an incomplete backup.
    Raises BackupError when the target is not empty or the engine's tool fails.
    """
    _prepare_target(target)
    manifest = Manifest(engine=engine.dialect.name, schema_revision=_revision(engine),
                        master_key_ids=sorted(master_key_ids),
                        created_at=datetime.now(UTC).isoformat(timespec="seconds"))
    _dump_database(engine, target)
    for key in sorted(store.keys()):
        with store.open(key) as blob:
            _copy_private(blob, target / EVIDENCE / key[:2] / key)
    for path in sorted(p for p in target.rglob("*") if p.is_file()):
        manifest.files[path.relative_to(target).as_posix()] = _describe(path)
    _write_private(target / MANIFEST, json.dumps(manifest.__dict__, indent=2,
                                                 sort_keys=True).encode())
    return manifest


def read_manifest(source: Path) -> Manifest:
    """The manifest of the backup in `source`, after checking every file against it.

    Raises BackupError naming the first missing, extra or changed file.
    """
    try:
        raw = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        manifest = Manifest(**raw)
    except (OSError, ValueError, TypeError) as error:
        raise BackupError(f"no readable {MANIFEST} in {source}: not a complete backup") \
            from error
    if manifest.format != FORMAT:
        raise BackupError(f"unknown backup format {manifest.format!r}")
    present = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()}
    extra = sorted(present - set(manifest.files) - {MANIFEST})
    if extra:
        raise BackupError(f"{extra[0]} is not in the manifest")
    for name, expected in sorted(manifest.files.items()):
        if name not in present:
            raise BackupError(f"{name} is missing from the backup")
        if _describe(source / name) != expected:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest")
    return manifest


def restore_backup(engine: Engine, store: BlobStore, source: Path,
                   configured_key_ids: list[str]) -> Manifest:
    """Restore the backup in `source` into an empty database and an empty blob store.

    Checks the whole backup first (read_manifest), that this instance has every master
    key id the backup names, and that the instance is empty; then restores the
    database with the engine's own tool and copies the blobs. Raises BackupError (and
    writes nothing) when any of these checks fails.
    """
    manifest = read_manifest(source)
    if manifest.engine != engine.dialect.name:
        raise BackupError(f"this backup is of a {manifest.engine} database; the instance "
                          f"uses {engine.dialect.name}")
    missing = sorted(set(manifest.master_key_ids) - set(configured_key_ids))
    if missing:
        raise BackupError("the master keys with ids " + ", ".join(missing) + " are not "
                          "configured here: without them nothing sealed can be opened")
    _require_empty(engine, store)
    _load_database(engine, source)
    for name in manifest.files:
        if name.startswith(f"{EVIDENCE}/"):
            key = validate_blob_key(name.rsplit("/", 1)[1])
            with (source / name).open("rb") as blob:
                store.put(key, blob)
    return manifest


def instance_problems(engine: Engine, store: BlobStore) -> list[str]:
    """Why this instance is not empty (tables in the database, blobs in the store)."""
    problems = []
    tables = inspect(engine).get_table_names()
    if tables:
        problems.append(f"the database already has {len(tables)} tables (restore needs a "
                        "new, empty database: do not run `flask db upgrade` first)")
    if next(iter(store.keys()), None) is not None:
        where = (store.root if isinstance(store, LocalBlobStore)
                 else f"(bucket {getattr(store, 'bucket', '?')})")
        problems.append(f"the evidence store {where} already holds files")
    return problems


def _require_empty(engine: Engine, store: BlobStore) -> None:
    problems = instance_problems(engine, store)
    if problems:
        raise BackupError("refusing to restore into an instance that is not empty: "
                          + "; ".join(problems))


def _prepare_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} is not an empty folder: choose a new one")
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(target, 0o700)


def _revision(engine: Engine) -> str:
    if "alembic_version" not in inspect(engine).get_table_names():
        return ""
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version"))
                   .scalar() or "")


def _dump_database(engine: Engine, target: Path) -> None:
    if engine.dialect.name == "sqlite":
        _sqlite_copy(engine, target / SQLITE_FILE, into_engine=False)
    elif engine.dialect.name == "postgresql":
        destination = target / PG_FILE
        _run_pg_tool(engine, ["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                              f"--file={destination}"])
        os.chmod(destination, 0o600)
    else:
        raise BackupError(f"no backup method for {engine.dialect.name}")


def _load_database(engine: Engine, source: Path) -> None:
    if engine.dialect.name == "sqlite":
        _sqlite_copy(engine, source / SQLITE_FILE, into_engine=True)
    else:
        _run_pg_tool(engine, ["pg_restore", "--no-owner", "--no-privileges",
                              "--exit-on-error", "--single-transaction",
                              f"--dbname={make_url(engine.url).database}",
                              str(source / PG_FILE)])


def _sqlite_copy(engine: Engine, file: Path, *, into_engine: bool) -> None:
    """SQLite's online backup API, from the engine's database to `file` or back."""
    if not into_engine:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        os.close(fd)
    other = sqlite3.connect(file)
    raw = engine.raw_connection()
    try:
        ours = raw.driver_connection
        assert isinstance(ours, sqlite3.Connection)
        if into_engine:
            other.backup(ours)
        else:
            ours.backup(other)
    finally:
        raw.close()
        other.close()
    engine.dispose()  # connections opened before the restore must not keep old pages


def _run_pg_tool(engine: Engine, command: list[str]) -> None:
    """Run pg_dump or pg_restore against the engine's database. The password goes in
    the environment (PGPASSWORD), never on the command line, where `ps` would show it."""
    url = make_url(engine.url)
    env = {**os.environ, "PGHOST": url.host or "", "PGPORT": str(url.port or 5432),
           "PGUSER": url.username or "", "PGDATABASE": url.database or ""}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def _describe(path: Path) -> dict[str, str | int]:
    digest = hashlib.sha256()
    for chunk in _chunks(path):
        digest.update(chunk)
    return {"sha256": digest.hexdigest(), "size": path.stat().st_size}


def _copy_private(source: BinaryIO, destination: Path) -> None:
    """Copy a blob as is into a new 0600 file (0700 folders), refusing to overwrite."""
    destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    with os.fdopen(os.open(destination, flags, 0o600), "wb") as out:
        while chunk := source.read(_CHUNK):
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())


def _write_private(destination: Path, content: bytes) -> None:
    partial = destination.with_suffix(".partial")
    with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, destination)
