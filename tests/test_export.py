"""Exporting an approved dossier, driven over HTTP as a legal reviewer does it:
the PDF and the bundle are downloaded and checked with the tools a stranger would use
(pdftotext, pikepdf, bagit)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from flask import Flask
from sqlalchemy import select

from portal.models import CustodyEvent, DossierExport, db
from portal.pdf.attach import embedded_files, pdfa_problems
from portal.pdf.bundle import validate_bag_zip
from tests.support.approval import send_and_approve
from tests.support.client import BrowserClient
from tests.support.journeys import sign_in
from tests.test_dossiers import (
    CITY,
    HIDDEN_NAME,
    MARKED,
    World,
    add,
    audit_actions,
    create_dossier,
)
from tests.test_dossiers import world as dossier_world


@pytest.fixture(name="world")
def world_of_two_families(app: Flask, client: BrowserClient) -> World:
    """The fictional families, reports and photo of tests/test_dossiers.py."""
    built: World = dossier_world.__wrapped__(app, client)  # type: ignore[attr-defined]
    return built


def approved_dossier(client: BrowserClient, reviewer: BrowserClient, world: World) -> int:
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    assert add(client, dossier_id, world.report_one).status_code == 302
    assert add(client, dossier_id, world.report_two).status_code == 302
    marked = client.submit(f"/dossiers/{dossier_id}/redactions",
                           {"text": MARKED, "reason": "R2"})
    assert marked.status_code in (200, 302)
    send_and_approve(client, reviewer, dossier_id, world.reviewer)
    return dossier_id


def export(reviewer: BrowserClient, dossier_id: int, variant: str, language: str = "en",
           page_size: str = "a4") -> int:
    response = reviewer.submit(f"/dossiers/{dossier_id}/export", {
        "variant": variant, "language": language, "page_size": page_size})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    location = response.headers["Location"]
    assert "/exports/" in location
    return int(location.rstrip("/").split("/")[-1])


def download(reviewer: BrowserClient, dossier_id: int, export_id: int, which: str) -> bytes:
    response = reviewer.get(f"/dossiers/{dossier_id}/exports/{export_id}/{which}")
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response.get_data()


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "dossier.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_reviewer_exports_both_variants_with_the_same_pages_and_redactions_removed(
        app: Flask, client: BrowserClient, another_client: BrowserClient, world: World,
        tmp_path: Path):
    dossier_id = approved_dossier(client, another_client, world)
    exports = {variant: export(another_client, dossier_id, variant)
               for variant in ("confidential", "public")}
    status = another_client.text(f"/dossiers/{dossier_id}/exports/{exports['public']}")
    assert "Download the PDF" in status

    pdfs = {v: download(another_client, dossier_id, e, "pdf") for v, e in exports.items()}
    texts = {v: pdf_text(pdf, tmp_path) for v, pdf in pdfs.items()}
    # The confidential variant carries the marked text and the city; the public one
    # has neither (removed, not covered), and no pseudonymous name in any variant.
    assert MARKED in texts["confidential"].replace("\n", " ")
    assert CITY in texts["confidential"]
    for secret in (MARKED, CITY, "Sample Street", "Testabad"):
        assert secret not in texts["public"], secret
    assert "[REDACTED" in texts["public"]
    for text in texts.values():
        assert HIDDEN_NAME not in text
        assert "Testpseudonym" not in text
        assert world.person_code in text

    # One build, same pagination: same page count, the same Bates number on every page.
    counts = {v: len(pikepdf.open(io.BytesIO(pdf)).pages) for v, pdf in pdfs.items()}
    assert counts["confidential"] == counts["public"]
    pages = {v: text.split("\f") for v, text in texts.items()}
    for number in range(1, counts["public"] + 1):
        bates = f"PS752-0001-{number:06d}"
        for variant in pages:
            page = pages[variant][number - 1]
            assert bates in page, (variant, number)
            assert f"Page {number} of {counts[variant]}" in page
            assert ("CONFIDENTIAL" if variant == "confidential" else "PUBLIC") in page

    # The pinpoint citation names the page where the exhibit's cover sheet is.
    pin = re.search(r"EX-0001 at PS752-0001-(\d{6})", texts["confidential"])
    assert pin, texts["confidential"][:3000]
    cover_page = pages["confidential"][int(pin.group(1)) - 1]
    assert "SHA-256 of the original" in cover_page
    assert "EX-0001" in cover_page

    with app.app_context():
        rows = {e.variant: e for e in db.session.scalars(select(DossierExport))}
        for variant, pdf in pdfs.items():
            assert rows[variant].pdf_sha256 == hashlib.sha256(pdf).hexdigest()
        exported = db.session.scalars(select(CustodyEvent).where(
            CustodyEvent.action == "exported")).all()
        assert len(exported) == 2  # the one exhibit, once per export
    actions = audit_actions(app, dossier_id)
    assert actions.count("dossier.export_requested") == 2
    assert actions.count("dossier.exported") == 2
    assert "dossier.export_downloaded" in actions


def test_export_is_pdfa_with_manifest_and_a_valid_bag(
        app: Flask, client: BrowserClient, another_client: BrowserClient, world: World,
        tmp_path: Path):
    dossier_id = approved_dossier(client, another_client, world)
    export_id = export(another_client, dossier_id, "confidential", page_size="letter")
    pdf = download(another_client, dossier_id, export_id, "pdf")
    bundle = download(another_client, dossier_id, export_id, "bundle")
    with app.app_context():
        from portal.models import EvidenceItem

        original_sha = db.session.scalars(select(EvidenceItem.sha256)).one()
        row = db.session.get(DossierExport, export_id)
        assert row is not None
        assert row.bundle_sha256 == hashlib.sha256(bundle).hexdigest()

    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert pdfa_problems(document) == []
        width, height = (float(x) for x in document.pages[0].mediabox[2:])
        assert (round(width), round(height)) == (612, 792)  # US Letter
        files = embedded_files(document)
    assert set(files) == {"manifest.json", "exhibits.csv", "custody.jsonl"}
    manifest = json.loads(files["manifest.json"])
    assert manifest["exhibits"][0]["sha256"] == original_sha
    assert original_sha in files["exhibits.csv"].decode()
    # The bundle's hash is not printed (each export's bundle differs, its pages do not:
    # decision 0022; the signed manifest binds every bundle file); the bag validates
    # and holds the original.
    assert hashlib.sha256(bundle).hexdigest() not in pdf_text(pdf, tmp_path).replace("\n", "")
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle)
    assert validate_bag_zip(path) == []
    with zipfile.ZipFile(path) as archive:
        originals = [n for n in archive.namelist() if n.startswith("bag/data/originals/")]
        assert len(originals) == 1
        assert hashlib.sha256(archive.read(originals[0])).hexdigest() == original_sha
    # Altering a file of the bag is detected.
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data + b"x" if info.filename == originals[0] else data)
    assert validate_bag_zip(tampered) != []


def test_only_the_approving_reviewer_exports_and_only_after_approval(
        app: Flask, client: BrowserClient, another_client: BrowserClient, world: World):
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    assert add(client, dossier_id, world.report_two).status_code == 302
    # The advocate who built it cannot export it, nor can the reviewer before approval.
    assert client.get(f"/dossiers/{dossier_id}/export").status_code == 404
    client.submit(f"/dossiers/{dossier_id}", {"reviewer": str(world.reviewer.id)},
                  action=f"/dossiers/{dossier_id}/send")
    sign_in(another_client, world.reviewer)
    assert another_client.get(f"/dossiers/{dossier_id}/export").status_code == 404
    with app.app_context():
        assert db.session.scalars(select(DossierExport)).first() is None


def test_an_altered_original_stops_the_export_and_names_the_exhibit(
        app: Flask, client: BrowserClient, another_client: BrowserClient, world: World):
    dossier_id = approved_dossier(client, another_client, world)
    with app.app_context():
        from portal.dependencies import blob_store
        from portal.models import EvidenceItem

        item = db.session.scalars(select(EvidenceItem)).one()
        path = blob_store().path_of(item.blob_key)  # type: ignore[attr-defined]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    export_id = export(another_client, dossier_id, "confidential")
    status = another_client.get(f"/dossiers/{dossier_id}/exports/{export_id}")
    page = status.get_data(as_text=True)
    assert "Exhibit EX-0001 failed its integrity check" in page
    assert "Download the PDF" not in page
    assert "Refresh" not in status.headers  # finished: nothing more to wait for
    assert another_client.get(
        f"/dossiers/{dossier_id}/exports/{export_id}/pdf").status_code == 302
    with app.app_context():
        row = db.session.get(DossierExport, export_id)
        assert row is not None
        assert (row.stage.value, row.error_code, row.pdf_blob_key) == (
            "failed", "integrity:EX-0001", None)
        assert not db.session.scalars(select(CustodyEvent).where(
            CustodyEvent.action == "exported")).all()
    assert "dossier.export_failed" in audit_actions(app, dossier_id)
    assert "dossier.exported" not in audit_actions(app, dossier_id)


def test_export_needs_a_recent_login(
        app: Flask, client: BrowserClient, another_client: BrowserClient, world: World):
    from datetime import timedelta

    from portal.models import UserSession
    from portal.models.base import utcnow

    dossier_id = approved_dossier(client, another_client, world)
    with app.app_context():
        for live in db.session.scalars(select(UserSession)):
            live.authenticated_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    response = another_client.submit(f"/dossiers/{dossier_id}/export", {
        "variant": "confidential", "language": "en", "page_size": "a4"})
    assert response.status_code == 302
    assert "reauthenticate" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalars(select(DossierExport)).first() is None


def test_the_dossier_page_leads_the_approving_reviewer_to_the_export(
        app: Flask, client: BrowserClient, another_client: BrowserClient, world: World):
    dossier_id = approved_dossier(client, another_client, world)
    assert f"/dossiers/{dossier_id}/export" in another_client.text(f"/dossiers/{dossier_id}")
    assert f"/dossiers/{dossier_id}/export" not in client.text(f"/dossiers/{dossier_id}")
    form = another_client.text(f"/dossiers/{dossier_id}/export")
    assert "US Letter" in form
    assert "فارسی" in form
