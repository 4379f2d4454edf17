"""Text recognition (OCR) of evidence images with Debian's tesseract (decision 0030).

Tesseract reads only images the portal made itself: the metadata-free viewing copy of
an image, or the page previews of a PDF (portal/services/renditions.py), never an
original. Each page runs in the sandbox of portal.media.tools (memory, CPU, no file
writes, no network; the image in a sealed memory file) with a wall-clock limit of its
own, and the whole item with a budget, so an image with no text or a 50-page scan ends
in bounded time with a clear result. Tesseract's TSV output gives each word with its
confidence; the text keeps tesseract's lines (words in reading order, right to left for
Persian) and the confidence is the mean over the words recognised.

Standard library and portal.media only: nothing here knows of Flask or the database.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from portal.media.tools import INPUT, MemoryInput, MiB, ToolLimits, run_tool

TESSERACT = "/usr/bin/tesseract"
# "fas+eng": Persian first (its model also reads Persian and Arabic-Indic digits).
_LANGUAGES = re.compile(r"[a-z_]{3,16}(\+[a-z_]{3,16}){0,3}")
_BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_TSV_WORD_LEVEL = "5"
_TSV_COLUMNS = 12

STATUS_RECOGNISED = "recognised"
STATUS_NO_TEXT = "no_text"
STATUS_FAILED = "failed"  # every page failed or ran out of time


@dataclass(frozen=True)
class OcrLimits:
    """`max_pixels`: pages above it are not read (our previews are at most 2048 px a
    side, so this only guards against a change there); `page_timeout_s`: wall clock per
    page; `total_timeout_s`: the item's budget, after which further pages are skipped."""

    max_pages: int = 20
    max_pixels: int = 2048 * 2048
    page_timeout_s: float = 30
    total_timeout_s: float = 180
    max_memory_bytes: int = 1024 * MiB
    max_cpu_seconds: int = 30


DEFAULT_OCR_LIMITS = OcrLimits()


@dataclass(frozen=True)
class PageText:
    """One page: its text (lines joined by newlines), the mean word confidence (0-100,
    None without words), the word count, and why it could not be read ("" if it was)."""

    number: int
    text: str = ""
    confidence: float | None = None
    words: int = 0
    problem: str = ""


@dataclass(frozen=True)
class RecognisedText:
    """What recognition found in an item's pages: `status` is STATUS_RECOGNISED,
    STATUS_NO_TEXT or STATUS_FAILED; `skipped` counts pages not read (over max_pages,
    or past the item's time budget)."""

    languages: str
    pages: list[PageText] = field(default_factory=list)
    skipped: int = 0

    @property
    def text(self) -> str:
        return "\n\n".join(page.text for page in self.pages if page.text)

    @property
    def words(self) -> int:
        return sum(page.words for page in self.pages)

    @property
    def confidence(self) -> float | None:
        """The mean confidence over every word of every page (None without words)."""
        if not self.words:
            return None
        total = sum((page.confidence or 0.0) * page.words for page in self.pages)
        return round(total / self.words, 1)

    @property
    def status(self) -> str:
        if self.words:
            return STATUS_RECOGNISED
        if self.pages and all(page.problem for page in self.pages):
            return STATUS_FAILED
        return STATUS_NO_TEXT

    def as_json(self) -> dict[str, object]:
        return {"status": self.status, "languages": self.languages, "text": self.text,
                "confidence": self.confidence, "words": self.words, "skipped": self.skipped,
                "pages": [{"number": p.number, "text": p.text, "confidence": p.confidence,
                           "words": p.words, "problem": p.problem} for p in self.pages]}


def valid_languages(languages: str) -> bool:
    """Whether `languages` is a tesseract language list such as "fas+eng" (it becomes
    an argument of the tool: nothing else may reach it)."""
    return bool(_LANGUAGES.fullmatch(languages))


def recognise_pages(pages: Iterable[tuple[int, bytes]], languages: str,
                    limits: OcrLimits = DEFAULT_OCR_LIMITS) -> RecognisedText:
    """Recognise each (page number, PNG or JPEG bytes), at most `limits.max_pages` of
    them and within `limits.total_timeout_s`. Never raises for what an image contains;
    raises ValueError for a language list that is not one."""
    if not valid_languages(languages):
        raise ValueError("not a tesseract language list")
    deadline = time.monotonic() + limits.total_timeout_s
    read: list[PageText] = []
    skipped = 0
    for number, image in pages:
        if len(read) >= limits.max_pages or time.monotonic() >= deadline:
            skipped += 1
            continue
        read.append(recognise_page(number, image, languages, limits))
    return RecognisedText(languages, read, skipped)


def recognise_page(number: int, image: bytes, languages: str,
                   limits: OcrLimits = DEFAULT_OCR_LIMITS) -> PageText:
    """One page through tesseract in the sandbox; a problem code instead of raising."""
    size = image_size(image)
    if size is None:
        return PageText(number, problem="not_an_image")
    if size[0] * size[1] > limits.max_pixels:
        return PageText(number, problem="too_many_pixels")
    tool_limits = ToolLimits(limits.max_memory_bytes, limits.max_cpu_seconds,
                             limits.page_timeout_s)
    with MemoryInput([image], max_bytes=len(image)) as source:
        outcome = run_tool(TESSERACT, [INPUT, "stdout", "-l", languages, "--psm", "3", "tsv"],
                           source, tool_limits)
    if outcome.timed_out:
        return PageText(number, problem="timed_out")
    if not outcome.ok:
        return PageText(number, problem="tool_failed")
    lines, confidences = parse_tsv(outcome.stdout.decode("utf-8", "replace"))
    if not confidences:
        return PageText(number)
    return PageText(number, "\n".join(lines), round(sum(confidences) / len(confidences), 1),
                    len(confidences))


def parse_tsv(tsv: str) -> tuple[list[str], list[float]]:
    """Tesseract's TSV as lines of text (words joined by a space, in tesseract's
    reading order) and the confidence of each word. Blank words and rows that are
    not words (page, block, paragraph, line) are left out; a blank line separates
    blocks."""
    lines: list[str] = []
    confidences: list[float] = []
    current: tuple[str, ...] | None = None
    block = ""
    words: list[str] = []
    for row in csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if len(row) < _TSV_COLUMNS or row[0] != _TSV_WORD_LEVEL:
            continue
        word = _BIDI_MARKS.sub("", row[11]).strip()
        confidence = _number(row[10])
        if not word or confidence is None or confidence < 0:
            continue
        key = (row[1], row[2], row[3], row[4])
        if key != current:
            if words:
                lines.append(" ".join(words))
            if current is not None and row[2] != block:
                lines.append("")
            current, block, words = key, row[2], []
        words.append(word)
        confidences.append(confidence)
    if words:
        lines.append(" ".join(words))
    return lines, confidences


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def image_size(image: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG or baseline/progressive JPEG header (the two
    formats the image worker writes), without decoding anything."""
    if image.startswith(b"\x89PNG\r\n\x1a\n") and len(image) >= 24:
        width, height = struct.unpack(">II", image[16:24])
        return int(width), int(height)
    if image.startswith(b"\xff\xd8"):
        return _jpeg_size(image)
    return None


_JPEG_FRAMES: Sequence[int] = (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7,
                               0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF)


def _jpeg_size(image: bytes) -> tuple[int, int] | None:
    offset = 2
    while offset + 9 < len(image):
        if image[offset] != 0xFF:
            return None
        marker = image[offset + 1]
        length = int.from_bytes(image[offset + 2:offset + 4], "big")
        if marker in _JPEG_FRAMES:
            height, width = struct.unpack(">HH", image[offset + 5:offset + 9])
            return int(width), int(height)
        offset += 2 + length
    return None
