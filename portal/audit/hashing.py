"""The one way the portal chains records: SHA-256 over the previous hash and the
record's canonical JSON (sorted keys, no spaces, UTF-8)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime

GENESIS_HASH = "0" * 64


def canonical_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_hash(prev_hash: str, content: Mapping[str, object]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()
