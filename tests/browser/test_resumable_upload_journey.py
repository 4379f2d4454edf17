"""Adding evidence in a real browser (decision 0025): with JavaScript, files go in
resumable pieces with a progress bar and survive a dropped connection; without it,
the plain form. Either way the receipt shows each file's SHA-256."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest
from flask import Flask

from tests.browser.pages import ReceiptPage
from tests.browser.pages.sign_in import LoginPage
from tests.support.factories import make_family_member
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_evidence_arrives_whole_with_or_without_javascript_even_when_the_line_drops(
        app: Flask, visit, javascript: bool, tmp_path: Path):
    member = make_family_member(app, "fa")
    client = app.test_client()
    sign_in(client, member)  # type: ignore[arg-type]
    incident_id = start_report(client)  # type: ignore[arg-type]
    send_report(client, incident_id, "submit", start_text="1398/10/18")  # type: ignore[arg-type]
    browser = visit(locale="fa", javascript=javascript)
    page = browser.page
    LoginPage(page).sign_in(member.username, member.passphrase)
    methods: list[str] = []
    page.on("request", lambda request: methods.append(request.method)
            if "/uploads" in request.url else None)
    dropped: list[str] = []

    def drop_the_first_piece(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.method == "PATCH" and not dropped:
            dropped.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.fallback()

    page.route("**/uploads/**", drop_the_first_piece)
    recording = tmp_path / "صدای تماس.bin"
    recording.write_bytes(os.urandom(18 * 1024 * 1024))  # fictional: random bytes
    note = tmp_path / "note.txt"
    note.write_bytes("پیام تهدید\n".encode())
    page.goto(f"/reports/{incident_id}/evidence")
    page.locator("#files").set_input_files([recording, note])
    page.locator("#kind").select_option("audio")
    page.locator("main form button[type=submit]").click()
    if javascript:
        page.locator("progress.upload-progress").wait_for(state="visible")
    page.wait_for_url(re.compile(r"/evidence/receipt\?items="), timeout=30_000)
    rows = ReceiptPage(page).rows()
    assert [row.filename for row in rows] == [recording.name, note.name]
    for row, sent in zip(rows, [recording, note], strict=True):
        assert row.sha256 == hashlib.sha256(sent.read_bytes()).hexdigest()
    if javascript:  # in 8 MiB pieces, one lost and sent again after asking the offset
        assert len(dropped) == 1
        assert methods.count("POST") == 2
        assert methods.count("PATCH") == 3 + 1 + 1
        assert "HEAD" in methods
    else:
        assert methods == []
