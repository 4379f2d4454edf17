"""A test client that behaves like a browser filling in forms.

Every response is checked for the security headers (so every request in the suite
proves them), and `submit` first loads the page holding the form to take its CSRF
token, as a browser would.
"""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

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


class BrowserClient(FlaskClient):
    """FlaskClient that checks headers on every response and submits forms with CSRF."""

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

    def submit(self, page: str, data: dict[str, Any], action: str | None = None,
               **kwargs: Any) -> TestResponse:
        """Load `page`, take its CSRF token, and POST `data` to `action` (default: `page`)."""
        token = self.csrf_token(page)
        return self.post(action or page, data={"csrf_token": token, **data}, **kwargs)

    def text(self, url: str, **kwargs: Any) -> str:
        return self.get(url, **kwargs).get_data(as_text=True)
