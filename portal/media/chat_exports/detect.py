"""Which export a file is, and reading it: a bare WhatsApp .txt, a bare result.json,
or a zip holding either (WhatsApp's ``_chat.txt`` or ``WhatsApp Chat with ….txt``;
Telegram's ``result.json`` at the top or one folder down). Pure: bytes in, messages or
ExportRefused out."""

from __future__ import annotations

import zipfile

from .archive import is_zip, open_zip, read_member
from .limits import ChatLimits, ExportRefused
from .telegram import looks_like_telegram, parse_telegram
from .text import decode
from .whatsapp import ParsedChat, looks_like_whatsapp, parse_whatsapp

CANDIDATE_EXTENSIONS = frozenset({"txt", "zip", "json"})
CANDIDATE_TYPES = frozenset({"application/zip", "application/json",
                             "application/x-zip-compressed", "application/octet-stream"})
# libmagic calls a chat many things (text/plain, text/csv for some 24-hour exports...);
# markup and scripts are never chats.
NOT_CHAT_TEXT = frozenset({"text/html", "text/xml", "text/javascript", "text/x-shellscript",
                           "text/x-msdos-batch"})


def may_be_chat_export(extension: str, media_type: str) -> bool:
    """Worth a look by the parser: a .txt, .json or .zip that libmagic calls text, JSON
    or a zip. HTML, whatever its name, is not (and is never rendered)."""
    kind = media_type.split(";")[0].strip().lower()
    return extension.lower().lstrip(".") in CANDIDATE_EXTENSIONS and (
        kind in CANDIDATE_TYPES or (kind.startswith("text/") and kind not in NOT_CHAT_TEXT))


def parse_export(data: bytes, limits: ChatLimits) -> tuple[str, ParsedChat]:
    """("whatsapp" or "telegram", the messages). Raises ExportRefused."""
    if is_zip(data[:4]):
        return _parse_zip(data, limits)
    if looks_like_telegram(data):
        return "telegram", parse_telegram(data, limits)
    if len(data) > limits.max_text_bytes:
        raise ExportRefused("too_large")
    text = decode(data)
    if not looks_like_whatsapp(text):
        raise ExportRefused("not_a_chat_export")
    return "whatsapp", parse_whatsapp(text, limits)


def _parse_zip(data: bytes, limits: ChatLimits) -> tuple[str, ParsedChat]:
    archive = open_zip(data, limits)
    names = [m.filename for m in archive.infolist() if not m.is_dir()]
    telegram = [n for n in names if n.rsplit("/", 1)[-1] == "result.json" and n.count("/") <= 1]
    if len(telegram) == 1:
        base = telegram[0][: -len("result.json")]
        beside = frozenset(n[len(base):] for n in names if n.startswith(base))
        payload = read_member(archive, archive.getinfo(telegram[0]), limits.max_json_bytes,
                              limits)
        return "telegram", parse_telegram(payload, limits, beside)
    chat = _whatsapp_member(archive, names)
    payload = read_member(archive, archive.getinfo(chat), limits.max_text_bytes, limits)
    text = decode(payload)
    if not looks_like_whatsapp(text):
        raise ExportRefused("not_a_chat_export")
    return "whatsapp", parse_whatsapp(text, limits, frozenset(names))


def _whatsapp_member(archive: zipfile.ZipFile, names: list[str]) -> str:
    top_texts = [n for n in names if "/" not in n and n.lower().endswith(".txt")]
    for name in top_texts:
        if name == "_chat.txt" or name.lower().startswith("whatsapp"):
            return name
    if len(top_texts) == 1:
        return top_texts[0]
    raise ExportRefused("not_a_chat_export")
