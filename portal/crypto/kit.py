"""The set of keys and hashers a running portal uses, built once from configuration."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass

from portal.crypto.envelope import KEY_BYTES, EnvelopeCipher, MasterKey, derive_subkey
from portal.crypto.passwords import Argon2Params, PassphraseHasher

# HKDF "info" labels, one per use of INDEX_KEY. They must never change: recovery-code
# digests and the search index stored in the database depend on them. (Before INDEX_KEY
# existed the same labels were applied to the master key, so an installation that sets
# INDEX_KEY to its original master key keeps its recovery codes; see decision 0004.)
RECOVERY_CODES_PURPOSE = "recovery-codes"
RATE_LIMIT_PURPOSE = "rate-limit-keys"
SEARCH_INDEX_PURPOSE = "search-index"
REVIEW_SIGNING_PURPOSE = "review-statements-ed25519"


def build_cipher(active_key_b64: str, active_key_id: str,
                 retired_keys: Mapping[str, str]) -> EnvelopeCipher:
    """An EnvelopeCipher that seals with the active key and opens with any of them.

    Raises:
        ValueError: if a key is not 32 bytes of URL-safe base64, an id is invalid,
            or a retired id is the active one. Messages never contain key material.
    """
    if active_key_id in retired_keys:
        raise ValueError(f"key id {active_key_id!r} is both active and retired")
    keys = {key_id: MasterKey.from_base64(text, key_id) for key_id, text in retired_keys.items()}
    keys[active_key_id] = MasterKey.from_base64(active_key_b64, active_key_id)
    return EnvelopeCipher(keys, active_key_id)


def decode_index_key(index_key_b64: str) -> bytes:
    """The 32 raw bytes of INDEX_KEY (URL-safe base64, padding optional).

    Raises:
        ValueError: if it is not base64 of exactly 32 bytes (the text is never echoed).
    """
    cleaned = index_key_b64.strip() if isinstance(index_key_b64, str) else ""
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), altchars=b"-_",
                               validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("INDEX_KEY is not valid URL-safe base64") from None
    if len(raw) != KEY_BYTES:
        raise ValueError(f"INDEX_KEY must decode to exactly {KEY_BYTES} bytes")
    return raw


@dataclass(frozen=True)
class CryptoKit:
    """Everything secret-bearing that services need, passed to them explicitly.

    `cipher` seals with the active master key and opens values sealed under any
    configured one (active or retired). Keyed hashes use keys derived (HKDF, one per
    purpose) from INDEX_KEY, which does not change when the master key is rotated, so a
    rotation leaves recovery codes, rate-limit keys and the search index valid. A key
    leaked through one purpose does not open the others.
    """

    hasher: PassphraseHasher
    cipher: EnvelopeCipher
    recovery_code_key: bytes
    rate_limit_key: bytes
    search_index_key: bytes
    review_signing_seed: bytes  # Ed25519 seed for signed review statements

    @classmethod
    def from_keys(cls, *, master_key_b64: str, master_key_id: str,
                  retired_master_keys: Mapping[str, str], index_key_b64: str,
                  argon2: Argon2Params) -> CryptoKit:
        """Build the kit from configuration values (base64 text, as configured).

        Raises:
            ValueError: if any key or key id is invalid (see `build_cipher`).
        """
        index_key = decode_index_key(index_key_b64)
        return cls(
            hasher=PassphraseHasher(argon2),
            cipher=build_cipher(master_key_b64, master_key_id, retired_master_keys),
            recovery_code_key=derive_subkey(index_key, RECOVERY_CODES_PURPOSE),
            rate_limit_key=derive_subkey(index_key, RATE_LIMIT_PURPOSE),
            search_index_key=derive_subkey(index_key, SEARCH_INDEX_PURPOSE),
            review_signing_seed=derive_subkey(index_key, REVIEW_SIGNING_PURPOSE),
        )
