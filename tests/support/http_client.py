"""A tiny browser over `http.client`, for tests against a real server on loopback.

It keeps the session cookie, takes CSRF tokens from pages as a browser would, and can
send a multipart upload in chunks (reporting progress) so that a test may kill the
server while the body is still arriving. It talks to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
LOOPBACK = "127.0.0.1"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class LoopbackBrowser:
    port: int
    timeout: float = 20.0
    cookies: dict[str, str] = field(default_factory=dict)

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(LOOPBACK, self.port, timeout=self.timeout)

    def _cookie_header(self) -> dict[str, str]:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def _read(self, connection: http.client.HTTPConnection) -> Reply:
        response = connection.getresponse()
        body = response.read()
        headers = {k.lower(): v for k, v in response.getheaders()}
        for line in response.msg.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Reply(response.status, headers, body)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        assert path.startswith("/"), path
        connection = self._connection()
        try:
            connection.request(method, path, body=body,
                               headers={**self._cookie_header(), **(headers or {})})
            return self._read(connection)
        finally:
            connection.close()

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post_form(self, path: str, data: dict[str, str]) -> Reply:
        return self.request("POST", path, urlencode(data).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def csrf_token(self, page: str) -> str:
        reply = self.get(page)
        match = CSRF_FIELD.search(reply.text)
        assert match, f"no CSRF token on {page} (status {reply.status})"
        return match.group(1)

    def sign_in(self, username: str, passphrase: str) -> None:
        token = self.csrf_token("/login")
        reply = self.post_form("/login", {"csrf_token": token, "username": username,
                                          "passphrase": passphrase, "next": ""})
        assert reply.status == 302, (reply.status, reply.text[:500])
        assert "/login" not in reply.location, reply.location

    def upload(self, incident_id: int, files: list[tuple[bytes, str]], token: str, *,
               chunk: int = 64 * 1024,
               on_progress: Callable[[int, int], None] | None = None) -> Reply:
        """POST the evidence form as a browser does, sending the body in chunks;
        `on_progress(sent, total)` is called after each chunk."""
        boundary, body = encode_multipart({
            "csrf_token": token, "kind": "document",
            "files": [FileStorage(io.BytesIO(content), name,
                                  content_type="application/octet-stream")
                      for content, name in files]})
        connection = self._connection()
        try:
            connection.putrequest("POST", f"/reports/{incident_id}/evidence")
            for name, value in {
                    **self._cookie_header(),
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                    "Content-Length": str(len(body))}.items():
                connection.putheader(name, value)
            connection.endheaders()
            view = memoryview(body)
            for start in range(0, len(body), chunk):
                connection.send(view[start:start + chunk])
                if on_progress is not None:
                    on_progress(min(start + chunk, len(body)), len(body))
            return self._read(connection)
        finally:
            connection.close()

    def download(self, item_id: int) -> Reply:
        token = self.csrf_token(f"/evidence/{item_id}")
        return self.post_form(f"/evidence/{item_id}/download", {"csrf_token": token})


def path_of(location: str) -> str:
    """The path and query of a redirect target (absolute or relative)."""
    parts = urlsplit(location)
    assert parts.hostname in (None, LOOPBACK), location
    return parts.path + (f"?{parts.query}" if parts.query else "")
