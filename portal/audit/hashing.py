"""The one way the portal chains records: SHA-256 over the previous hash and the
record's canonical JSON (sorted keys, no spaces, UTF-8).

Standard library only, and no import of the portal. The offline verifier
(portal/pdf/verify.py), one file that runs without the portal, carries a copy of this
module from GENESIS_HASH on, character for character, to recompute the custody chains
of an exported dossier; tests/test_standalone_verifier.py fails when they differ, so
change both together (decision 0019).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime

GENESIS_HASH = "0" * 64

# What a custody event's hash covers (portal/audit/custody.py), in this order.
CUSTODY_FIELDS = ("item_id", "seq", "occurred_at", "action", "actor_id", "actor_label",
                  "actor_role", "purpose", "hash_before", "hash_after", "details")
# A public custody row (the public variant's own chain) holds only these, plus
# `prev_hash` and `row_hash`; its hash covers these alone.
PUBLIC_CUSTODY_FIELDS = ("exhibit", "seq", "day", "action", "role", "hash_after")


def canonical_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_hash(prev_hash: str, content: Mapping[str, object]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def custody_content(values: Mapping[str, object]) -> dict[str, object]:
    """The hashed content of a custody event from its values (occurred_at already
    canonical); a missing field is a KeyError, never silently hashed as absent."""
    return {name: values[name] for name in CUSTODY_FIELDS}


def custody_hash(prev_hash: str, values: Mapping[str, object]) -> str:
    return chain_hash(prev_hash, custody_content(values))
