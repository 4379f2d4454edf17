"""A form that creates something, sent twice (a double click, a resent page, two
requests at once), creates it once; the repeat shows what the first one made."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.models import EvidenceItem, Incident, IncidentMessage, Role, db
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account, make_family
from tests.support.faults import kill_server, live_environment, start_server
from tests.support.http_client import LoopbackBrowser
from tests.support.parallel import statuses, together

ONCE_TOKEN = re.compile(r'name="once_token"[^>]*value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def rows(app: Flask, model: type[object]) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_start_a_new_report_pressed_twice_starts_one_draft(
        app: Flask, client: BrowserClient, reporter: Account):
    page = client.open_page("/reports")
    first = page.submit({}, action="/reports/new")
    second = page.submit({}, action="/reports/new")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert first.headers["Location"].endswith("/steps/when")
    assert rows(app, Incident) == 1


def test_each_showing_of_the_page_starts_a_report_of_its_own(
        app: Flask, client: BrowserClient, reporter: Account):
    one = client.submit("/reports", {}, action="/reports/new")
    other = client.submit("/reports", {}, action="/reports/new")
    assert one.headers["Location"] != other.headers["Location"]
    assert rows(app, Incident) == 2


def open_report(client: BrowserClient) -> int:
    location = client.submit("/reports", {}, action="/reports/new").headers["Location"]
    return int(location.split("/")[2])


def test_a_message_sent_twice_is_posted_once(
        app: Flask, client: BrowserClient, reporter: Account):
    thread = f"/reports/{open_report(client)}/thread"
    page = client.open_page(thread)
    first = page.submit({"body": "We were called in again today."})
    second = page.submit({"body": "We were called in again today."})
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == thread
    assert rows(app, IncidentMessage) == 1
    assert client.text(thread).count("We were called in again today.") == 1


def test_a_refused_message_can_be_corrected_and_sent(
        app: Flask, client: BrowserClient, reporter: Account):
    thread = f"/reports/{open_report(client)}/thread"
    refused = client.open_page(thread).submit({"body": ""})
    assert refused.status_code == 200
    shown = client.page_shown(refused, thread)  # the same form, with its token, again
    assert shown.submit({"body": "Now with words."}).status_code == 302
    assert rows(app, IncidentMessage) == 1


def test_an_upload_sent_twice_is_stored_once(
        app: Flask, client: BrowserClient, reporter: Account):
    evidence = f"/reports/{open_report(client)}/evidence"
    page = client.open_page(evidence)

    def send():  # type: ignore[no-untyped-def]
        return page.submit({"kind": "document",
                            "files": [(io.BytesIO(b"a letter, scanned"), "letter.txt")]})

    first, second = send(), send()
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert "/evidence/receipt?items=" in first.headers["Location"]
    assert rows(app, EvidenceItem) == 1


@pytest.fixture
def port(app: Flask, tmp_path: Path) -> Iterator[int]:
    server, port = start_server(live_environment(app), tmp_path / "server.log")
    try:
        yield port
    finally:
        kill_server(server)


def test_start_a_new_report_sent_six_times_at_once_starts_one_draft(app: Flask, port: int):
    account = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[account])
    browser = LoopbackBrowser(port)
    browser.sign_in(account.username, account.passphrase)
    page = browser.get("/reports").text
    form = {"csrf_token": CSRF.search(page).group(1),  # type: ignore[union-attr]
            "once_token": ONCE_TOKEN.search(page).group(1)}  # type: ignore[union-attr]
    replies = together(port, [(browser, "/reports/new", form)] * 6)
    assert statuses(replies)[302] == 6
    assert len({reply.location for reply in replies}) == 1
    assert rows(app, Incident) == 1
