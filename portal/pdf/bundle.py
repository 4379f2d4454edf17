"""The evidence bundle: a BagIt bag (SHA-256 and SHA-512 manifests) of the files that
go with a dossier, zipped deterministically (sorted names, fixed times), so that its
SHA-256, printed in the PDF, names exactly one byte sequence.

The bag is written in a private temporary folder (0700) that is removed afterwards,
because the bagit library works on folders; the originals are plaintext there for
the few seconds the bag takes. The zip is returned as a temporary file for the
caller to encrypt into the vault.

bagit is imported by the two functions that use it, not by this module (the web
process imports `BagFile` through the export service without needing it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

FIXED_TIME = (2020, 1, 8, 0, 0, 0)  # zip entries carry no real time: the hash is stable


@dataclass(frozen=True)
class BagFile:
    path: str  # relative to data/, forward slashes, no ".."
    chunks: Iterable[bytes]


def _safe(path: str) -> str:
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if not parts:
        raise ValueError("empty bag path")
    return "/".join(parts)


def build_bag_zip(files: Iterable[BagFile], bag_info: dict[str, str],
                  spool: IO[bytes]) -> str:
    """Write the zipped bag to `spool`; return its SHA-256."""
    import bagit

    with tempfile.TemporaryDirectory(prefix="ps752-bag-") as folder:
        os.chmod(folder, 0o700)
        root = Path(folder) / "bag"
        root.mkdir()
        for item in files:
            target = root / _safe(item.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as out:
                for chunk in item.chunks:
                    out.write(chunk)
        bagit.make_bag(str(root), bag_info=bag_info, checksums=["sha256", "sha512"],
                       processes=1)
        _zip_folder(root, spool)
        shutil.rmtree(root, ignore_errors=True)
    spool.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: spool.read(1 << 20), b""):
        digest.update(chunk)
    spool.seek(0)
    return digest.hexdigest()


def _zip_folder(root: Path, spool: IO[bytes]) -> None:
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = "bag/" + path.relative_to(root).as_posix()
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with open(path, "rb") as source, archive.open(info, "w") as target:
                shutil.copyfileobj(source, target, 1 << 20)


def iter_file(stream: IO[bytes]) -> Iterator[bytes]:
    yield from iter(lambda: stream.read(1 << 20), b"")


def validate_bag_zip(path: str | Path) -> list[str]:
    """Problems of a zipped bag (missing, altered or extra files), or [] when it holds."""
    import bagit

    with tempfile.TemporaryDirectory(prefix="ps752-check-") as folder:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                if member.filename.startswith("/") or ".." in member.filename.split("/"):
                    return [f"unsafe path in the zip: {member.filename[:100]}"]
            archive.extractall(folder)
        bag = bagit.Bag(str(Path(folder) / "bag"))
        try:
            bag.validate(processes=1)
        except bagit.BagValidationError as error:
            return [str(d) for d in getattr(error, "details", [])] or [str(error)]
        except bagit.BagError as error:
            return [str(error)]
    return []
