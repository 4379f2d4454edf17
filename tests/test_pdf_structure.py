"""The dossier's structure and what it does with bad input, through
the export a legal reviewer makes where possible: statements of truth and translators'
certificates in Annex C, the exhibits' language in Annex A, PDF evidence shown as page
previews, a corrupt rendition, HTML and `url(` typed into fields, very long Persian
words, a render over its limits, and (on the renderer directly, since approval needs
incidents) a dossier without incidents."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from weasyprint import HTML

from portal.models import CustodyEvent, DossierExport, EvidenceItem, Rendition, db
from tests.support.client import BrowserClient
from tests.support.evidence import upload
from tests.support.journeys import sign_in, sign_out
from tests.support.reports import send_report
from tests.test_dossiers import CITY, World, create_dossier
from tests.test_dossiers import world as dossier_world
from tests.test_export import approved_dossier, download, export, pdf_text

DECLARATION = "I declare that what I wrote is true to the best of my knowledge"
TRANSLATOR = "Fictional Translator Testname"
HOSTILE = ('<img src="http://127.0.0.1:9/t.png"> <b>bold</b> '
           'background: url(file:///etc/hostname)')
HOSTILE_TITLE = "<style>@import url(file:///etc/passwd);</style>Letter"
LONG_WORD = "ناجوانمردانه" * 30  # one Persian "word" of 360 letters
MM = 72 / 25.4
BIDI_MARKS = "\u202a\u202b\u202c\u202d\u202e\u200e\u200f"


@pytest.fixture(name="world")
def world_of_two_families(app: Flask, client: BrowserClient) -> World:
    """The fictional families, reports and photo of tests/test_dossiers.py."""
    built: World = dossier_world.__wrapped__(app, client)  # type: ignore[attr-defined]
    return built


def fictional_pdf(pages: int) -> bytes:
    body = "".join(f'<p style="break-after: page; font-size: 40pt">Fictional page {n}</p>'
                   for n in range(1, pages + 1))
    return HTML(string=f"<html><body>{body}</body></html>").write_pdf()


def describe(client: BrowserClient, item_id: int, **fields: str) -> None:
    data = {"title": "", "kind": "document", "classification": "confidential", **fields}
    response = client.submit(f"/evidence/{item_id}/describe", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]


def item_id_of(app: Flask, media_type: str) -> int:
    with app.app_context():
        return db.session.scalars(select(EvidenceItem.id).where(
            EvidenceItem.detected_media_type == media_type)).one()


def words_beyond_the_margin(pdf: bytes, tmp_path: Path) -> list[str]:
    """Words whose box leaves the page's text area (18 mm side margins), per pdftotext."""
    path = tmp_path / "bbox.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    outside = []
    for page in re.finditer(r'<page width="([\d.]+)".*?</page>', html, re.S):
        width = float(page.group(1))
        for word in re.finditer(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"'
                                r'[^>]*>([^<]*)</word>', page.group(0)):
            x_min, x_max = float(word.group(1)), float(word.group(2))
            if x_min < 18 * MM - 2 or x_max > width - 18 * MM + 2:
                outside.append(word.group(3)[:20])
    return outside


def test_annexes_declarations_languages_pdf_pages_and_hostile_text(
        app: Flask, client: BrowserClient, another_client: BrowserClient, world: World,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(app.config, "EVIDENCE_PDF_PREVIEW_PAGES", 3)
    # Reporter one adds a 5-page PDF to report one; reporter two amends report two with
    # HTML and url( typed into it, a very long Persian word, and the statement of truth.
    sign_in(client, world.reporter_one)
    assert upload(client, world.report_one, [(fictional_pdf(5), "letter.pdf")]).status_code \
        in (200, 302)
    sign_out(client)
    sign_in(client, world.reporter_two)
    amended = send_report(client, world.report_two, "amend", start_text="1399/10/18",
                          narrative=f"{HOSTILE}\n{LONG_WORD}", declare_true="y",
                          city=LONG_WORD[:80])
    assert amended.status_code == 302, amended.get_data(as_text=True)[:600]
    sign_out(client)
    pdf_item = item_id_of(app, "application/pdf")
    with app.app_context():
        purposes = set(db.session.scalars(select(Rendition.purpose).where(
            Rendition.item_id == pdf_item)))
    assert purposes == {"thumbnail", "preview", "page-2", "page-3"}  # pages 1-3 of 5

    # The advocate describes both items (languages, a hostile title) and adds a
    # certified translation of report one.
    sign_in(client, world.advocate, code_offset=-1)  # approved_dossier signs in with 0
    describe(client, item_id_of(app, "image/jpeg"), title="Photo of the summons",
             content_language="zxx")
    # Public, so that the public variant prints the hostile title too (a confidential
    # exhibit is a withheld sheet there).
    describe(client, pdf_item, title=HOSTILE_TITLE, content_language="fa",
             creator=LONG_WORD[:200], classification="public")
    translated = client.submit(f"/translations/incidents/{world.report_one}", {
        "language": "en", "text": "A fictional certified translation.",
        "translator": TRANSLATOR, "method": "human", "certified": "y"})
    assert translated.status_code == 302
    sign_out(client)

    dossier_id = approved_dossier(client, another_client, world)
    exports = {v: export(another_client, dossier_id, v) for v in ("confidential", "public")}
    pdfs = {v: download(another_client, dossier_id, e, "pdf") for v, e in exports.items()}
    texts = {v: pdf_text(pdf, tmp_path) for v, pdf in pdfs.items()}
    pages = {v: t.split("\f") for v, t in texts.items()}
    # pdftotext adds bidi marks and reorders neutral characters on lines near Persian
    # text (FIELD-NOTES): compare without the marks, and without closing brackets.
    flat = {v: " ".join("".join(ch for ch in t if ch not in BIDI_MARKS).split())
            for v, t in texts.items()}
    (tmp_path / "confidential.pdf").write_bytes(pdfs["confidential"])

    annex_c = next(p for p in pages["confidential"] if "Annex C: declarations" in p
                   and "Reporters' statements of truth" in p)
    annex_c_flat = " ".join(annex_c.split())
    assert DECLARATION in annex_c_flat
    assert "Made by the reporter (family file FAM-" in annex_c_flat
    assert "Not made for this version." in annex_c_flat  # report one: no declaration
    assert TRANSLATOR in annex_c_flat
    assert "Human" in annex_c_flat
    # The public variant: the reporter by code, the translator not named (R3).
    public_c = " ".join(next(p for p in pages["public"] if "Reporters' statements" in p
                             ).split())
    assert "Made by the reporter (family file FAM-" in public_c
    assert TRANSLATOR not in texts["public"]
    assert world.reporter_two.username not in texts["public"]

    annex_a = " ".join(next(p for p in pages["confidential"]
                            if "Annex A: index of exhibits" in p and "Contents" not in p
                            ).split())
    for shown in ("Language", "Persian", "no words"):
        assert shown in annex_a

    # The PDF exhibit: its cover sheet, then pages 1-3, then the note on pages 4-5.
    assert "Pages shown: 1, 2, 3 of 5." in flat["confidential"]
    assert "Pages 4–5 are not shown." in flat["confidential"]
    previews = [n for n, p in enumerate(pages["confidential"]) if re.search(
        r"EX-0002 · Page [23]\b", p)]
    assert len(previews) == 2
    cover = next(n for n, p in enumerate(pages["confidential"])
                 if "SHA-256 of the original" in p and "EX-0002" in p)
    assert cover < previews[0]

    # Typed HTML and url( are text: printed as typed, nothing fetched (the fetcher
    # refuses anything else, which would have failed the export).
    for variant in flat:
        assert '<img src="http://127.0.0.1:9/t.png"> <b>bold</b>' in flat[variant]
        assert "background: url(file:///etc/hostname" in flat[variant]
        assert "<style>@import url(file:///etc/passwd);</ style>Letter" in flat[variant]
    # The long Persian word wraps inside the text area, in the account and the tables.
    for variant, pdf in pdfs.items():
        assert words_beyond_the_margin(pdf, tmp_path) == [], variant
    assert CITY in texts["confidential"]


def test_a_corrupt_rendition_gives_a_placeholder_noted_on_the_cover_sheet(
        app: Flask, client: BrowserClient, another_client: BrowserClient, world: World,
        tmp_path: Path):
    dossier_id = approved_dossier(client, another_client, world)
    with app.app_context():
        from portal.dependencies import blob_store

        copy = db.session.scalars(select(Rendition).where(
            Rendition.purpose == "viewing_copy")).one()
        path = blob_store().path_of(copy.blob_key)  # type: ignore[attr-defined]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    export_id = export(another_client, dossier_id, "confidential")
    pdf = download(another_client, dossier_id, export_id, "pdf")
    pages = pdf_text(pdf, tmp_path).split("\f")
    cover = " ".join(next(p for p in pages if "SHA-256 of the original" in p).split())
    assert "Copy shown" in cover
    assert "could not be read back intact; it is not shown" in cover
    # The placeholder page follows it, and the export went through (the original is fine).
    with app.app_context():
        row = db.session.get(DossierExport, export_id)
        assert row is not None
        assert row.stage.value == "done"


def test_a_render_over_its_limits_fails_cleanly_and_the_reviewer_is_told(
        app: Flask, client: BrowserClient, another_client: BrowserClient, world: World,
        monkeypatch: pytest.MonkeyPatch):
    dossier_id = approved_dossier(client, another_client, world)
    # The app lives for the whole session: the limit must not outlive this test.
    monkeypatch.setitem(app.config, "PDF_RENDER_MAX_MEMORY_BYTES", 64 << 20)
    export_id = export(another_client, dossier_id, "confidential")
    status = another_client.get(f"/dossiers/{dossier_id}/exports/{export_id}")
    page = status.get_data(as_text=True)
    # Over its address-space limit the child fails as it loads WeasyPrint's libraries
    # (an OSError) or while laying out (MemoryError): either way the reviewer is told.
    assert ("The PDF took too long or too much memory to render. Nothing was exported."
            in page or "could not be rendered within the memory and time it is allowed"
            in page), page[page.find("<main"):page.find("</main>")]
    assert "Download the PDF" not in page
    assert "Refresh" not in status.headers
    with app.app_context():
        row = db.session.get(DossierExport, export_id)
        assert row is not None
        assert row.stage.value == "failed"
        assert row.error_code.startswith("render_")
        assert (row.pdf_blob_key, row.bundle_blob_key, row.pdf_sha256) == (None, None, "")
        assert not db.session.scalars(select(CustodyEvent).where(
            CustodyEvent.action == "exported")).all()


def test_a_dossier_without_incidents_renders_and_says_so(
        app: Flask, client: BrowserClient, world: World, tmp_path: Path):
    from portal.dependencies import crypto_kit
    from portal.jobs.dossier_jobs import export_settings
    from portal.models import Dossier
    from portal.models import DossierExport as ExportRow
    from portal.pdf.fonts import font_assets
    from portal.pdf.html import outline
    from portal.pdf.layout import LayoutJob, render
    from portal.services.dossiers import assembly
    from portal.services.dossiers import export as export_service
    from portal.services.dossiers.naming import pdf_vocabulary

    sign_in(client, world.advocate)
    dossier_id = create_dossier(client, title="A dossier still empty")
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        assert not dossier.incidents
        kit = crypto_kit()
        documents = {v: assembly.assemble(kit, dossier, v, lambda value: value)
                     for v in assembly.VARIANTS}
        assert assembly.content_hash(documents["confidential"]) == assembly.content_hash(
            assembly.assemble(kit, dossier, "confidential", lambda value: value))
        row = ExportRow(dossier=dossier, variant="confidential", language="en",
                        page_size="a4")
        settings = export_settings()
        htmls = {v: export_service._html(kit, app.jinja_env, d, row, {}, pdf_vocabulary,
                                          settings, "")
                 for v, d in documents.items()}
        db.session.rollback()
    job = LayoutJob(htmls=htmls, css="", assets=font_assets(), wanted=("confidential",),
                    blocks=[b.id for b in outline(documents["confidential"])],
                    pad_html=export_service._pad_html("en"))
    report = render(job)
    text = " ".join(pdf_text(report.pdfs["confidential"].pdf, tmp_path).split())
    assert "This dossier contains no incidents." in text
    assert "Annex C: declarations" in text
    assert report.pdfs["confidential"].page_count >= 10


@pytest.mark.parametrize("code", ["fa", "zxx", ""])
def test_the_content_language_is_kept_and_a_malformed_one_refused(
        app: Flask, client: BrowserClient, world: World, code: str):
    sign_in(client, world.advocate)
    item = item_id_of(app, "image/jpeg")
    describe(client, item, content_language=code)
    with app.app_context():
        assert db.session.get(EvidenceItem, item).content_language == code  # type: ignore[union-attr]
    refused = client.post_form(f"/evidence/{item}/describe", {  # no browser offers it
        "title": "", "kind": "document", "classification": "confidential",
        "content_language": "fa<script>"})
    assert refused.status_code == 200
    assert "Choose from the list." in refused.get_data(as_text=True)
