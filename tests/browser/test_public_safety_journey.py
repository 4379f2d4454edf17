"""A public dossier that exposes no one, made in a real browser, with JavaScript on and off.

The advocate builds a dossier of a report that names a pseudonymous relative in many
spellings (tests/test_public_redaction.py's fictional family), writes the sections,
keeps one namesake passage for a reason and redacts every other occurrence, and
blacks out an area of the public photo (dragging on it with JavaScript, typing the
coordinates without). The legal reviewer sees the approval checklist, ticks the
warnings, approves and exports the public variant: its text holds the kept passage
and no other spelling of the name, and shows the redacted copy.

With PORTAL_WRITE_SCREENSHOTS=1 the occurrences, image-redaction and review pages are
saved under docs/screenshots/en/ (JavaScript on), after the export pages (22-24).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from portal.models import DossierExhibit, db
from portal.text import ProtectedTerm, find_terms
from tests.browser.pages import (
    DossierPage,
    ExportPage,
    LoginPage,
    NewDossierPage,
    OccurrencesPage,
    ReviewPage,
)
from tests.browser.test_main_pages import SCREENSHOTS, WRITE_SCREENSHOTS, save_screenshot
from tests.support.client import BrowserClient
from tests.test_public_redaction import NAME_SPELLINGS, relatives_family

NAMESAKE = "We met at the Kimia Cultural Centre in Toronto."
SHOTS = {"dossier-occurrences-decided": 22, "dossier-redact-image": 23,
         "dossier-review-checklist": 24}


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if WRITE_SCREENSHOTS:
        save_screenshot(page, SCREENSHOTS / "en" / f"{SHOTS[name]:02d}-{name}.png")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_advocate_resolves_names_and_redacts_a_photo_reviewer_approves_the_public_variant(
        app: Flask, client: BrowserClient, visit, tmp_path: Path, javascript: bool):
    family = relatives_family(app, client)
    adv = visit(locale="en", javascript=javascript).page
    LoginPage(adv).sign_in(family.advocate.username, family.advocate.passphrase,
                           family.advocate.code())
    new = NewDossierPage(adv)
    new.open()
    view = new.create("Reprisals against a family")
    dossier_id = view.dossier_id
    choose = view.choose_reports()
    choose.add(family.report)
    view = choose.back_to_dossier()
    view.complete_sections()
    adv.goto(f"/dossiers/{dossier_id}/sections/background")
    adv.locator("#body").fill(NAMESAKE)
    adv.locator("main button[name=action][value=save]").click()
    adv.wait_for_load_state()

    # Every spelling is listed; the namesake is kept for a reason, the rest redacted.
    occurrences = OccurrencesPage(adv).open_for(dossier_id)
    assert occurrences.open_count() >= len(NAME_SPELLINGS)
    occurrences.keep("Kimia Cultural Centre", "A cultural centre's name, not the relative.")
    assert "Kept as written" in adv.locator("main").inner_text()
    occurrences.redact_remaining()
    assert occurrences.open_count() == 0
    if javascript:
        shot(adv, "dossier-occurrences-decided")

    # The public photo: an area blacked out, by dragging or by typing coordinates.
    with app.app_context():
        exhibit_id = db.session.scalars(select(DossierExhibit.id).where(
            DossierExhibit.dossier_id == dossier_id)).one()
    adv.goto(f"/dossiers/{dossier_id}/exhibits/{exhibit_id}/redact")
    if javascript:
        box = adv.locator("#redact-image").bounding_box()
        assert box is not None
        adv.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.1)
        adv.mouse.down()
        adv.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.4, steps=5)
        adv.mouse.up()
        typed = adv.locator("#rectangles").input_value().strip()
        assert len(typed.split(",")) == 4, typed  # the drag became one line of the field
    else:
        adv.locator("#rectangles").fill("2, 2, 12, 8")
    adv.locator("main form[method=post] button[type=submit]").first.click()
    adv.wait_for_load_state()
    main = adv.locator("main").inner_text()
    assert "The redacted copy shown in public" in main, main[:600]
    if javascript:
        shot(adv, "dossier-redact-image")
    adv.goto(f"/dossiers/{dossier_id}")
    DossierPage(adv).send_for_review(family.reviewer.id)

    # The reviewer: the checklist holds, the warnings are ticked, approved, exported.
    rev = visit(locale="en", javascript=javascript).page
    LoginPage(rev).sign_in(family.reviewer.username, family.reviewer.passphrase,
                           family.reviewer.code())
    rev.goto(f"/dossiers/{dossier_id}/review")
    checklist = rev.locator("main ul.checklist").inner_text()
    assert "Every passage with a protected name or place is reviewed" in checklist
    assert "No template placeholder is left" in checklist
    assert "redacted copy" in rev.locator("main #public-exhibits ~ div table").inner_text()
    if javascript:
        shot(rev, "dossier-review-checklist")
    review = ReviewPage(rev)
    review.approve()
    assert rev.url.endswith(f"/dossiers/{dossier_id}"), rev.url
    rev.goto(f"/dossiers/{dossier_id}/export")
    status = ExportPage(rev).start(variant="public", language="en")
    status.wait_until_done()
    pdf = status.download("pdf", tmp_path)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    flat = " ".join(text.split())
    assert "Kimia Cultural Centre" in flat
    assert len(find_terms(text, [ProtectedTerm("Kimia", "k"), ProtectedTerm("کیمیا", "k")])) == 1
    assert "Redacted copy" in flat
    assert family.pseudonym_code in text
