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


INDEX_CSV = b"exhibit,sha256\nEX-0001,x\n"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest(root_pem: bytes | None = None, custody: bytes = b"") -> bytes:
    """The synthetic manifest; given the root, it lists every bundle file as an export's
    does (decision 0019), else it is a manifest from before the list."""
    listed = {} if root_pem is None else {"bundle_files": [
        {"path": path, "sha256": sha} for path, sha in sorted({
            "exhibits.csv": _sha(INDEX_CSV), "custody.jsonl": _sha(custody or CUSTODY),
            "portal-root.pem": _sha(root_pem),
            f"originals/{ORIGINAL_NAME}": _sha(ORIGINAL)}.items())]}
    return json.dumps({
        "format": "ps752-dossier-manifest/1", "dossier": "PS752-0009", "version": 1,
        "variant": "confidential", "export": 1, "content_sha256": "0" * 64, **listed,
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


def _pdfa_with_attachments(custody: bytes = CUSTODY, root_pem: bytes | None = None) -> bytes:
    document = pikepdf.new()
    document.add_blank_page()
    with document.open_metadata() as meta:
        meta["pdfaid:part"] = "3"
        meta["pdfaid:conformance"] = "B"
    out = io.BytesIO()
    document.save(out)
    return attach_files(out.getvalue(), [
        Attachment("manifest.json", _manifest(root_pem, custody), "application/json",
                   "manifest", "Data"),
        Attachment("exhibits.csv", INDEX_CSV, "text/csv", "index", "Data"),
        Attachment("custody.jsonl", custody, "application/x-ndjson", "custody", "Data")])


def _bundle(path: Path, root_pem: bytes, original: bytes = ORIGINAL,
            custody: bytes = CUSTODY, listed: bool = True) -> None:
    with path.open("w+b") as spool:
        bag.build_bag_zip([
            bag.BagFile("manifest.json", [_manifest(root_pem if listed else None, custody)]),
            bag.BagFile("exhibits.csv", [INDEX_CSV]),
            bag.BagFile("custody.jsonl", [custody]),
            bag.BagFile("portal-root.pem", [root_pem]),
            bag.BagFile(f"originals/{ORIGINAL_NAME}", [original])],
            {"Source-Organization": "PS752 case portal"}, spool)


def _material(app: Flask) -> pki.SigningMaterial:
    folder, wrap_key = signing_location(app)
    return pki.load_material(folder, wrap_key)


def make_dossier(app: Flask, folder: Path, custody: bytes = CUSTODY,
                 material: pki.SigningMaterial | None = None) -> Dossier:
    """A synthetic dossier signed with this instance's PKI (or `material`), with
    `custody` as its custody.jsonl (in the PDF and in the bundle)."""
    material = material or _material(app)
    folder.mkdir(parents=True, exist_ok=True)
    pdf = folder / "dossier.pdf"
    pdf.write_bytes(sign.sign_pdf(_pdfa_with_attachments(custody, material.root_pem),
                                  material,
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
    report = verify(dossier.pdf, dossier.bundle, None, dossier.fingerprint)
    assert report.ok, report.lines()
    assert report.exit_code == 0
    text = "\n".join(report.lines())
    assert "certified by" in text
    assert "no changes allowed" in text
    assert "PAdES long-term validation passed" in text
    assert dossier.fingerprint in text  # the root from the bundle, matching --fingerprint
    assert "shipped in the bundle" in text
    assert "every file of it is listed with its SHA-256 in the signed manifest" in text
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
    problems = failed(verify(dossier.pdf, dossier.bundle, None, dossier.fingerprint))
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
    report = verify(dossier.pdf, dossier.bundle, None, dossier.fingerprint)
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
    problems = failed(verify(dossier.pdf, dossier.bundle, None, dossier.fingerprint))
    assert "changed after its certification" in problems["modifications"]


def test_bytes_appended_after_the_end_fail(dossier: Dossier):
    dossier.pdf.write_bytes(dossier.pdf.read_bytes() + b"%not part of the signed file\n")
    problems = failed(verify(dossier.pdf, dossier.bundle, None, dossier.fingerprint))
    assert "appended" in problems["modifications"]


def test_an_altered_bundle_file_fails(dossier: Dossier, tmp_path: Path):
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(dossier.bundle) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data + b"x" if info.filename.endswith(ORIGINAL_NAME)
                            else data)
    problems = failed(verify(dossier.pdf, tampered, None, dossier.fingerprint))
    assert "the BagIt bag does not validate" in problems["bundle"]
    assert ORIGINAL_NAME in problems["bundle"]


def test_a_rebuilt_bag_with_another_original_fails_against_the_signed_manifest(
        app: Flask, dossier: Dossier, tmp_path: Path):
    forged = tmp_path / "forged.zip"
    _bundle(forged, _material(app).root_pem, original=ORIGINAL + b"edited")
    problems = failed(verify(dossier.pdf, forged, None, dossier.fingerprint))
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


def test_a_wrong_root_is_a_failure_of_trust_with_its_own_exit_code(
        dossier: Dossier, tmp_path: Path):
    other = pki_issue.create_material("Another organisation")
    root = tmp_path / "other-root.pem"
    root.write_bytes(other.root_pem)
    report = verify(dossier.pdf, dossier.bundle, root)
    assert failed(report).keys() == {"signature"}, report.lines()
    assert verify_module.UNTRUSTED in failed(report)["signature"]
    assert "does not chain to the trust root" in failed(report)["signature"]
    assert report.exit_code == verify_module.EXIT_UNTRUSTED == 3
    # A published fingerprint that is not the bundle's root: not trusted either.
    report = verify(dossier.pdf, dossier.bundle, None, pki.fingerprint(other.root))
    assert "not the expected" in failed(report)["trust root"]
    assert report.exit_code == 3


def test_a_dossier_signed_by_another_root_shipped_in_its_bundle_is_not_trusted_unasked(
        app: Flask, tmp_path: Path):
    forged = make_dossier(app, tmp_path, material=pki_issue.create_material("A forger"))
    report = verify(forged.pdf, forged.bundle)  # neither --trust nor --fingerprint
    assert not report.ok
    assert report.exit_code == 3  # not 0, and not 1 ("tampered"): its own code
    problems = failed(report)
    assert problems.keys() == {"trust root"}, report.lines()
    assert problems["trust root"].startswith(
        "signed, but by a key you have not told me to trust")
    assert forged.fingerprint in problems["trust root"]
    assert report.lines()[-1].startswith(
        "RESULT: signed, but by a key you have not told me to trust")
    # Tampered and untrusted: tampering wins (exit 1).
    forged.pdf.write_bytes(forged.pdf.read_bytes() + b"%appended\n")
    assert verify(forged.pdf, forged.bundle).exit_code == 1


def test_a_flipped_padding_byte_in_the_signature_value_is_named_as_such(dossier: Dossier):
    from pyhanko.pdf_utils.reader import PdfFileReader

    data = bytearray(dossier.pdf.read_bytes())
    first = PdfFileReader(io.BytesIO(bytes(data))).embedded_signatures[0]
    _, gap_start, gap_end, _ = list(first.byte_range)
    contents = bytes(data[gap_start + 1:gap_end - 1])
    used = len(contents.rstrip(b"0"))
    assert used + 200 < len(contents)  # zero padding after the DER value
    data[gap_start + 1 + used + 100] = ord("7")
    dossier.pdf.write_bytes(bytes(data))
    report = verify(dossier.pdf, dossier.bundle, None, dossier.fingerprint)
    problem = failed(report)["signature"]
    assert problem.startswith("the value of the certification signature (its /Contents) "
                              "was altered: the padding after the signature value"), problem
    assert "chain" not in problem
    assert "trust" not in problem
    assert report.exit_code == 1


def _rebuilt(dossier: Dossier, target: Path, *, drop: str = "",
             add: tuple[str, bytes] | None = None, change: tuple[str, bytes] | None = None
             ) -> Path:
    """The dossier's bag with a payload file removed, added or changed, and rebuilt
    consistently (its own manifests, tag manifests and Payload-Oxum agree with it)."""
    with zipfile.ZipFile(dossier.bundle) as archive:
        files = {name.removeprefix("bag/data/"): archive.read(name)
                 for name in archive.namelist() if name.startswith("bag/data/")}
    files.pop(drop, None)
    for item in (add, change):
        if item is not None:
            files[item[0]] = item[1]
    with target.open("w+b") as spool:
        bag.build_bag_zip([bag.BagFile(path, [data]) for path, data in files.items()],
                          {"Source-Organization": "PS752 case portal"}, spool)
    assert bag.validate_bag_zip(target) == []  # the bag itself is whole
    return target


@pytest.mark.parametrize(("edit", "expected"), [
    ({"drop": "exhibits.csv"},
     "data/exhibits.csv is listed in the signed manifest but missing from the bundle"),
    ({"drop": f"originals/{ORIGINAL_NAME}"},
     f"data/originals/{ORIGINAL_NAME} is listed in the signed manifest but missing"),
    ({"add": ("notes.txt", b"slipped in")},
     "data/notes.txt is in the bundle but not in the signed manifest"),
    ({"change": ("portal-root.pem", b"-----BEGIN CERTIFICATE-----\n")},
     "data/portal-root.pem differs from the SHA-256 the signed manifest gives for it"),
])
def test_a_rebuilt_bag_without_with_or_with_another_file_fails(
        dossier: Dossier, tmp_path: Path, edit: dict[str, object], expected: str):
    rebuilt = _rebuilt(dossier, tmp_path / "rebuilt.zip", **edit)  # type: ignore[arg-type]
    report = verify(dossier.pdf, rebuilt, dossier.root)
    assert expected in failed(report)["bundle"], report.lines()
    assert report.exit_code == 1


def test_without_a_root_nothing_is_trusted(dossier: Dossier):
    problems = failed(verify(dossier.pdf))
    assert "no trust root" in problems["signature"]


def test_an_unsigned_pdf_fails(dossier: Dossier, tmp_path: Path):
    unsigned = tmp_path / "unsigned.pdf"
    unsigned.write_bytes(_pdfa_with_attachments())
    report = verify(unsigned, dossier.bundle, None, dossier.fingerprint)
    assert "no digital signature" in failed(report)["signature"]


def test_the_cli_verifies_without_a_database_and_exits_non_zero_on_failure(
        app: Flask, dossier: Dossier, tmp_path: Path):
    runner = app.test_cli_runner()
    # Without --trust or --fingerprint it trusts this instance's own root.
    good = runner.invoke(args=["dossier", "verify", str(dossier.pdf), str(dossier.bundle)])
    assert good.exit_code == 0, good.output
    assert "RESULT: the dossier verifies." in good.output
    foreign = make_dossier(app, tmp_path / "foreign",
                           material=pki_issue.create_material("A forger"))
    untrusted = runner.invoke(args=["dossier", "verify", str(foreign.pdf),
                                    str(foreign.bundle)])
    assert untrusted.exit_code == 3, untrusted.output
    assert "signed, but by a key you have not told me to trust" in untrusted.output
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


def test_a_stranger_runs_the_one_standalone_file_without_the_portal(
        dossier: Dossier, tmp_path: Path):
    # -I: isolated mode, so neither the repository nor the script's folder is on the
    # path: only the installed pyhanko and pikepdf are importable. (In a fresh venv with
    # the pinned packages only: tests/test_standalone_verifier.py.)
    import shutil

    kit = tmp_path / "kit"  # what a stranger copies: verify.py alone
    kit.mkdir()
    shutil.copy(verify_module.__file__, kit / "verify.py")
    ran = subprocess.run([sys.executable, "-I", str(kit / "verify.py"), str(dossier.pdf),
                          str(dossier.bundle), "--fingerprint", dossier.fingerprint],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "RESULT: the dossier verifies." in ran.stdout
    assert "every hash recomputed" in ran.stdout
    unpinned = subprocess.run([sys.executable, "-I", str(kit / "verify.py"),
                               str(dossier.pdf), str(dossier.bundle)],
                              capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert unpinned.returncode == 3, unpinned.stdout
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
    assert "every file of it is listed with its SHA-256 in the signed manifest" in \
        result.output
    with pikepdf.open(pdf) as document:
        assert pdfa_problems(document) == []
        signed = json.loads(document.attachments["manifest.json"].get_file().read_bytes())
    # The bundle carries the verifier itself, listed in the signed manifest.
    with zipfile.ZipFile(bundle) as archive:
        shipped = archive.read("bag/data/verify.py")
    assert shipped == Path(verify_module.__file__).read_bytes()
    listed = {f["path"]: f["sha256"] for f in signed["bundle_files"]}
    assert listed["verify.py"] == hashlib.sha256(shipped).hexdigest()
    assert set(listed) == {"exhibits.csv", "custody.jsonl", "portal-root.pem", "verify.py",
                           *(p for p in listed if p.startswith("originals/"))}
    assert len([p for p in listed if p.startswith("originals/")]) == 1

    data = bytearray(pdf.read_bytes())
    data[len(data) // 4] ^= 0x01
    pdf.write_bytes(bytes(data))
    result = runner.invoke(args=["dossier", "verify", str(pdf), str(bundle)])
    assert result.exit_code == 1
    assert "FAIL  signature" in result.output


def test_the_canonical_hashing_imports_alone_without_the_portal(tmp_path: Path):
    """portal/audit/hashing.py (copied into the standalone verifier, character for
    character: tests/test_standalone_verifier.py) stays standard library only,
    importable in an isolated interpreter that cannot see the portal."""
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
    report = verify(made.pdf, made.bundle, None, made.fingerprint)
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


