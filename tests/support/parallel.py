"""Requests that leave at the same moment, for race tests against a real threaded server.

Each request gets its own connection, opened first; a barrier then releases every
request at once, so they really are in flight together.
"""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from urllib.parse import urlencode

from tests.support.http_client import LOOPBACK, LoopbackBrowser, Reply

Post = tuple[LoopbackBrowser, str, dict[str, str]]  # who sends, to which path, what


def together(port: int, posts: list[Post]) -> list[Reply]:
    """Send every POST at once; fail the test if one was not answered or answered 500."""
    barrier = threading.Barrier(len(posts))
    replies: list[Reply | BaseException] = [RuntimeError("not sent")] * len(posts)

    def send(index: int, browser: LoopbackBrowser, path: str, data: dict[str, str]) -> None:
        connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        try:
            connection.connect()
            body = urlencode(data).encode()
            cookies = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
            barrier.wait(timeout=30)
            connection.request("POST", path, body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookies})
            response = connection.getresponse()
            replies[index] = Reply(response.status,
                                   {k.lower(): v for k, v in response.getheaders()},
                                   response.read())
        except BaseException as error:  # reported below, on the test's thread
            replies[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    done = [reply for reply in replies if isinstance(reply, Reply)]
    assert len(done) == len(posts), [r for r in replies if not isinstance(r, Reply)]
    assert all(reply.status != 500 for reply in done), [r.text[:300] for r in done]
    return done


def statuses(replies: list[Reply]) -> Counter[int]:
    return Counter(reply.status for reply in replies)


def guesses(browsers: list[LoopbackBrowser], username: str) -> list[Post]:
    """A wrong passphrase for `username` from each browser (each with its CSRF token)."""
    return [(browser, "/login", {"csrf_token": browser.csrf_token("/login"),
                                 "username": username, "passphrase": f"wrong guess {n}",
                                 "next": ""})
            for n, browser in enumerate(browsers)]
