"""Messaging-app exports as evidence: a WhatsApp .txt/.zip or a Telegram result.json
read into a numbered, hashed message list, kept as a sealed rendition ("messages").

The original stays what it was (hashed, encrypted, custody as for every item). The
parsing runs in the sandboxed child (portal/media/chat_exports/runner.py) on a sealed
memory file, by a job queued after intake (`request_parsing`, called from
`renditions.request_derivation`). What comes back is checked for shape, each message
numbered in export order and given the SHA-256 of its canonical JSON, so an exhibit
can cite "messages 14–19" and anyone can check a quoted message against the list.
Times are as printed by the app; the ISO form beside them has no time zone, because
the export has none (the phone's or computer's clock, in whatever zone it was).
A refused file (a zip bomb, unsafe names, past the limits, an unknown variant) gets
no rendition, a flag and a custody note with the reason code; a text file that is not
a chat at all is left alone.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from portal.audit.custody import CustodyAction, custody_of, record_custody
from portal.calendar.parse import jalali_to_gregorian
from portal.crypto.kit import CryptoKit
from portal.media.chat_exports import may_be_chat_export
from portal.media.chat_exports.runner import ParseOutcome, parse_in_sandbox
from portal.media.tools import MAX_MEDIA_INPUT_BYTES, MemoryInput
from portal.models import EvidenceItem, JobState, Rendition, User
from portal.services.evidence import open_original
from portal.services.identifiers.records import identifier_digest, identifiers_of
from portal.services.jobs import enqueue_job, jobs_for
from portal.services.renditions import (
    FLAG_INTEGRITY_ALARM,
    RenditionUnreadable,
    read_rendition,
    store_derived,
)
from portal.storage import BlobStore
from portal.text.identifiers import IdentifierRefused, NormalIdentifier, normalise_identifier

CHAT_EXPORT_JOB = "evidence.chat_export"
MESSAGES_PURPOSE = "messages"
MESSAGES_MEDIA_TYPE = "application/json"
FLAG_CHAT_EXPORT_REFUSED = "chat_export_refused"
SUBJECT = "evidence"
# A text or JSON file that is simply not a chat: nothing to say about it.
_QUIET = frozenset({"not_a_chat_export", "not_text"})
_FIELDS_CAP = 300


def request_parsing(item: EvidenceItem, actor: User) -> None:
    """After intake: queue the parser for a .txt, .json or .zip that may be a chat
    export (the child decides). Never in the upload request."""
    if may_be_chat_export(item.extension, item.detected_media_type):
        enqueue_job(CHAT_EXPORT_JOB, subject_type=SUBJECT, subject_id=item.id,
                    requested_by=actor)


def parsing_state(item: EvidenceItem) -> str:
    """"pending" while the parser's job waits or runs, "failed" once given up, else ""."""
    jobs = jobs_for(SUBJECT, item.id, CHAT_EXPORT_JOB)
    if not jobs:
        return ""
    if not jobs[0].finished:
        return "pending"
    return "failed" if jobs[0].state is JobState.FAILED else ""


def parse_item(kit: CryptoKit, store: BlobStore, item: EvidenceItem,
               actor: User | None) -> Rendition | None:
    """Read the item's original in the sandbox and store its message list (run by a
    job; flushes). Returns the rendition, or None when there is none to make."""
    if item.file_key_sealed is None or messages_rendition(item) is not None:
        return None  # withdrawn since, or already read
    if item.size_bytes > MAX_MEDIA_INPUT_BYTES:
        refuse(item, actor, "too_large")
        return None
    reader = open_original(kit, store, item)
    with MemoryInput(reader.iter_chunks()) as source:
        if reader.sha256_hex != item.sha256:
            record_custody(item, CustodyAction.INTEGRITY_ALARM, actor=actor,
                           hash_before=item.sha256, hash_after=reader.sha256_hex)
            _flag(item, FLAG_INTEGRITY_ALARM)
            return None
        outcome = parse_in_sandbox(source)
    if outcome.refused:
        if outcome.refused not in _QUIET:
            refuse(item, actor, outcome.refused)
        return None
    payload = json.dumps(conversation_document(outcome), ensure_ascii=False,
                         sort_keys=True).encode("utf-8")
    rendition = store_derived(kit, store, item, MESSAGES_PURPOSE, payload, MESSAGES_MEDIA_TYPE)
    record_custody(item, CustodyAction.RENDITION_CREATED, actor=actor, hash_before=item.sha256,
                   hash_after=rendition.sha256, details={"purpose": MESSAGES_PURPOSE})
    return rendition


def conversation_document(outcome: ParseOutcome) -> dict[str, object]:
    """The rendition's content: the child's messages, checked, numbered and hashed."""
    messages = [_message(number, found)
                for number, found in enumerate(outcome.messages, start=1)]
    return {"format": outcome.format, "time_zone": "none", "messages": messages,
            "unreadable": [{"line": _int(u.get("line")), "text": _str(u.get("text"))}
                           for u in outcome.unreadable],
            "notes": outcome.notes[:10]}


def message_sha256(message: dict[str, object]) -> str:
    """SHA-256 of a message's canonical JSON (sorted keys, UTF-8, no spaces), its own
    "sha256" left out: what a citation of the message can be checked against."""
    body = {key: value for key, value in message.items() if key != "sha256"}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _message(number: int, found: dict[str, object]) -> dict[str, object]:
    present = found.get("attachment_present")
    message: dict[str, object] = {
        "number": number, "line": _int(found.get("line")),
        "sender": _str(found.get("sender")), "sender_id": _str(found.get("sender_id")),
        "time_text": _str(found.get("time_text")), "time_iso": _iso(found.get("when")),
        "text": str(found.get("text", ""))[:20_000],
        "attachment": _str(found.get("attachment")),
        "attachment_present": present if isinstance(present, bool) else None,
        "system": bool(found.get("system")),
        "identifying": [[_str(pair[0]), _str(pair[1])]
                        for pair in _list(found.get("identifying"))
                        if isinstance(pair, list) and len(pair) == 2],
    }
    message["sha256"] = message_sha256(message)
    return message


def _iso(when: object) -> str:
    """The printed time as ISO 8601 without a zone ("" when it cannot be told)."""
    if not (isinstance(when, list) and len(when) == 7
            and all(isinstance(part, int) for part in when[1:])):
        return ""
    calendar, year, month, day, hour, minute, second = when
    try:
        if calendar == "solar_hijri":
            gregorian = jalali_to_gregorian(year, month, day)
            year, month, day = gregorian.year, gregorian.month, gregorian.day
        return datetime(year, month, day, hour, minute, second).isoformat()
    except (ValueError, OverflowError):
        return ""


def _str(value: object) -> str:
    return value[:_FIELDS_CAP] if isinstance(value, str) else ""


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def refuse(item: EvidenceItem, actor: User | None, code: str) -> None:
    """No message list: flag the item and note why (a short code) in its custody."""
    _flag(item, FLAG_CHAT_EXPORT_REFUSED)
    record_custody(item, CustodyAction.METADATA_EXTRACTED, actor=actor,
                   hash_before=item.sha256, details={"problem": f"chat_export:{code}"})


def _flag(item: EvidenceItem, flag: str) -> None:
    if flag not in item.flags:
        item.flags = [*item.flags, flag]


def messages_rendition(item: EvidenceItem) -> Rendition | None:
    return next((r for r in item.renditions if r.purpose == MESSAGES_PURPOSE), None)


@dataclass(frozen=True)
class Conversation:
    format: str
    messages: list[dict[str, object]]
    unreadable: list[dict[str, object]]
    notes: list[str]
    sha256: str  # of the rendition


def conversation_of(kit: CryptoKit, store: BlobStore, item: EvidenceItem) -> Conversation | None:
    """The item's message list, read back and checked against its hash; None if there
    is none. Raises RenditionUnreadable if it was altered or its key destroyed."""
    rendition = messages_rendition(item)
    if rendition is None:
        return None
    found = json.loads(read_rendition(kit, store, rendition))
    if not isinstance(found, dict) or not isinstance(found.get("messages"), list):
        raise RenditionUnreadable("not a message list")
    return Conversation(str(found.get("format", "")), found["messages"],
                        _list_of_dicts(found.get("unreadable")),
                        [str(n) for n in _list(found.get("notes"))], rendition.sha256)


def _list_of_dicts(value: object) -> list[dict[str, object]]:
    return [entry for entry in _list(value) if isinstance(entry, dict)]


def refusal_code(item: EvidenceItem) -> str:
    """Why the parser refused this item ("" if it did not)."""
    if FLAG_CHAT_EXPORT_REFUSED not in item.flags:
        return ""
    for event in reversed(custody_of(item)):
        problem = str(event.details.get("problem", ""))
        if problem.startswith("chat_export:"):
            return problem.removeprefix("chat_export:")
    return "limits"


@dataclass(frozen=True)
class Proposal:
    """An identifier the export names (a sender's number, a Telegram @name or number in
    a message), not yet recorded on the item: offered, never recorded by itself."""

    kind: str
    platform: str
    value: str
    shown: str


MAX_PROPOSALS = 50


def proposals_for(kit: CryptoKit, item: EvidenceItem,
                  conversation: Conversation) -> list[Proposal]:
    """Senders that are phone numbers, and the @names and numbers Telegram marked in
    messages, each once, leaving out those already recorded on the item."""
    recorded = {row.digest for row in identifiers_of(kit, item)}
    found: dict[str, Proposal] = {}
    for message in conversation.messages:
        for kind, platform, value in _candidates(conversation.format, message):
            normal = _normal(kind, value, platform)
            if normal is None or normal.key in found:
                continue
            if identifier_digest(kit, normal) not in recorded:
                found[normal.key] = Proposal(kind, platform, value, normal.shown)
            if len(found) >= MAX_PROPOSALS:
                return list(found.values())
    return list(found.values())


def _candidates(export_format: str, message: dict[str, object]) -> list[tuple[str, str, str]]:
    sender = str(message.get("sender", ""))
    found = [("phone", "", sender)] if sender and _dialable(sender) else []
    for pair in _list(message.get("identifying")):
        if isinstance(pair, list) and len(pair) == 2:
            entity, text = str(pair[0]), str(pair[1])
            found.append(("account", export_format, text) if entity == "mention"
                         else ("phone", "", text))
    return found


def _dialable(text: str) -> bool:
    """Looks like a number rather than a contact's name (names are not proposed)."""
    return sum(c.isdigit() for c in text) >= 7 and not any(c.isalpha() for c in text)


def _normal(kind: str, value: str, platform: str) -> NormalIdentifier | None:
    try:
        return normalise_identifier(kind, value, platform)
    except IdentifierRefused:
        return None
