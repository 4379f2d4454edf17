"""WeasyPrint layout of the dossier in segments, with the confidential and public
variants aligned page for page.

The HTML of each variant is cut into blocks (the cover, each section, each incident,
each annex, each exhibit), each starting on a new page and carrying an id `blk-...`,
followed by a marker `<!--pad:blk-...-->`. Redaction changes the length of the text,
so a block may take a page more or less in one variant; the shorter one receives
blank pages ("intentionally left blank") at its marker so that every block starts on
the same page in both variants, and so every Bates number names the same page.

Layout is done in segments (a few dozen consecutive blocks, each segment its own
WeasyPrint document, freed once written) so that memory does not grow with the
dossier (WeasyPrint keeps every laid-out page of a document: ~1.25 MiB a page):

1. Measure: every segment of each wanted variant, and of the other variants only the
   blocks whose HTML differs from the wanted one's, are laid out to count each
   block's pages and to learn on which page of its block every anchor lies. The
   references that point forward (table of contents, pinpoint citations, Bates ranges,
   the page count) are laid out with placeholders of the same width.
2. Write: every segment of each wanted variant is laid out again, padded, with its
   first page number (`@page:first { counter-reset: page n }`), the page count, and
   every page reference written as text (`target-counter()` in the stylesheet
   becomes `attr()` of a value computed from step 1). Each segment's block lengths
   are checked against step 1 (a mismatch restarts the write with the new lengths).
3. Stitch: pikepdf concatenates the segments' pages under the first segment's PDF/A
   catalog (XMP, output intent), and rebuilds what spans segments: the named
   destinations of every anchor, the links whose target is in another segment, and
   the bookmarks (one tree, nested by level across segments).

Once a version of a dossier has been exported, its block lengths are fixed (decision
0022: `LayoutJob.fixed`, stored by the service): every later export pads each block to
its fixed length and measures no other variant (the fixed lengths already are the
largest over both); a block that now needs more pages is reported (`over_fixed`) and
nothing is written, since every Bates number after it would move.

Each WeasyPrint document is laid out in one pass (no forward `target-counter()` left,
so WeasyPrint does not re-make pages to resolve them: with them it re-made the
referring pages twice, nearly doubling layout time).

WeasyPrint and pikepdf are imported inside functions, not by this module: the web
process imports the plain data below (`LayoutJob`, `LayoutUnstable`, `pad_marker`)
without them, and the render child (portal.pdf.worker) imports them only once its
limits are set.
"""

from __future__ import annotations

import gc
import html as html_lib
import io
import logging
import re
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from portal.pdf.assets import Asset

if TYPE_CHECKING:
    from weasyprint.document import Document
    from weasyprint.text.fonts import FontConfiguration

BLOCK_PREFIX = "blk-"
PDF_VARIANT = "pdf/a-3b"
MAX_PASSES = 3
PX_TO_PT = 0.75  # WeasyPrint's scale from CSS pixels to PDF points (zoom 1)
SEGMENT_MAX_BLOCKS = 32
SEGMENT_MAX_HTML = 96_000  # characters of block HTML per segment
DOC_END = "doc-end"

_TARGET_COUNTER = re.compile(r"target-counter\(\s*attr\(\s*href\s*\)\s*,\s*page\s*"
                             r"(?:,\s*([\w-]+)\s*)?\)")
_PAGES_COUNTER = re.compile(r"counter\(\s*pages\s*(?:,\s*([\w-]+)\s*)?\)")
_INTERNAL_LINK = re.compile(r'<a\b([^>]*?)\shref="#([^"]+)"')
_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def pad_marker(block_id: str) -> str:
    return f"<!--pad:{block_id}-->"


class LayoutUnstable(RuntimeError):
    """Padding changed the layout in a way further padding cannot fix."""


@dataclass(frozen=True)
class LayoutJob:
    """Everything a render needs, as plain data (it crosses a process boundary)."""

    htmls: Mapping[str, str]  # variant -> HTML with a pad marker after each block
    css: str
    assets: Mapping[str, Asset]
    blocks: Sequence[str]  # the block ids, in document order (the same in every variant)
    pad_html: str  # one blank page
    wanted: Sequence[str]  # the variants to write
    # The page count of every block fixed at the version's first export (decision
    # 0022), in the order of `blocks`; empty when none is fixed yet. Given, every
    # variant is padded to it and no other variant is measured.
    fixed: Sequence[int] = ()


@dataclass
class RenderedPdf:
    variant: str
    pdf: bytes
    page_count: int
    layouts: int  # how many times this variant was laid out (measure + write passes)
    block_pages: dict[str, int] = field(default_factory=dict)  # block id -> first page (1-based)
    block_lengths: list[int] = field(default_factory=list)  # pages of each block, padding included


@dataclass
class LayoutReport:
    pdfs: dict[str, RenderedPdf]
    seconds: float
    layouts: int  # passes over a variant (a partial measure counts as one)
    pages_laid_out: int = 0  # pages WeasyPrint laid out in all, every pass included
    segments: int = 0  # WeasyPrint documents laid out
    # The blocks that now need more pages than `LayoutJob.fixed` gives them: nothing
    # is written then (`pdfs` is empty), since writing would move every page after.
    over_fixed: list[str] = field(default_factory=list)


# --- Cutting the HTML --------------------------------------------------------------------


@dataclass(frozen=True)
class _Parts:
    head: str  # up to and including <body ...>
    ids: list[str]
    blocks: list[str]  # each block's HTML, its pad marker included when there is one
    tail: str  # after the last block (the end anchor, </body></html>)


def _split(html: str, blocks: Sequence[str]) -> _Parts:
    starts: list[int] = []
    for block in blocks:
        where = html.find(f'id="{block}"')
        start = html.rfind("<section", 0, where) if where >= 0 else -1
        if start < 0 or (starts and start <= starts[-1]):
            raise LayoutUnstable(f"block {block} not found in order")
        starts.append(start)
    if not starts:
        raise LayoutUnstable("no blocks")
    last = blocks[-1]
    marker = html.find(pad_marker(last), starts[-1])
    if marker >= 0:
        end = marker + len(pad_marker(last))
    else:
        close = html.rfind("</section>")
        end = close + len("</section>") if close > starts[-1] else len(html)
    pieces = [html[a:b] for a, b in zip(starts, [*starts[1:], end], strict=True)]
    return _Parts(head=html[:starts[0]], ids=list(blocks), blocks=pieces, tail=html[end:])


def _segments(parts: _Parts) -> list[range]:
    """Consecutive block indexes laid out together."""
    segments, first, size = [], 0, 0
    for index, piece in enumerate(parts.blocks):
        if index > first and (index - first >= SEGMENT_MAX_BLOCKS
                              or size + len(piece) > SEGMENT_MAX_HTML):
            segments.append(range(first, index))
            first, size = index, 0
        size += len(piece)
    segments.append(range(first, len(parts.blocks)))
    return segments


class _ParagraphCounter:
    """How many `.numbered > p` a piece of our HTML holds (the `para` counter runs
    across blocks, so a segment starts it where the previous one stopped)."""

    VOID = frozenset({"br", "img", "hr", "wbr", "col", "input", "meta", "link", "source"})

    @classmethod
    def count(cls, piece: str) -> int:
        if 'class="numbered' not in piece:
            return 0
        from html.parser import HTMLParser

        total = 0
        stack: list[bool] = []  # open elements: is it a `.numbered`?

        class Parser(HTMLParser):
            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                nonlocal total
                if tag == "p" and stack and stack[-1]:
                    total += 1
                if tag in cls.VOID:
                    return
                classes = (dict(attrs).get("class") or "").split()
                stack.append("numbered" in classes)

            def handle_endtag(self, tag: str) -> None:
                if tag not in cls.VOID and stack:
                    stack.pop()

        parser = Parser(convert_charrefs=True)
        parser.feed(piece)
        parser.close()
        return total


_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _running_title(pieces: Sequence[str]) -> str | None:
    """The text of the last <h1> in `pieces` (the running section title a segment
    inherits), None when there is none."""
    for piece in reversed(pieces):
        found = _H1.findall(piece)
        if found:
            return " ".join(html_lib.unescape(_TAG.sub("", found[-1])).split())
    return None


def _css_string(text: str) -> str:
    return '"' + "".join(ch if ch.isalnum() or ch in " .,:;()/-–_'" else f"\\{ord(ch):x} "
                         for ch in text) + '"'


# --- Page references as text ---------------------------------------------------------------


def _in_style(number: int | None, style: str) -> str:
    if number is None:
        return {"bates": "000000", "persian": "۰۰۰"}.get(style, "000")
    if style == "bates":
        return f"{number:06d}"
    if style == "persian":
        return str(number).translate(_PERSIAN)
    return str(number)


def _literal_css(css: str, total: int | None) -> str:
    """`target-counter(attr(href), page, S)` -> `attr(data-tc-S)`; `counter(pages, S)`
    -> the page count as a string (when known)."""
    css = _TARGET_COUNTER.sub(lambda m: f"attr(data-tc-{m.group(1) or 'decimal'})", css)
    if total is not None:
        css = _PAGES_COUNTER.sub(
            lambda m: _css_string(_in_style(total, m.group(1) or "decimal")), css)
    return css


def _literal_links(piece: str, pages: Mapping[str, int] | None) -> str:
    """Every internal link carries the page of its target in each counter style."""

    def attrs(match: re.Match[str]) -> str:
        number = pages.get(match.group(2)) if pages is not None else None
        values = " ".join(f'data-tc-{s}="{_in_style(number, s)}"'
                          for s in ("decimal", "bates", "persian"))
        return f'<a{match.group(1)} {values} href="#{match.group(2)}"'

    return _INTERNAL_LINK.sub(attrs, piece)


def _with_head_style(head: str, style: str) -> str:
    body = head.rfind("<body")
    where = body if body >= 0 else len(head)
    return f"{head[:where]}<style>{style}</style>{head[where:]}"


# --- WeasyPrint ------------------------------------------------------------------------------


class _QuietMissingAnchors(logging.Filter):
    """A link to a block of another segment is expected (stitching makes it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("No anchor #")


class _Renderer:
    def __init__(self, job: LayoutJob) -> None:
        from weasyprint.text.fonts import FontConfiguration

        from portal.pdf.fetcher import AssetFetcher

        self.job = job
        self.fetcher = AssetFetcher(job.assets)
        # One font configuration for every segment: each @font-face is loaded once.
        self.fonts: FontConfiguration = FontConfiguration()
        self.pages_laid_out = 0
        self.segments = 0
        logger = logging.getLogger("weasyprint")
        if not any(isinstance(f, _QuietMissingAnchors) for f in logger.filters):
            logger.addFilter(_QuietMissingAnchors())

    def layout(self, html: str, css: str | None = None) -> Document:
        from weasyprint import CSS, HTML

        css = self.job.css if css is None else css
        stylesheets = ([CSS(string=css, url_fetcher=self.fetcher, font_config=self.fonts)]
                       if css else [])
        document = HTML(string=html, url_fetcher=self.fetcher,
                        base_url="portal-asset:/").render(
            stylesheets=stylesheets, font_config=self.fonts, pdf_variant=PDF_VARIANT)
        self.pages_laid_out += len(document.pages)
        self.segments += 1
        return document


def block_starts(document: Document, blocks: Sequence[str]) -> list[int]:
    """The 0-based page index where each block starts."""
    where: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith(BLOCK_PREFIX):
                where.setdefault(anchor, index)
    missing = [b for b in blocks if b not in where]
    if missing:
        raise LayoutUnstable(f"blocks not laid out: {', '.join(missing[:5])}")
    return [where[b] for b in blocks]


def block_lengths(document: Document, blocks: Sequence[str]) -> list[int]:
    starts = [*block_starts(document, blocks), len(document.pages)]
    return [starts[i + 1] - starts[i] for i in range(len(blocks))]


@dataclass
class _Measure:
    lengths: list[int | None]  # None: not laid out (the same HTML as the wanted variant's)
    anchors: dict[str, tuple[int, int]]  # anchor -> (block index, page within the block)


def _segment_html(parts: _Parts, indexes: range | Sequence[int], *, css_total: int | None,
                  pages: Mapping[str, int] | None, pads: Sequence[int] | None,
                  first_page: int | None, pad_html: str, last: bool) -> str:
    head = parts.head
    style = head[head.find("<style>"):head.find("</style>")] if "<style>" in head else ""
    if style:
        head = head.replace(style, _literal_css(style, css_total), 1)
    extra = []
    # The body's margins belong to the first and the last page of the whole document,
    # not to the first and last page of each segment.
    margins = ([] if indexes[0] == 0 else ["margin-top: 0;"]) + \
        ([] if last else ["margin-bottom: 0;"])
    if margins:
        extra.append("body { " + " ".join(margins) + " }")
    if first_page is not None:
        extra.append(f"@page:first {{ counter-reset: page {first_page}; }}")
        first = indexes[0]
        paragraphs = sum(_ParagraphCounter.count(p) for p in parts.blocks[:first])
        extra.append(f"body {{ counter-reset: para {paragraphs}; }}")
        # The running title of a segment that does not open with its own (an incident
        # after the "Incident summaries" heading) is set by its first block.
        starts_titled = _H1.search(parts.blocks[first]) or "exhibit-cover" in parts.blocks[first]
        title = None if starts_titled else _running_title(parts.blocks[:first])
        if title is not None:
            extra.append(f"#{parts.ids[first]} {{ string-set: section {_css_string(title)}; }}")
    if extra:
        head = _with_head_style(head, " ".join(extra))
    pieces = []
    for index in indexes:
        piece = _literal_links(parts.blocks[index], pages)
        if pads and pads[index]:
            marker = re.search(r"<!--pad:[^>]*-->\s*$", piece)
            if marker is None:
                raise LayoutUnstable(f"block {index} has no pad marker")
            piece = piece[:marker.start()] + pad_html * pads[index] + piece[marker.start():]
        pieces.append(piece)
    tail = _literal_links(parts.tail, pages) if last else "</body></html>"
    return head + "".join(pieces) + tail


def _measure_variant(renderer: _Renderer, parts: _Parts, blocks: Sequence[str],
                     only: Sequence[int] | None) -> _Measure:
    """Lay out the blocks `only` (all when None) with placeholder page references."""
    job = renderer.job
    indexes = list(range(len(blocks))) if only is None else list(only)
    lengths: list[int | None] = [None] * len(blocks)
    anchors: dict[str, tuple[int, int]] = {}
    css = _literal_css(job.css, None) if job.css else job.css
    for chunk in _chunks(parts, indexes):
        html = _segment_html(parts, chunk, css_total=None, pages=None, pads=None,
                             first_page=None, pad_html=job.pad_html,
                             last=chunk[-1] == len(blocks) - 1)
        document = renderer.layout(html, css)
        ids = [blocks[i] for i in chunk]
        starts = block_starts(document, ids)
        for i, n in zip(chunk, block_lengths(document, ids), strict=True):
            lengths[i] = n
        for page_index, page in enumerate(document.pages):
            position = max(k for k, s in enumerate(starts) if s <= page_index)
            for anchor in page.anchors:
                anchors.setdefault(anchor, (chunk[position], page_index - starts[position]))
        del document
        gc.collect()
    return _Measure(lengths, anchors)


def _chunks(parts: _Parts, indexes: Sequence[int]) -> list[list[int]]:
    wanted = set(indexes)
    return [chunk for segment in _segments(parts)
            if (chunk := [i for i in segment if i in wanted])]


@dataclass
class _Written:
    pdf: bytes
    bookmarks: list[tuple[int, str, int, float, float]]  # level, label, page, x, y (PDF)
    links: list[tuple[str, int, tuple[float, float, float, float]]]  # anchor, page, rect
    anchors: dict[str, tuple[int, float, float]]  # anchor -> page, x, y (PDF)


def _write_variant(renderer: _Renderer, parts: _Parts, blocks: Sequence[str],
                   target: Sequence[int], measured: _Measure) -> tuple[bytes, list[int]]:
    """Lay out and write every segment; returns the stitched PDF and each block's
    length as written (equal to `target` when the layout held)."""
    job = renderer.job
    own = [n if n is not None else t for n, t in zip(measured.lengths, target, strict=True)]
    pads = [t - n for t, n in zip(target, own, strict=True)]
    starts = [0]
    for n in target:
        starts.append(starts[-1] + n)
    total = starts[-1]
    pages = {anchor: starts[block] + offset + 1
             for anchor, (block, offset) in measured.anchors.items()}
    pages[DOC_END] = total
    css = _literal_css(job.css, total) if job.css else job.css
    written: list[_Written] = []
    lengths: list[int] = []
    for segment in _segments(parts):
        html = _segment_html(parts, segment, css_total=total, pages=pages, pads=pads,
                             first_page=starts[segment[0]] + 1, pad_html=job.pad_html,
                             last=segment[-1] == len(blocks) - 1)
        document = renderer.layout(html, css)
        ids = [blocks[i] for i in segment]
        lengths += block_lengths(document, ids)
        written.append(_collect(document, starts[segment[0]]))
        del document
        gc.collect()
    if lengths != list(target):
        return b"", lengths
    return _stitch(written), lengths


def _collect(document: Document, first: int) -> _Written:
    """Write one segment, keeping what the stitch rebuilds (positions in PDF points,
    pages numbered in the whole dossier)."""
    bookmarks: list[tuple[int, str, int, float, float]] = []
    links: list[tuple[str, int, tuple[float, float, float, float]]] = []
    anchors: dict[str, tuple[int, float, float]] = {}
    for index, page in enumerate(document.pages):
        height = page.height

        def point(x: float, y: float, height: float = height) -> tuple[float, float]:
            return x * PX_TO_PT, (height - y) * PX_TO_PT

        for level, label, (x, y), _state in page.bookmarks:
            bookmarks.append((level, label, first + index, *point(x, y)))
        for name, (x1, y1, _x2, _y2) in page.anchors.items():
            anchors.setdefault(name, (first + index, *point(x1, y1)))
        for kind, target, (x1, y1, x2, y2), _box in page.links:
            if kind == "internal":
                links.append((target, first + index, (*point(x1, y1), *point(x2, y2))))
    pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
    return _Written(pdf, bookmarks, links, anchors)


def _stitch(parts: Sequence[_Written]) -> bytes:
    """One PDF of the segments' pages under the first segment's catalog."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name, NameTree, OutlineItem, String

    base = pikepdf.open(io.BytesIO(parts[0].pdf))
    opened = []
    try:
        for part in parts[1:]:
            other = pikepdf.open(io.BytesIO(part.pdf))
            opened.append(other)
            with warnings.catch_warnings():
                # Named destinations and links are rebuilt below, for the whole file.
                warnings.filterwarnings("ignore", category=pikepdf.PageCopyWarning)
                base.pages.extend(other.pages)
        pages = base.pages
        anchors: dict[str, tuple[int, float, float]] = {}
        for part in parts:
            for name, where in part.anchors.items():
                anchors.setdefault(name, where)

        def destination(page: int, x: float, y: float) -> Any:
            return Array([pages[page].obj, Name.XYZ, x, y, 0])

        # Named destinations of every anchor (links made inside a segment name them).
        names = NameTree.new(base)
        for name, (page, x, y) in sorted(anchors.items()):
            names[name] = destination(page, x, y)
        base.Root.Names = Dictionary(Dests=names.obj)
        # Links to an anchor of another segment (WeasyPrint dropped them).
        for part in parts:
            for target, page, rect in part.links:
                if target in part.anchors or target not in anchors:
                    continue  # kept by WeasyPrint (same segment), or nowhere
                annotation = base.make_indirect(Dictionary(
                    Type=Name.Annot, Subtype=Name.Link, Rect=Array(list(rect)),
                    BS=Dictionary(W=0), F=4, Dest=String(target)))
                page_obj = pages[page].obj
                if "/Annots" not in page_obj:
                    page_obj.Annots = Array()
                page_obj.Annots.append(annotation)
        # Bookmarks: one tree, each nested under the last one of a lower level.
        with base.open_outline() as outline:
            outline.root.clear()
            stack: list[tuple[int, OutlineItem]] = []
            for part in parts:
                for level, label, page, x, y in part.bookmarks:
                    item = OutlineItem(label, destination(page, x, y))
                    while stack and stack[-1][0] >= level:
                        stack.pop()
                    (stack[-1][1].children if stack else outline.root).append(item)
                    stack.append((level, item))
        out = io.BytesIO()
        base.save(out)
        return out.getvalue()
    finally:
        for other in opened:
            other.close()
        base.close()


# --- The render ------------------------------------------------------------------------------


def measure(job: LayoutJob, variant: str) -> list[int]:
    """The page count of each block of `variant` (laid out, nothing written)."""
    parts = _split(job.htmls[variant], job.blocks)
    lengths = _measure_variant(_Renderer(job), parts, job.blocks, None).lengths
    return [n or 0 for n in lengths]


def render(job: LayoutJob, known: Mapping[str, list[int]] | None = None) -> LayoutReport:
    """Measure every wanted variant, and of the others the blocks that differ (except
    variants whose block lengths are `known`, and every other variant when the job
    gives the `fixed` lengths), pad the wanted ones to the common block lengths (the
    fixed ones when given) and write them as PDF/A-3b, segment by segment. A block
    longer than its fixed length is reported in `over_fixed`, nothing written.
    Raises LayoutUnstable or RefusedURL."""
    started = time.monotonic()
    renderer = _Renderer(job)
    blocks = list(job.blocks)
    if job.fixed and len(job.fixed) != len(blocks):
        raise LayoutUnstable("the fixed pagination does not name every block")
    parts = {variant: _split(html, blocks) for variant, html in job.htmls.items()}
    measured = {variant: _measure_variant(renderer, parts[variant], blocks, None)
                for variant in job.wanted}
    passes = len(job.wanted)
    others: dict[str, list[int | None]] = {}
    if not job.fixed:  # the fixed lengths already are the largest over every variant
        others = _measure_others(renderer, parts, blocks, job.wanted, known)
        passes += len(others) - len(known or {})

    def report(pdfs: dict[str, RenderedPdf], over: list[str]) -> LayoutReport:
        return LayoutReport(pdfs=pdfs, seconds=time.monotonic() - started, layouts=passes,
                            pages_laid_out=renderer.pages_laid_out,
                            segments=renderer.segments, over_fixed=over)

    for attempt in range(MAX_PASSES):
        target = _target(measured, others, job.wanted[0])
        if job.fixed:
            over = [b for b, n, f in zip(blocks, target, job.fixed, strict=True) if n > f]
            if over:
                return report({}, over)
            target = list(job.fixed)
        starts = [1]
        for n in target[:-1]:
            starts.append(starts[-1] + n)
        pdfs: dict[str, RenderedPdf] = {}
        for variant in job.wanted:
            pdf, written = _write_variant(renderer, parts[variant], blocks, target,
                                          measured[variant])
            passes += 1
            if not pdf:
                # A page reference written as text took another line somewhere: keep
                # what was written (its padding taken off) and write everything again.
                pads = [t - (n or 0) for t, n in zip(target, measured[variant].lengths,
                                                     strict=True)]
                measured[variant].lengths = [w - p for w, p in zip(written, pads,
                                                                    strict=True)]
                break
            pdfs[variant] = RenderedPdf(variant=variant, pdf=pdf, page_count=sum(target),
                                        layouts=2 + attempt,
                                        block_pages=dict(zip(blocks, starts, strict=True)),
                                        block_lengths=list(target))
        else:
            return report(pdfs, [])
    raise LayoutUnstable(f"pages still differ after {MAX_PASSES} passes")


def _measure_others(renderer: _Renderer, parts: Mapping[str, _Parts], blocks: Sequence[str],
                    wanted: Sequence[str], known: Mapping[str, list[int]] | None
                    ) -> dict[str, list[int | None]]:
    """The block lengths of every variant not written: `known`, or measured where its
    HTML differs from the first wanted variant's (None: the same HTML, so the same
    length as that variant's)."""
    reference = wanted[0]
    others: dict[str, list[int | None]] = {v: list(n) for v, n in (known or {}).items()}
    for variant in parts:
        if variant in wanted or variant in others:
            continue
        differ = [i for i, (a, b) in enumerate(zip(parts[variant].blocks,
                                                   parts[reference].blocks, strict=True))
                  if a != b]
        others[variant] = (_measure_variant(renderer, parts[variant], blocks, differ).lengths
                           if differ else [None] * len(blocks))
    return others


def _target(measured: Mapping[str, _Measure], others: Mapping[str, Sequence[int | None]],
            reference: str) -> list[int]:
    """Each block's page count: the largest over every variant."""
    same = measured[reference].lengths
    columns = [m.lengths for m in measured.values()] + [
        [n if n is not None else same[i] for i, n in enumerate(lengths)]
        for lengths in others.values()]
    return [max(n or 0 for n in column) for column in zip(*columns, strict=True)]
