"""WeasyPrint layout of the dossier, with the confidential and public variants aligned
page for page.

The HTML of each variant is cut into blocks (the cover, each section, each incident,
each annex, each exhibit), each starting on a new page and carrying an id `blk-...`,
followed by a marker `<!--pad:blk-...-->`. Redaction changes the length of the text,
so a block may take a page more or less in one variant. Pass 1 lays out both
variants and counts each block's pages; pass 2 fills the markers of the shorter
variant with blank pages ("intentionally left blank") so that every block starts on
the same page, the page count is the same and so every Bates number names the same
page in both variants. Pass 2 is needed only for a variant that needed padding.

Pinpoint citations (`EX-0012 at PS752-0003-000143`), the table of contents and the
Bates ranges are CSS `target-counter()` values with a zero-padded counter style:
WeasyPrint resolves them in one layout, so they need no pass of their own.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration

from portal.pdf.fetcher import Asset, AssetFetcher

BLOCK_PREFIX = "blk-"
PDF_VARIANT = "pdf/a-3b"
MAX_PASSES = 3


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


@dataclass
class RenderedPdf:
    variant: str
    pdf: bytes
    page_count: int
    layouts: int  # how many times this variant was laid out
    block_pages: dict[str, int] = field(default_factory=dict)  # block id -> first page (1-based)


@dataclass
class LayoutReport:
    pdfs: dict[str, RenderedPdf]
    seconds: float
    layouts: int


def _layout(html: str, job: LayoutJob) -> Document:
    fetcher = AssetFetcher(job.assets)
    fonts = FontConfiguration()  # @font-face rules load only through a font configuration
    stylesheets = [CSS(string=job.css, url_fetcher=fetcher, font_config=fonts)] if job.css else []
    document = HTML(string=html, url_fetcher=fetcher, base_url="portal-asset:/").render(
        stylesheets=stylesheets, font_config=fonts, pdf_variant=PDF_VARIANT)
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


def _padded(html: str, blocks: Sequence[str], pads: Sequence[int], pad_html: str) -> str:
    for block, count in zip(blocks, pads, strict=True):
        if count:
            html = html.replace(pad_marker(block), pad_html * count, 1)
    return html


def measure(job: LayoutJob, variant: str) -> list[int]:
    """The page count of each block of `variant` (a layout, nothing written)."""
    return block_lengths(_layout(job.htmls[variant], job), job.blocks)


def render(job: LayoutJob, known: Mapping[str, list[int]] | None = None) -> LayoutReport:
    """Lay out every variant once (except those whose block lengths are `known`), pad
    the wanted ones to the common block lengths, and write them as PDF/A-3b. Raises
    LayoutUnstable or RefusedURL."""
    started = time.monotonic()
    first: dict[str, Document] = {}
    lengths: dict[str, list[int]] = {v: list(n) for v, n in (known or {}).items()}
    for variant, html in job.htmls.items():
        if variant in lengths:
            continue
        document = _layout(html, job)
        lengths[variant] = block_lengths(document, job.blocks)
        if variant in job.wanted:
            first[variant] = document  # the others were laid out only to count pages
        del document
    target = [max(column) for column in zip(*lengths.values(), strict=True)]
    layouts = len(lengths) - len(known or {})
    pdfs: dict[str, RenderedPdf] = {}
    for variant in job.wanted:
        document, passes = first[variant], 1
        pads = [t - n for t, n in zip(target, lengths[variant], strict=True)]
        while any(pads) or block_lengths(document, job.blocks) != target:
            if passes >= MAX_PASSES:
                raise LayoutUnstable(f"{variant}: pages still differ after {passes} passes")
            document = _layout(_padded(job.htmls[variant], job.blocks, pads, job.pad_html), job)
            passes, layouts = passes + 1, layouts + 1
            now = block_lengths(document, job.blocks)
            if any(n > t for n, t in zip(now, target, strict=True)):
                raise LayoutUnstable(f"{variant}: padding lengthened a block")
            pads = [p + t - n for p, t, n in zip(pads, target, now, strict=True)]
            if now == target:
                break
        starts = block_starts(document, job.blocks)
        pdfs[variant] = RenderedPdf(
            variant=variant, pdf=document.write_pdf(pdf_variant=PDF_VARIANT),
            page_count=len(document.pages), layouts=passes,
            block_pages={b: s + 1 for b, s in zip(job.blocks, starts, strict=True)})
    return LayoutReport(pdfs=pdfs, seconds=time.monotonic() - started, layouts=layouts)
