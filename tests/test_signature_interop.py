"""Signatures that other tools accept (decision 0019): poppler's `pdfsig` (NSS) trusts
the portal's signer once the root is in its NSS database, and the signed PDF with its
document timestamp passes the independent PDF/A checker `page-validation` except for
the one rule whose reading we show wrong, checked here the way veraPDF checks it.

The tools are real: `pdfsig` (poppler-utils), `certutil` (libnss3-tools, Makefile's
DEBIAN_PACKAGES) and `page` (PyPI page-validation, requirements-dev.txt).
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from flask import Flask

from portal.cli.signing import signing_location
from portal.pdf import pki, pki_issue, sign
from tests.support.client import BrowserClient
from tests.test_dossiers import World
from tests.test_export import approved_dossier, download, export
from tests.test_export import world_of_two_families as world  # noqa: F401 (fixture)
from tests.test_signing import signing_folder_of_its_own  # noqa: F401 (fixture)
from tests.test_verify import _pdfa_with_attachments

# The signed files and the tools that read them, not the database: SQLite pass only.
pytestmark = pytest.mark.database_independent

# The rule of page-validation 0.11.0 that reads ISO 19005-2/3 6.4.3 as "the ByteRange of
# every signature reaches the end of the file", which no signature followed by an
# incremental update (a document timestamp, PAdES B-LTA) can meet. veraPDF compares it
# with the end of the signature's own revision instead (docs/verifying.md).
BYTE_RANGE_RULE = "PDFA3B-SIGNATURE-BYTERANGE-001"
# page's stream length heuristic takes a CR ending a stream's data, then LF, for a
# CRLF end-of-line marker (one stream in 256 ends with that byte); /Length is right.
STREAM_LENGTH_RULE = "PDFA3B-STREAM-LENGTH-001"


def nss_database(folder: Path, root_pem: bytes) -> Path:
    """A fresh NSS database trusting `root_pem` as a CA (as a reader's would)."""
    folder.mkdir()
    (folder / "root.pem").write_bytes(root_pem)
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"],
                   check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{folder}", "-n", "portal-root",
                    "-t", "C,C,C", "-i", str(folder / "root.pem")],
                   check=True, capture_output=True)
    return folder


def pdfsig(pdf: Path, nss: Path) -> str:
    ran = subprocess.run(["pdfsig", "-nssdir", f"sql:{nss}", str(pdf)],
                         capture_output=True, text=True, timeout=60)
    return ran.stdout + ran.stderr


def first_signature(report: str) -> str:
    return report.split("Signature #2:")[0]


def _signed(material: pki.SigningMaterial, path: Path) -> Path:
    path.write_bytes(sign.sign_pdf(_pdfa_with_attachments(root_pem=material.root_pem),
                                   material, reason="Approved by the legal reviewer"))
    return path


def test_the_signer_has_the_key_usages_nss_and_adobe_expect():
    signer = pki_issue.create_material("Test organisation").signer
    usage = signer.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert usage.value.content_commitment
    extended = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(extended) == [pki_issue.DOCUMENT_SIGNING,
                              ExtendedKeyUsageOID.EMAIL_PROTECTION]


def test_pdfsig_trusts_the_signature_only_with_the_root_and_the_right_usages(
        tmp_path: Path):
    material = pki_issue.create_material("Test organisation")
    pdf = _signed(material, tmp_path / "signed.pdf")
    trusted = first_signature(pdfsig(pdf, nss_database(tmp_path / "nss", material.root_pem)))
    assert "Signature Validation: Signature is Valid." in trusted, trusted
    assert "Certificate Validation: Certificate is Trusted." in trusted, trusted
    empty = first_signature(pdfsig(pdf, _empty_nss(tmp_path / "none")))
    assert "Certificate is Trusted" not in empty
    # A signer with document signing alone (before decision 0019): NSS does not approve.
    old = _old_style(material)
    old_pdf = _signed(old, tmp_path / "old.pdf")
    report = first_signature(pdfsig(old_pdf, nss_database(tmp_path / "nss-old",
                                                          old.root_pem)))
    assert "Signature is Valid." in report
    assert "Certificate Validation: Unknown issue" in report, report


def _empty_nss(folder: Path) -> Path:
    folder.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{folder}", "--empty-password"],
                   check=True, capture_output=True)
    return folder


def _old_style(material: pki.SigningMaterial) -> pki.SigningMaterial:
    """`material` with a signer as `flask signing init` made them before: EKU
    documentSigning only."""
    import datetime as dt
    from dataclasses import replace

    assert material.root_key is not None
    now = dt.datetime.now(dt.UTC)
    assert isinstance(material.signer_key, rsa.RSAPrivateKey)
    signer = pki_issue._leaf(material.root_key, material.root, material.signer_key,
                             material.signer.subject, (pki_issue.DOCUMENT_SIGNING,), now,
                             non_repudiation=True)
    return replace(material, signer=signer)


def test_renew_signer_gives_an_old_installation_a_signer_pdfsig_trusts(
        app: Flask, own_folder: Path, tmp_path: Path):
    runner = app.test_cli_runner()
    _, wrap_key = signing_location(app)
    old = _old_style(pki_issue.create_material("Test organisation"))
    pki.save_material(own_folder, old, wrap_key)
    status = runner.invoke(args=["signing", "status"])
    assert "flask signing renew-signer" in status.output  # it says what to do
    result = runner.invoke(args=["signing", "renew-signer"])
    assert result.exit_code == 0, result.output
    assert pki.grouped(old.root_fingerprint) in result.output  # same root, same fingerprint
    renewed = pki.load_material(own_folder, wrap_key)
    assert renewed.root == old.root
    assert renewed.signer != old.signer
    assert not pki_issue.signer_lacks_usages(renewed)
    assert (own_folder / "signer.pem.previous").read_bytes() == old.signer.public_bytes(
        serialization.Encoding.PEM)
    assert "renew-signer" not in runner.invoke(args=["signing", "status"]).output
    pdf = _signed(renewed, tmp_path / "renewed.pdf")
    report = first_signature(pdfsig(pdf, nss_database(tmp_path / "nss", renewed.root_pem)))
    assert "Certificate Validation: Certificate is Trusted." in report, report
    # Without the root key (moved offline) there is nothing to renew with: said so.
    (own_folder / "root.key.enc").unlink()
    refused = runner.invoke(args=["signing", "renew-signer"])
    assert refused.exit_code == 1
    assert "root key is not on this server" in refused.output


# -- PDF/A: page-validation, and veraPDF's reading of the byte range rule ------------------

def revision_ends(pdf: bytes) -> list[int]:
    """The offset just after each %%EOF marker and its end-of-line."""
    ends = []
    for match in re.finditer(rb"%%EOF", pdf):
        end = match.end()
        while end < len(pdf) and pdf[end:end + 1] in (b"\r", b"\n"):
            end += 1
        ends.append(end)
    return ends


def byte_ranges_cover_their_revisions(pdf: bytes) -> list[str]:
    """Problems of each signature's /ByteRange as veraPDF checks ISO 19005-2/3 6.4.3
    (GFPDSignature.getdoesByteRangeCoverEntireDocument): it starts at 0, its gap is
    exactly the /Contents string, and it ends where the signature's own revision ends
    (the first %%EOF after the gap). The last one must also reach the end of the file."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    problems = []
    signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    for index, embedded in enumerate(signatures):
        start, length, gap_end, tail = list(embedded.byte_range)
        gap = pdf[start + length:gap_end]
        if start != 0 or not (gap.startswith(b"<") and gap.endswith(b">")):
            problems.append(f"signature {index + 1}: the gap is not its /Contents")
        revision_end = next(end for end in revision_ends(pdf) if end > gap_end)
        if gap_end + tail != revision_end:
            problems.append(f"signature {index + 1}: ends at {gap_end + tail}, its "
                            f"revision at {revision_end}")
    if signatures and sum(list(signatures[-1].byte_range)[2:]) != len(pdf):
        problems.append("the last timestamp does not reach the end of the file")
    return problems


def stream_lengths_exact(pdf: bytes) -> tuple[list[str], int]:
    """(streams whose direct /Length does not end right before an end-of-line marker
    and `endstream`, how many streams' data end with a CR byte)."""
    problems, ending_in_cr = [], 0
    for match in re.finditer(rb"stream(\r\n|\n)", pdf):
        if pdf[match.start() - 3:match.start()] == b"end":
            continue
        header = pdf[pdf.rfind(b" obj", 0, match.start()):match.start()]
        lengths = re.findall(rb"/Length (\d+)(?! \d+ R)", header)
        if not lengths:
            continue
        end = match.end() + int(lengths[-1])
        if not re.match(rb"(\r\n|\n|\r)?endstream", pdf[end:end + 12]):
            problems.append(f"stream at {match.start()}")
        ending_in_cr += pdf[end - 1:end] == b"\r"
    return problems, ending_in_cr


def page_failures(pdf: bytes) -> list[tuple[str, int | None]]:
    import page

    report = page.validate_pdf_bytes(pdf)
    assert str(report.profile).endswith("PDF_A_3B")
    return [(f.rule_id, f.object_id.object_number if f.object_id else None)
            for f in report.failures]


def unexplained(pdf: bytes) -> list[tuple[str, int | None]]:
    """page's failures, but the two whose cause is shown above to be the checker's."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    certification = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[0]
    left = []
    for rule, number in page_failures(pdf):
        if (rule == BYTE_RANGE_RULE and number == certification.sig_field.raw_get("/V").idnum
                and byte_ranges_cover_their_revisions(pdf) == []):
            continue
        lengths, ending_in_cr = stream_lengths_exact(pdf)
        if rule == STREAM_LENGTH_RULE and lengths == [] and ending_in_cr:
            continue
        left.append((rule, number))
    return left


def test_a_real_export_passes_pdfsig_and_the_pdfa_checker(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World, tmp_path: Path):  # noqa: F811
    dossier_id = approved_dossier(client, another_client, world)
    export_id = export(another_client, dossier_id, "confidential")
    pdf = tmp_path / "export.pdf"
    pdf.write_bytes(download(another_client, dossier_id, export_id, "pdf"))
    data = pdf.read_bytes()
    material = pki.load_material(*signing_location(app))

    report = pdfsig(pdf, nss_database(tmp_path / "nss", material.root_pem))
    assert "Signature Validation: Signature is Valid." in first_signature(report), report
    assert "Certificate Validation: Certificate is Trusted." in first_signature(report), report

    # The unsigned file passes page-validation whole; signed, only the byte range rule
    # remains, on the certification signature, whose range veraPDF's way accepts.
    assert byte_ranges_cover_their_revisions(data) == []
    failures = page_failures(data)
    assert BYTE_RANGE_RULE in {rule for rule, _ in failures}  # page still says it
    assert unexplained(data) == [], failures


def test_the_veraPDF_reading_fails_a_range_that_stops_short(app: Flask, tmp_path: Path):
    """The check above can fail: a byte range that does not reach its revision's end."""
    material = pki_issue.create_material("Test organisation")
    data = bytearray(_signed(material, tmp_path / "signed.pdf").read_bytes())
    from pyhanko.pdf_utils.reader import PdfFileReader

    first = PdfFileReader(io.BytesIO(bytes(data)), strict=False).embedded_signatures[0]
    text = b"/ByteRange [0 %d %d %d]" % tuple(list(first.byte_range)[1:])
    at = bytes(data).index(text)
    shorter = b"/ByteRange [0 %d %d %d]" % (first.byte_range[1], first.byte_range[2],
                                            first.byte_range[3] - 1)
    data[at:at + len(text)] = shorter.ljust(len(text))
    assert byte_ranges_cover_their_revisions(bytes(data)) != []


@pytest.mark.parametrize("variant", ["public"])
def test_the_public_variant_passes_pdfsig_too(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World, tmp_path: Path, variant: str):  # noqa: F811
    dossier_id = approved_dossier(client, another_client, world)
    export_id = export(another_client, dossier_id, variant)
    pdf = tmp_path / "public.pdf"
    pdf.write_bytes(download(another_client, dossier_id, export_id, "pdf"))
    material = pki.load_material(*signing_location(app))
    report = pdfsig(pdf, nss_database(tmp_path / "nss", material.root_pem))
    assert "Certificate Validation: Certificate is Trusted." in first_signature(report)
    assert unexplained(pdf.read_bytes()) == []
