"""What the public variant of a dossier must not carry, driven over HTTP as the
legal reviewer exports it and checked with a stranger's tools (pdftotext, pdfimages,
pikepdf, pyHanko, the zip and `flask dossier verify`): no exhibit classified
confidential (a withheld sheet on the same pages instead), no original file name, no
staff username, and a custody log that proves its chain without revealing what it
withholds. The confidential variant names the approving reviewer by name and capacity.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from flask import Flask
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from portal.audit.hashing import GENESIS_HASH, chain_hash
from portal.models import CustodyEvent, DossierExport, EvidenceItem, Rendition, Role, User, db
from portal.pdf.attach import embedded_files
from tests.support.approval import approve
from tests.support.client import BrowserClient
from tests.support.evidence import upload
from tests.support.journeys import sign_in, sign_out
from tests.test_dossiers import World, add, create_dossier, send_for_review
from tests.test_export import approved_dossier, download, export, pdf_text, world_of_two_families
from tests.test_export import world_of_two_families as world  # noqa: F401 (fixture)
from tests.test_pdf_structure import describe, fictional_pdf

LETTER_NAME = "Letter_from_Fictional_Office_Testname.pdf"  # confidential, 3 pages
STREET_NAME = "Street_scene_Testname_public.jpg"  # classified public
WORLD_PHOTO = "photo.jpg"  # the world's photo of report one: confidential
FULL_NAME = "Fictional Reviewer Testname"
CAPACITY = "Barrister, member of the Fictional Bar"
PUBLIC_ROW = {"exhibit", "seq", "day", "action", "role", "hash_after", "prev_hash", "row_hash"}


def street_photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 72), (20, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def item_ids(app: Flask, media_type: str) -> list[int]:
    """The evidence of one media type, oldest first."""
    with app.app_context():
        return list(db.session.scalars(select(EvidenceItem.id).where(
            EvidenceItem.detected_media_type == media_type).order_by(EvidenceItem.id)))


def set_profile(client: BrowserClient, full_name: str, capacity: str) -> None:
    saved = client.submit("/account", {"full_name": full_name,
                                       "professional_capacity": capacity},
                          action="/account#profile")
    assert saved.status_code == 302, saved.get_data(as_text=True)[:800]


@dataclass
class Exported:
    pdfs: dict[str, bytes]
    bundles: dict[str, bytes]
    dossier_id: int
    numbers: dict[str, str]  # file name -> exhibit number
    world: World
    withheld_hashes: list[str]  # of the confidential originals and their renditions
    custody_hashes: list[str]  # every custody row's hash (the full chains)
    usernames: list[str]


def pdf_strings(pdf: bytes) -> str:
    """Every string and every (decoded) stream of the PDF as text: metadata, outlines,
    attachments' names and contents, the signature's fields."""
    found: list[str] = []
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for obj in document.objects:
            found += _strings_of(obj)
            if isinstance(obj, pikepdf.Stream):
                try:
                    data = obj.read_bytes()
                except pikepdf.PdfError:  # an image filter pikepdf does not decode
                    data = obj.read_raw_bytes()
                found += [data.decode("latin-1"), data.decode("utf-8", "replace")]
    return "\n".join(found)


def _strings_of(obj: object, depth: int = 0) -> list[str]:
    if depth > 6:
        return []
    if isinstance(obj, pikepdf.String):
        return [str(obj), bytes(obj).decode("latin-1")]
    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        return [text for key in obj.keys() for text in  # noqa: SIM118 (pikepdf objects)
                [key, *_strings_of(obj.get(key), depth + 1)]
                if not isinstance(obj.get(key), pikepdf.Stream | pikepdf.Page)]
    if isinstance(obj, pikepdf.Array):
        return [text for item in obj for text in _strings_of(item, depth + 1)]
    return []


def bundle_text(bundle: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        return "\n".join([*archive.namelist(), *(archive.read(n).decode("utf-8", "replace")
                                                 for n in archive.namelist())])


def attachments_text(pdf: bytes) -> str:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        files = embedded_files(document)
    return "\n".join(f"{name}\n{data.decode('utf-8', 'replace')}" for name, data in files.items())


def signature_fields(pdf: bytes) -> dict[str, str]:
    signature = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[0]
    return {key: str(signature.sig_object.get(key, "")) for key in
            ("/Reason", "/Location", "/ContactInfo", "/Name")}


def images(pdf: bytes, tmp_path: Path) -> list[tuple[int, int]]:
    """(width, height) of every image `pdfimages -list` finds."""
    path = tmp_path / "images.pdf"
    path.write_bytes(pdf)
    listing = subprocess.run(["pdfimages", "-list", str(path)], check=True,
                             capture_output=True, text=True).stdout.splitlines()[2:]
    return [(int(line.split()[3]), int(line.split()[4])) for line in listing if line.strip()]


def bates_ranges(text: str) -> dict[str, tuple[str, str, int]]:
    """Exhibit number -> (first, last Bates number, page) from each exhibit's cover
    sheet or withheld sheet."""
    ranges = {}
    for page_number, page in enumerate(text.split("\f"), start=1):
        heading = re.search(r"(EX-\d{4}) · ", page)
        bates = re.search(r"Bates range\s+PS752-\d{4}-(\d{6})\s*–\s*PS752-\d{4}-(\d{6})", page)
        if heading and bates and heading.group(1) not in ranges:
            ranges[heading.group(1)] = (bates.group(1), bates.group(2), page_number)
    return ranges


@pytest.fixture(name="exported", scope="module")
def both_variants_exported(app: Flask) -> Exported:
    """The world's confidential photo, a confidential 3-page letter (report one) and a
    street photo classified public whose title is its file name (report two), approved
    and exported in both variants by a reviewer who gave their name and capacity.

    Built once for the tests of this module (two exports take many seconds): the tables
    are emptied after the first test, so what the tests read of the database is read
    here, while it is there."""
    client: BrowserClient = app.test_client()  # type: ignore[assignment]
    another_client: BrowserClient = app.test_client()  # type: ignore[assignment]
    built: World = world_of_two_families.__wrapped__(app, client)  # type: ignore[attr-defined]
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setitem(app.config, "EVIDENCE_PDF_PREVIEW_PAGES", 3)
        sign_in(client, built.reporter_one)
        assert upload(client, built.report_one, [(fictional_pdf(3), LETTER_NAME)]
                      ).status_code in (200, 302)
        sign_out(client)
        sign_in(client, built.reporter_two)
        assert upload(client, built.report_two, [(street_photo(), STREET_NAME)],
                      kind="photo").status_code in (200, 302)
        sign_out(client)
    sign_in(client, built.advocate, code_offset=-1)  # approved_dossier signs in with 0
    [letter] = item_ids(app, "application/pdf")
    photo, street = item_ids(app, "image/jpeg")
    describe(client, letter, title=LETTER_NAME, creator="Fictional Office",
             source="Handed over in person", claimed_date_text="1398/10/18")
    describe(client, street, title=STREET_NAME, kind="photo", classification="public",
             source=f"copied as {STREET_NAME} from a phone")
    sign_out(client)
    dossier_id = approved_dossier(client, another_client, built)
    set_profile(another_client, FULL_NAME, CAPACITY)
    exports = {v: export(another_client, dossier_id, v) for v in ("confidential", "public")}
    pdfs = {v: download(another_client, dossier_id, e, "pdf") for v, e in exports.items()}
    bundles = {v: download(another_client, dossier_id, e, "bundle")
               for v, e in exports.items()}
    with pikepdf.open(io.BytesIO(pdfs["confidential"])) as document:
        manifest = json.loads(embedded_files(document)["manifest.json"])
    withheld = (letter, photo)
    with app.app_context():
        names = {db.session.get(EvidenceItem, item_id).sha256: name  # type: ignore[union-attr]
                 for item_id, name in ((letter, LETTER_NAME), (photo, WORLD_PHOTO),
                                       (street, STREET_NAME))}
        withheld_hashes = [
            *db.session.scalars(select(EvidenceItem.sha256).where(
                EvidenceItem.id.in_(withheld))),
            *db.session.scalars(select(Rendition.sha256).where(
                Rendition.item_id.in_(withheld)))]
        custody_hashes = list(db.session.scalars(select(CustodyEvent.row_hash)))
        usernames = list(db.session.scalars(select(User.username)))
    numbers = {names[e["sha256"]]: e["number"] for e in manifest["exhibits"]}
    return Exported(pdfs, bundles, dossier_id, numbers, built, withheld_hashes,
                    custody_hashes, usernames)


def test_confidential_exhibits_are_withheld_sheets_on_the_same_pages_of_the_public_variant(
        exported: Exported, tmp_path: Path):
    texts = {v: pdf_text(pdf, tmp_path) for v, pdf in exported.pdfs.items()}
    letter, photo, street = (exported.numbers[n] for n in (LETTER_NAME, WORLD_PHOTO, STREET_NAME))
    # The images: the confidential variant shows the photo, the letter's page previews
    # and the street photo; the public one shows the street photo only.
    shown = {v: images(pdf, tmp_path) for v, pdf in exported.pdfs.items()}
    assert (64, 48) in shown["confidential"]
    assert (96, 72) in shown["confidential"]
    assert len(shown["confidential"]) >= 5  # photo, letter pages 1-3, street photo
    assert shown["public"] == [(96, 72)]
    # Same pages, same Bates range for every exhibit, a withheld sheet in public.
    counts = {v: len(pikepdf.open(io.BytesIO(pdf)).pages) for v, pdf in exported.pdfs.items()}
    assert counts["confidential"] == counts["public"]
    ranges = {v: bates_ranges(text) for v, text in texts.items()}
    assert set(ranges["confidential"]) == {letter, photo, street}
    assert ranges["public"] == ranges["confidential"]
    letter_first, letter_last, _page = ranges["public"][letter]
    assert int(letter_last) - int(letter_first) >= 3  # its cover, then pages 1, 2 and 3
    public_pages = texts["public"].split("\f")
    for number in (letter, photo):
        sheet = " ".join(public_pages[ranges["public"][number][2] - 1].split())
        assert f"{number} · Withheld" in sheet
        assert "C: classified confidential" in sheet
    annex_a = " ".join(next(p for p in public_pages if "Annex A: index of exhibits" in p
                            and "Contents" not in p).split())
    assert annex_a.count("C: classified confidential") == 2
    # Nothing of the confidential exhibits reaches any public byte: not their titles,
    # creators, sources or dates, nor their hashes or those of their renditions.
    public = "\n".join([texts["public"], pdf_strings(exported.pdfs["public"]),
                        attachments_text(exported.pdfs["public"]),
                        bundle_text(exported.bundles["public"])])
    secrets = exported.withheld_hashes
    assert len(secrets) >= 5  # two originals, their copies and page previews
    for secret in (*secrets, "Fictional Office", "Handed over in person", "1398/10/18"):
        assert secret not in public, secret
    assert "Fictional Office" in texts["confidential"]
    with zipfile.ZipFile(io.BytesIO(exported.bundles["public"])) as archive:
        assert not [n for n in archive.namelist() if "/originals/" in n]
    with pikepdf.open(io.BytesIO(exported.pdfs["public"])) as document:
        assert set(embedded_files(document)) == {"manifest.json", "exhibits.csv",
                                                 "custody.jsonl"}


def test_no_original_file_name_is_in_any_public_byte(exported: Exported, tmp_path: Path):
    public = {"text": pdf_text(exported.pdfs["public"], tmp_path),
              "pdf": pdf_strings(exported.pdfs["public"]),
              "attachments": attachments_text(exported.pdfs["public"]),
              "bundle": bundle_text(exported.bundles["public"])}
    for name in (LETTER_NAME, STREET_NAME, WORLD_PHOTO, "Street_scene_Testname"):
        for where, text in public.items():
            assert name.casefold() not in text.casefold(), (name, where)
    # The public exhibit is shown in full: its file name in its source became its number.
    street = exported.numbers[STREET_NAME]
    assert f"copied as {street} from a phone" in " ".join(public["text"].split())
    # The same searches find the names in the confidential variant (text, bookmarks, bag).
    assert STREET_NAME in pdf_text(exported.pdfs["confidential"], tmp_path)
    assert LETTER_NAME in pdf_strings(exported.pdfs["confidential"])
    assert LETTER_NAME in bundle_text(exported.bundles["confidential"])


def test_staff_appear_by_role_in_public_and_by_name_and_capacity_in_confidential(
        exported: Exported, tmp_path: Path):
    staff = exported.world
    public = {"text": pdf_text(exported.pdfs["public"], tmp_path),
              "pdf": pdf_strings(exported.pdfs["public"]),
              "attachments": attachments_text(exported.pdfs["public"]),
              "bundle": bundle_text(exported.bundles["public"]),
              **signature_fields(exported.pdfs["public"])}
    for account in (staff.reviewer, staff.advocate, staff.reporter_one, staff.reporter_two):
        for where, text in public.items():
            assert account.username not in text, (account.username, where)
    for where, text in public.items():
        assert FULL_NAME not in text, where
    # The same search finds a username in the confidential bag (the full custody chain).
    assert staff.reporter_one.username in bundle_text(exported.bundles["confidential"])
    assert "approved for submission by the legal reviewer on" in public["/Reason"]
    cover = " ".join(public["text"].split("\f")[0].split())
    assert "Approved by Legal reviewer," in cover
    assert "Signed approval statement" not in public["text"]

    confidential = pdf_text(exported.pdfs["confidential"], tmp_path)
    cover = " ".join(confidential.split("\f")[0].split())
    assert f"Approved by {FULL_NAME}, {CAPACITY}," in cover
    assert f"Approved for submission by the legal reviewer {FULL_NAME}, {CAPACITY}" in \
        " ".join(confidential.split())
    reason = signature_fields(exported.pdfs["confidential"])["/Reason"]
    assert f"{FULL_NAME}, {CAPACITY}" in reason
    assert staff.reviewer.username not in reason


def test_the_public_custody_log_verifies_alone_and_holds_only_the_public_fields(
        app: Flask, exported: Exported, tmp_path: Path):
    runner = app.test_cli_runner()
    for variant, kind in (("public", "public log"), ("confidential", "full log")):
        pdf, bundle = tmp_path / f"{variant}.pdf", tmp_path / f"{variant}.zip"
        pdf.write_bytes(exported.pdfs[variant])
        bundle.write_bytes(exported.bundles[variant])
        result = runner.invoke(args=["dossier", "verify", str(pdf), str(bundle)])
        assert result.exit_code == 0, result.output
        assert re.search(rf"PASS  custody: \d chain\(s\).*{kind}", result.output)
    with zipfile.ZipFile(io.BytesIO(exported.bundles["public"])) as archive:
        custody = next(archive.read(n) for n in archive.namelist()
                       if n.endswith("data/custody.jsonl"))
    rows = [json.loads(line) for line in custody.decode().splitlines()]
    assert rows
    assert {row["exhibit"] for row in rows} == {exported.numbers[STREET_NAME]}
    roles = {role.value for role in Role} | {""}
    previous = GENESIS_HASH
    for row in rows:
        # Exactly the allowed fields; the hash covers the row alone (nothing withheld,
        # no salt needed): recomputed here from the row.
        assert set(row) == PUBLIC_ROW
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["day"])
        assert row["role"] in roles
        assert row["prev_hash"] == previous
        hashed = {key: row[key] for key in PUBLIC_ROW - {"prev_hash", "row_hash"}}
        assert row["row_hash"] == chain_hash(previous, hashed)
        previous = row["row_hash"]
    # No hash of the full chain (which covers usernames, ids, microseconds) is public.
    public = custody.decode() + pdf_strings(exported.pdfs["public"])
    assert exported.custody_hashes
    assert not [h for h in exported.custody_hashes if h in public]
    assert not [name for name in exported.usernames if name in custody.decode()]


def test_the_confidential_export_waits_for_the_reviewers_name_and_the_review_page_says_so(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World):  # noqa: F811
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    assert add(client, dossier_id, world.report_one).status_code == 302
    assert send_for_review(client, dossier_id, world.reviewer).status_code == 302
    sign_in(another_client, world.reviewer)
    set_profile(another_client, "", "")  # not filled in yet
    review = " ".join(another_client.text(f"/dossiers/{dossier_id}/review").split())
    assert "Add your full name and capacity before exporting" in review
    assert "Exhibits in the public variant" in review
    assert "Withheld sheet" in review  # the world's photo is classified confidential
    public = another_client.text(f"/dossiers/{dossier_id}/preview?variant=public")
    assert "EX-0001" in public
    set_profile(another_client, FULL_NAME, CAPACITY)
    assert "Add your full name and capacity" not in another_client.text(
        f"/dossiers/{dossier_id}/review")
    account = another_client.text("/account")
    assert FULL_NAME in account
    assert CAPACITY in account

    set_profile(another_client, "", "")  # emptied again: the export is refused
    approved = approve(another_client, dossier_id)
    assert approved.status_code == 302
    refused = another_client.submit(f"/dossiers/{dossier_id}/export", {
        "variant": "confidential", "language": "en", "page_size": "a4"})
    assert refused.status_code == 200
    assert "Add your full name and capacity on your account page before exporting" in \
        " ".join(refused.get_data(as_text=True).split())
    with app.app_context():
        assert db.session.scalars(select(DossierExport)).first() is None
        reviewer = db.session.get(User, world.reviewer.id)
        assert reviewer is not None
        assert reviewer.full_name_sealed is None


def test_a_family_member_has_no_name_on_dossiers_to_set(
        app: Flask, client: BrowserClient, world: World):  # noqa: F811
    sign_in(client, world.reporter_one)
    assert "Your name on dossiers" not in client.text("/account")
    forged = client.post_form("/account", {"full_name": "Fictional Member",
                                           "professional_capacity": "none"})
    assert forged.status_code == 404
    with app.app_context():
        member = db.session.get(User, world.reporter_one.id)
        assert member is not None
        assert member.full_name_sealed is None


def public_log(events: tuple[str, ...], original: str) -> list[dict[str, object]]:
    """A public custody log for EX-0001, as public_custody.py writes it."""
    rows, previous = [], GENESIS_HASH
    for seq, action in enumerate(events, start=1):
        row: dict[str, object] = {"exhibit": "EX-0001", "seq": seq, "day": "2026-11-01",
                                  "action": action, "role": "family_member",
                                  "hash_after": original}
        row |= {"prev_hash": previous, "row_hash": chain_hash(previous, row)}
        rows.append(row)
        previous = str(row["row_hash"])
    return rows


def test_the_verifier_recomputes_a_public_log_and_refuses_one_that_says_more():
    from portal.pdf.verify import Report, check_custody

    original = "ab" * 32

    def checked(rows: list[dict[str, object]], variant: str = "public") -> str:
        report = Report()
        check_custody(report, "".join(json.dumps(r) + "\n" for r in rows).encode(),
                      {"EX-0001": original}, variant)
        [check] = report.checks
        return ("PASS " if check.ok else "FAIL ") + check.detail

    rows = public_log(("received", "stored", "viewed"), original)
    assert checked(rows).startswith("PASS 1 chain(s), 3 event(s)")
    assert "public log" in checked(rows)
    edited = [dict(r) for r in rows]
    edited[1]["day"] = "2026-11-02"
    assert "event 2 does not match its hash (changed)" in checked(edited)
    named = [dict(r) for r in rows]
    named[0]["by"] = "reviewer7"  # a row saying more than the public fields
    assert "neither a full log" in checked(named)
    assert "the manifest is of the confidential variant but the log is a public log" in \
        checked(rows, "confidential")
