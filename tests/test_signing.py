"""The signing PKI (`flask signing init|status`, portal/pdf/sign.py) and the signing
stage of the export job."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from sqlalchemy import select

from portal.cli.signing import signing_location
from portal.models import DossierExport, db
from portal.pdf import sign
from tests.support.client import BrowserClient
from tests.test_dossiers import World
from tests.test_export import approved_dossier, download, export
from tests.test_export import world_of_two_families as world  # noqa: F401 (fixture)


@pytest.fixture(name="own_folder")
def signing_folder_of_its_own(app: Flask, tmp_path: Path) -> Iterator[Path]:
    """Point SIGNING_DIR at an empty place for one test."""
    previous = app.config.get("SIGNING_DIR")
    folder = tmp_path / "instance" / "signing"
    app.config["SIGNING_DIR"] = str(folder)
    yield folder
    app.config["SIGNING_DIR"] = previous


def test_init_creates_a_private_pki_once_and_status_prints_the_fingerprint(
        app: Flask, own_folder: Path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["signing", "init"])
    assert result.exit_code == 0, result.output
    assert own_folder.stat().st_mode & 0o777 == 0o700
    names = {p.name for p in own_folder.iterdir()}
    assert names == {"root.pem", "signer.pem", "tsa.pem", "root.crl", "root.key.enc",
                     "signer.key.enc", "tsa.key.enc"}
    for path in own_folder.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path.name
        assert b"PRIVATE KEY" not in path.read_bytes()
    root_der = x509.load_pem_x509_certificate(
        (own_folder / "root.pem").read_bytes()).public_bytes(serialization.Encoding.DER)
    fingerprint = sign.grouped(hashlib.sha256(root_der).hexdigest())
    assert fingerprint in result.output

    before = {p.name: p.read_bytes() for p in own_folder.iterdir()}
    again = runner.invoke(args=["signing", "init"])
    assert again.exit_code == 1
    assert "already holds a signing PKI" in again.output
    assert runner.invoke(args=["signing", "init", "--if-missing"]).exit_code == 0
    assert {p.name: p.read_bytes() for p in own_folder.iterdir()} == before  # untouched

    status = runner.invoke(args=["signing", "status"])
    assert status.exit_code == 0, status.output
    assert fingerprint in status.output
    assert "root key: on this server (sealed)" in status.output


def test_private_keys_open_only_with_this_instances_index_key(app: Flask, own_folder: Path):
    assert app.test_cli_runner().invoke(args=["signing", "init"]).exit_code == 0
    _, wrap_key = signing_location(app)
    material = sign.load_material(own_folder, wrap_key)
    signer_der = material.signer_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    assert signer_der not in (own_folder / "signer.key.enc").read_bytes()
    with pytest.raises(sign.SigningUnavailable, match="cannot be opened"):
        sign.load_material(own_folder, sign.wrap_key_from_index_key(b"o" * 32))
    # A key file moved to another role's name does not open either (name bound).
    (own_folder / "tsa.key.enc").write_bytes((own_folder / "signer.key.enc").read_bytes())
    with pytest.raises(sign.SigningUnavailable):
        sign.load_material(own_folder, wrap_key)


def test_status_without_keys_fails_clearly(app: Flask, own_folder: Path):
    result = app.test_cli_runner().invoke(args=["signing", "status"])
    assert result.exit_code == 1
    assert "flask signing init" in result.output


def test_the_crl_is_reissued_before_it_expires(app: Flask, own_folder: Path):
    assert app.test_cli_runner().invoke(args=["signing", "init"]).exit_code == 0
    _, wrap_key = signing_location(app)
    material = sign.load_material(own_folder, wrap_key)
    assert sign.fresh_crl(own_folder, material) is material  # fresh: unchanged
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=340)
    renewed = sign.fresh_crl(own_folder, material, now=later)
    assert renewed.crl.next_update_utc > material.crl.next_update_utc  # type: ignore[operator]
    assert sign.load_material(own_folder, wrap_key).crl == renewed.crl  # stored
    without_root = replace(material, root_key=None)
    with pytest.raises(sign.SigningUnavailable, match="root key is not here"):
        sign.fresh_crl(own_folder, without_root, now=later + dt.timedelta(days=400))


def test_export_is_signed_certified_and_recorded_with_the_signed_hash(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World):  # noqa: F811
    dossier_id = approved_dossier(client, another_client, world)
    export_id = export(another_client, dossier_id, "public")
    pdf = download(another_client, dossier_id, export_id, "pdf")
    bundle = download(another_client, dossier_id, export_id, "bundle")
    signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    assert len(signatures) == 2
    certification = signatures[0]
    assert certification.docmdp_level == MDPPerm.NO_CHANGES
    reason = str(certification.sig_object["/Reason"])
    assert world.reviewer.username in reason
    assert signatures[1].sig_object["/Type"] == "/DocTimeStamp"
    with app.app_context():
        row = db.session.get(DossierExport, export_id)
        assert row is not None
        assert row.pdf_sha256 == hashlib.sha256(pdf).hexdigest()  # the signed file
        material = sign.load_material(*signing_location(app))
    # The bundle ships the instance's root certificate (the trust root to compare).
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        assert archive.read("bag/data/portal-root.pem") == material.root_pem


def test_export_without_signing_keys_fails_cleanly_and_says_why(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World, own_folder: Path):  # noqa: F811
    dossier_id = approved_dossier(client, another_client, world)
    export_id = export(another_client, dossier_id, "confidential")
    page = another_client.text(f"/dossiers/{dossier_id}/exports/{export_id}")
    assert "The portal has no usable signing keys" in page
    assert "Download the PDF" not in page
    with app.app_context():
        row = db.session.get(DossierExport, export_id)
        assert row is not None
        assert (row.stage.value, row.error_code) == ("failed", "export_SigningKeysMissing")
        assert (row.pdf_blob_key, row.bundle_blob_key) == (None, None)
    assert not own_folder.exists()  # nothing half-made


def test_a_content_mismatch_tells_the_reviewer_what_to_do(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World, monkeypatch: pytest.MonkeyPatch):  # noqa: F811
    from portal.services.dossiers import assembly

    dossier_id = approved_dossier(client, another_client, world)
    monkeypatch.setattr(assembly, "content_hash", lambda document: "f" * 64)
    export_id = export(another_client, dossier_id, "confidential")
    page = another_client.text(f"/dossiers/{dossier_id}/exports/{export_id}")
    assert "no longer matches what was approved" in page.replace("&#39;", "'")
    assert "An advocate must start a new version" in page
    with app.app_context():
        assert db.session.scalars(select(DossierExport.error_code)).one() == (
            "export_ContentChanged")
