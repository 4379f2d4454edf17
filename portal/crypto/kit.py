"""The set of keys and hashers a running portal uses, built once from configuration."""

from __future__ import annotations

from dataclasses import dataclass

from portal.crypto.envelope import EnvelopeCipher, MasterKey, derive_subkey
from portal.crypto.passwords import Argon2Params, PassphraseHasher


@dataclass(frozen=True)
class CryptoKit:
    """Everything secret-bearing that services need, passed to them explicitly.

    Each purpose gets its own key derived from the master key (HKDF), so a key
    leaked through one use does not open the others.
    """

    hasher: PassphraseHasher
    cipher: EnvelopeCipher
    recovery_code_key: bytes
    rate_limit_key: bytes

    @classmethod
    def from_master_key(cls, master_key_b64: str, argon2: Argon2Params) -> CryptoKit:
        master = MasterKey.from_base64(master_key_b64)
        return cls(
            hasher=PassphraseHasher(argon2),
            cipher=EnvelopeCipher({master.key_id: master}, master.key_id),
            recovery_code_key=derive_subkey(master, "recovery-codes"),
            rate_limit_key=derive_subkey(master, "rate-limit-keys"),
        )
