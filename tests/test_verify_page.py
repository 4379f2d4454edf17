"""The "Verify a dossier" page (legal reviewers), driven over HTTP: the uploaded PDF and
bundle are checked by the offline verifier in a limited child and the same report is
shown; the files stay in memory (never in the vault or a temporary file), other roles
cannot send files there, and a too large body or a child over its limits is refused
cleanly."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from portal.models import AuditEvent, Role, db
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account
from tests.support.journeys import sign_in
from tests.test_verify import Dossier
from tests.test_verify import signed_dossier as dossier  # noqa: F401 (fixture)

PAGE = "/dossiers/verify"


def post_files(client: BrowserClient, pdf: bytes, bundle: bytes | None = None):
    token = client.csrf_token(PAGE) if client.get(PAGE).status_code == 200 else "x"
    data: dict[str, object] = {"csrf_token": token, "pdf": (io.BytesIO(pdf), "dossier.pdf")}
    if bundle is not None:
        data["bundle"] = (io.BytesIO(bundle), "bundle.zip")
    return client.post(PAGE, data=data, content_type="multipart/form-data")


@pytest.fixture(name="reviewer")
def legal_reviewer(app: Flask, client: BrowserClient) -> Account:
    account = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    sign_in(client, account)
    return account


def verified_events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "dossier.files_verified").order_by(AuditEvent.seq)))


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def test_a_reviewer_verifies_a_signed_dossier_and_its_bundle(
        app: Flask, client: BrowserClient, reviewer: Account, dossier: Dossier):  # noqa: F811
    import hashlib

    vault_before = files_under(Path(app.instance_path))
    response = post_files(client, dossier.pdf.read_bytes(), dossier.bundle.read_bytes())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The dossier verifies" in page
    assert "PASS</span>" in page
    assert "FAIL</span>" not in page
    assert "certified by" in page
    # Checked against this portal's own root, not the one the bundle ships.
    assert "given with --trust" in page
    assert dossier.fingerprint in page
    pdf_sha = hashlib.sha256(dossier.pdf.read_bytes()).hexdigest()
    assert pdf_sha in page
    # Nothing of the files was kept: no new file under the instance folder.
    assert files_under(Path(app.instance_path)) == vault_before
    [event] = verified_events(app)
    assert event.actor_label == reviewer.username
    details = event.details if isinstance(event.details, dict) else json.loads(event.details)
    assert details["pdf_sha256"] == pdf_sha
    assert details["verified"] is True


def test_a_changed_pdf_does_not_verify_and_says_why(
        app: Flask, client: BrowserClient, reviewer: Account, dossier: Dossier):  # noqa: F811
    forged = dossier.pdf.read_bytes() + b"%appended after signing\n"
    page = post_files(client, forged, dossier.bundle.read_bytes()).get_data(as_text=True)
    assert "does NOT verify" in page
    assert "FAIL</span>" in page
    assert "appended after the last signature" in page
    [event] = verified_events(app)
    assert event.outcome == "failure"


def test_the_pdf_alone_is_checked_and_a_missing_pdf_is_refused(
        app: Flask, client: BrowserClient, reviewer: Account, dossier: Dossier):  # noqa: F811
    page = post_files(client, dossier.pdf.read_bytes()).get_data(as_text=True)
    assert "The dossier verifies" in page
    assert "no bundle given" in page
    token = client.csrf_token(PAGE)
    missing = client.post(PAGE, data={"csrf_token": token}, content_type="multipart/form-data")
    assert "Choose the PDF." in missing.get_data(as_text=True)
    assert len(verified_events(app)) == 1


@pytest.mark.parametrize("role", [Role.ADVOCATE, Role.FAMILY_MEMBER, Role.ADMIN])
def test_other_roles_cannot_reach_the_page_nor_send_files(
        app: Flask, client: BrowserClient, dossier: Dossier, role: Role):  # noqa: F811
    sign_in(client, make_account(app, role, locale="en"))
    assert client.get(PAGE).status_code == 404
    assert post_files(client, dossier.pdf.read_bytes()).status_code == 404
    assert verified_events(app) == []
    assert PAGE not in client.text("/")


def test_anonymous_visitors_are_sent_to_the_login(client: BrowserClient):
    response = client.post(PAGE, data={"pdf": (io.BytesIO(b"%PDF-"), "x.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_dossiers_list_links_to_the_page_for_legal_reviewers_only(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reviewer: Account):
    assert PAGE in client.text("/dossiers")
    sign_in(another_client, make_account(app, Role.ADVOCATE, locale="en"))
    assert PAGE not in another_client.text("/dossiers")


def test_files_over_the_page_limit_are_refused(
        app: Flask, client: BrowserClient, reviewer: Account, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(app.config, "DOSSIER_VERIFY_MAX_UPLOAD_BYTES", 64 * 1024)
    response = post_files(client, b"%PDF-1.7\n" + b"0" * (256 * 1024))
    assert response.status_code == 413
    assert verified_events(app) == []


def test_a_verifier_over_its_memory_limit_fails_cleanly(
        app: Flask, client: BrowserClient, reviewer: Account, dossier: Dossier,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(app.config, "DOSSIER_VERIFY_MAX_MEMORY_BYTES", 64 * 1024**2)
    page = post_files(client, dossier.pdf.read_bytes(), dossier.bundle.read_bytes())
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "could not be checked" in text
    assert "The dossier verifies" not in text
    [event] = verified_events(app)
    assert event.outcome == "failure"


def test_the_child_cannot_write_files(tmp_path: Path):
    """The verifier's child has RLIMIT_FSIZE 0: a write fails instead of leaving bytes."""
    import os
    import subprocess
    import sys

    from portal.pdf import verify_child

    target = tmp_path / "written"
    script = tmp_path / "writer.py"
    script.write_text(f"with open({str(target)!r}, 'wb') as f:\n    f.write(b'plaintext')\n")
    ran = subprocess.run([sys.executable, "-I", "-B", "-c", verify_child._CHILD,
                          str(1 << 30), "10", str(script)], capture_output=True, timeout=60)
    assert ran.returncode != 0
    assert b"File too large" in ran.stderr or b"Errno 27" in ran.stderr
    assert not target.exists() or os.path.getsize(target) == 0
