"""Every text a reader or a tool can get out of an exported PDF or file, with where it
is, for the leak scan (portal/pdf/leak_scan.py), which searches them.

- Each page's text, as pdftotext (poppler) extracts it, run in the media sandbox on a
  sealed memory file (portal/media/tools.py): no plaintext on disk. Each page is
  given several ways, because pdftotext breaks Persian text where a reader does not:
  as extracted; with its lines joined (a word wrapped inside, or hyphenated at a line
  end: only what spans a join counts there); and from pdftotext's "raw" order put
  back into reading order (a combining mark, such as the hamza of an ezafe, can push
  part of a word to another line of the default output, while the raw output keeps
  each right-to-left word whole, in visual order).
- Every string and name of the PDF's objects: annotations and link targets (by
  page), bookmarks, the Info dictionary, then everything else (form and structure
  texts, the signature's reason); the XMP metadata; every embedded file's names,
  description and content (unless it is evidence: then its name only).
- A file's text as written, and the strings of its JSON, whose escapes would hide a
  Persian name.

Raises ScanFailed when something cannot be read to its end: the scan fails closed.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import zip_longest
from typing import TYPE_CHECKING

from portal.media.tools import INPUT, MemoryInput, ToolLimits, run_tool

if TYPE_CHECKING:
    import pikepdf

PDFTOTEXT = "/usr/bin/pdftotext"
LIMITS = ToolLimits(max_memory_bytes=2 << 30, max_cpu_seconds=300, timeout_s=360)

# Where a text is.
PAGE = "page"
ANNOTATION = "annotation"  # a note, link or form field of a page
BOOKMARKS = "bookmarks"
METADATA = "metadata"  # the Info dictionary or the XMP
ATTACHMENT = "attachment"  # an embedded file: its name, description or content
PDF_DATA = "pdf_data"  # any other string inside the PDF
BUNDLE = "bundle"  # a file of the bundle: its name or content

_RTL_WORD = "\u202b[^\u202b\u202c\n]*\u202c"
_RTL_RUN = re.compile(f"(?:{_RTL_WORD}|[ \u064b-\u065f\u0670]|[0-9\u06f0-\u06f9]+)+")
_RUN_ITEM = re.compile(f"{_RTL_WORD}|[0-9\u06f0-\u06f9]+|.", re.DOTALL)
_LINE_END = re.compile(r"[-\u2010\u00ad]?\n")
_BINARY_KEYS = frozenset({"/Contents", "/Cert"})  # of a signature dictionary (/ByteRange)
_OUTLINE_LINKS = frozenset({"/First", "/Next"})  # the bookmarks' tree


class ScanFailed(Exception):
    """A file could not be read to its end: it cannot be shown free of protected terms."""


@dataclass(frozen=True)
class Where:
    part: str
    page: int = 0  # PAGE, ANNOTATION
    name: str = ""  # ATTACHMENT, BUNDLE: the file's name as stored


@dataclass(frozen=True)
class Text:
    """A text and where it is. With `across`, only a term spanning one of these
    positions counts (the joins of a page's lines)."""

    where: Where
    text: str
    across: Sequence[int] = ()


def page_texts(pdf: bytes) -> Iterator[Text]:
    """Each page's text, the several ways of the module docstring."""
    extracted = _pdftotext(pdf, [])
    raw = _pdftotext(pdf, ["-raw"])
    for number, (page, raw_page) in enumerate(zip_longest(extracted, raw, fillvalue=""),
                                              start=1):
        where = Where(PAGE, page=number)
        logical = reading_order(raw_page)
        for text in (page, logical):
            yield Text(where, text)
            yield Text(where, *joined(text))


def object_texts(document: pikepdf.Pdf, is_evidence: Callable[[str], bool]) -> Iterator[Text]:
    """Annotations by page, bookmarks and metadata first (to say where), then every
    string of every object, XMP streams and embedded files."""
    for number, page in enumerate(document.pages, start=1):
        for annotation in page.obj.get("/Annots", ()):
            yield _strings_text(annotation, Where(ANNOTATION, page=number))
    if "/Outlines" in document.Root:
        yield _strings_text(document.Root.Outlines, Where(BOOKMARKS), _OUTLINE_LINKS)
    if "/Info" in document.trailer:
        yield _strings_text(document.trailer.Info, Where(METADATA))
    for item in document.objects:
        yield from _object_texts(item, is_evidence)


def file_texts(data: bytes) -> list[str]:
    """A file's text as written, and the strings of its JSON (one document, or one per
    line), whose escapes (\\u0645...) would otherwise hide a Persian name."""
    text = data.decode("utf-8", "replace")
    try:
        strings = _json_strings(json.loads(text))
    except ValueError:
        strings = [s for line in text.splitlines() for s in _json_line(line)]
    return [text, "\n".join(strings)] if strings else [text]


def joined(text: str) -> tuple[str, list[int]]:
    """`text` with its lines joined (and a hyphen at a line end dropped), and where
    they were joined: a term found there is a word broken across lines; one found
    elsewhere was found in `text` already, or is an artefact of the joining (two
    words glued, a label cut short)."""
    pieces: list[str] = []
    joins: list[int] = []
    position = length = 0
    for line_end in _LINE_END.finditer(text):
        pieces.append(text[position:line_end.start()])
        length += line_end.start() - position
        joins.append(length)
        position = line_end.end()
    pieces.append(text[position:])
    return "".join(pieces), joins or [-1]


def reading_order(raw: str) -> str:
    """pdftotext -raw writes each right-to-left word inside RLE…PDF, letters in
    reading order but the words (and marks, and numbers) of a run in visual order:
    reverse each such run back."""
    return _RTL_RUN.sub(_reverse_run, raw)


def _reverse_run(match: re.Match[str]) -> str:
    items = _RUN_ITEM.findall(match.group())
    if not any(item.startswith("\u202b") for item in items):
        return match.group()
    return "".join(reversed(items))


def _pdftotext(pdf: bytes, options: list[str]) -> list[str]:
    """The text of each page (pdftotext ends each with a form feed)."""
    with MemoryInput([pdf], max_bytes=len(pdf)) as source:
        outcome = run_tool(PDFTOTEXT, [*options, "-q", "-enc", "UTF-8", INPUT, "-"], source,
                           LIMITS)
    if not outcome.ok:
        raise ScanFailed("pdftotext could not read the PDF")
    pages = outcome.stdout.decode("utf-8", "replace").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _object_texts(item: pikepdf.Object, is_evidence: Callable[[str], bool]) -> Iterator[Text]:
    import pikepdf

    if isinstance(item, pikepdf.Stream) and item.get("/Type") == "/Metadata":
        yield Text(Where(METADATA), html.unescape(_stream_bytes(item).decode("utf-8", "replace")))
    if isinstance(item, pikepdf.Dictionary | pikepdf.Stream) and "/EF" in item:
        yield from _embedded_texts(item, is_evidence)
    yield _strings_text(item, Where(PDF_DATA))


def _embedded_texts(spec: pikepdf.Object, is_evidence: Callable[[str], bool]) -> Iterator[Text]:
    """An embedded file: its names and description, and its content unless evidence."""
    name = str(spec.get("/UF", spec.get("/F", "")))
    where = Where(ATTACHMENT, name=name)
    yield _strings_text(spec, where)
    if is_evidence(name):
        return
    for _key, stream in spec.EF.items():
        for text in file_texts(_stream_bytes(stream)):
            yield Text(where, text)


def _strings_text(root: pikepdf.Object, where: Where,
                  follow: frozenset[str] = frozenset()) -> Text:
    return Text(where, "\n".join(_strings(root, follow, set())))


def _strings(item: pikepdf.Object, follow: frozenset[str],
             seen: set[tuple[int, int]]) -> Iterator[str]:
    """Every string and name inside `item`: its direct children, and the indirect
    objects behind the keys in `follow`; a signature's binary values skipped."""
    import pikepdf

    if item.is_indirect:
        if item.objgen in seen:
            return
        seen.add(item.objgen)
    children: list[tuple[str | None, object]] = []
    if isinstance(item, pikepdf.String):
        yield str(item)
    elif isinstance(item, pikepdf.Name):
        yield str(item)[1:]
    elif isinstance(item, pikepdf.Array):
        children = [(None, child) for child in item]
    elif isinstance(item, pikepdf.Dictionary | pikepdf.Stream):
        signature = "/ByteRange" in item
        children = [(key, child) for key, child in item.items()
                    if not (signature and key in _BINARY_KEYS)]
    for key, child in children:
        # Numbers and booleans come back as Python values: no text in them.
        if isinstance(child, pikepdf.Object) and (not child.is_indirect or key in follow):
            yield from _strings(child, follow, seen)


def _stream_bytes(stream: pikepdf.Object) -> bytes:
    import pikepdf

    try:
        return bytes(stream.read_bytes())
    except pikepdf.PdfError as error:
        raise ScanFailed("a stream of the PDF cannot be read") from error


def _json_line(line: str) -> list[str]:
    try:
        return _json_strings(json.loads(line))
    except ValueError:
        return []


def _json_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (key, *_json_strings(item))]
    if isinstance(value, list):
        return [s for item in value for s in _json_strings(item)]
    return []
