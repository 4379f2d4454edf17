"""The key that signs audit checkpoints: Ed25519, its private half stored only encrypted
under a passphrase that a person types when a checkpoint is made.

Whoever holds the server (and its database) may hold the key file too: without the
passphrase it cannot sign, so it cannot sign a checkpoint of a rewritten log. The file
is JSON: the public key, scrypt's parameters and salt, and the 32-byte Ed25519 seed
sealed with AES-256-GCM under the key scrypt derives from the passphrase; the other
fields are the cipher's associated data, so none can be swapped. All from
`cryptography` (PKCS#8's BestAvailableEncryption would use PBKDF2 with 2,048
iterations: far too cheap to guess against). The signing itself and the public key's
text (raw key in base64) are those of portal/crypto/statements.py.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from portal.crypto.passwords import normalize_passphrase
from portal.crypto.statements import canonical_json, public_key_b64

KEY_FILE_FORMAT = "ps752-portal-checkpoint-key/1"
# scrypt as OWASP recommends it (N=2^17, r=8, p=1): about half a second and 128 MiB
# per guess. Recorded in the file, so a later, costlier choice still opens older files.
SCRYPT_COST = {"n": 2**17, "r": 8, "p": 1}
_MAX_SCRYPT_N = 2**20  # refuse a file that would make opening it take minutes of memory


class CheckpointKeyError(Exception):
    """The key file is unreadable, or the passphrase does not open it; the message says
    which, never the passphrase."""


def seal_new_key(passphrase: str) -> bytes:
    """A new key pair, as the content of a key file sealed under `passphrase`."""
    seed = os.urandom(32)
    header: dict[str, object] = {
        "format": KEY_FILE_FORMAT, "public_key": public_key_b64(seed),
        "kdf": {"name": "scrypt", **SCRYPT_COST, "salt": _b64(os.urandom(16))},
        "nonce": _b64(os.urandom(12)),
    }
    key = _derive(passphrase, header)
    sealed = AESGCM(key).encrypt(_unb64(str(header["nonce"])), seed, canonical_json(header))
    return json.dumps({**header, "sealed_seed": _b64(sealed)}, indent=2).encode("ascii")


def open_key_file(content: bytes, passphrase: str) -> bytes:
    """The Ed25519 seed in the key file. Raises CheckpointKeyError when the file is not
    a checkpoint key file or the passphrase is not its passphrase."""
    header = _header(content)
    sealed = _unb64(str(header.pop("sealed_seed")))
    try:
        seed = AESGCM(_derive(passphrase, header)).decrypt(
            _unb64(str(header["nonce"])), sealed, canonical_json(header))
    except InvalidTag:
        raise CheckpointKeyError("the passphrase does not open this key file (or the file "
                                 "was changed)") from None
    if public_key_b64(seed) != header["public_key"]:
        raise CheckpointKeyError("the key file's public key is not its private key's")
    return seed


def public_key_of(content: bytes) -> str:
    """The public key a key file names (no passphrase needed). Raises CheckpointKeyError."""
    return str(_header(content)["public_key"])


def fingerprint(public_key: str) -> str:
    """SHA-256 of the raw public key, in lowercase hex: what people compare and publish.
    Raises CheckpointKeyError when `public_key` is not an Ed25519 public key in base64."""
    raw = _unb64(public_key.strip())
    if len(raw) != 32:
        raise CheckpointKeyError("not an Ed25519 public key (32 bytes in base64)")
    return hashlib.sha256(raw).hexdigest()


def _derive(passphrase: str, header: dict[str, object]) -> bytes:
    kdf = header["kdf"]
    assert isinstance(kdf, dict)  # checked by _header
    try:
        scrypt = Scrypt(salt=_unb64(kdf["salt"]), length=32, n=kdf["n"], r=kdf["r"],
                        p=kdf["p"])
    except ValueError:  # n not a power of 2, and the like
        raise CheckpointKeyError("the key file's scrypt parameters are invalid") from None
    return scrypt.derive(normalize_passphrase(passphrase).encode("utf-8"))


def _header(content: bytes) -> dict[str, object]:
    """The key file's fields, checked for shape (the seal checks their values)."""
    try:
        header = json.loads(content)
        kdf = header["kdf"]
        well_formed = (
            header["format"] == KEY_FILE_FORMAT and kdf["name"] == "scrypt"
            and set(header) == {"format", "public_key", "kdf", "nonce", "sealed_seed"}
            and all(type(kdf[name]) is int and kdf[name] > 0 for name in ("n", "r", "p"))
            and isinstance(kdf["salt"], str)
            and kdf["n"] <= _MAX_SCRYPT_N
            and all(isinstance(header[name], str) for name in ("public_key", "nonce",
                                                               "sealed_seed")))
    except (ValueError, TypeError, KeyError):
        well_formed = False
    if not well_formed:
        raise CheckpointKeyError("not a checkpoint key file "
                                 "(made by `flask audit checkpoint-key init`)")
    fingerprint(header["public_key"])
    return dict(header)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CheckpointKeyError("a value is not valid base64") from None
