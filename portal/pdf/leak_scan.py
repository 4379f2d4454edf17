"""The leak scan: the finished PDF and bundle searched, from their bytes, for every
protected term of their variant, before anything is stored or offered.

Redaction removes protected terms from the assembled document; this is the safety net
that does not care how the text was produced (a template that prints a field the
redaction did not walk, a custody purpose, an editorial event's title, a file name).
It searches every text a reader or a tool can get at (portal/pdf/text_extraction.py:
page text by pdftotext, every string of the PDF's objects, XMP, embedded files) and
every file of the bundle's zip (names, contents, comments), read as it streams to
storage (portal/pdf/zip_stream.py). Everything is compared in the normal form of
portal/text (decision 0012), so ZWNJ, tatweel, harakat, Arabic letter variants, case
and whitespace (pdftotext's line breaks included) do not hide a term.

The content of an original (evidence, in the confidential variant only) is not read:
it is the evidence as received, its hash on record, and cannot be changed; its name
is read. Known limits: text drawn as an image (a scan, a photo of a letter) is not
text; a ligature without a Unicode mapping in the font, a word hyphenated or broken
by other punctuation, or a right-to-left word that pdftotext splits in both of its
orders may not extract as the word; a spelling the data does not hold is not a term.
A hit or an unreadable file refuses the export (the caller's job). Nothing here logs
or returns a term: only the code of the term that matched, and where.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from portal.pdf.text_extraction import (
    ANNOTATION,
    ATTACHMENT,
    BOOKMARKS,
    BUNDLE,
    METADATA,
    PAGE,
    PDF_DATA,
    ScanFailed,
    Text,
    file_texts,
    object_texts,
    page_texts,
)
from portal.pdf.zip_stream import ZipStreamError, ZipStreamReader
from portal.text import TermMatcher

__all__ = ["ANNOTATION", "ATTACHMENT", "BOOKMARKS", "BUNDLE", "METADATA", "PAGE", "PDF_DATA",
           "BundleScanner", "Destination", "Leak", "ScanFailed", "Watchlist", "scan_pdf"]


@dataclass(frozen=True)
class Leak:
    """A protected term in the files: the code of the term (never its text) and where."""

    code: str
    part: str
    page: int = 0  # PAGE, ANNOTATION
    name: str = ""  # ATTACHMENT, BUNDLE: the file's name as stored


@dataclass(frozen=True)
class Watchlist:
    """The protected terms of one variant. `allowed` holds the codes of terms that may
    appear, matched so that a protected word inside them is not taken for a leak (the
    longest match wins): a name given with consent whose family name is shared with a
    protected relative, a label of the portal's own wording."""

    matcher: TermMatcher
    allowed: frozenset[str] = field(default_factory=frozenset)

    def first_in(self, text: str, across: Sequence[int] = ()) -> str | None:
        """The code of the first protected term in `text`, or None; with `across`,
        only a term that spans one of these positions counts."""
        if not text:
            return None
        return next((match.term.code for match in self.matcher.find(text)
                     if match.term.code not in self.allowed
                     and (not across or any(match.start < at < match.end for at in across))),
                    None)

    def leak_in(self, item: Text) -> Leak | None:
        code = self.first_in(item.text, item.across)
        return None if code is None else Leak(code, item.where.part, item.where.page,
                                              item.where.name)


def scan_pdf(pdf: bytes, watch: Watchlist, is_evidence: Callable[[str], bool]) -> Leak | None:
    """The first protected term in the PDF's pages, then its objects and embedded files
    (whose content is skipped when `is_evidence(name)`), or None. Raises ScanFailed."""
    import pikepdf

    found = next(filter(None, map(watch.leak_in, page_texts(pdf))), None)
    if found is not None:
        return found
    try:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            return next(filter(None, map(watch.leak_in, object_texts(document, is_evidence))),
                        None)
    except pikepdf.PdfError as error:
        raise ScanFailed("the PDF cannot be read") from error


class Destination(Protocol):
    def write(self, data: bytes, /) -> int: ...
    def close(self) -> None: ...


class BundleScanner:
    """Where the bundle's zip is written: each write goes on to `destination` and
    through a zip reader that searches every name and every file that is not
    evidence. `result()` after `close()` gives the first leak."""

    def __init__(self, watch: Watchlist, is_evidence: Callable[[str], bool],
                 destination: Destination) -> None:
        self._watch = watch
        self._destination = destination
        self._reader = ZipStreamReader(self._check, is_evidence)
        self._failed = self._closed = False
        self._leak: Leak | None = None

    def write(self, data: bytes) -> int:
        written = self._destination.write(data)
        self._read(self._reader.feed, data)
        return written

    def close(self) -> None:
        self._destination.close()
        self._read(lambda _: self._reader.finish(), b"")
        self._closed = True

    def result(self) -> Leak | None:
        """The first leak, or None. Raises ScanFailed if the zip was not read to its
        end (not closed, or not a zip the reader can follow)."""
        if self._failed or not self._closed:
            raise ScanFailed("the bundle could not be read to its end")
        return self._leak

    def _read(self, step: Callable[[bytes], None], data: bytes) -> None:
        if self._failed:
            return
        try:
            step(data)
        except ZipStreamError:
            self._failed = True  # reported by result(); the writer must still finish

    def _check(self, name: str, data: bytes) -> None:
        if self._leak is None:
            code = next(filter(None, map(self._watch.first_in, file_texts(data))), None)
            if code is not None:
                self._leak = Leak(code, BUNDLE, name=name)
