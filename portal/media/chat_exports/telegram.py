"""Telegram Desktop's "Export chat history" in machine-readable form (result.json).

One chat: ``{"name", "type", "id", "messages": [...]}``; each message has an ``id``, a
``type`` ("message" or "service"), a ``date`` (``2023-12-31T21:15:03``, the exporting
computer's local time, no zone) and in recent versions ``date_unixtime`` (seconds,
UTC); ``from``/``from_id`` (or ``actor`` for a service message); ``text`` as a string or
a list of strings and entities (``{"type": "mention", "text": "@name"}``, ``phone``,
``bold``...); ``photo`` or ``file`` as a path beside result.json (or a note that it was
not exported). An export of a whole account (``chats.list``) or any other shape is an
unknown variant: refused, not guessed at. A message without a readable date is
reported as unreadable.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .limits import ChatLimits, ExportRefused
from .whatsapp import ParsedChat

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$")
_IDENTIFYING_ENTITIES = ("mention", "phone")


def looks_like_telegram(data: bytes) -> bool:
    """A JSON object naming "messages" (or "chats", a whole account) near its start."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    start = data[:1_000_000]
    return head.startswith(b"{") and (b'"messages"' in start or b'"chats"' in start)


def parse_telegram(data: bytes, limits: ChatLimits,
                   members: frozenset[str] | None = None) -> ParsedChat:
    """The messages of a result.json; `members` are the paths beside it in the zip.
    Raises ExportRefused."""
    chat = _load(data, limits)
    messages = chat.get("messages")
    if not isinstance(messages, list):
        raise ExportRefused("unknown_variant")
    if len(messages) > limits.max_messages:
        raise ExportRefused("too_many_messages")
    result = ParsedChat()
    for index, message in enumerate(messages, start=1):
        parsed = _message(message, members, limits) if isinstance(message, dict) else None
        if parsed is None:
            result.unreadable.append({"line": index, "text": _sample(message)})
            if len(result.unreadable) > limits.max_unreadable:
                raise ExportRefused("too_many_unreadable")
        else:
            parsed["line"] = index
            result.messages.append(parsed)
    if not result.messages and result.unreadable:
        raise ExportRefused("unknown_variant")
    return result


def _load(data: bytes, limits: ChatLimits) -> dict[str, Any]:
    if len(data) > limits.max_json_bytes:
        raise ExportRefused("too_large")
    try:
        chat = json.loads(data.decode("utf-8-sig"), parse_constant=_reject)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ExportRefused("damaged_json") from error
    if not isinstance(chat, dict):
        raise ExportRefused("unknown_variant")
    if "messages" not in chat:
        raise ExportRefused("unknown_variant")  # a whole account ("chats") or else
    return chat


def _reject(name: str) -> object:
    raise ValueError(name)


def _message(message: dict[str, Any], members: frozenset[str] | None,
             limits: ChatLimits) -> dict[str, object] | None:
    date = message.get("date")
    found = _DATE.match(date) if isinstance(date, str) else None
    if found is None:
        return None
    text, identifying = _text(message.get("text", ""))
    if text is None or len(text) > limits.max_message_chars:
        return None
    service = message.get("type") == "service"
    sender = message.get("actor" if service else "from") or ""
    if service and not text:
        text = str(message.get("action", ""))[:200]
    attachment = _attachment(message)
    return {
        "sender": str(sender)[:200], "sender_id": str(message.get("from_id") or
                                                       message.get("actor_id") or "")[:60],
        "time_text": found[0].replace("T", " "), "when": ["gregorian",
                                                      *(int(g) for g in found.groups())],
        "utc_seconds": _utc(message.get("date_unixtime")),
        "text": text, "attachment": attachment, "system": service,
        "attachment_present": (attachment in members) if attachment and members is not None
        else None,
        "identifying": identifying,
    }


def _text(value: object) -> tuple[str | None, list[list[str]]]:
    """The message's text, and its (entity type, text) pairs that name someone."""
    if isinstance(value, str):
        return value, []
    if not isinstance(value, list):
        return None, []
    parts: list[str] = []
    identifying: list[list[str]] = []
    for piece in value:
        if isinstance(piece, str):
            parts.append(piece)
        elif isinstance(piece, dict) and isinstance(piece.get("text"), str):
            parts.append(piece["text"])
            if piece.get("type") in _IDENTIFYING_ENTITIES:
                identifying.append([str(piece["type"]), piece["text"][:100]])
        else:
            return None, []
    return "".join(parts), identifying


def _attachment(message: dict[str, Any]) -> str:
    for key in ("photo", "file"):
        value = message.get(key)
        if isinstance(value, str) and value:
            return value[:300]
    return ""


def _utc(value: object) -> int | None:
    if isinstance(value, str) and value.isdigit() and len(value) <= 12:
        return int(value)
    return None


def _sample(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)[:300]
