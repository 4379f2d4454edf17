"""The quick-exit control: on every page a family member can see, first in the page,
working without JavaScript (a form posting to /exit), with its script loaded from a file
the CSP allows. What /exit does is in tests/test_quick_exit_signs_out.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from flask import Flask

from portal.models import Role
from tests.conftest import KNOWN_SECRETS
from tests.support.client import BrowserClient
from tests.support.factories import make_account, make_family
from tests.support.journeys import sign_in

EXIT_URL = "https://weather.example/today?city=toronto"
SCRIPT = "/static/js/quick-exit.js"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
LINK = re.compile(r'<p class="secret">https?://[^/]+(/invite/[A-Za-z0-9_\-]+)</p>')


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    parent: Element | None = None
    children: list[Element] = field(default_factory=list)


class PageParser(HTMLParser):
    """Builds a small element tree and notes what the CSP forbids."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root
        self.scripts: list[dict[str, str | None]] = []
        self.style_attributes: list[str] = []
        self.handler_attributes: list[str] = []
        self.style_elements = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        names = [name for name, _ in attrs]
        if "style" in names:
            self.style_attributes.append(tag)
        self.handler_attributes += [f"{tag}[{n}]" for n in names if n.startswith("on")]
        if tag == "script":
            self.scripts.append(dict(attrs))
        if tag == "style":
            self.style_elements += 1
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.current.tag == tag and self.current.parent:
            self.current = self.current.parent

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def find(self, tag: str, node: Element | None = None) -> Element | None:
        for child in (node or self.root).children:
            if child.tag == tag:
                return child
            found = self.find(tag, child)
            if found:
                return found
        return None


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def assert_quick_exit_first(page: str, where: str) -> None:
    parser = parse(page)
    body = parser.find("body")
    assert body is not None, f"{where}: no body"
    tags = [(c.tag, c.attrs.get("class")) for c in body.children]
    assert tags, f"{where}: empty body"
    first = body.children[0]
    assert (first.tag, first.attrs.get("class")) == ("form", "quick-exit-form"), \
        f"{where}: the body does not start with the quick exit: {tags[:3]}"
    assert (first.attrs.get("method"), first.attrs.get("action")) == ("post", "/exit"), \
        f"{where}: the quick exit does not post to /exit: {first.attrs}"
    inside = [(c.tag, c.attrs.get("name") or c.attrs.get("class")) for c in first.children]
    assert inside == [("input", "csrf_token"), ("button", "quick-exit")], f"{where}: {inside}"
    assert first.children[1].attrs.get("type") == "submit", where
    exits = [c for c in body.children if c.attrs.get("class") == "quick-exit-form"]
    assert len(exits) == 1
    header_index = next(i for i, c in enumerate(body.children) if c.tag == "header")
    assert header_index > 0, f"{where}: the header comes before the quick exit"
    # The neutral site is only where /exit redirects: nothing on the page names it.
    assert "weather.example" not in page, where

    assert all(s.get("src") for s in parser.scripts), f"{where}: inline <script>"
    assert [s.get("src") for s in parser.scripts].count(SCRIPT) == 1, where
    assert parser.style_attributes == [], f"{where}: style= on {parser.style_attributes}"
    assert parser.style_elements == 0, f"{where}: <style> element"
    assert parser.handler_attributes == [], f"{where}: {parser.handler_attributes}"
    assert "style=" not in page, f"{where}: style= somewhere in the page"


@pytest.fixture
def exit_url(app: Flask, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(app.config, "QUICK_EXIT_URL", EXIT_URL)
    return EXIT_URL


FAMILY_PAGES = [
    "/", "/account", "/account/sessions", "/account/passphrase", "/account/second-factor",
    "/no-such-page", "/account/no-such-page",
]


def test_login_page_starts_with_the_quick_exit(exit_url: str, client: BrowserClient):
    response = client.get("/login")
    assert response.status_code == 200
    assert_quick_exit_first(response.get_data(as_text=True), "/login")


def test_anonymous_404_page_has_the_quick_exit(exit_url: str, client: BrowserClient):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert_quick_exit_first(response.get_data(as_text=True), "404")


def test_signed_out_and_wrong_passphrase_pages_have_the_quick_exit(
        app: Flask, exit_url: str, client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    wrong = client.submit("/login", {"username": family.username, "passphrase": "nope nope"})
    assert wrong.status_code == 200
    assert_quick_exit_first(wrong.get_data(as_text=True), "wrong passphrase")
    sign_in(client, family)
    out = client.submit("/account", {}, action="/logout")
    page = client.get(out.headers["Location"])
    assert_quick_exit_first(page.get_data(as_text=True), "signed out")


def test_invitation_pages_have_the_quick_exit(app: Flask, exit_url: str, client: BrowserClient,
                                              another_client: BrowserClient):
    advocate = make_account(app, Role.ADVOCATE)
    make_family(app, advocates=[advocate])
    sign_in(client, advocate)
    created = client.submit("/invitations/new", {"display_name": "Nasrin Example",
                                                 "locale": "fa"})
    match = LINK.search(created.get_data(as_text=True))
    assert match
    invite = match.group(1)

    page = another_client.get(invite)
    assert page.status_code == 200
    assert_quick_exit_first(page.get_data(as_text=True), "invitation")
    passphrase = "ستاره کوچه نارنج بادبان"
    KNOWN_SECRETS.add(passphrase)
    mismatch = another_client.submit(invite, {"username": "nasrin.example",
                                              "passphrase": passphrase, "confirm": "other"})
    assert mismatch.status_code == 200
    assert_quick_exit_first(mismatch.get_data(as_text=True), "invitation with errors")
    accepted = another_client.submit(invite, {"username": "nasrin.example",
                                              "passphrase": passphrase, "confirm": passphrase})
    assert accepted.status_code == 302
    used = app.test_client().get(invite)
    assert used.status_code == 404
    assert_quick_exit_first(used.get_data(as_text=True), "used invitation")


@pytest.mark.parametrize("locale", ["en", "fa", "fr"])
def test_every_family_member_page_starts_with_the_quick_exit(
        app: Flask, exit_url: str, client: BrowserClient, locale: str):
    family = make_account(app, Role.FAMILY_MEMBER, locale=locale)
    sign_in(client, family)
    for path in FAMILY_PAGES:
        response = client.get(path)
        expected = 404 if "no-such-page" in path else 200
        assert response.status_code == expected, path
        assert_quick_exit_first(response.get_data(as_text=True), path)


def test_family_member_second_factor_pages_have_the_quick_exit(
        app: Flask, exit_url: str, client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER, second_factor=True)
    response = client.submit("/login", {"username": family.username,
                                        "passphrase": family.passphrase})
    code_page = client.get(response.headers["Location"])
    assert code_page.status_code == 200
    assert_quick_exit_first(code_page.get_data(as_text=True), "/login/code")
    done = client.submit("/login/code", {"code": family.code()})
    assert done.status_code == 302
    codes = client.submit("/account/recovery-codes", {"passphrase": family.passphrase})
    assert codes.status_code == 200
    assert_quick_exit_first(codes.get_data(as_text=True), "recovery codes")


def test_quick_exit_script_is_served_with_security_headers(client: BrowserClient):
    response = client.get(SCRIPT)  # BrowserClient checks the security headers
    assert response.status_code == 200
    assert "javascript" in response.headers["Content-Type"]
    source = response.get_data(as_text=True)
    assert "location.replace" in source
    assert "quick-exit-form" in source
    assert "keepalive" in source
