"""A crawler signed in as each role follows every link it can reach (GET only,
bounded) and checks each page as a suspicious reviewer would: security headers,
no origin but our own in any URL (the quick exit excepted, exactly), no inline
script or event handler, no IP address or known secret, Persian pages right to left.

It uses the Flask test client (tests/support/client.py checks the security headers
on every response), so it stays fast; tests/browser/ drives a real browser.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from flask import Flask

from portal.dependencies import crypto_kit
from portal.logs import IP_LITERAL
from portal.models import Dossier, Incident, Role, User, db
from portal.services.thread import post_message
from tests.conftest import KNOWN_SECRETS
from tests.support.client import BrowserClient
from tests.support.dossier_world import add_report, new_dossier
from tests.support.evidence import jpeg_with_gps, pdf, upload
from tests.support.factories import ISSUED_TOTP_SECRETS, Account, make_account, make_family
from tests.support.figures import RecordProperty, report_figures
from tests.support.journeys import sign_in, sign_out
from tests.support.reports import send_report, start_report

EXIT_URL = "https://weather.example/today?city=toronto"
EXIT_ACTION = "/exit"  # the quick-exit form; /exit redirects to EXIT_URL (decision 0017)
OWN_ORIGINS = {"http://localhost", "https://localhost"}
MAX_PAGES_PER_ROLE = 150
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data", "cite",
                  "background", "manifest", "srcset", "xlink:href", "ping"}
ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[^\s"'<>()]+""", re.IGNORECASE)
NEVER_FOLLOW = ("/logout", EXIT_ACTION)
IN_DOSSIER_LANGUAGE = re.compile(r"/dossiers/\d+/preview(\?|$)")


@dataclass
class PageFacts:
    """What the crawler notes in one HTML page."""

    links: list[str] = field(default_factory=list)
    urls: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, attribute, url)
    inline_scripts: list[str] = field(default_factory=list)
    html_attrs: dict[str, str | None] = field(default_factory=dict)
    quick_exits: list[str | None] = field(default_factory=list)


class FactFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts = PageFacts()
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "html":
            self.facts.html_attrs = named
        for name, value in attrs:
            if name.startswith("on"):
                self.facts.inline_scripts.append(f"<{tag} {name}=…>")
            if name == "style":
                self.facts.inline_scripts.append(f"<{tag} style=…> (blocked by the CSP)")
            if name in URL_ATTRIBUTES and value:
                self.facts.urls.append((tag, name, value.strip()))
                if value.strip().lower().startswith("javascript:"):
                    self.facts.inline_scripts.append(f"<{tag} {name}=javascript:…>")
        if tag == "form" and "quick-exit-form" in (named.get("class") or "").split():
            self.facts.quick_exits.append(named.get("action"))
        if tag == "a" and named.get("href"):
            self.facts.links.append(named["href"] or "")
        if tag == "script":
            self._in_script = True
            if not named.get("src"):
                self.facts.inline_scripts.append("<script> without src")
        if tag == "style":
            self.facts.inline_scripts.append("<style> element (blocked by the CSP)")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.facts.inline_scripts.append("<script> with inline code")


def facts_of(html: str) -> PageFacts:
    finder = FactFinder()
    finder.feed(html)
    finder.close()
    return finder.facts


def origin_of(url: str) -> str | None:
    """scheme://host of an absolute or protocol-relative URL; None for a path."""
    parts = urlsplit(url)
    if not parts.netloc:
        return None
    return f"{parts.scheme or 'http'}://{parts.netloc}".lower()


def problems_in_page(path: str, html: str, locale: str, secrets: set[str]) -> list[str]:
    facts = facts_of(html)
    problems = [f"{path}: {what}" for what in facts.inline_scripts]
    for tag, attribute, url in facts.urls:
        for candidate in url.split(",") if attribute == "srcset" else [url]:
            candidate = candidate.strip().split(" ")[0]
            origin = origin_of(candidate)
            if origin and origin not in OWN_ORIGINS and not (
                    tag == "a" and candidate == EXIT_URL):
                problems.append(f"{path}: external URL in <{tag} {attribute}>: {candidate}")
    for found in ABSOLUTE_URL.findall(html.replace(EXIT_URL, "")):
        origin = origin_of(found if "://" in found else "http:" + found)
        if origin and origin not in OWN_ORIGINS and "." in origin:
            problems.append(f"{path}: external origin in the page: {found}")
    if facts.quick_exits != [EXIT_ACTION]:
        problems.append(f"{path}: quick exit missing or wrong: {facts.quick_exits}")
    if match := IP_LITERAL.search(html):
        problems.append(f"{path}: IP address in the page: {match.group(0)}")
    problems += [f"{path}: a known secret is in the page" for s in secrets if s in html]
    expected = ("fa", "rtl") if locale == "fa" else (locale, "ltr")
    shown = (facts.html_attrs.get("lang"), facts.html_attrs.get("dir"))
    if IN_DOSSIER_LANGUAGE.match(path) and shown in {("en", "ltr"), ("fr", "ltr")}:
        pass  # the dossier as it will be sent, in its own language (English or French)
    elif shown != expected:
        problems.append(f"{path}: <html lang, dir> is {shown}, expected {expected}")
    return problems


def next_paths(path: str, html: str) -> list[str]:
    found = []
    for href in facts_of(html).links:
        absolute = urljoin(f"http://localhost{path}", href)
        url, _ = urldefrag(absolute)
        if origin_of(url) not in OWN_ORIGINS:
            continue
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if not target.startswith(NEVER_FOLLOW):
            found.append(target)
    return found


def crawl(client: BrowserClient, locale: str, secrets: set[str]) -> tuple[set[str], list[str]]:
    """Breadth-first from the home page; returns the paths seen and the problems."""
    queue, seen, problems = deque(["/"]), {"/"}, []
    while queue and len(seen) <= MAX_PAGES_PER_ROLE:
        path = queue.popleft()
        response = client.get(path)  # BrowserClient asserts the security headers
        if response.status_code in (301, 302, 303):
            target = urlsplit(response.headers["Location"])
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
            continue
        if response.status_code != 200:
            problems.append(f"{path}: a link leads to status {response.status_code}")
            continue
        if path.startswith("/static/") or response.mimetype != "text/html":
            body = response.get_data(as_text=True) if response.mimetype.startswith(
                "text/") else ""
            problems += [f"{path}: external URL {u}" for u in ABSOLUTE_URL.findall(body)
                         if (origin_of(u) or "localhost") not in OWN_ORIGINS
                         and u.startswith(("http", "//"))]
            continue
        html = response.get_data(as_text=True)
        problems += problems_in_page(path, html, locale, secrets)
        for target in next_paths(path, html):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    assert len(seen) <= MAX_PAGES_PER_ROLE, f"more than {MAX_PAGES_PER_ROLE} pages: {seen}"
    return seen, problems


def build_world(app: Flask, client: BrowserClient, locale: str) -> dict[str, Account]:
    """Every role, and a family file holding a submitted report with a photo, a PDF,
    consent and an advocate's question, plus a draft; and the advocate's dossiers, a
    draft and one sent to the legal reviewer: objects for every kind of page."""
    accounts = {role: make_account(app, role, locale=locale) for role in (
        Role.FAMILY_MEMBER, Role.ADVOCATE, Role.LEGAL_REVIEWER, Role.ADMIN)}
    make_family(app, members=[accounts[Role.FAMILY_MEMBER]],
                advocates=[accounts[Role.ADVOCATE]])
    sign_in(client, accounts[Role.FAMILY_MEMBER])
    incident_id = start_report(client)
    assert send_report(client, incident_id, "submit", start_text="۱۳۹۸/۱۰/۱۸").status_code == 302
    assert client.submit(f"/reports/{incident_id}/consent", {
        "destinations": ["icc_prosecutor"], "disclosure": "pseudonym",
        "testify": "unsure"}).status_code == 302
    assert upload(client, incident_id, [(jpeg_with_gps(), "photo.jpg"),
                                        (pdf(), "summons.pdf")]).status_code == 302
    start_report(client)  # a draft too
    with app.app_context():
        advocate = db.session.get(User, accounts[Role.ADVOCATE].id)
        incident = db.session.get(Incident, incident_id)
        assert advocate is not None
        assert incident is not None
        post_message(crypto_kit(), advocate, incident, "Which office summoned you?",
                     as_question=True)
        db.session.commit()
    sign_out(client)
    # The previous code: the crawler signs in with the current one, which must be unused.
    sign_in(client, accounts[Role.ADVOCATE], code_offset=-1)
    add_report(client, new_dossier(client, "Draft dossier"), incident_id)
    in_review = new_dossier(client, "Dossier in review")
    add_report(client, in_review, incident_id)
    assert client.submit(f"/dossiers/{in_review}", {
        "reviewer": str(accounts[Role.LEGAL_REVIEWER].id)},
        action=f"/dossiers/{in_review}/send").status_code == 302
    return {role.value: account for role, account in accounts.items()}


# Pages each role must reach by following links alone (a crawl that finds nothing
# would pass every check; these prove it went where it matters).
MUST_REACH = {
    "family_member": ["/reports", "/account", "/family", "/reports/{incident}",
                      "/reports/{incident}/thread", "/evidence/{item}"],
    "advocate": ["/workspace", "/workspace/statistics", "/reports/{incident}",
                 "/evidence/{item}", "/invitations", "/dossiers", "/dossiers/{draft}",
                 "/dossiers/{draft}/choose", "/dossiers/{draft}/preview",
                 "/dossiers/{draft}/sections/background", "/dossiers/{in_review}"],
    "legal_reviewer": ["/account", "/evidence/withdrawals", "/dossiers", "/dossiers/{in_review}",
                       "/dossiers/{in_review}/review", "/dossiers/{in_review}/preview",
                       "/dossiers/{in_review}/preview?variant=public"],
    "admin": ["/admin/users", "/admin/audit", "/admin/register/families"],
}


@pytest.mark.parametrize("locale", ["en", "fa"])
def test_every_page_each_role_can_reach_passes_the_page_checks(
        app: Flask, client: BrowserClient, monkeypatch: pytest.MonkeyPatch, locale: str,
        record_property: RecordProperty):
    monkeypatch.setitem(app.config, "QUICK_EXIT_URL", EXIT_URL)
    accounts = build_world(app, client, locale)
    secrets = KNOWN_SECRETS | ISSUED_TOTP_SECRETS | {
        app.config[key] for key in ("SECRET_KEY", "MASTER_KEY", "INDEX_KEY")}
    with app.app_context():
        incident_id = db.session.scalar(db.select(Incident.id).where(
            Incident.submitted_at.is_not(None)))
        item_id = db.session.scalar(db.select(db.func.min(db.text("id"))).select_from(
            db.text("evidence_items")))
        draft_id, in_review_id = db.session.scalars(db.select(Dossier.id).order_by(Dossier.id))
    problems: list[str] = []
    pages: dict[str, int] = {}
    for role, account in accounts.items():
        crawler = app.test_client()
        sign_in(crawler, account)  # type: ignore[arg-type]
        seen, found = crawl(crawler, locale, secrets)  # type: ignore[arg-type]
        problems += [f"[{role}] {p}" for p in found]
        pages[role] = len(seen)
        for path in MUST_REACH[role]:
            expected = path.format(incident=incident_id, item=item_id, draft=draft_id,
                                   in_review=in_review_id)
            assert expected in seen, f"{role} never reached {expected}: {sorted(seen)}"
    assert problems == [], "\n".join(problems)
    report_figures(record_property, f"{locale}: " + ", ".join(
        f"{count} pages as {role}" for role, count in pages.items()) + "; 0 problems")


def test_the_page_checks_catch_what_they_look_for():
    """The checks above would pass vacuously if they saw nothing: a bad page proves they see."""
    bad = (f'<html lang="fa" dir="ltr"><body><form class="quick-exit-form" '
           f'action="{EXIT_ACTION}"><button>x</button></form>'
           '<script>alert(1)</script><button onclick="go()">b</button>'
           '<img src="https://cdn.example.net/x.png"><a href="javascript:void(0)">j</a>'
           '<p>from 203.0.113.7</p><p>lantern orchard pebble violin thunder</p></body></html>')
    found = "\n".join(problems_in_page("/bad", bad, "fa", set(KNOWN_SECRETS)))
    for expected in ("<script> without src", "<button onclick=", "javascript:",
                     "external URL in <img src>: https://cdn.example.net/x.png",
                     "IP address in the page: 203.0.113.7", "a known secret",
                     "expected ('fa', 'rtl')"):
        assert expected in found, f"{expected!r} not reported in:\n{found}"
    good = (f'<html lang="en" dir="ltr"><body><form class="quick-exit-form" '
            f'action="{EXIT_ACTION}"><button>x</button></form>'
            '<script src="/static/js/quick-exit.js"></script><a href="/reports">r</a>'
            '</body></html>')
    assert problems_in_page("/good", good, "en", set(KNOWN_SECRETS)) == []
    assert next_paths("/", good) == ["/reports"]
