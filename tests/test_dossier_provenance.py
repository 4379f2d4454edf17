"""Provenance on every exhibit and the sections a lawyer expects (issue 14, items 3
and 4), driven over HTTP: an advocate describes the evidence and writes a dossier of
supplementary information, a legal reviewer approves and exports both variants, and
the PDFs are read with pdftotext as anyone receiving them would. One export per
variant: every check of the printed dossier is in the first test."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import delete, select

from portal.dependencies import crypto_kit
from portal.models import Dossier, DossierSection, EvidenceItem, db
from portal.pdf.html import outline
from portal.services.dossiers import assembly
from portal.services.dossiers.checklist import BRACKETED_INSTRUCTION
from portal.services.dossiers.naming import agency_namer
from portal.services.dossiers.sections import TEMPLATE_DIR
from tests.support.approval import send_and_approve
from tests.support.client import BrowserClient
from tests.support.evidence import upload
from tests.support.journeys import sign_in, sign_out
from tests.test_dossiers import World, add
from tests.test_export import download, export, pdf_text
from tests.test_export import world_of_two_families as world  # noqa: F401 (fixture)
from tests.test_pdf_structure import describe

EARLIER = "OTP-CR-0099/20"  # a fictional reference of an earlier communication
STREET_NAME = "Street_scene_Testname_public.jpg"
# The world's photo of report one, described in full and kept confidential: each value
# is short enough to stay on one line of a cell, and distinctive.
CONFIDENTIAL = {
    "title": "Photo of the summons slip", "description": "Slip left at the door",
    "obtained_how": "Taken with her own phone", "prior_chain": "Aunt in Iran via WhatsApp",
    "creator": "Fictional aunt", "source": "Family chat group",
    "claimed_date_text": "1398/10/19", "claimed_place": "Quxabad lane",
    "claim_source": "reporter", "claim_trusted": "yes", "content_language": "fa",
}
# The street photo of report two, classified public.
PUBLIC = {
    "title": "Crowd after the memorial", "kind": "photo", "classification": "public",
    "description": "Crowd outside the hall", "obtained_how": "Saved from a public channel",
    "prior_chain": "Channel to the advocate", "creator": "A passer-by",
    "source": f"copied as {STREET_NAME}", "claimed_date_text": "1398/10/20",
    "claim_source": "metadata", "claim_trusted": "no",
}
ADMISSIBILITY = "Admissibility and interests of justice"


def street_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 72), (20, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def flat(text: str) -> str:
    return " ".join(text.split())


def pages_between(text: str, first: str, until: str) -> str:
    """The text from the page that starts block `first` to the page before `until`
    (each a heading printed once outside the contents)."""
    pages = [flat(page) for page in text.split("\f")]
    start = next(n for n, page in enumerate(pages) if first in page and "Contents" not in page)
    end = next(n for n, page in enumerate(pages) if n > start and until in page)
    return " ".join(pages[start:end])


def cover_sheet(text: str, number: str) -> str:
    return next(flat(page) for page in text.split("\f")
                if f"{number} · " in page and "SHA-256 of the original" in page)


def supplementary_dossier(client: BrowserClient, reviewer: BrowserClient, app: Flask,
                          world: World) -> int:  # noqa: F811
    """The two photos described, then a dossier supplementing an earlier communication
    with both reports, ready, sent and approved."""
    sign_in(client, world.reporter_two)
    assert upload(client, world.report_two, [(street_photo(), STREET_NAME)],
                  kind="photo").status_code in (200, 302)
    sign_out(client)
    sign_in(client, world.advocate)
    with app.app_context():
        photo, street = db.session.scalars(select(EvidenceItem.id).order_by(EvidenceItem.id))
    describe(client, photo, **CONFIDENTIAL)
    describe(client, street, **PUBLIC)
    created = client.submit("/dossiers/new", {
        "title": "Further reprisals", "kind": "supplementary", "destination": "icc_prosecutor",
        "language": "en", "earlier_reference": EARLIER})
    assert created.status_code == 302, created.get_data(as_text=True)[:600]
    dossier_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    for report in (world.report_one, world.report_two):
        assert add(client, dossier_id, report).status_code == 302
    send_and_approve(client, reviewer, dossier_id, world.reviewer)
    return dossier_id


def test_exhibits_carry_their_provenance_and_the_dossier_the_sections_a_lawyer_expects(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World, tmp_path: Path) -> None:  # noqa: F811
    dossier_id = supplementary_dossier(client, another_client, app, world)
    texts = {variant: pdf_text(download(another_client, dossier_id,
                                        export(another_client, dossier_id, variant), "pdf"),
                               tmp_path)
             for variant in ("confidential", "public")}
    confidential, public = texts["confidential"], texts["public"]
    with app.app_context():
        hashes = {item.id: item.sha256 for item in db.session.scalars(select(EvidenceItem))}
    photo_sha, street_sha = (hashes[key] for key in sorted(hashes))
    photo = re.search(r"(EX-\d{4}) · Photo of the summons slip", confidential)
    street = re.search(r"(EX-\d{4}) · Crowd after the memorial", confidential)
    assert photo, confidential[:3000]
    assert street, confidential[:3000]

    # The confidential cover sheet and Annex A each carry the whole provenance.
    annex_a = pages_between(confidential, "Annex A: index of exhibits", "Annex B: custody log")
    assert f"Original (SHA-256) {photo_sha}" in annex_a
    assert re.search(r"Copy shown \(SHA-256\) [0-9a-f]{64}", annex_a)
    for where in (cover_sheet(confidential, photo.group(1)), annex_a):
        for name in ("title", "description", "obtained_how", "prior_chain", "creator",
                     "source", "claimed_date_text", "claimed_place"):
            assert CONFIDENTIAL[name] in where, (name, where[:1500])
        for label in ("How it was obtained", "Chain before the portal", "Place claimed",
                      "According to the person who reported it · assessed as reliable",
                      "Persian", "Received by the portal", "Last verified"):
            assert label in where, (label, where[:1500])
        # The day in words, in the export's language (decision 0023).
        assert re.search(r"Received by the portal On [A-Z][a-z]+ \d{1,2}, \d{4}, from: Family "
                         r"member", where), where[:1500]
        assert photo_sha in where
    cover = cover_sheet(confidential, photo.group(1))
    assert re.search(r"\d+ custody events; see Annex B\.", cover), cover
    copy_shown = re.search(r"SHA-256 of the copy shown ([0-9a-f]{64})", cover)
    assert copy_shown, cover
    assert copy_shown.group(1) != photo_sha  # its copy without metadata
    assert copy_shown.group(1) in annex_a
    assert "According to the file's own metadata · assessed as not reliable" in \
        cover_sheet(confidential, street.group(1))

    # The public variant: the public exhibit's description, redacted like any text,
    # without its file name; nothing of the confidential one.
    public_cover = cover_sheet(public, street.group(1))
    for name in ("title", "description", "obtained_how", "prior_chain", "creator",
                 "claimed_date_text"):
        assert PUBLIC[name] in public_cover, (name, public_cover[:1500])
    assert f"copied as {street.group(1)}" in public_cover
    assert street_sha in public_cover
    assert STREET_NAME.casefold() not in public.casefold()
    for name, value in CONFIDENTIAL.items():
        if name not in ("claim_source", "claim_trusted", "content_language"):
            assert value not in public, name
    assert photo_sha not in public

    # Targets as reported: the reporter by the family file's code, and the relative.
    for text in (confidential, public):
        incidents = flat(text)
        assert re.search(r"Targets The reporter \(FAM-\d{3,}\), FAM-\d{3,}-P\d", incidents), \
            incidents[:4000]
        assert re.search(r"Targets The reporter \(FAM-\d{3,}\) ", incidents)
        assert "Targets —" not in incidents

    # The admissibility section, with its title, after the legal characterisation.
    for text in (confidential, public):
        body = flat(text)
        assert body.count(ADMISSIBILITY) >= 2  # the contents and its heading
        assert "Gravity (article 17(1)(d))" in body
        assert body.index("Gravity (article 17(1)(d))") > body.index("Crimes against humanity")

    # Abbreviations: what the dossier uses, and only that.
    for variant, text in texts.items():
        listed = pages_between(text, "Secure Hash Algorithm", "Executive summary")
        for short in ("EX-", "FAM-", "ICAO", "ICC", "PS752", "S.C.", "SHA-256", "UTC"):
            assert f"{short} " in listed, (variant, short, listed)
        for unused in ("IRGC", "CAHWCA", "RCMP", "MOIS", "OTP", "CPI"):
            assert unused not in listed, (variant, unused, listed)
    public_list = pages_between(public, "Secure Hash Algorithm", "Executive summary")
    assert "R1 Reason code of a redaction: identity of a victim" in public_list
    assert "R2 Reason code of a redaction: location or contact" in public_list
    assert "Reason code" not in pages_between(confidential, "Secure Hash Algorithm",
                                              "Executive summary")

    # The PS752 victims each family file relates to: named in confidence only.
    assert "The victims of flight PS752 each family file relates to" in flat(public)
    assert "Sample Victim 1" in confidential
    assert "Sample Victim" not in public
    assert re.search(r"FAM-\d{3,} 1 victim, named in the confidential variant only",
                     flat(public))

    # Supplementary information: the cover and the executive summary say so; the
    # earlier reference is removed from the public variant.
    framing = f"This submission supplements communication {EARLIER}."
    assert flat(confidential).count(framing) == 2
    assert flat(public).count(
        "This submission supplements communication [REDACTED – R1].") == 2
    assert EARLIER not in public


def test_a_dossier_made_before_the_admissibility_section_prints_no_empty_heading_until_written(
        app: Flask, client: BrowserClient, world: World) -> None:  # noqa: F811
    sign_in(client, world.advocate)
    created = client.submit("/dossiers/new", {
        "title": "An older dossier", "kind": "article_15", "destination": "icc_prosecutor",
        "language": "en", "earlier_reference": ""})
    dossier_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    assert add(client, dossier_id, world.report_two).status_code == 302
    with app.app_context():  # as a dossier made before the section existed
        db.session.execute(delete(DossierSection).where(
            DossierSection.dossier_id == dossier_id, DossierSection.key == "admissibility"))
        db.session.commit()
    assert "blk-admissibility" not in blocks_of(app, dossier_id)

    # Its editor starts from the template; the first save creates the section.
    page = f"/dossiers/{dossier_id}/sections/admissibility"
    assert "Gravity (article 17(1)(d))" in client.text(page)
    saved = client.submit(page, {"body": "The case would be admissible.", "lock_version": "0",
                                 "action": "save"})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:600]
    assert "The case would be admissible." in client.text(page)
    assert "blk-admissibility" in blocks_of(app, dossier_id)


def blocks_of(app: Flask, dossier_id: int) -> list[str]:
    """The blocks of the dossier's PDF, as the export lays them out."""
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        document = assembly.assemble(crypto_kit(), dossier, assembly.CONFIDENTIAL,
                                     agency_namer(dossier.language))
        return [block.id for block in outline(document)]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_admissibility_templates_give_guidance_the_checklist_blocks_on(language: str) -> None:
    """Guidance is written as bracketed instructions (an approval is refused while one
    is left), never as filler an advocate could forget to replace."""
    text = (TEMPLATE_DIR / f"admissibility.{language}.md").read_text(encoding="utf-8")
    brackets = re.findall(r"\[[^\[\]]+\](?!\()", text)
    assert len(brackets) >= 4
    assert all(BRACKETED_INSTRUCTION.fullmatch(b) for b in brackets), brackets
    assert "17" in text
    assert "53" in text
