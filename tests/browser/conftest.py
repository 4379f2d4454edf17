"""Fixtures for the browser tests: a real portal server, Debian's Chromium driven by
Playwright, and browser contexts that never reach beyond loopback.

Playwright is used with the system browser only (`executable_path`); nothing here
downloads a browser. Every test in this folder is marked `browser` (`-m browser`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.logs import IP_LITERAL
from portal.models import db
from portal.models.jobs import Job, JobState
from tests.browser.server import (
    EXIT_PAGE,
    QUICK_EXIT_URL,
    LiveServer,
    start_server,
    stop_server,
)
from tests.conftest import KNOWN_SECRETS
from tests.support.factories import ISSUED_TOTP_SECRETS

CHROMIUM = Path(os.environ.get("PORTAL_TEST_CHROMIUM", "/usr/bin/chromium"))
VIEWPORT = {"width": 1280, "height": 900}

try:
    from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright
except ImportError:  # pragma: no cover - reported as a failure below
    sync_playwright = None  # type: ignore[assignment]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def live_server(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the browser tests, stopped when they are done: its job runner
    polls the shared test database and must not claim the jobs of later tests."""
    server = start_server(app, tmp_path_factory.mktemp("server") / "server.log")
    yield server
    stop_server(server)
    output = server.output()
    assert not IP_LITERAL.search(output), f"IP address in the server's output:\n{output}"
    for secret in KNOWN_SECRETS | ISSUED_TOTP_SECRETS:
        assert secret not in output, "a passphrase or TOTP secret reached the server's output"
    assert "Traceback" not in output, output


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if sync_playwright is None:
        pytest.fail("Playwright for Python is missing: run `make setup` "
                    "(it is pinned in requirements-dev.txt).")
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package "
                    "(`make setup` does; it is in the Makefile's DEBIAN_PACKAGES). "
                    "Never `playwright install`.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """A browser context on the live server, and what it tried to fetch elsewhere."""

    context: BrowserContext
    page: Page
    base_url: str
    outside_requests: list[str] = field(default_factory=list)
    exits: list[str] = field(default_factory=list)

    def _navigated(self, frame: Any) -> None:
        """Arrivals at the neutral site, by a link or by /exit's redirect (which routes
        do not see: it goes to the real loopback site in server.py)."""
        if frame == self.page.main_frame and frame.url == QUICK_EXIT_URL:
            self.exits.append(frame.url)

    def _route(self, route: Route) -> None:
        url = route.request.url
        if url == QUICK_EXIT_URL:
            route.fulfill(status=200, content_type="text/html", body=EXIT_PAGE)
        elif urlsplit(url).netloc == urlsplit(self.base_url).netloc or url.startswith("data:"):
            route.continue_()
        else:
            self.outside_requests.append(url)
            route.abort()


@pytest.fixture(autouse=True)
def jobs_settled(app: Flask, live_server: LiveServer) -> Iterator[None]:
    """Before the table cleanup, let the server finish the jobs a test started (previews,
    exports): a job writing rows the cleanup deletes would deadlock or fail."""
    yield
    deadline = time.monotonic() + 120
    with app.app_context():
        unfinished = select(func.count()).select_from(Job).where(
            Job.state.in_([JobState.QUEUED, JobState.RUNNING]))
        while db.session.scalar(unfinished):
            db.session.rollback()
            assert time.monotonic() < deadline, "the server's jobs did not finish"
            time.sleep(0.1)
        db.session.rollback()


@pytest.fixture
def visit(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., Visit]]:
    """`visit(locale="fa", javascript=True)`: a fresh, isolated browser context."""
    opened: list[Visit] = []

    def open_context(locale: str = "en", javascript: bool = True, **options: Any) -> Visit:
        context = browser.new_context(
            base_url=live_server.url, locale=locale, java_script_enabled=javascript,
            viewport=VIEWPORT, **options)
        context.set_default_timeout(10_000)
        visit = Visit(context, context.new_page(), live_server.url)
        context.route("**/*", visit._route)
        visit.page.on("framenavigated", visit._navigated)
        opened.append(visit)
        return visit

    yield open_context
    for visit in opened:
        visit.context.close()
    for visit in opened:
        assert visit.outside_requests == [], \
            f"the page tried to reach outside the portal: {visit.outside_requests}"
