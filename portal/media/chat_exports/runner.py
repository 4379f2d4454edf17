"""Parse a chat export in the sandboxed child (worker.py) from a sealed memory file.

The parent never parses untrusted export bytes itself: it starts the child through
portal.media.tools (limits, deadline, capped output) and reads back one JSON object.
Not imported by the package's __init__: the child loads the package without the app.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from portal.media.tools import INPUT, MemoryInput, ToolLimits, run_tool

WORKER_PATH = Path(__file__).with_name("worker.py")
MiB = 1024 * 1024
CHAT_TOOL_LIMITS = ToolLimits(max_memory_bytes=1024 * MiB, max_cpu_seconds=30, timeout_s=60)
_EXIT_REFUSED = 3


@dataclass(frozen=True)
class ParseOutcome:
    """Either `refused` (a short code) or the child's `format`, messages and the rest."""

    refused: str = ""
    format: str = ""
    messages: list[dict[str, object]] = field(default_factory=list)
    unreadable: list[dict[str, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_in_sandbox(source: MemoryInput,
                     limits: ToolLimits = CHAT_TOOL_LIMITS) -> ParseOutcome:
    """Run the parser child on `source`. Never raises for what the file contains: a
    crash, a deadline or output past the cap is ParseOutcome(refused="limits")."""
    outcome = run_tool(sys.executable, ["-I", "-B", str(WORKER_PATH), INPUT], source, limits)
    if outcome.returncode not in (0, _EXIT_REFUSED):
        return ParseOutcome(refused="limits")
    try:
        found = json.loads(outcome.stdout)
    except ValueError:
        return ParseOutcome(refused="limits")
    if not isinstance(found, dict):
        return ParseOutcome(refused="limits")
    if outcome.returncode == _EXIT_REFUSED:
        return ParseOutcome(refused=str(found.get("refused", "limits"))[:40])
    return _shaped(found)


def _shaped(found: dict[str, object]) -> ParseOutcome:
    messages, unreadable, notes = (found.get("messages"), found.get("unreadable"),
                                   found.get("notes"))
    if not (isinstance(messages, list) and isinstance(unreadable, list)
            and isinstance(notes, list) and found.get("format") in ("whatsapp", "telegram")
            and all(isinstance(m, dict) for m in messages + unreadable)):
        return ParseOutcome(refused="limits")
    return ParseOutcome("", str(found["format"]), messages, unreadable,
                        [str(n) for n in notes])
