"""The sandboxed child that reads one chat export. Started only by runner.py through
portal/media/tool_sandbox.py (memory, CPU, no file writes, no network, no new
privileges), as ``python -I -B worker.py /proc/self/fd/N``.

It loads this package by path (``-I`` leaves the project off ``sys.path``, and the app
must not load here), reads the sealed memory file, and writes one line of JSON:
``{"format": ..., "messages": [...], "unreadable": [...], "notes": [...]}`` with exit
code 0, or ``{"refused": CODE}`` with exit code 3. Anything else (out of memory, CPU)
ends it otherwise, and the parent refuses the file as beyond the limits.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

EXIT_REFUSED = 3
EXIT_USAGE = 64


def _load_package() -> ModuleType:
    here = Path(__file__).resolve().parent
    spec = importlib.util.spec_from_file_location(
        "chat_exports", here / "__init__.py", submodule_search_locations=[str(here)])
    if spec is None or spec.loader is None:
        raise ImportError("chat_exports")
    package = importlib.util.module_from_spec(spec)
    sys.modules["chat_exports"] = package
    spec.loader.exec_module(package)
    return package


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        return EXIT_USAGE
    package = _load_package()
    with open(argv[1], "rb") as source:  # the sealed memory file, read-only
        data = source.read()
    try:
        name, chat = package.parse_export(data, package.DEFAULT_CHAT_LIMITS)
    except package.ExportRefused as refused:
        sys.stdout.write(json.dumps({"refused": refused.code}))
        return EXIT_REFUSED
    except MemoryError:
        sys.stdout.write(json.dumps({"refused": "too_large"}))
        return EXIT_REFUSED
    sys.stdout.write(json.dumps({"format": name, "messages": chat.messages,
                                 "unreadable": chat.unreadable, "notes": chat.notes},
                                ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
