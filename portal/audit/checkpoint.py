"""Checkpoints of the audit log, held outside the portal, and the check that the log
still extends every one of them.

The hash chain shows a careless edit, but whoever holds the database can delete the
newest rows and move the head back, or edit a row and recompute every later hash:
the chain is then intact again. A checkpoint is a statement, signed with a key the
server cannot use alone (portal/audit/checkpoint_key.py), that event N of the log had
hash H at time T. Kept elsewhere (printed, mailed to trustees), it makes either
rewrite show: event N is gone, or no longer has hash H. Every exported dossier is a
witness too: its manifest carries the head at export time, signed with the dossier.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from portal.audit.chain import ChainBreak, ChainPosition, chain_head, verify_chain
from portal.audit.checkpoint_key import CheckpointKeyError, fingerprint
from portal.crypto.statements import (
    canonical_json,
    public_key_b64,
    sign_statement,
    verify_statement,
)
from portal.models import AuditEvent, db

CHECKPOINT_FORMAT = "ps752-portal-audit-checkpoint/1"
# What an exported dossier's manifest.json says of itself (services/dossiers/export_material).
MANIFEST_FORMAT = "ps752-dossier-manifest/1"
_SIGNED_FIELDS = ("format", "statement", "portal", "seq", "head_hash", "made_at", "signing_key")
_HASH = re.compile(r"[0-9a-f]{64}")


class CheckpointRefused(Exception):
    """No checkpoint is made of a log whose chain is already broken."""


class WitnessRejected(Exception):
    """The file is no checkpoint or manifest, or its signature does not hold."""


@dataclass(frozen=True)
class Witness:
    """What a document held elsewhere says of the log."""

    position: ChainPosition
    description: str  # "signed checkpoint of <time>" or "manifest of dossier <reference>"


def audit_head_record(position: ChainPosition) -> dict[str, object]:
    """How a dossier's manifest records the head at export time."""
    return {"seq": position.seq, "hash": position.row_hash}


def make_checkpoint(seed: bytes, portal_name: str, now: datetime) -> str:
    """The signed checkpoint of the log's head, as a JSON document for people to keep.

    The chain up to the head is verified first: raises CheckpointRefused, naming the
    break, rather than sign a log that is already broken.
    """
    head = chain_head()
    broken = verify_chain(up_to=head)
    if broken is not None:
        raise CheckpointRefused(f"the audit chain is broken at seq {broken.seq}: "
                                f"{broken.reason}")
    made_at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    fields: dict[str, object] = {
        "format": CHECKPOINT_FORMAT,
        "statement": f"On {made_at} the audit log of {portal_name} held {head.seq} events; "
                     f"the chain hash (SHA-256) of event {head.seq} is {head.row_hash}.",
        "portal": portal_name, "seq": head.seq, "head_hash": head.row_hash,
        "made_at": made_at, "signing_key": fingerprint(public_key_b64(seed)),
    }
    _statement, signature = sign_statement(seed, fields)
    return json.dumps({**fields, "signature": signature}, indent=2, ensure_ascii=False) + "\n"


def read_witness(content: bytes, public_key: str | None) -> Witness:
    """A checkpoint, its signature checked against `public_key`, or a dossier's
    manifest.json (whose signature is the dossier PDF's: `flask dossier verify`).

    Raises WitnessRejected saying why: unreadable, no public key to check with, signed
    by another key, or a signature that does not hold (the document was changed).
    """
    try:
        document = json.loads(content)
    except ValueError:
        raise WitnessRejected("not JSON: neither a checkpoint nor a dossier manifest") from None
    kind = document.get("format") if isinstance(document, dict) else None
    if kind == CHECKPOINT_FORMAT:
        return _signed_checkpoint(document, public_key)
    if kind == MANIFEST_FORMAT:
        return _manifest_witness(document)
    raise WitnessRejected("neither a checkpoint (`flask audit checkpoint`) nor a dossier's "
                          "manifest.json")


def log_extends(position: ChainPosition, chain_break: ChainBreak | None) -> str | None:
    """Why the log in the database does not extend `position`, or None when it does.

    `chain_break` is verify_chain()'s answer for the whole log: a chain intact up to
    event N whose event N still has the recorded hash holds events 1..N unchanged.
    """
    if position.seq == 0:
        return None
    row_hash = db.session.scalar(select(AuditEvent.row_hash)
                                 .where(AuditEvent.seq == position.seq))
    if row_hash is None:
        last = db.session.scalar(select(func.max(AuditEvent.seq))) or 0
        return (f"the log ends at event {last}, before event {position.seq}: rows were "
                "deleted" if last < position.seq
                else f"event {position.seq} is missing: rows were deleted")
    if chain_break is not None and chain_break.seq <= position.seq:
        return (f"the chain breaks at event {chain_break.seq} ({chain_break.reason}), at or "
                f"before event {position.seq}")
    if row_hash != position.row_hash:
        return (f"event {position.seq} no longer has the hash recorded here: the log was "
                f"rewritten at or before event {position.seq}")
    return None


def _signed_checkpoint(document: dict[str, object], public_key: str | None) -> Witness:
    fields = {name: document.get(name) for name in _SIGNED_FIELDS}
    seq, head_hash, signature = fields["seq"], fields["head_hash"], document.get("signature")
    if (set(document) != {*_SIGNED_FIELDS, "signature"} or type(seq) is not int or seq < 0
            or not isinstance(head_hash, str) or not _HASH.fullmatch(head_hash)
            or not isinstance(signature, str)):
        raise WitnessRejected("a malformed checkpoint")
    if not public_key:
        raise WitnessRejected("no public key to check it with: set "
                              "AUDIT_CHECKPOINT_PUBLIC_KEY or give --public-key")
    try:
        expected = fingerprint(public_key)
    except CheckpointKeyError as error:
        raise WitnessRejected(f"the public key given is unusable: {error}") from None
    if fields["signing_key"] != expected:
        raise WitnessRejected(f"signed by another key ({fields['signing_key']}), not the "
                              f"checkpoint key ({expected})")
    if not _signature_holds(public_key, fields, signature):
        raise WitnessRejected("its signature does not hold: the checkpoint was changed "
                              "after it was signed")
    return Witness(ChainPosition(seq, head_hash), f"signed checkpoint of {fields['made_at']}")


def _signature_holds(public_key: str, fields: dict[str, object], signature: str) -> bool:
    try:
        base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    return verify_statement(public_key, canonical_json(fields).decode("utf-8"), signature)


def _manifest_witness(document: dict[str, object]) -> Witness:
    head = document.get("audit_head")
    seq = head.get("seq") if isinstance(head, dict) else None
    row_hash = head.get("hash") if isinstance(head, dict) else None
    if type(seq) is not int or seq < 0 or not isinstance(row_hash, str) \
            or not _HASH.fullmatch(row_hash):
        raise WitnessRejected("a dossier manifest without the audit head (exported before "
                              "dossiers recorded it)")
    return Witness(ChainPosition(seq, row_hash),
                   f"manifest of dossier {document.get('dossier')} export "
                   f"{document.get('export')}, unsigned here (check the dossier's own "
                   "signature with `flask dossier verify`)")
