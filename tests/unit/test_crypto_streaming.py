"""Unit tests for portal.crypto.streaming (per-file streaming AEAD)."""

from __future__ import annotations

import gc
import hashlib
import io
import os
import tracemalloc
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.formparser import FormDataParser
from werkzeug.test import encode_multipart

from portal.crypto.envelope import DecryptionError, EnvelopeCipher, MasterKey
from portal.crypto.streaming import (
    EncryptingWriter,
    FileKey,
    StreamIntegrityError,
)

MiB = 1024 * 1024
SEGMENT = MiB  # AES256_GCM_HKDF_1MB: 1 MiB ciphertext segments, the header in the first
HEADER = 40  # header length byte + 32-byte salt + 7-byte nonce prefix
AD = b"0123456789abcdef0123456789abcdef"
CONTEXT = "evidence:0123456789abcdef0123456789abcdef"


def make_cipher() -> EnvelopeCipher:
    return EnvelopeCipher({"k1": MasterKey(os.urandom(32), "k1")}, "k1")


def encrypt(key: FileKey, plaintext: bytes, ad: bytes = AD) -> bytes:
    destination = io.BytesIO()
    writer = key.encrypting_writer(destination, ad)
    writer.write(plaintext)
    writer.close()
    return destination.getvalue()


def decrypt(key: FileKey, ciphertext: bytes, ad: bytes = AD) -> bytes:
    reader = key.decrypting_reader(io.BytesIO(ciphertext), ad)
    return b"".join(reader.iter_chunks())


@pytest.fixture(scope="module")
def big() -> tuple[FileKey, bytes, bytes]:
    """A 5 MiB + 17 byte file: six segments, the last one short."""
    key = FileKey.generate()
    plaintext = os.urandom(5 * MiB + 17)
    return key, plaintext, encrypt(key, plaintext)


@pytest.mark.parametrize("size", [0, 1, MiB - 1, MiB, MiB + 1, 5 * MiB + 17])
def test_round_trip_restores_plaintext_and_its_sha256(size: int) -> None:
    key = FileKey.generate()
    plaintext = os.urandom(size)
    destination = io.BytesIO()
    writer = key.encrypting_writer(destination, AD)
    for start in range(0, size, 300_000):  # uneven writes cross segment boundaries
        writer.write(plaintext[start : start + 300_000])
    writer.close()
    expected = hashlib.sha256(plaintext).hexdigest()
    assert (writer.size, writer.sha256_hex, writer.finished) == (size, expected, True)

    reader = key.decrypting_reader(io.BytesIO(destination.getvalue()), AD)
    assert b"".join(reader.iter_chunks(64 * 1024)) == plaintext
    assert (reader.size, reader.sha256_hex, reader.complete) == (size, expected, True)


def test_ciphertext_does_not_contain_the_plaintext(big: tuple[FileKey, bytes, bytes]) -> None:
    _key, plaintext, ciphertext = big
    assert plaintext[1000:1064] not in ciphertext


@pytest.mark.parametrize(
    "where",
    ["header length", "salt", "nonce prefix", "first segment", "middle segment",
     "last segment", "last tag"],
)
def test_a_flipped_byte_anywhere_fails(big: tuple[FileKey, bytes, bytes], where: str) -> None:
    key, _plaintext, ciphertext = big
    index = {
        "header length": 0, "salt": 5, "nonce prefix": HEADER - 1, "first segment": HEADER + 7,
        "middle segment": 3 * SEGMENT + 12345, "last segment": len(ciphertext) - 40,
        "last tag": len(ciphertext) - 1,
    }[where]
    altered = bytearray(ciphertext)
    altered[index] ^= 0x01
    with pytest.raises(StreamIntegrityError):
        decrypt(key, bytes(altered))


def test_dropping_the_last_byte_fails(big: tuple[FileKey, bytes, bytes]) -> None:
    key, _plaintext, ciphertext = big
    with pytest.raises(StreamIntegrityError):
        decrypt(key, ciphertext[:-1])


def test_dropping_the_whole_last_segment_fails(big: tuple[FileKey, bytes, bytes]) -> None:
    key, _plaintext, ciphertext = big
    assert len(ciphertext) > 5 * SEGMENT
    with pytest.raises(StreamIntegrityError):
        decrypt(key, ciphertext[: 5 * SEGMENT])


def test_truncated_to_the_header_or_nothing_fails(big: tuple[FileKey, bytes, bytes]) -> None:
    key, _plaintext, ciphertext = big
    for cut in (0, 10, HEADER, SEGMENT):
        with pytest.raises(StreamIntegrityError):
            decrypt(key, ciphertext[:cut])


def test_swapping_two_segments_fails(big: tuple[FileKey, bytes, bytes]) -> None:
    key, _plaintext, ciphertext = big
    one, two = ciphertext[SEGMENT : 2 * SEGMENT], ciphertext[2 * SEGMENT : 3 * SEGMENT]
    swapped = ciphertext[:SEGMENT] + two + one + ciphertext[3 * SEGMENT :]
    with pytest.raises(StreamIntegrityError):
        decrypt(key, swapped)


def test_a_failure_mid_stream_keeps_failing(big: tuple[FileKey, bytes, bytes]) -> None:
    key, _plaintext, ciphertext = big
    reader = key.decrypting_reader(io.BytesIO(ciphertext[: 5 * SEGMENT]), AD)
    with pytest.raises(StreamIntegrityError):
        reader.read()
    with pytest.raises(StreamIntegrityError):
        reader.read(10)
    assert not reader.complete


def test_wrong_associated_data_fails() -> None:
    key = FileKey.generate()
    ciphertext = encrypt(key, b"evidence")
    with pytest.raises(StreamIntegrityError):
        decrypt(key, ciphertext, ad=b"another blob key")


def test_another_files_key_fails() -> None:
    ciphertext = encrypt(FileKey.generate(), b"evidence")
    with pytest.raises(StreamIntegrityError):
        decrypt(FileKey.generate(), ciphertext)


def test_wrapped_key_unwraps_under_its_context_and_records_the_key_id() -> None:
    cipher = make_cipher()
    key = FileKey.generate()
    ciphertext = encrypt(key, b"evidence")
    wrapped = key.wrap(cipher, CONTEXT)
    assert cipher.key_id_of(wrapped) == "k1"
    assert decrypt(FileKey.unwrap(cipher, wrapped, CONTEXT), ciphertext) == b"evidence"


def test_unwrap_with_a_wrong_context_fails() -> None:
    cipher = make_cipher()
    wrapped = FileKey.generate().wrap(cipher, CONTEXT)
    with pytest.raises(DecryptionError):
        FileKey.unwrap(cipher, wrapped, "evidence:ffffffffffffffffffffffffffffffff")


def test_unwrap_of_a_tampered_key_fails() -> None:
    cipher = make_cipher()
    wrapped = bytearray(FileKey.generate().wrap(cipher, CONTEXT))
    wrapped[-1] ^= 0x01
    with pytest.raises(DecryptionError):
        FileKey.unwrap(cipher, bytes(wrapped), CONTEXT)


def test_unwrap_refuses_a_sealed_value_that_is_not_a_streaming_keyset() -> None:
    cipher = make_cipher()
    with pytest.raises(DecryptionError):
        FileKey.unwrap(cipher, cipher.seal(b"\x08\x01not a keyset", CONTEXT), CONTEXT)


def test_two_files_get_different_keys() -> None:
    cipher = make_cipher()
    first, second = FileKey.generate(), FileKey.generate()
    assert cipher.open(first.wrap(cipher, CONTEXT), CONTEXT) != cipher.open(
        second.wrap(cipher, CONTEXT), CONTEXT
    )
    assert encrypt(first, b"same") != encrypt(second, b"same")


def test_key_repr_hides_the_key() -> None:
    assert repr(FileKey.generate()) == "FileKey(<redacted>)"


def test_destination_stays_open_and_flushed_after_close(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    with path.open("wb") as destination:
        writer = FileKey.generate().encrypting_writer(destination, AD)
        writer.write(b"x" * 1000)
        writer.close()
        assert not destination.closed
        assert path.stat().st_size == HEADER + 1000 + 16  # flushed to the OS
        destination.write(b"")  # still usable
        writer.close()  # idempotent


def test_an_abandoned_writer_never_finishes_the_ciphertext() -> None:
    # Tink finishes a stream when it is garbage-collected; an interrupted upload must
    # not turn into a valid shorter file.
    key = FileKey.generate()
    destination = io.BytesIO()
    writer = key.encrypting_writer(destination, AD)
    writer.write(os.urandom(2 * MiB + 5))
    del writer
    gc.collect()
    with pytest.raises(StreamIntegrityError):
        decrypt(key, destination.getvalue())


def test_leaving_a_with_block_on_an_exception_aborts() -> None:
    key = FileKey.generate()
    destination = io.BytesIO()
    writer = key.encrypting_writer(destination, AD)

    def upload_that_breaks() -> None:
        with writer:
            writer.write(b"partial")
            raise RuntimeError("connection dropped")

    with pytest.raises(RuntimeError):
        upload_that_breaks()
    assert writer.closed
    assert not writer.finished
    with pytest.raises(StreamIntegrityError):
        decrypt(key, destination.getvalue())
    with pytest.raises(ValueError, match="closed"):
        writer.write(b"more")


def test_writer_tolerates_what_werkzeug_calls_and_refuses_other_seeks() -> None:
    writer = FileKey.generate().encrypting_writer(io.BytesIO(), AD)
    writer.write(b"abc")
    assert (writer.tell(), writer.seek(0), writer.tell()) == (3, 3, 3)
    with pytest.raises(io.UnsupportedOperation):
        writer.seek(1)
    assert not writer.readable()
    assert not writer.seekable()


def parse_upload(
    key: FileKey, destination: io.BytesIO, body: bytes, boundary: str
) -> tuple[list[EncryptingWriter], MultiDict[str, str], MultiDict[str, FileStorage]]:
    """Run Werkzeug's multipart parser with a stream factory that encrypts."""
    writers: list[EncryptingWriter] = []

    def stream_factory(
        total_content_length: int | None, content_type: str | None,
        filename: str | None, content_length: int | None = None,
    ) -> EncryptingWriter:
        writers.append(key.encrypting_writer(destination, AD))
        return writers[-1]

    parser = FormDataParser(stream_factory=stream_factory, silent=False)  # type: ignore[arg-type]
    _stream, form, files = parser.parse(
        io.BytesIO(body), "multipart/form-data", len(body), {"boundary": boundary}
    )
    return writers, form, files


def test_werkzeug_multipart_parser_streams_an_upload_into_the_writer() -> None:
    key = FileKey.generate()
    plaintext = os.urandom(3 * MiB + 3)
    destination = io.BytesIO()
    boundary, body = encode_multipart(
        {"note": "hello", "file": FileStorage(io.BytesIO(plaintext), "photo.jpg")}
    )
    writers, form, files = parse_upload(key, destination, body, boundary)
    files["file"].close()  # what Request.close() does

    assert form["note"] == "hello"
    assert len(writers) == 1
    assert writers[0].finished
    assert writers[0].sha256_hex == hashlib.sha256(plaintext).hexdigest()
    assert decrypt(key, destination.getvalue()) == plaintext


def test_an_upload_cut_off_inside_werkzeug_leaves_an_undecryptable_ciphertext() -> None:
    key = FileKey.generate()
    destination = io.BytesIO()
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(os.urandom(3 * MiB)), "photo.jpg")}
    )
    with pytest.raises(ValueError, match="cannot parse"):
        parse_upload(key, destination, body[: 2 * MiB], boundary)
    gc.collect()
    with pytest.raises(StreamIntegrityError):
        decrypt(key, destination.getvalue())


def test_memory_stays_bounded_streaming_64_mib(tmp_path: Path) -> None:
    key = FileKey.generate()
    chunk = os.urandom(MiB)
    path = tmp_path / "blob"
    tracemalloc.start()
    try:
        with path.open("wb") as destination:
            writer = key.encrypting_writer(destination, AD)
            for _ in range(64):
                writer.write(chunk)
            writer.close()
        with path.open("rb") as source:
            reader = key.decrypting_reader(source, AD)
            for _ in reader.iter_chunks():
                pass
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reader.complete
    assert reader.size == 64 * MiB
    assert reader.sha256_hex == writer.sha256_hex
    assert peak < 16 * MiB
