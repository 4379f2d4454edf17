"""Signed statements (Ed25519): a legal reviewer's approval of a dossier's content hash.

The signing key is derived from INDEX_KEY (HKDF, its own purpose), so it survives
master-key rotation and needs no extra secret; its public key is printed by
`flask dossier review-key` so that anyone can check a statement offline. The
PDF's own digital signature (a certificate, PAdES) is a separate matter.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def canonical_json(payload: dict[str, Any]) -> bytes:
    """One byte string per payload: sorted keys, no spaces, UTF-8."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def sign_statement(seed: bytes, payload: dict[str, Any]) -> tuple[str, str]:
    """Return (statement, signature): the canonical JSON text and its base64 signature."""
    statement = canonical_json(payload)
    signature = Ed25519PrivateKey.from_private_bytes(seed).sign(statement)
    return statement.decode("utf-8"), base64.b64encode(signature).decode("ascii")


def public_key_b64(seed: bytes) -> str:
    raw = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
        Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def verify_statement(public_key: str, statement: str, signature: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        key.verify(base64.b64decode(signature), statement.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return False
    return True
