"""The evidence bundle: a BagIt 1.0 bag (RFC 8493; SHA-256 and SHA-512 manifests) of
the files that go with a dossier, zipped deterministically (sorted names, fixed times),
so that its SHA-256, printed in the PDF, names exactly one byte sequence.

The zip is written as a stream, in one pass, into whatever the caller gives (the
export gives an encrypting writer on a pending blob): each payload file goes from its
chunks (a decrypting reader) through the hashes and the compressor into the zip, and
the tag files (manifests, bag-info, tag manifests) follow once the payload is hashed.
Nothing is written to a folder or read back, so no plaintext original, custody log or
staff purpose is ever on disk, and a process killed while it bundles leaves nothing
readable behind. The zip is never sought either: entries carry data descriptors.

The bag also carries the offline verifier, `data/verify.py` (portal/pdf/verify.py
itself, one self-contained file: decision 0019), and the caller may `declare` the
SHA-256 of payload files (what the signed manifest lists): a file that streams other
bytes than declared fails the build.

`validate_bag_zip` checks a bag with the bagit library (which wants a folder): a tool
for tests and operators holding a bundle already, never used by the export. bagit is
imported there only, not by this module (the web process imports `BagFile` through
the export service without needing it).
"""

from __future__ import annotations

import hashlib
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

FIXED_TIME = (2020, 1, 8, 0, 0, 0)  # zip entries carry no real time: the hash is stable
ALGORITHMS = ("sha256", "sha512")
TOP = "bag/"
BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
VERIFIER_PATH = "verify.py"  # the offline verifier, in every bag (data/verify.py)


def verifier_source() -> bytes:
    """The standalone offline verifier (portal/pdf/verify.py) as every bag carries it."""
    return Path(__file__).with_name("verify.py").read_bytes()


@dataclass(frozen=True)
class BagFile:
    path: str  # relative to data/, forward slashes, no ".."
    chunks: Iterable[bytes]
    size_bytes: int | None = None  # when known: a file over 2 GiB then gets a ZIP64 entry


@dataclass(frozen=True)
class ZipDigest:
    """What was written: the zip's SHA-256 and length."""

    sha256: str
    size_bytes: int


class Sink(Protocol):
    def write(self, data: bytes, /) -> int: ...


class _StreamSink:
    """What the zip is written through: hashes and counts every byte, and has no
    `tell`/`seek`, so zipfile writes one forward stream (data descriptors) whatever
    the destination, and the same files always give the same bytes."""

    def __init__(self, destination: Sink) -> None:
        self._destination = destination
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._destination.write(data)
        self._hash.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        """Nothing to do: every write goes on at once."""

    def close(self) -> None:
        """Nothing to do: the destination is the caller's, left open."""

    def digest(self) -> ZipDigest:
        return ZipDigest(self._hash.hexdigest(), self.size)


@dataclass
class _Payload:
    """The payload's checksums (algorithm -> [(manifest path, hex digest)]) and its
    Payload-Oxum (octets, files)."""

    manifests: dict[str, list[tuple[str, str]]] = field(
        default_factory=lambda: {algorithm: [] for algorithm in ALGORITHMS})
    octets: int = 0
    count: int = 0


def bag_path(path: str) -> str:
    """`path` as a payload path that reads back identically from the zip, the bagit
    library and the offline verifier (portal/pdf/verify.py): no empty, "." or ".."
    segment; control characters, "%" and backslashes (which the manifests would
    percent-encode, or a zip tool read as a folder) become "_"; no segment starts
    or ends with spaces (a manifest line is trimmed). Raises ValueError when
    nothing is left."""
    segments = []
    for segment in path.split("/"):
        cleaned = "".join("_" if unicodedata.category(ch) in ("Cc", "Cs") or ch in "%\\"
                          else ch for ch in segment).strip()
        if cleaned not in ("", ".", ".."):
            segments.append(cleaned)
    if not segments:
        raise ValueError("empty bag path")
    return "/".join(segments)


def build_bag_zip(files: Iterable[BagFile], bag_info: dict[str, str],
                  destination: Sink, declared: Mapping[str, str] | None = None) -> ZipDigest:
    """Write the zipped bag to `destination` (only `write` is called); return the
    zip's SHA-256 and length. Raises ValueError for two files with the same path, a
    bag-info value with a line break, or a file whose SHA-256 is not the one `declared`
    for its path (relative to data/), and whatever reading a file's chunks raises
    (then what was written is unfinished: the caller discards it)."""
    sink = _StreamSink(destination)
    by_path = _by_path(files)
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        payload = _Payload()
        for path in sorted(by_path):
            _write_payload_file(archive, path, by_path[path], payload)
        _check_declared(payload, declared or {})
        _write_tag_files(archive, payload, bag_info)
    return sink.digest()


def _check_declared(payload: _Payload, declared: Mapping[str, str]) -> None:
    written = {path.removeprefix("data/"): digest
               for path, digest in payload.manifests["sha256"]}
    for path, digest in declared.items():
        if written.get(bag_path(path)) != digest:
            raise ValueError(f"bag file {path[:100]} is not what the manifest declares")


def _by_path(files: Iterable[BagFile]) -> dict[str, BagFile]:
    by_path: dict[str, BagFile] = {}
    for item in files:
        path = bag_path(item.path)
        if path in by_path:
            raise ValueError(f"two files of the bag at {path[:100]}")
        by_path[path] = item
    return by_path


def _entry(name: str, size_bytes: int | None = None) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(TOP + name, date_time=FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    info.file_size = size_bytes or 0  # zipfile chooses ZIP64 from it; the real size follows
    return info


def _write_payload_file(archive: zipfile.ZipFile, path: str, item: BagFile,
                        payload: _Payload) -> None:
    """Stream one file into the zip, hashing it with every algorithm on the way."""
    hashes = {algorithm: hashlib.new(algorithm) for algorithm in ALGORITHMS}
    with archive.open(_entry(f"data/{path}", item.size_bytes), "w") as target:
        for chunk in item.chunks:
            for digest in hashes.values():
                digest.update(chunk)
            target.write(chunk)
            payload.octets += len(chunk)
    payload.count += 1
    for algorithm, digest in hashes.items():
        payload.manifests[algorithm].append((f"data/{path}", digest.hexdigest()))


def _write_tag_files(archive: zipfile.ZipFile, payload: _Payload,
                     bag_info: dict[str, str]) -> None:
    """bagit.txt, bag-info.txt (with the Payload-Oxum), the payload manifests, then
    the tag manifests, which cover the other four."""
    tags = {"bagit.txt": BAGIT_TXT, "bag-info.txt": _bag_info_txt(payload, bag_info)}
    for algorithm in ALGORITHMS:
        tags[f"manifest-{algorithm}.txt"] = _manifest_txt(payload.manifests[algorithm])
    for algorithm in ALGORITHMS:
        tags[f"tagmanifest-{algorithm}.txt"] = _manifest_txt(
            [(name, hashlib.new(algorithm, data).hexdigest())
             for name, data in tags.items() if not name.startswith("tagmanifest-")])
    for name, data in tags.items():
        archive.writestr(_entry(name), data)


def _bag_info_txt(payload: _Payload, bag_info: dict[str, str]) -> bytes:
    values = {**bag_info, "Payload-Oxum": f"{payload.octets}.{payload.count}"}
    if any("\n" in f"{k}{v}" or "\r" in f"{k}{v}" or ":" in k for k, v in values.items()):
        raise ValueError("a bag-info element holds a line break or its label a colon")
    return "".join(f"{key}: {values[key]}\n" for key in sorted(values)).encode("utf-8")


def _manifest_txt(entries: list[tuple[str, str]]) -> bytes:
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(entries)).encode("utf-8")


def validate_bag_zip(path: str | Path) -> list[str]:
    """Problems of a zipped bag (missing, altered or extra files), or [] when it holds,
    as the bagit library sees them. It extracts the bag into a private temporary folder,
    removed afterwards: for a bundle already downloaded, never for the vault's."""
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
