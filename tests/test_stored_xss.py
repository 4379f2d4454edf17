"""Stored XSS sweep: hostile text typed into every free-text field
that the portal shows again is shown as text, in every HTML page that shows it and in
the exported PDF.

One fictional world is built over HTTP by the people who would type each field: an
administrator (a victim of the register, an incident type's labels in three languages,
an invitation's name, an advocacy event, a section template), a family member (a
person, a report of that type, an evidence description, a thread message, and at the
end the reason for asking the item's withdrawal), an advocate (verification notes, a
legal tag, a translation, an invitation's name, a dossier with its details, sections,
redaction and exhibit note) and a legal reviewer (review comments; the reviewer also
reads the withdrawal requests). Every field gets the same payload, prefixed by a marker
naming the field. Then:

- every HTML page that shows a marker shows the payload escaped: no `<script`, `<img`,
  `<style`, `onerror=` or `javascript:` URL from the payload as markup, and `{{7*7}}`
  stays `{{7*7}}` (no template evaluated it to 49);
- the dossier is approved and exported over HTTP (the real renderer, whose fetcher
  fails the render on any request for a URL: the `url(http://localhost:9/x)` and
  `@import url(file:///etc/passwd)` in the payload would make it try), and pdftotext
  finds the payload as literal text for every field the PDF prints.
"""

from __future__ import annotations

import html
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from portal.models import DossierExhibit, EvidenceItem, Family, Role, Victim, db
from tests.support.approval import approve, ready_for_review
from tests.support.client import BrowserClient
from tests.support.evidence import jpeg_with_gps, upload
from tests.support.factories import make_account, make_family
from tests.support.journeys import sign_in, sign_out
from tests.support.reports import send_report, start_report
from tests.test_dossiers import add, consent, create_dossier

RLO = "\u202e"
PAYLOAD = ('<script>alert(1)</script> "><img src=x onerror=alert(1)> javascript:alert(1) '
           '{{7*7}} url(http://localhost:9/x) <style>@import url(file:///etc/passwd)</style> '
           f"{RLO}fdp.exe")
# (A host name, not 127.0.0.1: the suite fails any IP address stored in the database.)
SHORT = "<script>alert(1)</script>{{7*7}}"  # for fields with a small length limit


class Markup(HTMLParser):
    """What a browser would build from a page: tags, attributes, script and style text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._in = tag
        for name, text in attrs:
            text = (text or "").strip().lower()
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction") and text.startswith(
                    "javascript:"):
                self.found.append(f"<{tag} {name}={text[:30]}>")
            if name == "style" and "url(" in text:
                self.found.append(f"<{tag} style={text[:40]}>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.found.append("<img src=x>")

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in and ("alert(1)" in data or "@import" in data):
            self.found.append(f"<{self._in}>{data[:40]}")


def markup_from_payload(page: str) -> list[str]:
    parser = Markup()
    parser.feed(page)
    return parser.found


# Fields with a small length limit (80-200 characters) get the short payload.
SHORT_FIELDS = {"report-city", "report-province", "report-online_platform",
                "report-report_reference", "person-name_latin", "person-name_persian",
                "person-relationship_note", "evidence-title", "evidence-prior_chain",
                "evidence-creator", "evidence-source", "evidence-claimed_place", "translator",
                "dossier-title", "earlier-reference", "redaction", "tag", "taxonomy-en",
                "taxonomy-fa", "taxonomy-fr", "invitation-admin", "invitation-advocate"}


def value(tag: str, short: bool = False) -> str:
    return f"XSS-{tag} {SHORT if short or tag in SHORT_FIELDS else PAYLOAD}"


def check_page(page: str, where: str, tags: list[str]) -> None:
    """`page` shows each marker in `tags`, followed by the payload as escaped text."""
    assert markup_from_payload(page) == [], f"{where}: the payload became markup"
    for tag in tags:
        start = page.find(f"XSS-{tag} ")
        assert start >= 0, f"{where}: the field {tag} is not shown"
        shown = html.unescape(re.sub(r"<[^>]+>", "", page[start:start + 400]))
        # As text, after unescaping: the markup is there to read, and nothing computed
        # {{7*7}} (a template evaluating user text would have printed 49).
        assert "<script>alert(1)</script>" in shown, (where, tag, page[start:start + 400])
        assert "{{7*7}}" in shown, (where, tag, page[start:start + 400])
        assert f"XSS-{tag} 49" not in shown


def ok(response, where: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code in (200, 302), (where, response.status_code,
                                                response.get_data(as_text=True)[:800])
    if response.status_code == 200:  # the form again: say which field was refused
        body = response.get_data(as_text=True)
        errors = re.findall(r'class="error-message" id="([^"]*)"[^>]*>(.*?)</p>', body,
                            re.DOTALL)
        assert not errors, (where, errors)


# The account is mostly Persian, so the advocate's translation into the dossier's
# language (English) is printed beside it, payload and all.
PERSIAN_ACCOUNT = "دو مأمور به خانهٔ ما آمدند و گفتند که نباید در مراسم سالگرد سخنرانی کنیم. " * 3
REPORT_FIELDS = ["narrative", "demands", "threat_wording", "perpetrators", "harm_note",
                 "witnesses", "city", "province", "online_platform", "report_reference"]
PERSON_FIELDS = ["name_latin", "name_persian", "relationship_note", "contact", "address"]
EVIDENCE_FIELDS = ["title", "description", "obtained_how", "prior_chain", "creator", "source",
                   "claimed_place"]
VICTIM_FIELDS = ["name_latin", "ties_note"]  # the Persian name must be Persian script
LANGUAGES = ["en", "fa", "fr"]


def test_stored_payloads_are_text_in_every_page_and_in_the_exported_pdf(
        app: Flask, client: BrowserClient, another_client: BrowserClient, tmp_path: Path):
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    reviewer = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    admin = make_account(app, Role.ADMIN, locale="en")
    family_id = make_family(app, members=[member], advocates=[advocate])
    pages: dict[str, tuple[BrowserClient, list[str]]] = {}

    # -- an administrator: the register, an advocacy event, a section template ---------
    sign_in(client, admin)
    ok(client.submit("/admin/register/victims/new",
                     {**{f: value(f"victim-{f}") for f in VICTIM_FIELDS},
                      "name_persian": "قربانی نمونه"}), "victim")
    with app.app_context():
        victim_id = db.session.scalars(select(Victim.id).where(
            Victim.name_latin.startswith("XSS-victim"))).one()
        family = db.session.get(Family, family_id)
        assert family is not None
        kept = [v.id for v in family.victims]
    ok(client.submit(f"/admin/register/families/{family_id}",
                     {"victim_ids": [str(v) for v in [*kept, victim_id]]},
                     action=f"/admin/register/families/{family_id}/victims"), "family victims")
    ok(client.submit("/admin/editorial/events", {
        "occurred_on": "2020-01-11", "kind": "rally", "title_en": value("event-en"),
        "title_fr": value("event-fr"), "title_fa": value("event-fa")}), "event")
    ok(client.submit("/admin/editorial/templates/background/en",
                     {"body": value("template")}), "template")
    ok(client.submit("/admin/register/taxonomy", {
        "code": "xss_term", **{f"label_{lang}": value(f"taxonomy-{lang}") for lang in LANGUAGES}}),
       "taxonomy")
    invited = client.submit("/invitations/new", {
        "display_name": value("invitation-admin"), "role": "legal_reviewer", "locale": "en"})
    ok(invited, "invitation")
    check_page(invited.get_data(as_text=True), "invitation created", ["invitation-admin"])
    # Each language's label is shown on the pages in that language.
    for lang in ("fa", "fr", "en"):
        ok(client.submit("/admin/register/taxonomy", {"locale": lang},
                         action="/language"), "language")
        check_all({"/admin/register/taxonomy": (client, [f"taxonomy-{lang}"])})
    pages["/admin/register/victims"] = (client, [f"victim-{f}" for f in ("name_latin",)])
    pages[f"/admin/register/victims/{victim_id}"] = (client, [])
    pages[f"/admin/register/families/{family_id}"] = (client, ["victim-name_latin"])
    pages["/admin/editorial/events"] = (client, ["event-en"])
    pages["/admin/editorial/templates/background/en"] = (client, ["template"])
    pages["/invitations"] = (client, ["invitation-admin"])
    check_all(pages)
    pages.clear()
    sign_out(client)

    # -- a family member: a person, a report, evidence, a thread message ----------------
    sign_in(client, member)
    created = client.submit(f"/family/{family_id}/people/new", {
        **{f: value(f"person-{f}") for f in PERSON_FIELDS},
        "residence": "iran", "residence_country": "IR", "lives_in_iran": "y"})
    ok(created, "person")
    person_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    # Named in full by their choice: a person without consent is protected in every
    # variant, and their name (the payload) would be redacted from the PDF.
    ok(client.submit(created.headers["Location"], {
        "destinations": ["icc_prosecutor"], "disclosure": "full_name", "testify": "no"},
        action=f"/family/people/{person_id}/consent"), "person consent")
    incident_id = start_report(client)
    ok(send_report(client, incident_id, "submit", start_text="1398/10/18",
                   type_codes=["summons", "xss_term"], place_type="online",
                   report_authority="police", report_date="1398/10/30",
                   **{f: value(f"report-{f}") for f in REPORT_FIELDS}
                   | {"narrative": f"{PERSIAN_ACCOUNT} {value('report-narrative')}"}), "report")
    consent(client, incident_id, "icc_prosecutor", disclosure="full_name")
    ok(upload(client, incident_id, [(jpeg_with_gps(), "photo.jpg")]), "upload")
    with app.app_context():
        item_id = db.session.scalars(select(EvidenceItem.id)).one()
    ok(client.submit(f"/evidence/{item_id}/describe", {
        **{f: value(f"evidence-{f}") for f in EVIDENCE_FIELDS},
        "kind": "photo", "claim_source": "reporter", "claim_trusted": "",
        "classification": "confidential", "claimed_date_text": "1398/10/18"}), "evidence")
    ok(client.submit(f"/reports/{incident_id}/thread", {"body": value("thread-member")}),
       "thread")
    pages[f"/family/people/{person_id}"] = (client, [f"person-{f}" for f in PERSON_FIELDS])
    pages[f"/reports/{incident_id}"] = (client, [f"report-{f}" for f in REPORT_FIELDS]
                                        + ["taxonomy-en"])
    pages[f"/reports/{incident_id}/edit"] = (client, ["taxonomy-en", "report-narrative"])
    pages[f"/reports/{incident_id}/thread"] = (client, ["thread-member"])
    pages[f"/evidence/{item_id}"] = (client, ["evidence-title", "evidence-description",
                                              "evidence-claimed_place"])
    pages[f"/evidence/{item_id}/describe"] = (client, [f"evidence-{f}" for f in EVIDENCE_FIELDS])
    check_all(pages)
    pages.clear()
    sign_out(client)

    # -- an advocate: verification, legal tag, translation, the dossier -------------------
    sign_in(client, advocate)
    ok(client.submit(f"/reports/{incident_id}", {
        "verification": "corroborated", "notes": value("verification")},
        action=f"/reports/{incident_id}/review"), "verification")
    # A legal tag is validated against a pattern: the payload is refused, and the form
    # that shows it again escapes it.
    refused = client.submit(f"/reports/{incident_id}", {"tag": value("tag")},
                            action=f"/reports/{incident_id}/tags")
    assert refused.status_code in (200, 302, 400)
    check_page(refused.get_data(as_text=True), "legal tag refused", [])
    ok(client.submit(f"/reports/{incident_id}", {"tag": "Art. 7(1)(h)"},
                     action=f"/reports/{incident_id}/tags"), "legal tag")
    ok(client.submit(f"/translations/incidents/{incident_id}", {
        "language": "en", "text": value("translation"), "translator": value("translator"),
        "method": "human"}), "translation")
    ok(client.submit(f"/reports/{incident_id}/thread", {"body": value("thread-advocate")}),
       "thread")
    invited = client.submit("/invitations/new", {
        "display_name": value("invitation-advocate"), "role": "family_member",
        "family_id": str(family_id), "locale": "fa"})
    ok(invited, "invitation")
    check_page(invited.get_data(as_text=True), "invitation created", ["invitation-advocate"])
    dossier_id = create_dossier(client, value("dossier-title"))
    ok(client.submit(f"/dossiers/{dossier_id}/details", {
        "title": value("dossier-title"), "kind": "article_15",
        "destination": "icc_prosecutor", "language": "en",
        "earlier_reference": value("earlier-reference"),
        "lock_version": lock_version(client, f"/dossiers/{dossier_id}/details")}), "details")
    assert add(client, dossier_id, incident_id).status_code == 302
    ok(client.submit(f"/dossiers/{dossier_id}/sections/methodology", {
        "body": value("section"), "action": "save",
        "lock_version": lock_version(client, f"/dossiers/{dossier_id}/sections/methodology")}),
       "section")
    ok(client.submit(f"/dossiers/{dossier_id}/redactions",
                     {"text": value("redaction"), "reason": "R2"}), "redaction")
    with app.app_context():
        exhibit_id = db.session.scalars(select(DossierExhibit.id)).one()
    ok(client.submit(f"/dossiers/{dossier_id}/exhibits/{exhibit_id}", {
        "withheld": "y", "reason": value("exhibit-reason")}), "exhibit")
    check_all({f"/dossiers/{dossier_id}/exhibits/{exhibit_id}": (client, ["exhibit-reason"])})
    # Then put back: a withheld exhibit's description is not printed, and the PDF must
    # show the evidence fields.
    ok(client.submit(f"/dossiers/{dossier_id}/exhibits/{exhibit_id}",
                     {"withheld": None, "reason": ""}), "exhibit")
    # The template became the dossier's background section when the dossier was made.
    pages[f"/reports/{incident_id}"] = (client, ["verification", "report-narrative"])
    pages[f"/reports/{incident_id}/thread"] = (client, ["thread-member", "thread-advocate"])
    pages[f"/translations/incidents/{incident_id}"] = (client, ["translation"])
    pages[f"/dossiers/{dossier_id}"] = (client, ["dossier-title"])
    pages[f"/dossiers/{dossier_id}/details"] = (client, ["earlier-reference"])
    pages[f"/dossiers/{dossier_id}/sections/methodology"] = (client, ["section"])
    pages[f"/dossiers/{dossier_id}/sections/background"] = (client, ["template"])
    pages[f"/dossiers/{dossier_id}/redactions"] = (client, ["redaction"])
    pages[f"/dossiers/{dossier_id}/preview"] = (client, [
        "dossier-title", "section", "template", "report-narrative", "translation"])
    pages["/dossiers"] = (client, ["dossier-title"])
    pages["/workspace"] = (client, ["taxonomy-en"])
    pages["/invitations"] = (client, ["invitation-advocate"])
    check_all(pages)
    pages.clear()
    ready_for_review(client, dossier_id)
    ok(client.submit(f"/dossiers/{dossier_id}", {"reviewer": str(reviewer.id)},
                     action=f"/dossiers/{dossier_id}/send"), "send")

    # -- the legal reviewer: comments, approval, export -------------------------------------
    sign_in(another_client, reviewer)
    check_all({f"/dossiers/{dossier_id}/review": (another_client, ["dossier-title"])})
    approved = approve(another_client, dossier_id, comments=value("review"))
    assert approved.status_code == 302, approved.get_data(as_text=True)[:600]
    check_all({f"/dossiers/{dossier_id}": (client, ["dossier-title", "review"])})
    started = another_client.submit(f"/dossiers/{dossier_id}/export", {
        "variant": "confidential", "language": "en", "page_size": "a4"})
    assert started.status_code == 302, started.get_data(as_text=True)[:800]
    status_url = started.headers["Location"]
    status = another_client.text(status_url)
    # Eager jobs: the export is done (or failed) when the request that queued it ends.
    # A render that tried to fetch the payload's URLs would have failed here.
    assert "Download the PDF" in status, status[:3000]
    check_page(status, "export status", [])
    pdf = another_client.get(status_url.rstrip("/") + "/pdf")
    assert pdf.status_code == 200
    path = tmp_path / "dossier.pdf"
    path.write_bytes(pdf.get_data())
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    # What the confidential PDF prints (verification notes, thread messages, review
    # comments, people's contacts and the register's victims are not in it).
    printed = ["dossier-title", "earlier-reference", "section", "template", "translation",
               "event-en", "report-narrative", "report-demands", "report-threat_wording",
               "report-perpetrators", "report-harm_note", "report-province",
               "report-report_reference", "evidence-title", "evidence-creator",
               "evidence-source", "taxonomy-en"]
    # pdftotext joins a word broken at a hyphen at the end of a line: compare without them.
    unhyphenated = text.replace("- ", "").replace("-", "")
    missing = [tag for tag in printed if f"XSS{tag.replace('-', '')}" not in unhyphenated]
    assert missing == [], f"not printed in the PDF: {missing}"
    flat = text.replace(" ", "")
    assert flat.count("<script>alert(1)</script>") >= len(printed), text[:3000]
    assert flat.count("{{7*7}}") >= len(printed)
    assert flat.count('"><imgsrc=xonerror=alert(1)>') >= 1
    assert "@importurl(file:///etc/passwd)" in flat
    assert "root:x:0:0" not in text  # nothing of the file it names was fetched

    # -- last (the item leaves the dossier's reach): the member asks for its withdrawal,
    # and the legal reviewer reads the reason among the requests -------------------------
    sign_out(client)
    sign_in(client, member)
    ok(client.submit(f"/evidence/{item_id}", {"reason": value("withdrawal")},
                     action=f"/evidence/{item_id}/withdrawal"), "withdrawal")
    check_all({"/evidence/withdrawals": (another_client, ["withdrawal"])})


def lock_version(client: BrowserClient, page: str) -> str:
    match = re.search(r'name="lock_version" type="hidden" value="(\d+)"', client.text(page))
    assert match, page
    return match.group(1)


def check_all(pages: dict[str, tuple[BrowserClient, list[str]]]) -> None:
    for url, (client, tags) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        check_page(response.get_data(as_text=True), url, tags)


def test_the_checks_catch_a_payload_that_became_markup():
    """The sweep can fail: each way a payload can escape its text is caught."""
    shown = f"<p>XSS-f {html.escape(PAYLOAD)}</p>"
    check_page(shown, "escaped", ["f"])
    for broken in (f"<p>XSS-f {PAYLOAD}</p>",  # not escaped at all
                   '<a href="javascript:alert(1)">XSS-f</a>',
                   '<p style="background: url(http://localhost:9/x)">x</p>',
                   "<p>XSS-f 49</p>",  # a template evaluated {{7*7}}
                   "<p>nothing</p>"):  # the field is not shown
        try:
            check_page(broken, "broken", ["f"])
        except AssertionError:
            continue
        raise AssertionError(f"not caught: {broken}")
