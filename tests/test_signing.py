"""The signing PKI (`flask signing init|status`, portal/pdf/pki.py) and the signing
stage of the export job."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import Flask
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import MDPPerm
from sqlalchemy import select

from portal.cli.signing import signing_location
from portal.models import DossierExport, db
from portal.pdf import pki, pki_issue
from portal.pdf.verify import verify
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
    fingerprint = pki.grouped(hashlib.sha256(root_der).hexdigest())
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
    material = pki.load_material(own_folder, wrap_key)
    signer_der = material.signer_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    assert signer_der not in (own_folder / "signer.key.enc").read_bytes()
    with pytest.raises(pki.SigningUnavailable, match="cannot be opened"):
        pki.load_material(own_folder, pki.wrap_key_from_index_key(b"o" * 32))
    # A key file moved to another role's name does not open either (name bound).
    (own_folder / "tsa.key.enc").write_bytes((own_folder / "signer.key.enc").read_bytes())
    with pytest.raises(pki.SigningUnavailable):
        pki.load_material(own_folder, wrap_key)


def test_status_without_keys_fails_clearly(app: Flask, own_folder: Path):
    result = app.test_cli_runner().invoke(args=["signing", "status"])
    assert result.exit_code == 1
    assert "flask signing init" in result.output


def test_the_crl_is_reissued_before_it_expires(app: Flask, own_folder: Path):
    assert app.test_cli_runner().invoke(args=["signing", "init"]).exit_code == 0
    _, wrap_key = signing_location(app)
    material = pki.load_material(own_folder, wrap_key)
    assert pki_issue.fresh_crl(own_folder, material) is material  # fresh: unchanged
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=340)
    renewed = pki_issue.fresh_crl(own_folder, material, now=later)
    assert renewed.crl.next_update_utc > material.crl.next_update_utc  # type: ignore[operator]
    assert pki.load_material(own_folder, wrap_key).crl == renewed.crl  # stored
    without_root = replace(material, root_key=None)
    with pytest.raises(pki.SigningUnavailable, match="root key is not here"):
        pki_issue.fresh_crl(own_folder, without_root, now=later + dt.timedelta(days=400))


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
    # Every viewer shows the reason: a public export names the reviewer by role only.
    reason = str(certification.sig_object["/Reason"])
    assert "approved for submission by the legal reviewer on" in reason
    assert world.reviewer.username not in reason
    assert signatures[1].sig_object["/Type"] == "/DocTimeStamp"
    with app.app_context():
        row = db.session.get(DossierExport, export_id)
        assert row is not None
        assert row.pdf_sha256 == hashlib.sha256(pdf).hexdigest()  # the signed file
        material = pki.load_material(*signing_location(app))
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


# -- `flask signing import-p12`: a signing certificate from a real CA ------------------------
#
# A test CA made here with `cryptography` (root -> signer, and its CRL), exported as a
# PKCS#12 with the root among its additional certificates, imported, used by a real
# export and verified offline against the imported root and the TSA's own anchor.

P12_PASSWORD = b"correct horse battery staple"
NOW = dt.datetime.now(dt.UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test CA Ltd"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _usage(*, signing: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=signing, content_commitment=signing,
                         key_encipherment=not signing and not ca, data_encipherment=False,
                         key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


@dataclass
class MadeCA:
    root: x509.Certificate
    root_key: ec.EllipticCurvePrivateKey

    def issue(self, common_name: str, *, signing: bool = True, days: tuple[int, int] = (-1, 365)
              ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder()
                .subject_name(_name(common_name)).issuer_name(self.root.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(NOW + dt.timedelta(days=days[0]))
                .not_valid_after(NOW + dt.timedelta(days=days[1]))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(_usage(signing=signing, ca=False), critical=True)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.root_key.public_key()), critical=False)
                .sign(self.root_key, hashes.SHA256()))
        return cert, key

    def crl(self, number: int = 1) -> bytes:
        return (x509.CertificateRevocationListBuilder()
                .issuer_name(self.root.subject)
                .last_update(NOW - dt.timedelta(hours=2) + dt.timedelta(minutes=number))
                .next_update(NOW + dt.timedelta(days=7))
                .add_extension(x509.CRLNumber(number), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.root_key.public_key()), critical=False)
                .sign(self.root_key, hashes.SHA256())
                .public_bytes(serialization.Encoding.DER))

    def p12(self, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey,
            password: bytes = P12_PASSWORD) -> bytes:
        return pkcs12.serialize_key_and_certificates(
            b"signer", key, cert, [self.root],
            serialization.BestAvailableEncryption(password))


def make_test_ca(common_name: str = "Test CA root") -> MadeCA:
    key = ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder()
            .subject_name(_name(common_name)).issuer_name(_name(common_name))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - dt.timedelta(days=1))
            .not_valid_after(NOW + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(signing=False, ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return MadeCA(root, key)


def _import(app: Flask, tmp_path: Path, p12: bytes, *crls: bytes,
            password: bytes | None = P12_PASSWORD, prompt: str | None = None):
    (tmp_path / "id.p12").write_bytes(p12)
    args = ["signing", "import-p12", str(tmp_path / "id.p12")]
    for number, crl in enumerate(crls):
        (tmp_path / f"ca{number}.crl").write_bytes(crl)
        args += ["--crl", str(tmp_path / f"ca{number}.crl")]
    if password is not None:
        (tmp_path / "password.txt").write_bytes(password + b"\n")
        args += ["--password-file", str(tmp_path / "password.txt")]
    return app.test_cli_runner().invoke(args=args, input=prompt)


def test_an_imported_p12_signs_exports_that_verify_offline_against_its_root(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World, own_folder: Path, tmp_path: Path):  # noqa: F811
    ca = make_test_ca()
    result = _import(app, tmp_path, ca.p12(*ca.issue("PS752 dossiers")), ca.crl())
    assert result.exit_code == 0, result.output
    assert P12_PASSWORD.decode() not in result.output
    assert own_folder.stat().st_mode & 0o777 == 0o700
    assert {p.name for p in own_folder.iterdir()} == {
        "root.pem", "signer.pem", "tsa.pem", "root.crl", "signer.key.enc", "tsa.key.enc"}
    for path in own_folder.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path.name
        assert b"PRIVATE KEY" not in path.read_bytes()
    assert not list(own_folder.parent.glob(".signing-*"))
    material = pki.load_material(*signing_location(app))
    assert material.root == ca.root
    assert material.root_key is None
    assert material.tsa_anchor is not None  # the TSA's own self-signed certificate
    root_fp, tsa_fp = pki.fingerprint(ca.root), pki.fingerprint(material.tsa_anchor)
    assert pki.grouped(root_fp) in result.output
    assert pki.grouped(tsa_fp) in result.output
    status = app.test_cli_runner().invoke(args=["signing", "status"])
    assert status.exit_code == 0
    assert "imported from a CA" in status.output

    again = _import(app, tmp_path, ca.p12(*ca.issue("another")), ca.crl())
    assert again.exit_code == 1
    assert "already holds a signing PKI" in again.output

    dossier_id = approved_dossier(client, another_client, world)
    export_id = export(another_client, dossier_id, "confidential")
    (tmp_path / "d.pdf").write_bytes(download(another_client, dossier_id, export_id, "pdf"))
    (tmp_path / "d.zip").write_bytes(download(another_client, dossier_id, export_id, "bundle"))
    pdf, bundle = tmp_path / "d.pdf", tmp_path / "d.zip"
    report = verify(pdf, bundle, None, f"{pki.grouped(root_fp)},{tsa_fp}")
    assert report.ok, report.lines()
    assert "PS752 dossiers" in next(c.detail for c in report.checks if c.name == "signature")
    assert verify(pdf, bundle, own_folder / "root.pem").ok  # the verify page's trust file
    # Both anchors must be pinned: the root's fingerprint alone does not vouch for the TSA.
    unpinned = verify(pdf, bundle, None, root_fp)
    assert not unpinned.ok
    assert "does not list" in {c.name: c.detail for c in unpinned.checks}["trust root"]
    # The CA's root alone does not make the portal's timestamps trusted.
    (tmp_path / "ca.pem").write_bytes(ca.root.public_bytes(serialization.Encoding.PEM))
    assert not verify(pdf, bundle, tmp_path / "ca.pem").ok


@pytest.mark.parametrize("case", ["wrong password", "expired", "no signing usage",
                                  "no CRL", "CRL of another CA", "root missing"])
def test_an_unusable_p12_is_refused_clearly_and_writes_nothing(
        app: Flask, own_folder: Path, tmp_path: Path, case: str):
    ca = make_test_ca()
    cert, key = ca.issue("PS752 dossiers")
    p12, crls, password = ca.p12(cert, key), [ca.crl()], P12_PASSWORD
    expected = {"wrong password": "wrong password", "expired": "is not valid now",
                "no signing usage": "is not for signing", "no CRL": "no CRL given",
                "CRL of another CA": "no CRL signed by", "root missing": "whole chain"}[case]
    if case == "wrong password":
        password = b"not the password"
    elif case == "expired":
        p12 = ca.p12(*ca.issue("old", days=(-400, -1)))
    elif case == "no signing usage":
        p12 = ca.p12(*ca.issue("tls", signing=False))
    elif case == "no CRL":
        crls = []
    elif case == "CRL of another CA":
        crls = [make_test_ca("Other CA").crl()]
    else:
        p12 = pkcs12.serialize_key_and_certificates(
            b"signer", key, cert, None, serialization.BestAvailableEncryption(password))
    result = _import(app, tmp_path, p12, *crls, password=password)
    assert result.exit_code == 1, result.output
    assert "not imported, nothing was written" in result.output
    assert expected in result.output, result.output
    assert password.decode() not in result.output
    assert not own_folder.exists()
    assert not own_folder.parent.exists() or not list(own_folder.parent.glob(".signing-*"))


def test_the_password_is_prompted_with_hidden_input(app: Flask, own_folder: Path,
                                                    tmp_path: Path):
    ca = make_test_ca()
    result = _import(app, tmp_path, ca.p12(*ca.issue("PS752 dossiers")), ca.crl(),
                     password=None, prompt=P12_PASSWORD.decode() + "\n")
    assert result.exit_code == 0, result.output
    assert P12_PASSWORD.decode() not in result.output  # not echoed
    assert (own_folder / "signer.key.enc").is_file()


def test_a_newer_crl_from_the_ca_is_installed_and_an_expired_one_stops_signing(
        app: Flask, own_folder: Path, tmp_path: Path):
    ca = make_test_ca()
    assert _import(app, tmp_path, ca.p12(*ca.issue("PS752 dossiers")), ca.crl()).exit_code == 0
    (tmp_path / "newer.crl").write_bytes(ca.crl(number=2))
    (tmp_path / "other.crl").write_bytes(make_test_ca("Other CA").crl())
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["signing", "crl", "--file", str(tmp_path / "other.crl")])
    assert refused.exit_code == 1
    assert "none of the CRLs given was issued by this PKI's CA" in refused.output
    result = runner.invoke(args=["signing", "crl", "--file", str(tmp_path / "newer.crl")])
    assert result.exit_code == 0, result.output
    material = pki.load_material(*signing_location(app))
    assert material.crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2
    assert (own_folder / "root.crl").stat().st_mode & 0o777 == 0o600
    with pytest.raises(pki.SigningUnavailable, match="get a new one from the CA"):
        pki_issue.fresh_crl(own_folder, material, now=NOW + dt.timedelta(days=8))
