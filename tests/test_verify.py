"""Offline verification of a dossier (portal/pdf/verify.py, `flask dossier verify`).

Most tests sign a small synthetic dossier (a PDF/A-3B declaration, the three manifest
files attached, a BagIt bundle) with this instance's PKI, which is fast; the last ones
verify a real export downloaded over HTTP. Every tampering a stranger could meet must
fail with a message that says what is wrong, and the exit status must be non-zero.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from flask import Flask
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

import portal.pdf.verify as verify_module
from portal.cli.signing import signing_location
from portal.crypto.statements import public_key_b64
from portal.pdf import bundle as bag
from portal.pdf import pki, pki_issue, sign
from portal.pdf.attach import Attachment, attach_files, pdfa_problems
from portal.pdf.verify import Report, verify
from tests.support.client import BrowserClient
from tests.test_dossiers import World
from tests.test_export import approved_dossier, download, export
from tests.test_export import world_of_two_families as world  # noqa: F401 (fixture)

ORIGINAL = b"\x89PNG fictional exhibit original, bytes only\n" * 20
ORIGINAL_NAME = "EX-0001_photo.png"


@dataclass
class Dossier:
    pdf: Path
    bundle: Path
    root: Path
    fingerprint: str


def _manifest() -> bytes:
    return json.dumps({
        "format": "ps752-dossier-manifest/1", "dossier": "PS752-0009", "version": 1,
        "variant": "confidential", "export": 1, "content_sha256": "0" * 64,
        "exhibits": [{"number": "EX-0001", "withheld": False,
                      "sha256": hashlib.sha256(ORIGINAL).hexdigest()}]},
        indent=1, sort_keys=True).encode()


def custody_log(events: tuple[str, ...] = ("received", "stored"), public: bool = False,
                first_hash: str = "") -> list[dict[str, object]]:
    """A custody.jsonl chain for EX-0001 as the export writes it, hashed with the
    portal's canonical hashing."""
    from portal.audit.hashing import GENESIS_HASH, custody_hash

    sha = first_hash or hashlib.sha256(ORIGINAL).hexdigest()
    records, previous = [], GENESIS_HASH
    for seq, action in enumerate(events, start=1):
        hashed: dict[str, object] = {
            "item_id": 7, "seq": seq, "occurred_at": f"2026-11-01T10:00:0{seq}.000123Z",
            "action": action, "actor_id": 3, "actor_label": "test.family",
            "actor_role": "family_member", "purpose": "", "hash_before": "",
            "hash_after": sha, "details": {"size": len(ORIGINAL), "note": "نمونه"}}
        row = custody_hash(previous, hashed)
        record: dict[str, object] = {
            "exhibit": "EX-0001", "seq": seq, "at": "2026-11-01 10:00", "action": action,
            "by": "family_member" if public else "test.family (family_member)",
            "hash_after": sha, "prev_hash": previous, "row_hash": row}
        if not public:
            record["hashed"] = hashed
        records.append(record)
        previous = row
    return records


def jsonl(records: list[dict[str, object]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n"
                   for r in records).encode()


CUSTODY = jsonl(custody_log())


def _pdfa_with_attachments(custody: bytes = CUSTODY) -> bytes:
    document = pikepdf.new()
    document.add_blank_page()
    with document.open_metadata() as meta:
        meta["pdfaid:part"] = "3"
        meta["pdfaid:conformance"] = "B"
    out = io.BytesIO()
    document.save(out)
    return attach_files(out.getvalue(), [
        Attachment("manifest.json", _manifest(), "application/json", "manifest", "Data"),
        Attachment("exhibits.csv", b"exhibit,sha256\nEX-0001,x\n", "text/csv", "index", "Data"),
        Attachment("custody.jsonl", custody, "application/x-ndjson", "custody", "Data")])


def _bundle(path: Path, root_pem: bytes, original: bytes = ORIGINAL,
            custody: bytes = CUSTODY) -> None:
    with path.open("w+b") as spool:
        bag.build_bag_zip([
            bag.BagFile("manifest.json", [_manifest()]),
            bag.BagFile("exhibits.csv", [b"exhibit,sha256\nEX-0001,x\n"]),
            bag.BagFile("custody.jsonl", [custody]),
            bag.BagFile("portal-root.pem", [root_pem]),
            bag.BagFile(f"originals/{ORIGINAL_NAME}", [original])],
            {"Source-Organization": "PS752 case portal"}, spool)


def _material(app: Flask) -> pki.SigningMaterial:
    folder, wrap_key = signing_location(app)
    return pki.load_material(folder, wrap_key)


def make_dossier(app: Flask, folder: Path, custody: bytes = CUSTODY) -> Dossier:
    """A synthetic dossier signed with this instance's PKI, with `custody` as its
    custody.jsonl (in the PDF and in the bundle)."""
    material = _material(app)
    folder.mkdir(parents=True, exist_ok=True)
    pdf = folder / "dossier.pdf"
    pdf.write_bytes(sign.sign_pdf(_pdfa_with_attachments(custody), material,
                                  reason="Approved by the legal reviewer test.reviewer"))
    bundle, root = folder / "bundle.zip", folder / "root.pem"
    _bundle(bundle, material.root_pem, custody=custody)
    root.write_bytes(material.root_pem)
    return Dossier(pdf, bundle, root, material.root_fingerprint)


@pytest.fixture(name="dossier")
def signed_dossier(app: Flask, tmp_path: Path) -> Dossier:
    return make_dossier(app, tmp_path)


def failed(report: Report) -> dict[str, str]:
    return {c.name: c.detail for c in report.checks if not c.ok}


def test_a_signed_dossier_and_its_bundle_verify(dossier: Dossier):
    report = verify(dossier.pdf, dossier.bundle)
    assert report.ok, report.lines()
    text = "\n".join(report.lines())
    assert "certified by" in text
    assert "no changes allowed" in text
    assert "PAdES long-term validation passed" in text
    assert dossier.fingerprint in text  # the root from the bundle: compare its fingerprint
    assert "shipped in the bundle" in text
    assert "test.reviewer" in text  # the reason names the reviewer
    assert "PASS  custody: 1 chain(s), 2 event(s)" in text
    assert "every hash recomputed from its event" in text
    assert hashlib.sha256(dossier.bundle.read_bytes()).hexdigest() in text
    # With the root given explicitly and its fingerprint pinned, too.
    assert verify(dossier.pdf, dossier.bundle, dossier.root, dossier.fingerprint.upper()).ok


def test_the_signature_is_an_invisible_certification_then_a_document_timestamp(
        dossier: Dossier):
    # (PDF/A of a real signed export: tests/test_export.py and the last test here.)
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import MDPPerm

    data = dossier.pdf.read_bytes()
    signatures = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    assert [s.sig_object.get("/Type") for s in signatures] == ["/Sig", "/DocTimeStamp"]
    assert signatures[0].docmdp_level == MDPPerm.NO_CHANGES
    # The last timestamp covers every byte of the file: nothing can hide after it.
    _, _, start, length = list(signatures[-1].byte_range)
    assert start + length == len(data)
    with pikepdf.open(io.BytesIO(data)) as document:
        fields = list(document.Root.AcroForm.Fields)
        assert len(fields) == 2
        for field in fields:  # invisible: an empty box, no appearance to draw
            assert [float(x) for x in field.Rect] == [0, 0, 0, 0]


def test_flipping_one_byte_of_the_pdf_fails(dossier: Dossier):
    from pyhanko.pdf_utils.reader import PdfFileReader

    data = bytearray(dossier.pdf.read_bytes())
    first = PdfFileReader(io.BytesIO(bytes(data))).embedded_signatures[0]
    # A byte inside the signed first revision (an embedded file's stream).
    position = bytes(data).index(b"stream", 200) + 20
    assert position < first.byte_range[1]
    data[position] ^= 0x01
    dossier.pdf.write_bytes(bytes(data))
    problems = failed(verify(dossier.pdf, dossier.bundle))
    assert "signature" in problems
    assert ("changed after it was signed" in problems["signature"]
            or "cannot be read" in problems["signature"]), problems


def test_an_incremental_update_after_signing_fails(dossier: Dossier):
    writer = IncrementalPdfFileWriter(io.BytesIO(dossier.pdf.read_bytes()))
    info = writer.trailer.raw_get("/Info")
    info.get_object()["/Title"] = generic.TextStringObject("A forged title")
    writer.mark_update(info)
    out = io.BytesIO()
    writer.write(out)
    dossier.pdf.write_bytes(out.getvalue())
    report = verify(dossier.pdf, dossier.bundle)
    assert not report.ok
    problems = failed(report)
    assert set(problems) == {"modifications"}, problems  # the signature itself still holds
    assert "appended after the last signature" in problems["modifications"]


def test_an_update_changing_the_document_reports_its_modification_level(dossier: Dossier):
    writer = IncrementalPdfFileWriter(io.BytesIO(dossier.pdf.read_bytes()))
    writer.root["/PS752Forged"] = generic.TextStringObject("x")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    dossier.pdf.write_bytes(out.getvalue())
    problems = failed(verify(dossier.pdf, dossier.bundle))
    assert "changed after its certification" in problems["modifications"]


def test_bytes_appended_after_the_end_fail(dossier: Dossier):
    dossier.pdf.write_bytes(dossier.pdf.read_bytes() + b"%not part of the signed file\n")
    assert "appended" in failed(verify(dossier.pdf, dossier.bundle))["modifications"]


def test_an_altered_bundle_file_fails(dossier: Dossier, tmp_path: Path):
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(dossier.bundle) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data + b"x" if info.filename.endswith(ORIGINAL_NAME)
                            else data)
    problems = failed(verify(dossier.pdf, tampered))
    assert "the BagIt bag does not validate" in problems["bundle"]
    assert ORIGINAL_NAME in problems["bundle"]


def test_a_rebuilt_bag_with_another_original_fails_against_the_signed_manifest(
        app: Flask, dossier: Dossier, tmp_path: Path):
    forged = tmp_path / "forged.zip"
    _bundle(forged, _material(app).root_pem, original=ORIGINAL + b"edited")
    problems = failed(verify(dossier.pdf, forged))
    assert "does not match the manifest's SHA-256" in problems["bundle"]


# -- reading the bag: each departure from a whole BagIt bag is named -------------------------

def _rezipped(source: Path, target: Path, changes: dict[str, bytes | None]) -> Path:
    """`source` with the members named in `changes` replaced (None: removed) or added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename not in changes:
                new.writestr(info, old.read(info))
        for name, data in changes.items():
            if data is not None:
                new.writestr(name, data)
    return target


@pytest.fixture(name="bag_zip")
def a_whole_bag(tmp_path: Path) -> Path:
    _bundle(tmp_path / "whole.zip", b"-----BEGIN CERTIFICATE-----\n")
    return tmp_path / "whole.zip"


def test_a_whole_bag_reads_without_problems(bag_zip: Path):
    bundle = verify_module.read_bundle(bag_zip)
    assert bundle.problems == []
    assert set(bundle.files) == {"manifest.json", "exhibits.csv", "custody.jsonl",
                                 "portal-root.pem"}
    assert bundle.originals == {ORIGINAL_NAME: hashlib.sha256(ORIGINAL).hexdigest()}


@pytest.mark.parametrize(("name", "expected"), [
    ("/etc/passwd", "unsafe path in the zip: /etc/passwd"),
    ("bag/../outside", "unsafe path in the zip: bag/../outside"),
    ("bag//data/x", "unsafe path in the zip: bag//data/x"),
    ("bag/data/manifest.json", "the zip holds bag/data/manifest.json twice"),
    ("another/bagit.txt", "not a BagIt bag (one top folder with bagit.txt)"),
])
def test_a_zip_with_an_unsafe_repeated_or_second_top_path_is_not_read(
        bag_zip: Path, tmp_path: Path, name: str, expected: str):
    hostile = tmp_path / "hostile.zip"
    with zipfile.ZipFile(bag_zip) as old, zipfile.ZipFile(hostile, "w") as new, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a repeated name: wanted here
        for info in old.infolist():
            new.writestr(info, old.read(info))
        new.writestr(name, b"x")
    bundle = verify_module.read_bundle(hostile)
    assert bundle.problems == [expected]
    assert (bundle.files, bundle.originals) == ({}, {})


def test_a_bag_without_a_version_or_without_its_sha512_manifest_fails(
        bag_zip: Path, tmp_path: Path):
    unversioned = _rezipped(bag_zip, tmp_path / "a.zip", {"bag/bagit.txt": b"BagIt: 1.0\n"})
    assert verify_module.read_bundle(unversioned).problems == [
        "bagit.txt does not declare a BagIt version"]
    half = _rezipped(bag_zip, tmp_path / "b.zip", {"bag/manifest-sha512.txt": None})
    assert verify_module.read_bundle(half).problems == [
        "the bag lists sha256, not SHA-256 and SHA-512", "manifest-sha512.txt is missing"]


def test_a_file_added_to_the_payload_fails_its_manifests_and_the_payload_oxum(
        bag_zip: Path, tmp_path: Path):
    added = _rezipped(bag_zip, tmp_path / "added.zip",
                      {"bag/data/originals/EX-0002_extra.png": b"slipped in"})
    problems = verify_module.read_bundle(added).problems
    assert problems[:2] == [
        "data/originals/EX-0002_extra.png is not in the bag's sha256 manifest",
        "data/originals/EX-0002_extra.png is not in the bag's sha512 manifest"]
    assert len(problems) == 3
    assert problems[2].startswith("Payload-Oxum ")
    assert "does not match the payload" in problems[2]


def test_a_removed_payload_file_and_an_edited_tag_file_fail(bag_zip: Path, tmp_path: Path):
    with zipfile.ZipFile(bag_zip) as archive:
        info = archive.read("bag/bag-info.txt")
    changed = _rezipped(bag_zip, tmp_path / "changed.zip", {
        "bag/data/exhibits.csv": None, "bag/bag-info.txt": info + b"Note: edited\n"})
    problems = verify_module.read_bundle(changed).problems
    assert problems[0] == "data/exhibits.csv is missing"
    assert "bag-info.txt does not match its SHA256 in the bag" in problems
    assert "bag-info.txt does not match its SHA512 in the bag" in problems


def test_a_wrong_root_fails(dossier: Dossier, tmp_path: Path):
    other = pki_issue.create_material("Another organisation")
    root = tmp_path / "other-root.pem"
    root.write_bytes(other.root_pem)
    problems = failed(verify(dossier.pdf, dossier.bundle, root))
    assert "does not chain to the trust root" in problems["signature"]
    # A bundle that ships a different root does not help a forger who is expected to
    # match a published fingerprint.
    problems = failed(verify(dossier.pdf, dossier.bundle, root, dossier.fingerprint))
    assert "not the expected" in problems["trust root"]


def test_without_a_root_nothing_is_trusted(dossier: Dossier):
    problems = failed(verify(dossier.pdf))
    assert "no trust root" in problems["signature"]


def test_an_unsigned_pdf_fails(dossier: Dossier, tmp_path: Path):
    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(_pdfa_with_attachments())
    assert "no digital signature" in failed(verify(unsigned, dossier.bundle))["signature"]


def test_the_cli_verifies_without_a_database_and_exits_non_zero_on_failure(
        app: Flask, dossier: Dossier):
    runner = app.test_cli_runner()
    good = runner.invoke(args=["dossier", "verify", str(dossier.pdf), str(dossier.bundle)])
    assert good.exit_code == 0, good.output
    assert "RESULT: the dossier verifies." in good.output
    trusted = runner.invoke(args=["dossier", "verify", str(dossier.pdf), "--trust",
                                  str(dossier.root)])
    assert trusted.exit_code == 0, trusted.output
    assert "given with --trust" in trusted.output
    dossier.pdf.write_bytes(dossier.pdf.read_bytes() + b"%appended\n")
    bad = runner.invoke(args=["dossier", "verify", str(dossier.pdf), str(dossier.bundle),
                              "--root", str(dossier.root)])  # the older name still works
    assert bad.exit_code == 1
    assert "FAIL  modifications" in bad.output
    assert "does NOT verify" in bad.output


def test_a_stranger_runs_the_standalone_script_without_the_portal(
        dossier: Dossier, tmp_path: Path):
    # -I: isolated mode, so neither the repository nor the script's folder is on the
    # path: only the installed pyhanko, pikepdf and bagit are importable.
    import shutil

    from portal.audit import hashing

    # What a stranger copies: verify.py and hashing.py, into a folder of their own.
    kit = tmp_path / "kit"
    kit.mkdir()
    shutil.copy(verify_module.__file__, kit / "verify.py")
    shutil.copy(hashing.__file__, kit / "hashing.py")
    ran = subprocess.run([sys.executable, "-I", str(kit / "verify.py"), str(dossier.pdf),
                          str(dossier.bundle), "--fingerprint", dossier.fingerprint],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "RESULT: the dossier verifies." in ran.stdout
    assert "every hash recomputed" in ran.stdout
    # Without hashing.py beside it, the custody chains cannot be checked: it says so.
    (kit / "hashing.py").unlink()
    alone = subprocess.run([sys.executable, "-I", str(kit / "verify.py"), str(dossier.pdf),
                            str(dossier.bundle)], capture_output=True, text=True,
                           cwd=tmp_path, timeout=120)
    assert alone.returncode == 1
    assert "FAIL  custody: hashing.py" in alone.stdout
    probe = subprocess.run([sys.executable, "-I", "-c", "import portal"],
                           capture_output=True, cwd=tmp_path)
    assert probe.returncode != 0  # the portal really was not importable


def test_review_key_prints_the_approval_statements_public_key(app: Flask):
    from portal.dependencies import crypto_kit

    result = app.test_cli_runner().invoke(args=["dossier", "review-key"])
    assert result.exit_code == 0
    with app.app_context():
        assert result.output.strip() == public_key_b64(crypto_kit().review_signing_seed)


def test_a_real_export_verifies_and_a_flipped_byte_is_caught(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World, tmp_path: Path):  # noqa: F811
    dossier_id = approved_dossier(client, another_client, world)
    export_id = export(another_client, dossier_id, "confidential")
    pdf, bundle = tmp_path / "export.pdf", tmp_path / "export.zip"
    pdf.write_bytes(download(another_client, dossier_id, export_id, "pdf"))
    bundle.write_bytes(download(another_client, dossier_id, export_id, "bundle"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["dossier", "verify", str(pdf), str(bundle)])
    assert result.exit_code == 0, result.output
    assert "1 original(s) match the manifest" in result.output
    assert "PASS  custody: 1 chain(s)" in result.output
    assert "every hash recomputed from its event" in result.output
    with pikepdf.open(pdf) as document:
        assert pdfa_problems(document) == []

    data = bytearray(pdf.read_bytes())
    data[len(data) // 4] ^= 0x01
    pdf.write_bytes(bytes(data))
    result = runner.invoke(args=["dossier", "verify", str(pdf), str(bundle)])
    assert result.exit_code == 1
    assert "FAIL  signature" in result.output


def test_the_canonical_hashing_imports_alone_without_the_portal(tmp_path: Path):
    """portal/audit/hashing.py is what the standalone verifier loads: standard library
    only, importable in an isolated interpreter that cannot see the portal."""
    from portal.audit import hashing

    probe = ("import importlib.util, json, sys\n"
             f"spec = importlib.util.spec_from_file_location('h', {hashing.__file__!r})\n"
             "module = importlib.util.module_from_spec(spec)\n"
             "spec.loader.exec_module(module)\n"
             "print(json.dumps([module.custody_hash('0' * 64, dict.fromkeys("
             "module.CUSTODY_FIELDS, 'x')), sorted(n for n in sys.modules if "
             "n.split('.')[0] in ('portal', 'flask', 'sqlalchemy'))]))\n")
    ran = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60)
    assert ran.returncode == 0, ran.stderr
    digest, loaded = json.loads(ran.stdout)
    assert digest == hashing.custody_hash("0" * 64, dict.fromkeys(hashing.CUSTODY_FIELDS, "x"))
    assert loaded == []


def _custody_problem(app: Flask, folder: Path, records: list[dict[str, object]]) -> str:
    made = make_dossier(app, folder, jsonl(records))
    report = verify(made.pdf, made.bundle)
    problems = failed(report)
    assert set(problems) == {"custody"}, report.lines()  # signed and bundled as is
    return problems["custody"]


def test_an_edited_custody_event_fails(app: Flask, tmp_path: Path):
    records = custody_log()
    hashed = records[1]["hashed"]
    assert isinstance(hashed, dict)
    hashed["purpose"] = "an edited purpose"
    assert "event 2 does not match its hash (changed)" in _custody_problem(
        app, tmp_path, records)


def test_a_removed_or_reordered_custody_event_fails(app: Flask, tmp_path: Path):
    records = custody_log(("received", "stored", "viewed"))
    problem = _custody_problem(app, tmp_path / "removed", [records[0], records[2]])
    assert "event 2 is missing or out of order" in problem
    relinked = custody_log(("received", "stored", "viewed"))
    relinked[2]["prev_hash"] = relinked[0]["row_hash"]
    assert "event 3 does not follow the one before" in _custody_problem(
        app, tmp_path / "relinked", relinked)


def test_a_chain_that_is_not_the_originals_fails(app: Flask, tmp_path: Path):
    other = custody_log(first_hash="ab" * 32)
    assert "does not start from the original's SHA-256" in _custody_problem(
        app, tmp_path, other)


def test_a_summary_field_contradicting_the_hashed_content_fails(app: Flask, tmp_path: Path):
    records = custody_log()
    records[1]["action"] = "verified"
    assert "says otherwise than its hashed content" in _custody_problem(app, tmp_path, records)


def test_a_log_without_its_chain_fails(app: Flask, tmp_path: Path):
    records = [{"exhibit": "EX-0001", "seq": 1, "action": "received",
                "hash_after": hashlib.sha256(ORIGINAL).hexdigest()}]
    assert "carries no hash chain" in _custody_problem(app, tmp_path, records)


