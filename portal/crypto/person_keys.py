"""Per-person key pairs: made once, kept under the person's passphrase, held per session.

Decision 0027. Every account has an HPKE key pair (Tink hybrid keyset,
DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM; RFC 9180). Anyone may encrypt to
the public keyset; only the person can open what was encrypted to them, because:

- **At rest** the private keyset exists only encrypted (AES-256-GCM) under a key
  derived from the person's passphrase with Argon2id (argon2-cffi `hash_secret_raw`),
  with a random salt of its own, never the login hash's. The cost parameters are
  stored beside it, so they can change later without locking anyone out.
- **During a session** the server keeps it encrypted again under a key derived (HKDF)
  from the session's cookie token. The database stores only the token's SHA-256
  digest (decision 0001), so a copy of the database, sessions table included, cannot
  re-derive that key; the browser alone holds the other half.

Security assumptions: Tink and `cryptography` provide every primitive; nothing here is
a construction of our own beyond choosing the associated data. The associated data of
the passphrase wrap names the account and the fingerprint of its public keyset, so a
wrapped key moved to another account, or a public key swapped in the database, no
longer opens (the owner notices at the next sign-in). Plaintext keys, passphrases
and tokens are never logged nor put in exception messages.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

import tink
from argon2.exceptions import HashingError
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from tink import hybrid, secret_key_access

from portal.crypto.passphrase_form import passphrase_form
from portal.crypto.passwords import Argon2Params

__all__ = [
    "KDF_SALT_BYTES",
    "PersonKeyError",
    "PrivateKey",
    "WrappedPrivateKey",
    "hold_for_session",
    "public_key_fingerprint",
    "release_from_session",
    "seal_to",
    "unwrap_with_passphrase",
    "wrap_under_passphrase",
]

KDF_SALT_BYTES = 16
_KEY_BYTES = 32
_NONCE_BYTES = 12
_HOLD_SALT_BYTES = 16
_HOLD_VERSION = 1
_WRAP_LABEL = b"ps752 person key under passphrase v1|"
_HOLD_LABEL = b"ps752 person key held for a session v1|"


class PersonKeyError(Exception):
    """A private key could not be opened: wrong passphrase, wrong cookie, a moved or
    altered blob, or a keyset that is not a person key. Says nothing more."""


@cache
def _register_tink() -> None:
    hybrid.register()


class PrivateKey:
    """A person's private HPKE keyset in memory. ``repr`` hides it; never log it."""

    __slots__ = ("_handle",)

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    @classmethod
    def generate(cls) -> PrivateKey:
        """A fresh key pair (Tink ``DHKEM_X25519_HKDF_SHA256_HKDF_SHA256_AES_256_GCM``)."""
        _register_tink()
        template = hybrid.hybrid_key_templates.DHKEM_X25519_HKDF_SHA256_HKDF_SHA256_AES_256_GCM
        return cls(tink.new_keyset_handle(template))

    @classmethod
    def _parse(cls, serialized: bytes) -> PrivateKey:
        _register_tink()
        try:
            handle = tink.proto_keyset_format.parse(serialized, secret_key_access.TOKEN)
            handle.primitive(hybrid.HybridDecrypt)
        except (tink.TinkError, ValueError):
            raise PersonKeyError("the opened bytes are not a person key") from None
        return cls(handle)

    def _serialize(self) -> bytes:
        return cast(bytes, tink.proto_keyset_format.serialize(self._handle,
                                                              secret_key_access.TOKEN))

    def public_keyset(self) -> bytes:
        """The public half, serialized (Tink binary keyset, no secret): safe to store."""
        public = self._handle.public_keyset_handle()
        return cast(bytes, tink.proto_keyset_format.serialize_without_secret(public))

    def open(self, sealed: bytes, context: str) -> bytes:
        """Decrypt a value made by :func:`seal_to` for this key with the same ``context``.

        Raises:
            PersonKeyError: if it was sealed to another key, under another context, or
                altered.
        """
        try:
            return cast(bytes, self._handle.primitive(hybrid.HybridDecrypt)
                        .decrypt(bytes(sealed), context.encode("utf-8")))
        except tink.TinkError:
            raise PersonKeyError("the value does not open with this person's key") from None

    def __repr__(self) -> str:
        return "PrivateKey(<redacted>)"


def public_key_fingerprint(public_keyset: bytes) -> str:
    """SHA-256 (hex) of a serialized public keyset: what people compare, and what the
    passphrase wrap is bound to."""
    return hashlib.sha256(bytes(public_keyset)).hexdigest()


def seal_to(public_keyset: bytes, data: bytes, context: str) -> bytes:
    """Encrypt ``data`` so that only the holder of the matching private key can read it.

    Needs no secret: an advocate's report can be sealed to a reviewer who is signed
    out. ``context`` (e.g. ``"family_keys:7:user:42"``) is bound into the ciphertext
    and must be given again to open it.

    Raises:
        PersonKeyError: if ``public_keyset`` is not a person's public key.
        ValueError: if ``context`` is empty.
    """
    if not context:
        raise ValueError("context must be non-empty")
    _register_tink()
    try:
        handle = tink.proto_keyset_format.parse_without_secret(bytes(public_keyset))
        encrypt = handle.primitive(hybrid.HybridEncrypt)
    except (tink.TinkError, ValueError):
        raise PersonKeyError("not a person's public key") from None
    return cast(bytes, encrypt.encrypt(bytes(data), context.encode("utf-8")))


@dataclass(frozen=True)
class WrappedPrivateKey:
    """A private key as stored: AES-256-GCM under Argon2id(passphrase, salt, params)."""

    ciphertext: bytes
    salt: bytes
    params: Argon2Params


def _passphrase_key(passphrase: str, salt: bytes, params: Argon2Params) -> bytes:
    try:
        return hash_secret_raw(
            secret=passphrase_form(passphrase).encode("utf-8"), salt=salt,
            time_cost=params.time_cost, memory_cost=params.memory_cost_kib,
            parallelism=params.parallelism, hash_len=_KEY_BYTES, type=Type.ID)
    except HashingError:
        raise PersonKeyError("the passphrase key could not be derived") from None


def wrap_under_passphrase(key: PrivateKey, passphrase: str, params: Argon2Params,
                          binding: str) -> WrappedPrivateKey:
    """Encrypt ``key`` under a key derived from ``passphrase`` (fresh salt and nonce).

    ``binding`` names the account and its public key fingerprint; it must be given
    again to unwrap. Costs one Argon2id derivation at ``params``.
    """
    salt = secrets.token_bytes(KDF_SALT_BYTES)
    nonce = secrets.token_bytes(_NONCE_BYTES)
    kek = _passphrase_key(passphrase, salt, params)
    ciphertext = AESGCM(kek).encrypt(nonce, key._serialize(),
                                     _WRAP_LABEL + binding.encode("utf-8"))
    return WrappedPrivateKey(nonce + ciphertext, salt, params)


def unwrap_with_passphrase(wrapped: WrappedPrivateKey, passphrase: str,
                           binding: str) -> PrivateKey:
    """Open a key made by :func:`wrap_under_passphrase`.

    Raises:
        PersonKeyError: wrong passphrase, another binding, or altered bytes (one
            message for all).
    """
    kek = _passphrase_key(passphrase, wrapped.salt, wrapped.params)
    return PrivateKey._parse(_aead_open(kek, wrapped.ciphertext,
                                        _WRAP_LABEL + binding.encode("utf-8")))


def _session_key(cookie_token: str, salt: bytes, binding: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=_KEY_BYTES, salt=salt,
                info=_HOLD_LABEL + binding.encode("utf-8"))
    return hkdf.derive(cookie_token.encode("utf-8"))


def hold_for_session(key: PrivateKey, cookie_token: str, binding: str) -> bytes:
    """``key`` encrypted under a key derived from the session's cookie token.

    Store the result on the session row; ``binding`` names that session and account.
    Without the token (which the server keeps only as a digest) it does not open.
    """
    salt = secrets.token_bytes(_HOLD_SALT_BYTES)
    nonce = secrets.token_bytes(_NONCE_BYTES)
    session_key = _session_key(cookie_token, salt, binding)
    aad = _HOLD_LABEL + binding.encode("utf-8")
    return (bytes([_HOLD_VERSION]) + salt + nonce
            + AESGCM(session_key).encrypt(nonce, key._serialize(), aad))


def release_from_session(held: bytes, cookie_token: str, binding: str) -> PrivateKey:
    """Open a key made by :func:`hold_for_session` with the same token and binding.

    Raises:
        PersonKeyError: another token, another session or account, or altered bytes.
    """
    blob = bytes(held)
    if len(blob) < 1 + _HOLD_SALT_BYTES + _NONCE_BYTES or blob[0] != _HOLD_VERSION:
        raise PersonKeyError("not a held person key")
    salt = blob[1:1 + _HOLD_SALT_BYTES]
    session_key = _session_key(cookie_token, salt, binding)
    return PrivateKey._parse(_aead_open(session_key, blob[1 + _HOLD_SALT_BYTES:],
                                        _HOLD_LABEL + binding.encode("utf-8")))


def _aead_open(key: bytes, nonce_and_ciphertext: bytes, aad: bytes) -> bytes:
    nonce, ciphertext = nonce_and_ciphertext[:_NONCE_BYTES], nonce_and_ciphertext[_NONCE_BYTES:]
    if len(nonce) != _NONCE_BYTES:
        raise PersonKeyError("the wrapped key is truncated")
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        raise PersonKeyError("the wrapped key does not open") from None
