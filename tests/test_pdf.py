"""The PDF renderer on its own (portal.pdf): the fetcher's refusals, fonts, the
alignment of variants, and the Persian rendering. No user action here, so these drive
the renderer directly; tests/test_export.py drives the whole export over HTTP."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pikepdf
import pytest
from weasyprint import HTML

from portal.pdf.fetcher import Asset, AssetFetcher, RefusedURL
from portal.pdf.fonts import FontsMissing, font_assets, font_face_css
from portal.pdf.html import text_direction
from portal.pdf.layout import LayoutJob, pad_marker, render
from portal.pdf.worker import RenderFailed, render_isolated

TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5d1f3b50000000049454e44ae426082")


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout
    # pdftotext adds bidi marks and drops ZWNJ (FIELD-NOTES): compare without them.
    return "".join(ch for ch in text if ch not in "\u202a\u202b\u202c\u202d\u202e\u200e"
                   "\u200f\u200c")


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "http://127.0.0.1:9/x.png", "https://example.org/x.png",
    "data:image/png;base64,iVBORw0KGgo=", "portal-asset:exhibit/not-authorised",
    "ftp://example.org/x"])
def test_fetcher_refuses_everything_but_authorised_assets(url: str):
    fetcher = AssetFetcher({"exhibit/EX-0001": Asset("image/png", TINY_PNG)})
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.fetch("portal-asset:exhibit/EX-0001").read() == TINY_PNG


@pytest.mark.parametrize("html", [
    '<img src="file:///etc/hostname">',
    '<img src="http://127.0.0.1:9/tracker.png">',
    '<base href="file:///etc/"><img src="hostname">',
    '<base href="http://127.0.0.1:9/"><img src="x.png">',
    '<div style="background: url(file:///etc/hostname)">x</div>',
    '<link rel="stylesheet" href="file:///etc/hostname">',
])
def test_a_render_that_reaches_outside_fails_instead_of_fetching(html: str):
    fetcher = AssetFetcher({})
    with pytest.raises(RefusedURL):
        HTML(string=f"<html><body>{html}</body></html>", url_fetcher=fetcher,
             base_url="portal-asset:/").write_pdf()
    assert fetcher.refused


def test_missing_fonts_are_named_with_the_package(tmp_path: Path):
    with pytest.raises(FontsMissing, match="fonts-noto-core") as raised:
        font_assets(tmp_path)
    assert "NotoNaskhArabic-Regular.ttf" in str(raised.value)


def _job(htmls: dict[str, str], blocks: list[str], wanted: tuple[str, ...]) -> LayoutJob:
    css = font_face_css() + """
        @page { size: A4; @bottom-right { content: "B-" counter(page); } }
        html { font-family: "Dossier Serif", "Dossier Persian"; }
        .block { break-before: page; } .pad-page { break-before: page; }"""
    return LayoutJob(htmls=htmls, css=css, assets=font_assets(), blocks=blocks,
                     pad_html='<div class="pad-page">blank</div>', wanted=wanted)


def _document(paragraphs: dict[str, int]) -> str:
    body = "".join(f'<section class="block" id="{block}">' + "<p>text line</p>" * count
                   + f"</section>{pad_marker(block)}" for block, count in paragraphs.items())
    return f"<html><body>{body}</body></html>"


def test_variants_are_padded_to_the_same_pages_block_by_block():
    # The public variant of block one is longer (two pages), of block two shorter.
    htmls = {"confidential": _document({"blk-a": 10, "blk-b": 120, "blk-c": 3}),
             "public": _document({"blk-a": 90, "blk-b": 10, "blk-c": 3})}
    report = render(_job(htmls, ["blk-a", "blk-b", "blk-c"], ("confidential", "public")))
    confidential, public = report.pdfs["confidential"], report.pdfs["public"]
    assert confidential.page_count == public.page_count
    assert confidential.block_pages == public.block_pages
    assert (confidential.layouts, public.layouts) == (2, 2)
    for rendered in (confidential, public):
        with pikepdf.open(io.BytesIO(rendered.pdf)) as pdf:
            assert len(pdf.pages) == rendered.page_count


def test_render_in_a_limited_child_fails_cleanly_when_memory_is_short():
    htmls = {"confidential": _document({"blk-a": 3})}
    job = _job(htmls, ["blk-a"], ("confidential",))
    report = render_isolated(job, max_memory_bytes=2 << 30, max_seconds=120)
    assert report.pdfs["confidential"].page_count == 1
    with pytest.raises(RenderFailed) as failed:
        render_isolated(job, max_memory_bytes=64 << 20, max_seconds=120)
    assert failed.value.code.startswith("render_")


def test_persian_text_is_shaped_and_kept_in_order(tmp_path: Path):
    sentence = "مأموران وزارت اطلاعات در ۱۸ دی ۱۳۹۸ پدرم را احضار کردند"
    html = (f'<html lang="fa" dir="rtl"><body><section class="block" id="blk-a">'
            f'<p dir="{text_direction(sentence)}">{sentence}</p></section></body></html>')
    report = render(_job({"confidential": html}, ["blk-a"], ("confidential",)))
    # pdftotext moves spaces around digits in RTL text and splits the lam-alef
    # ligature: compare without spaces, on words without that ligature.
    text = "".join(pdf_text(report.pdfs["confidential"].pdf, tmp_path).split())
    assert "۱۸دی۱۳۹۸" in text
    assert "مأمورانوزارت" in text
    assert "پدرمرااحضارکردند" in text
    with pikepdf.open(io.BytesIO(report.pdfs["confidential"].pdf)) as pdf:
        fonts = [str(f.get("/BaseFont")) for f in pdf.pages[0].Resources.Font.values()]
    assert any("Dossier-Persian" in name for name in fonts), fonts  # Noto Naskh Arabic


def test_direction_follows_the_first_strong_character():
    assert text_direction("Agents came") == "ltr"
    assert text_direction("۱۳۹۸ مأموران") == "rtl"
    assert text_direction("123 —") == "ltr"
