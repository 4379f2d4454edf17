"""A test client that behaves like a browser filling in forms.

Every response is checked for the security headers (so every request in the suite
proves them). `submit` loads the page holding the form, reads the form from its HTML,
starts from what a browser would send, and refuses (the test fails) to post a field the
page does not render or a choice the form does not offer: a field dropped from a
template fails the tests that fill it in. `post_form` is the way to send what no
browser would (forged fields, other people's ids): it only adds a valid CSRF token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.html_forms import RenderedForm, choose_form, parse_forms

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

REQUIRED_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'", "object-src 'none'", "base-uri 'none'",
        "frame-ancestors 'none'", "form-action 'self'",
    ),
    "X-Content-Type-Options": ("nosniff",),
    "Referrer-Policy": ("no-referrer",),
    "Permissions-Policy": ("camera=()", "geolocation=()", "microphone=()"),
    "Cross-Origin-Opener-Policy": ("same-origin",),
    "Cross-Origin-Resource-Policy": ("same-origin",),
}


def assert_security_headers(response: TestResponse, path: str) -> None:
    for name, fragments in REQUIRED_HEADERS.items():
        value = response.headers.get(name, "")
        for fragment in fragments:
            assert fragment in value, f"{path}: header {name} lacks {fragment!r}: {value!r}"
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    if not path.startswith("/static/"):
        assert response.headers.get("Cache-Control") == "no-store", path


@dataclass(frozen=True)
class OpenPage:
    """A page as loaded at one moment, with the forms it showed."""

    client: BrowserClient
    url: str
    forms: list[RenderedForm]

    def submit(self, data: Mapping[str, Any], action: str | None = None,
               **kwargs: Any) -> TestResponse:
        """Fill in the form that posts to `action` (default: this page) with `data` and
        send it. A value None empties a box or unticks a choice; a list ticks several.

        Fails the test when the page has no such form, or the form has no such field or
        does not offer such a value: what no browser could send goes through `post_form`.
        """
        form, sent = choose_form(self.forms, self.url, data, action)
        if form.multipart:
            kwargs.setdefault("content_type", "multipart/form-data")
        return self.client.post(form.action, data=sent, **kwargs)


class BrowserClient(FlaskClient):
    """FlaskClient that checks headers on every response and fills in forms as a browser."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:  # type: ignore[override]
        response = super().open(*args, **kwargs)
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "")
        assert_security_headers(response, str(path))
        return response

    def csrf_token(self, page: str) -> str:
        response = self.get(page)
        match = CSRF_FIELD.search(response.get_data(as_text=True))
        assert match, f"no CSRF token on {page} (status {response.status_code})"
        return match.group(1)

    def open_page(self, page: str) -> OpenPage:
        """Load `page` as a browser tab does; its forms can be sent later (a stale tab)."""
        response = self.get(page)
        assert response.status_code == 200, (
            f"{page} answered {response.status_code}: a browser would see no form there")
        return OpenPage(self, page, parse_forms(response.get_data(as_text=True), page))

    def page_shown(self, response: TestResponse, url: str) -> OpenPage:
        """The page a browser shows after `response` (say, a form sent back with errors),
        at `url`, whose forms can be sent again."""
        return OpenPage(self, url, parse_forms(response.get_data(as_text=True), url))

    def submit(self, page: str, data: Mapping[str, Any], action: str | None = None,
               **kwargs: Any) -> TestResponse:
        """Load `page`, fill in its form that posts to `action` (default: `page`) with
        `data` and send it, as a person in a browser would (see `OpenPage.submit`)."""
        return self.open_page(page).submit(data, action, **kwargs)

    def post_form(self, url: str, data: Mapping[str, Any], token_page: str | None = None,
                  **kwargs: Any) -> TestResponse:
        """POST `data` as it is, with a valid CSRF token taken from `token_page` (default
        `url`): a forged or scripted request that no rendered form vouches for."""
        token = self.csrf_token(token_page or url)
        return self.post(url, data={"csrf_token": token, **data}, **kwargs)

    def text(self, url: str, **kwargs: Any) -> str:
        return self.get(url, **kwargs).get_data(as_text=True)
