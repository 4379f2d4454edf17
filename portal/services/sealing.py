"""Reading and writing sealed text columns of a model instance.

The instance must have an id (flush first): the id is part of the associated data,
so a sealed value only opens in the row and column it was written for.
"""

from __future__ import annotations

from typing import Any

from portal.crypto.kit import CryptoKit
from portal.models.sealed import sealed_context


def seal_text(kit: CryptoKit, obj: Any, column: str, text: str | None) -> None:
    """Store `text` sealed in `obj.<column>`; empty text stores NULL."""
    if obj.id is None:
        raise ValueError("flush the object before sealing its fields: the id is bound in")
    value = (text or "").strip()
    sealed = kit.cipher.seal(value.encode("utf-8"), sealed_context(obj.__tablename__, obj.id,
                                                                   column)) if value else None
    setattr(obj, column, sealed)


def open_text(kit: CryptoKit, obj: Any, column: str) -> str:
    """The plaintext of `obj.<column>`, or "" when it is NULL. Raises DecryptionError
    when the blob was tampered with or moved."""
    sealed = getattr(obj, column)
    if sealed is None:
        return ""
    context = sealed_context(obj.__tablename__, obj.id, column)
    return kit.cipher.open(bytes(sealed), context).decode("utf-8")
