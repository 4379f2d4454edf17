"""Hard limits on a chat export and the one way a parser says no.

Every parser here reads untrusted bytes in the sandboxed child (worker.py). A limit
passed is a refusal with a short code, never a partial result that looks complete:
the portal keeps the original and tells the advocate why no message list was made.
Standard library only: this package is loaded by the child without the app.
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class ChatLimits:
    """What one export may hold. A WhatsApp chat of several years is a few MiB of
    text and tens of thousands of messages; more is refused, not truncated."""

    max_text_bytes: int = 8 * MiB  # the chat text (_chat.txt) once uncompressed
    max_json_bytes: int = 24 * MiB  # Telegram's result.json once uncompressed
    max_messages: int = 30_000
    max_message_chars: int = 20_000
    max_unreadable: int = 2_000  # lines reported as unreadable before giving up
    max_members: int = 10_000  # entries in a zip
    max_total_uncompressed: int = 4 * 1024 * MiB  # declared, all members together
    max_ratio: int = 100  # uncompressed / compressed for a member read into memory


DEFAULT_CHAT_LIMITS = ChatLimits()


class ExportRefused(ValueError):
    """The file is not a chat export this portal can read, or passes a limit.

    `code` is short and safe to store and show (never content): not_a_chat_export,
    not_text, unknown_variant, too_large, too_many_messages, too_many_unreadable,
    zip_bomb, too_many_members, unsafe_names, encrypted, damaged_zip, damaged_json.
    """

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
