"""The custody log of a public export: a chain of its own over what the public may see.

For each exhibit the public variant shows, one row per custody event with only the
event, its day (UTC), the role that acted, the exhibit's number and the SHA-256 after
the event. Each row's hash is SHA-256 of the previous row's hash and the row's
canonical JSON (`hashing.chain_hash`, from the genesis hash for each exhibit), so the
log verifies on its own (portal/pdf/verify.py).

Why a chain of its own: the full chain's hashes cover the username, the ids, the
purpose and the microsecond of each event. Printed beside a public row, such a hash
confirms a guess of those withheld values offline in a moment; a hash over the public
row covers nothing withheld, so it confirms nothing that is not printed. The
confidential export carries the full chain.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace

from portal.audit.custody import custody_of
from portal.audit.hashing import GENESIS_HASH, PUBLIC_CUSTODY_FIELDS, chain_hash
from portal.models.dossiers import DossierExhibit


@dataclass(frozen=True)
class PublicCustodyRow:
    exhibit: str  # EX-0001
    seq: int
    day: str  # YYYY-MM-DD (UTC): the hour of an event would help name who acted
    action: str
    role: str  # a Role value, "" for the portal itself
    hash_after: str  # the SHA-256 after the event ("" when it handled no bytes)
    prev_hash: str
    row_hash: str

    def hashed(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in PUBLIC_CUSTODY_FIELDS}

    def record(self) -> dict[str, object]:
        return asdict(self)


def public_rows(exhibits: Iterable[tuple[str, DossierExhibit]]) -> list[PublicCustodyRow]:
    """The rows of each (number, exhibit), in chain order. The caller passes only the
    exhibits the public variant shows."""
    rows: list[PublicCustodyRow] = []
    for number, exhibit in exhibits:
        previous = GENESIS_HASH
        for event in custody_of(exhibit.evidence):
            row = PublicCustodyRow(
                exhibit=number, seq=event.seq, day=event.occurred_at.date().isoformat(),
                action=event.action, role=event.actor_role, hash_after=event.hash_after,
                prev_hash=previous, row_hash="")
            row = replace(row, row_hash=chain_hash(previous, row.hashed()))
            rows.append(row)
            previous = row.row_hash
    return rows


def public_jsonl(rows: Iterable[PublicCustodyRow]) -> bytes:
    return "".join(json.dumps(row.record(), ensure_ascii=False, sort_keys=True) + "\n"
                   for row in rows).encode("utf-8")
