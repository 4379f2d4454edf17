"""Persian OCR of evidence images (decision 0030): a fictional summons photographed as
an image is recognised in the sandbox, its text shown with its confidence and labelled
machine-read, found by an advocate's search, its phone number proposed as an
identifier, and kept sealed; an image without text and a scan of too many pages end in
bounded time with a clear result."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image, ImageDraw, ImageFont, features
from sqlalchemy import select

from portal.dependencies import crypto_kit
from portal.media.ocr import STATUS_NO_TEXT, OcrLimits, recognise_pages
from portal.models import Dossier, DossierExhibit, Identifier, Rendition, Role, db
from portal.pdf.document import MachineRead
from portal.services.dossiers import assembly
from portal.services.recognised_text import TEXT_PURPOSE
from portal.text.phone_mentions import phone_numbers_in
from tests.support.client import BrowserClient
from tests.support.dossier_world import add_report, new_dossier, submit_consented_report
from tests.support.evidence import upload
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report
from tests.test_encryption_at_rest import database_copy
from tests.test_evidence import download, receipt_items
from tests.test_evidence_media import custody_actions
from tests.test_pdf_structure import describe

FONTS = Path("/usr/share/fonts/truetype/noto")
HEADING = "احضاریه"  # "summons"
COURT = "دادسرای عمومی و انقلاب تهران"  # "Tehran public and revolutionary prosecutor's office"
BODY = "آقای نمونه فرضی موظف است فردا ساعت ده حاضر شود"  # a fictional person, summoned
PHONE = "تلفن تماس: ۰۹۱۲ ۱۲۳ ۴۵۶۷"  # "contact telephone", in Persian digits


@pytest.fixture
def ocr_on(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """On here whatever the suite's default (other tests' uploads need no OCR)."""
    monkeypatch.setitem(app.config, "OCR_ENABLED", True)


def summons_png() -> bytes:
    """A fictional A5 summons at 150 dpi, Persian shaped by Pillow's raqm layout with
    Debian's Noto Sans Arabic (fonts-noto-core)."""
    assert features.check("raqm"), "Pillow without raqm cannot shape Persian"
    heading = ImageFont.truetype(str(FONTS / "NotoSansArabic-Bold.ttf"), 56)
    body = ImageFont.truetype(str(FONTS / "NotoSansArabic-Regular.ttf"), 40)
    image = Image.new("RGB", (1240, 874), "white")
    draw = ImageDraw.Draw(image)
    draw.text((620, 60), HEADING, font=heading, fill="black", anchor="ma",
              direction="rtl", language="fa")
    for number, line in enumerate((COURT, BODY, PHONE)):
        draw.text((1180, 200 + 100 * number), line, font=body, fill="black", anchor="ra",
                  direction="rtl", language="fa")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def blank_png(width: int = 800, height: int = 600) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buffer, "PNG")
    return buffer.getvalue()


def plain(text: str) -> str:
    """ZWNJ and runs of spaces folded, to compare recognised Persian with what was drawn."""
    return re.sub(r"\s+", " ", text.replace("\u200c", "")).strip()


def upload_summons(client: BrowserClient, incident_id: int) -> int:
    [item_id] = receipt_items(client, upload(client, incident_id, [(summons_png(), "summons.png")]))
    return item_id


@pytest.mark.usefixtures("ocr_on")
def test_a_persian_summons_is_recognised_shown_as_machine_read_and_its_phone_proposed(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int]) -> None:
    _reporter, advocate, incident_id = reported
    original = summons_png()
    [item_id] = receipt_items(client, upload(client, incident_id, [(original, "summons.png")]))
    assert {"purpose": TEXT_PURPOSE, "status": "recognised"} in [
        details for action, details in custody_actions(app, item_id)
        if action == "rendition_created"]
    assert download(client, item_id) == original  # never replaced

    family_page = plain(client.text(f"/evidence/{item_id}"))
    assert "Machine-read text (OCR), confidence" in family_page
    for phrase in (HEADING, COURT, "۰۹۱۲ ۱۲۳ ۴۵۶۷"):
        assert plain(phrase) in family_page, phrase

    sign_in(another_client, advocate)
    page = f"/evidence/{item_id}"
    shown = another_client.text(page)
    assert re.search(r"confidence \d{2} %", shown)
    assert "+98 912 123 4567" in shown
    recorded = another_client.submit(page, {"identifier-value": "+989121234567"},
                                     action=f"/evidence/{item_id}/identifiers")
    assert recorded.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Identifier.kind).where(
            Identifier.evidence_id == item_id)).all() == ["phone"]
    after = another_client.text(page)
    assert "Record as an identifier" not in after  # recorded: no longer proposed
    assert "+98 912 123 4567" in after  # in the identifiers panel


@pytest.mark.usefixtures("ocr_on")
def test_an_advocate_finds_the_report_by_a_word_of_the_scan_and_the_text_is_sealed(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int]) -> None:
    _reporter, advocate, incident_id = reported
    other = start_report(client)
    send_report(client, other, "submit", start_text="1398/11/02")
    upload_summons(client, incident_id)
    sign_in(another_client, advocate)
    listing = another_client.text("/workspace", query_string={"q": "دادسرا انقلاب"})
    listed = {int(i) for i in re.findall(r'href="/reports/(\d+)"', listing)}
    assert incident_id in listed
    assert other not in listed

    dump = database_copy(app)
    vault = b"".join(path.read_bytes() for path in Path(app.config["EVIDENCE_DIR"]).rglob("*")
                     if path.is_file())
    for word in ("احضاریه", "دادسرای", "انقلاب", "فرضی", "موظف", "۰۹۱۲", "9121234567"):
        assert word.encode("utf-8") not in dump, word
        assert word.encode("utf-8") not in vault, word


@pytest.mark.usefixtures("ocr_on")
def test_an_image_without_text_says_no_text_was_found(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]) -> None:
    _reporter, _advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id, [(blank_png(), "blank.png")]))
    assert "No text was found in this image." in client.text(f"/evidence/{item_id}")
    assert {"purpose": TEXT_PURPOSE, "status": STATUS_NO_TEXT} in [
        details for _action, details in custody_actions(app, item_id)]


def test_with_ocr_disabled_nothing_is_recognised(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _reporter, _advocate, incident_id = reported
    monkeypatch.setitem(app.config, "OCR_ENABLED", False)
    item_id = upload_summons(client, incident_id)
    with app.app_context():
        purposes = db.session.scalars(select(Rendition.purpose).where(
            Rendition.item_id == item_id)).all()
    assert "viewing_copy" in purposes
    assert TEXT_PURPOSE not in purposes
    assert "Machine-read" not in client.text(f"/evidence/{item_id}")


def test_fifty_pages_are_read_up_to_the_page_limit_in_bounded_time() -> None:
    pages = ((number, blank_png(200, 150)) for number in range(1, 51))
    started = time.monotonic()
    result = recognise_pages(pages, "fas+eng", OcrLimits(max_pages=2))
    assert time.monotonic() - started < 10
    assert (len(result.pages), result.skipped, result.status) == (2, 48, STATUS_NO_TEXT)
    assert result.confidence is None


def test_pages_past_the_time_budget_are_skipped_and_bad_bytes_named() -> None:
    skipped = recognise_pages([(1, blank_png())], "fas+eng", OcrLimits(total_timeout_s=0))
    assert (skipped.pages, skipped.skipped) == ([], 1)
    broken = recognise_pages([(1, b"not an image"), (2, b"\x89PNG\r\n\x1a\n" + b"\x00" * 16)],
                             "fas+eng")
    assert [page.problem for page in broken.pages] == ["not_an_image", "tool_failed"]
    assert broken.status == "failed"
    with pytest.raises(ValueError, match="language"):
        recognise_pages([], "fas; rm -rf /")


@pytest.mark.parametrize(("text", "expected"), [
    (PHONE, ["+989121234567"]),
    ("call 0098 912 123 4567 or +98 21 1234 5678", ["+989121234567", "+982112345678"]),
    ("٠٩١٢١٢٣٤٥٦٧ و ۰۹۱۲۱۲۳۴۵۶۷", ["+989121234567"]),  # Arabic-Indic and Persian, once
    ("شماره پرونده ۱۴۰۲/۱۲۳", []),  # a case number is not a phone number
])
def test_phone_numbers_are_found_in_persian_or_latin_digits(text: str,
                                                            expected: list[str]) -> None:
    assert phone_numbers_in(text) == expected


def machine_read(app: Flask, dossier_id: int, variant: str) -> MachineRead | None:
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        document = assembly.assemble(crypto_kit(), dossier, variant, str)
        [exhibit] = document.exhibits
        return exhibit.machine_read


@pytest.mark.usefixtures("ocr_on")
def test_a_dossier_prints_the_machine_read_text_only_when_chosen_and_redacted_in_public(
        app: Flask, client: BrowserClient, another_client: BrowserClient) -> None:
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    make_family(app, members=[member], advocates=[advocate])
    sign_in(client, member)
    incident_id = submit_consented_report(client, "۱۳۹۸/۱۰/۱۸", "They summoned me.", ["summons"])
    item_id = upload_summons(client, incident_id)
    describe(client, item_id, title="A summons", classification="public")
    sign_in(another_client, advocate)
    dossier_id = new_dossier(another_client, "Summonses")
    add_report(another_client, dossier_id, incident_id)
    with app.app_context():
        exhibit_id = db.session.scalars(select(DossierExhibit.id).where(
            DossierExhibit.dossier_id == dossier_id)).one()
    assert machine_read(app, dossier_id, "confidential") is None  # off by default

    page = f"/dossiers/{dossier_id}/exhibits/{exhibit_id}"
    assert "Print the machine-read text under the image" in another_client.text(page)
    chosen = another_client.submit(page, {"print_recognised_text": "y"},
                                   action=f"{page}/recognised-text")
    assert chosen.status_code == 302
    confidential = machine_read(app, dossier_id, "confidential")
    assert confidential is not None
    assert confidential.confidence >= 50
    assert plain(COURT) in plain(confidential.text)

    marked = another_client.submit(f"/dossiers/{dossier_id}/redactions",
                                   {"text": "انقلاب", "reason": "R2"})
    assert marked.status_code == 302
    public = machine_read(app, dossier_id, "public")
    assert public is not None
    assert "انقلاب" not in public.text
    assert "[REDACTED – R2]" in public.text
    assert HEADING in public.text
