"""Unit tests for portal.crypto.envelope."""

from __future__ import annotations

import base64

import pytest

from portal.crypto.envelope import (
    DecryptionError,
    EnvelopeCipher,
    MasterKey,
    derive_subkey,
    generate_master_key_b64,
)

CONTEXT = "user:42:totp_secret"
SECRET = b"JBSWY3DPEHPK3PXP"


def make_key(key_id: str = "k1") -> MasterKey:
    return MasterKey.from_base64(generate_master_key_b64(), key_id)


def make_cipher() -> tuple[EnvelopeCipher, MasterKey]:
    k1 = make_key("k1")
    return EnvelopeCipher({"k1": k1}, "k1"), k1


def flip_bit(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


def test_seal_then_open_roundtrip() -> None:
    cipher, _ = make_cipher()
    assert cipher.open(cipher.seal(SECRET, CONTEXT), CONTEXT) == SECRET


def test_empty_plaintext_roundtrips() -> None:
    cipher, _ = make_cipher()
    assert cipher.open(cipher.seal(b"", CONTEXT), CONTEXT) == b""


def test_open_with_wrong_context_fails() -> None:
    cipher, _ = make_cipher()
    sealed = cipher.seal(SECRET, CONTEXT)
    with pytest.raises(DecryptionError):
        cipher.open(sealed, "user:43:totp_secret")


def test_sealed_layout_is_self_describing() -> None:
    cipher, _ = make_cipher()
    sealed = cipher.seal(SECRET, CONTEXT)
    assert sealed[0] == 1
    assert sealed[1] == 2
    assert sealed[2:4] == b"k1"
    assert len(sealed) == 1 + 1 + 2 + 12 + 48 + 12 + len(SECRET) + 16


def _regions(sealed: bytes) -> dict[str, int]:
    kid_len = sealed[1]
    start = 2 + kid_len
    return {
        "version": 0,
        "key_id_length": 1,
        "key_id": 2,
        "wrap_nonce": start,
        "wrapped_key": start + 12,
        "wrapped_key_tag": start + 12 + 47,
        "payload_nonce": start + 12 + 48,
        "ciphertext": start + 12 + 48 + 12,
        "tag": len(sealed) - 1,
    }


@pytest.mark.parametrize(
    "region",
    [
        "version",
        "key_id_length",
        "key_id",
        "wrap_nonce",
        "wrapped_key",
        "wrapped_key_tag",
        "payload_nonce",
        "ciphertext",
        "tag",
    ],
)
def test_flipped_bit_in_any_region_fails(region: str) -> None:
    cipher, _ = make_cipher()
    sealed = cipher.seal(SECRET, CONTEXT)
    with pytest.raises(DecryptionError):
        cipher.open(flip_bit(sealed, _regions(sealed)[region]), CONTEXT)


def test_every_single_bit_flip_fails() -> None:
    cipher, _ = make_cipher()
    sealed = cipher.seal(b"x", CONTEXT)
    for i in range(len(sealed)):
        for bit in range(8):
            tampered = bytearray(sealed)
            tampered[i] ^= 1 << bit
            with pytest.raises(DecryptionError):
                cipher.open(bytes(tampered), CONTEXT)


def test_truncated_values_fail() -> None:
    cipher, _ = make_cipher()
    sealed = cipher.seal(SECRET, CONTEXT)
    for length in range(len(sealed)):
        with pytest.raises(DecryptionError):
            cipher.open(sealed[:length], CONTEXT)


def test_appended_bytes_fail() -> None:
    cipher, _ = make_cipher()
    with pytest.raises(DecryptionError):
        cipher.open(cipher.seal(SECRET, CONTEXT) + b"\x00", CONTEXT)


def test_unknown_key_id_fails() -> None:
    k2 = make_key("k2")
    sealed = EnvelopeCipher({"k2": k2}, "k2").seal(SECRET, CONTEXT)
    cipher, _ = make_cipher()
    with pytest.raises(DecryptionError):
        cipher.open(sealed, CONTEXT)


def test_same_key_id_with_different_key_material_fails() -> None:
    sealed = EnvelopeCipher({"k1": make_key("k1")}, "k1").seal(SECRET, CONTEXT)
    with pytest.raises(DecryptionError):
        EnvelopeCipher({"k1": make_key("k1")}, "k1").open(sealed, CONTEXT)


def test_rotation_keeps_old_values_readable_and_seals_with_new_key() -> None:
    k1 = make_key("k1")
    old_blob = EnvelopeCipher({"k1": k1}, "k1").seal(SECRET, CONTEXT)
    k2 = make_key("k2")
    rotated = EnvelopeCipher({"k1": k1, "k2": k2}, "k2")
    assert rotated.open(old_blob, CONTEXT) == SECRET
    new_blob = rotated.seal(SECRET, CONTEXT)
    assert new_blob[2 : 2 + new_blob[1]] == b"k2"
    assert rotated.open(new_blob, CONTEXT) == SECRET
    with pytest.raises(DecryptionError):
        EnvelopeCipher({"k1": k1}, "k1").open(new_blob, CONTEXT)


def test_two_seals_of_same_plaintext_differ() -> None:
    cipher, _ = make_cipher()
    assert cipher.seal(SECRET, CONTEXT) != cipher.seal(SECRET, CONTEXT)


@pytest.mark.parametrize("nbytes", [0, 16, 31, 33, 64])
def test_master_key_of_wrong_length_raises_value_error(nbytes: int) -> None:
    text = base64.urlsafe_b64encode(b"\x01" * nbytes).decode()
    with pytest.raises(ValueError, match="32 bytes"):
        MasterKey.from_base64(text)


def test_master_key_invalid_base64_raises_value_error() -> None:
    with pytest.raises(ValueError, match="base64"):
        MasterKey.from_base64("not base64 at all!!")


def test_master_key_accepts_unpadded_base64_and_hides_key_in_repr() -> None:
    text = generate_master_key_b64().rstrip("=")
    key = MasterKey.from_base64(text, "k7")
    assert len(key.key) == 32
    assert key.key_id == "k7"
    assert text not in repr(key)
    assert "redacted" in repr(key)


def test_cipher_rejects_inconsistent_configuration() -> None:
    k1 = make_key("k1")
    with pytest.raises(ValueError, match="not configured"):
        EnvelopeCipher({"k1": k1}, "k2")
    with pytest.raises(ValueError, match="registered as"):
        EnvelopeCipher({"other": k1}, "other")


def test_derive_subkey_is_deterministic_and_purpose_separated() -> None:
    master = make_key()
    a = derive_subkey(master, "recovery-codes")
    assert len(a) == 32
    assert a == derive_subkey(master, "recovery-codes")
    assert a != derive_subkey(master, "rate-limit")
    assert a != master.key
    assert a != derive_subkey(make_key(), "recovery-codes")


def test_derive_subkey_accepts_raw_32_byte_key_material() -> None:
    master = make_key()
    assert derive_subkey(master.key, "search-index") == derive_subkey(master, "search-index")
    with pytest.raises(ValueError, match="32 bytes"):
        derive_subkey(b"short", "search-index")


# --- key ids and rewrapping (master-key rotation) -----------------------------------------


def rotated_pair() -> tuple[EnvelopeCipher, EnvelopeCipher]:
    """A cipher on k1 alone, and the cipher after rotation: k2 active, k1 retired."""
    k1, k2 = make_key("k1"), make_key("k2")
    return EnvelopeCipher({"k1": k1}, "k1"), EnvelopeCipher({"k1": k1, "k2": k2}, "k2")


def test_key_id_of_reads_the_header() -> None:
    old, new = rotated_pair()
    assert new.key_id_of(old.seal(SECRET, CONTEXT)) == "k1"
    assert new.key_id_of(new.seal(SECRET, CONTEXT)) == "k2"
    # Parsing needs no key: an id the cipher does not hold is still reported.
    assert old.key_id_of(new.seal(SECRET, CONTEXT)) == "k2"
    assert new.key_ids == ("k1", "k2")


@pytest.mark.parametrize("garbage", [
    b"", b"\x01", b"\x01\x02k1", b"\x02\x02k1" + b"\x00" * 100,
    b"\x01\x02\xff\xfe" + b"\x00" * 100, b"\x01\x02k " + b"\x00" * 100,
    b"\x01\x00" + b"\x00" * 100, b"plain text that was never sealed",
], ids=["empty", "one-byte", "header-only", "version-2", "non-ascii-id", "bad-id-char",
        "empty-id", "plaintext"])
def test_key_id_of_garbage_raises_decryption_error(garbage: bytes) -> None:
    cipher, _ = make_cipher()
    with pytest.raises(DecryptionError):
        cipher.key_id_of(garbage)


def test_key_id_of_refuses_non_bytes() -> None:
    cipher, _ = make_cipher()
    with pytest.raises(TypeError):
        cipher.key_id_of("k1")  # type: ignore[arg-type]


def test_rewrap_moves_a_value_to_the_active_key_with_the_same_plaintext_and_context() -> None:
    old, new = rotated_pair()
    before = old.seal(SECRET, CONTEXT)
    after = new.rewrap(before, CONTEXT)
    assert new.key_id_of(after) == "k2"
    assert new.open(after, CONTEXT) == SECRET
    # Bound to the same context, and no longer openable with k1 alone.
    with pytest.raises(DecryptionError):
        new.open(after, "users:43:totp_secret_sealed")
    with pytest.raises(DecryptionError):
        old.open(after, CONTEXT)


def test_rewrap_of_a_value_already_under_the_active_key_makes_a_fresh_blob() -> None:
    _, new = rotated_pair()
    current = new.seal(SECRET, CONTEXT)
    again = new.rewrap(current, CONTEXT)
    assert again != current  # a fresh data key and nonces
    assert new.open(again, CONTEXT) == SECRET


def test_rewrap_refuses_a_value_from_another_context() -> None:
    old, new = rotated_pair()
    copied = old.seal(SECRET, "users:41:totp_secret_sealed")
    with pytest.raises(DecryptionError):
        new.rewrap(copied, CONTEXT)


def test_rewrap_refuses_tampered_values_and_unknown_keys() -> None:
    old, new = rotated_pair()
    sealed = old.seal(SECRET, CONTEXT)
    with pytest.raises(DecryptionError):
        new.rewrap(flip_bit(sealed, len(sealed) - 1), CONTEXT)
    stranger = EnvelopeCipher({"k9": make_key("k9")}, "k9").seal(SECRET, CONTEXT)
    with pytest.raises(DecryptionError):
        new.rewrap(stranger, CONTEXT)


def test_a_retired_key_is_not_used_to_seal() -> None:
    _, new = rotated_pair()
    assert new.active_key_id == "k2"
    assert new.key_id_of(new.seal(SECRET, CONTEXT)) == "k2"
