"""Messaging-app exports (WhatsApp .txt/.zip, Telegram Desktop result.json) read into
message lists. Pure functions on bytes with hard limits (limits.py), run only in the
sandboxed child (worker.py, started by runner.py); never extract anything to disk.

Relative imports and the standard library only: the child loads this package by
path, without the app (portal/__init__.py imports Flask).
"""

from .detect import may_be_chat_export, parse_export
from .limits import DEFAULT_CHAT_LIMITS, ChatLimits, ExportRefused
from .whatsapp import ParsedChat

__all__ = ["DEFAULT_CHAT_LIMITS", "ChatLimits", "ExportRefused", "ParsedChat",
           "may_be_chat_export", "parse_export"]
