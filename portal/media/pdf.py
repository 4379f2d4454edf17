"""PDF: document information as found (pdfinfo) and pages as PNG (pdftoppm).

Both run in the sandbox of portal.media.tools on a sealed memory file; poppler opens
no network connection and runs no JavaScript. The page comes back as a PNG that the
caller re-encodes through the image worker, so the preview carries no metadata.
"""

from __future__ import annotations

from portal.media.tools import (
    DEFAULT_TOOL_LIMITS,
    INPUT,
    MemoryInput,
    ToolLimits,
    run_tool,
)

PDFINFO = "/usr/bin/pdfinfo"
PDFTOPPM = "/usr/bin/pdftoppm"
PDF_TYPES: frozenset[str] = frozenset({"application/pdf"})
PREVIEW_PX = 1024
_MAX_TEXT = 1024
_MAX_FIELDS = 64


def document_info(source: MemoryInput,
                  limits: ToolLimits = DEFAULT_TOOL_LIMITS) -> dict[str, object] | None:
    """The document information dictionary and page facts, or None if unreadable."""
    outcome = run_tool(PDFINFO, ["-isodates", "-enc", "UTF-8", INPUT], source, limits)
    if not outcome.ok:
        return None
    info: dict[str, str] = {}
    for line in outcome.stdout.decode("utf-8", "replace").splitlines()[:_MAX_FIELDS]:
        name, sep, value = line.partition(":")
        if sep and name.strip():
            info[name.strip()[:80]] = value.strip()[:_MAX_TEXT]
    metadata: dict[str, object] = {"tool": "pdfinfo", "info": info}
    for key in ("CreationDate", "ModDate"):
        if info.get(key):
            metadata["date_time_original"] = info[key]  # the key images use, for the warning
            break
    return metadata


def first_page(source: MemoryInput, limits: ToolLimits = DEFAULT_TOOL_LIMITS) -> bytes | None:
    """The first page rendered as PNG (at most PREVIEW_PX on its longer side), or None."""
    return page_image(source, 1, limits)


def page_image(source: MemoryInput, number: int,
               limits: ToolLimits = DEFAULT_TOOL_LIMITS) -> bytes | None:
    """Page `number` (1-based) rendered as PNG (at most PREVIEW_PX on its longer side),
    or None. One sandboxed run per page: the sandbox writes no file, and pdftoppm
    writes to stdout only with -singlefile."""
    if number < 1:
        raise ValueError("pages are numbered from 1")
    outcome = run_tool(PDFTOPPM, ["-f", str(number), "-l", str(number), "-singlefile", "-png",
                                  "-scale-to", str(PREVIEW_PX), INPUT], source, limits)
    if not outcome.ok or not outcome.stdout.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    return outcome.stdout


def page_count(metadata: dict[str, object] | None) -> int:
    """The number of pages pdfinfo reported (0 when unknown)."""
    info = metadata.get("info") if metadata else None
    pages = info.get("Pages", "") if isinstance(info, dict) else ""
    text = str(pages).strip()
    return int(text) if text.isdigit() and len(text) < 9 else 0
