"""Just enough of a browser over HTTPS for the deployment check: the session cookie of a
person signed in by the Flask test client (sessions are rows in the shared database),
CSRF tokens from pages, and the same-origin Referer that HTTPS form posts need."""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tests.deploy.stack import Stack

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SESSION_COOKIE = "__Host-portal"  # PORTAL_HTTPS=1


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class TlsBrowser:
    stack: Stack
    session: str = ""

    def headers(self, path: str, **extra: str) -> dict[str, str]:
        found = {"Referer": self.stack.origin + path, **extra}
        if self.session:
            found["Cookie"] = f"{SESSION_COOKIE}={self.session}"
        return found

    def request(self, method: str, path: str, body: bytes | None = None,
                **headers: str) -> Answer:
        connection = self.stack.https()
        connection.request(method, path, body=body, headers=self.headers(path, **{
            k.replace("_", "-"): v for k, v in headers.items()}))
        response = connection.getresponse()
        answer = Answer(response.status, response.getheaders(), response.read())
        connection.close()
        return answer

    def csrf_token(self, path: str) -> str:
        page = self.request("GET", path)
        match = CSRF_FIELD.search(page.text)
        assert page.status == 200, (path, page.status)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def stream(self, method: str, path: str, length: int, chunks: Iterator[bytes],
               content_type: str, **headers: str) -> http.client.HTTPResponse:
        """Send a body of `length` bytes piece by piece; the response is left to read."""
        connection = self.stack.https(timeout=300)
        connection.putrequest(method, path)
        for name, value in {**self.headers(path, **headers), "Content-Type": content_type,
                            "Content-Length": str(length)}.items():
            connection.putheader(name, value)
        connection.endheaders()
        for chunk in chunks:
            connection.send(chunk)
        return connection.getresponse()
