"""Envelope encryption (AES-256-GCM) for small sensitive values, and key derivation.

Each value gets a fresh random 32-byte data key; the data key is wrapped
with AES-256-GCM under a master key; the value is encrypted with AES-256-GCM
under the data key. Both encryptions authenticate the associated data
``version || key-id length || key id || context`` so a sealed value only
opens under the same master key id and the same ``context`` (e.g.
``"users:42:totp_secret_sealed"``, see portal/models/sealed.py): a value copied
to another row or column fails.

Sealed layout (all lengths in bytes)::

    version (1, = 1) | key-id length (1) | key id (ASCII, 1..32)
    | wrap nonce (12) | wrapped data key (32 + 16 tag)
    | payload nonce (12) | ciphertext + tag (len(plaintext) + 16)

Security assumptions: nonces are random 96-bit values; with a fresh data key
per seal the payload nonce is never reused under one key, and the number of
wraps per master key must stay well below 2**32 (rotate master keys long
before then). Key material and plaintexts are never logged nor put in
exception messages. Master keys must come from a secret store, not the DB.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "FORMAT_VERSION",
    "DecryptionError",
    "EnvelopeCipher",
    "MasterKey",
    "derive_subkey",
    "generate_master_key_b64",
]

FORMAT_VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
WRAPPED_KEY_BYTES = KEY_BYTES + TAG_BYTES

_KEY_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,32}")


class DecryptionError(Exception):
    """A sealed value could not be opened.

    Raised for tampering, a wrong context, an unknown key id, an unsupported
    version or truncation. Messages never contain key material or plaintext.
    """


def _check_key_id(key_id: str) -> bytes:
    """Return ``key_id`` as ASCII bytes; raise ValueError if not a short safe id."""
    if not isinstance(key_id, str) or _KEY_ID_RE.fullmatch(key_id) is None:
        raise ValueError("key_id must be 1-32 characters from [A-Za-z0-9._-]")
    return key_id.encode("ascii")


class MasterKey:
    """A 32-byte AES-256 master key with a short identifier.

    The identifier is stored in every sealed value so that old values can be
    opened after a new key becomes active. ``repr`` never shows the key.
    """

    __slots__ = ("_key", "_key_id")

    def __init__(self, key: bytes, key_id: str = "k1") -> None:
        """Wrap raw key bytes.

        Raises:
            ValueError: if ``key`` is not exactly 32 bytes or ``key_id`` is not
                1-32 characters from ``[A-Za-z0-9._-]``.
        """
        if not isinstance(key, (bytes, bytearray)) or len(key) != KEY_BYTES:
            raise ValueError(f"master key must be exactly {KEY_BYTES} bytes")
        _check_key_id(key_id)
        self._key = bytes(key)
        self._key_id = key_id

    @classmethod
    def from_base64(cls, text: str, key_id: str = "k1") -> MasterKey:
        """Build a key from URL-safe base64 text (padding optional).

        Raises:
            ValueError: if the text is not valid URL-safe base64 or does not
                decode to exactly 32 bytes, or ``key_id`` is invalid. The
                message never includes the text itself.
        """
        cleaned = text.strip()
        padded = cleaned + "=" * (-len(cleaned) % 4)
        try:
            raw = base64.b64decode(padded, altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(
                f"master key {key_id!r} is not valid URL-safe base64"
            ) from None
        if len(raw) != KEY_BYTES:
            raise ValueError(
                f"master key {key_id!r} must decode to exactly {KEY_BYTES} bytes, "
                f"got {len(raw)}; generate one with generate_master_key_b64()"
            )
        return cls(raw, key_id)

    @property
    def key_id(self) -> str:
        """The identifier recorded in sealed values."""
        return self._key_id

    @property
    def key(self) -> bytes:
        """The raw 32-byte key. Never log it."""
        return self._key

    def __repr__(self) -> str:
        return f"MasterKey(key_id={self._key_id!r}, key=<redacted>)"


def generate_master_key_b64() -> str:
    """Return a new random 32-byte key as URL-safe base64 (for configuration)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def derive_subkey(master: MasterKey | bytes, purpose: str) -> bytes:
    """Derive a 32-byte key for ``purpose`` with HKDF-SHA256 (info=purpose).

    Lets one configured secret (the portal's INDEX_KEY, given as raw bytes)
    feed several independent uses (recovery-code HMAC, rate-limit keys, the
    blind search index...) without any two uses sharing a key. Distinct
    purposes give computationally independent keys.

    Raises:
        ValueError: if ``purpose`` is empty or raw key bytes are not 32 bytes.
    """
    if not purpose:
        raise ValueError("purpose must be a non-empty string")
    if isinstance(master, MasterKey):
        material = master.key
    elif isinstance(master, (bytes, bytearray)) and len(master) == KEY_BYTES:
        material = bytes(master)
    else:
        raise ValueError(f"key material must be exactly {KEY_BYTES} bytes")
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=None,
        info=purpose.encode("utf-8"),
    )
    return hkdf.derive(material)


def _aad(key_id_bytes: bytes, context: str) -> bytes:
    # The key-id length prefix makes the encoding unambiguous: no
    # (key id, context) pair can produce the same bytes as another.
    return (
        bytes([FORMAT_VERSION, len(key_id_bytes)])
        + key_id_bytes
        + context.encode("utf-8")
    )


class EnvelopeCipher:
    """Seals and opens small values with envelope encryption (see module doc).

    Holds several master keys so keys can be rotated: :meth:`seal` always
    uses the active key, :meth:`open` uses the key named in the sealed value.
    """

    def __init__(
        self, master_keys: Mapping[str, MasterKey], active_key_id: str
    ) -> None:
        """Create a cipher.

        Raises:
            ValueError: if ``master_keys`` is empty, a mapping key differs
                from its MasterKey's ``key_id``, or ``active_key_id`` is not
                among them.
        """
        if not master_keys:
            raise ValueError("at least one master key is required")
        for name, mk in master_keys.items():
            if name != mk.key_id:
                raise ValueError(
                    f"master key registered as {name!r} has key_id {mk.key_id!r}"
                )
        if active_key_id not in master_keys:
            raise ValueError(f"active key id {active_key_id!r} is not configured")
        self._keys = dict(master_keys)
        self._active = self._keys[active_key_id]

    @property
    def active_key_id(self) -> str:
        """The key id new values are sealed with."""
        return self._active.key_id

    def seal(self, plaintext: bytes, context: str) -> bytes:
        """Encrypt ``plaintext`` bound to ``context``; return the sealed bytes.

        Raises:
            TypeError: if ``plaintext`` is not bytes or ``context`` not a str.
            ValueError: if ``context`` is empty.
        """
        if not isinstance(plaintext, (bytes, bytearray)):
            raise TypeError("plaintext must be bytes")
        if not isinstance(context, str):
            raise TypeError("context must be a str")
        if not context:
            raise ValueError("context must be non-empty")
        kid = self._active.key_id.encode("ascii")
        aad = _aad(kid, context)
        data_key = AESGCM.generate_key(bit_length=256)
        wrap_nonce = secrets.token_bytes(NONCE_BYTES)
        wrapped = AESGCM(self._active.key).encrypt(wrap_nonce, data_key, aad)
        payload_nonce = secrets.token_bytes(NONCE_BYTES)
        ciphertext = AESGCM(data_key).encrypt(payload_nonce, bytes(plaintext), aad)
        return b"".join(
            (
                bytes([FORMAT_VERSION, len(kid)]),
                kid,
                wrap_nonce,
                wrapped,
                payload_nonce,
                ciphertext,
            )
        )

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Every configured key id (the active one and the retired ones), sorted."""
        return tuple(sorted(self._keys))

    def key_id_of(self, sealed: bytes) -> str:
        """The id of the master key that wrapped ``sealed``, read from its header.

        Parses only; does not authenticate (the id may be forged or unknown).

        Raises:
            DecryptionError: if ``sealed`` is truncated, of an unsupported
                version or its key id is malformed.
            TypeError: if ``sealed`` is not bytes.
        """
        key_id, _pos = _parse_header(_as_bytes(sealed))
        return key_id

    def rewrap(self, sealed: bytes, context: str) -> bytes:
        """Return ``sealed``'s plaintext sealed anew under the active key, same ``context``.

        The format binds the key id into the associated data of both the wrapped
        data key and the payload, so the data key cannot just be re-wrapped:
        rewrap is :meth:`open` then :meth:`seal` (a fresh data key and nonces).
        The plaintext exists only transiently in memory.

        Raises:
            DecryptionError: if ``sealed`` does not open under ``context`` (see
                :meth:`open`); nothing is returned then.
            TypeError: if ``sealed`` is not bytes or ``context`` not a str.
        """
        return self.seal(self.open(sealed, context), context)

    def open(self, sealed: bytes, context: str) -> bytes:
        """Decrypt a value produced by :meth:`seal` with the same ``context``.

        Never returns unauthenticated data.

        Raises:
            DecryptionError: on truncation, unsupported version, unknown key
                id, wrong context or any modification of the sealed bytes.
            TypeError: if ``sealed`` is not bytes or ``context`` not a str.
        """
        blob = _as_bytes(sealed)
        if not isinstance(context, str):
            raise TypeError("context must be a str")
        key_id, pos = _parse_header(blob)
        master = self._keys.get(key_id)
        if master is None:
            raise DecryptionError(f"unknown master key id {key_id!r}")
        wrap_nonce = blob[pos : pos + NONCE_BYTES]
        pos += NONCE_BYTES
        wrapped = blob[pos : pos + WRAPPED_KEY_BYTES]
        pos += WRAPPED_KEY_BYTES
        payload_nonce = blob[pos : pos + NONCE_BYTES]
        pos += NONCE_BYTES
        ciphertext = blob[pos:]
        aad = _aad(key_id.encode("ascii"), context)
        try:
            data_key = AESGCM(master.key).decrypt(wrap_nonce, wrapped, aad)
            return AESGCM(data_key).decrypt(payload_nonce, ciphertext, aad)
        except InvalidTag:
            raise DecryptionError("sealed value failed authentication") from None


def _as_bytes(sealed: object) -> bytes:
    if not isinstance(sealed, (bytes, bytearray, memoryview)):
        raise TypeError("sealed must be bytes")
    return bytes(sealed)


def _parse_header(blob: bytes) -> tuple[str, int]:
    """The key id and the offset just after it; DecryptionError on a malformed header."""
    if len(blob) < 2:
        raise DecryptionError("sealed value is truncated")
    if blob[0] != FORMAT_VERSION:
        raise DecryptionError("unsupported sealed value version")
    kid_len = blob[1]
    pos = 2 + kid_len
    kid = blob[2:pos]
    if len(blob) < pos + NONCE_BYTES + WRAPPED_KEY_BYTES + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("sealed value is truncated")
    try:
        key_id = kid.decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError("malformed key id") from None
    if _KEY_ID_RE.fullmatch(key_id) is None:
        raise DecryptionError("malformed key id")
    return key_id, pos
