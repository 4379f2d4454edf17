"""An exhibit may go public as a redacted copy (issue 13, item 5), driven over HTTP as an
advocate marks areas (the form as it works without JavaScript) and a legal reviewer
approves and exports; the public files are then checked with a stranger's tools
(pdfimages, pikepdf, the zip, `flask dossier verify`): the redacted copy is there,
with its marked pixels destroyed; the original, its other copies and its file name are
not; a confidential exhibit stays a withheld sheet however it was redacted.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from portal.audit.custody import CustodyAction
from portal.dependencies import blob_store, crypto_kit
from portal.models import CustodyEvent, DossierExhibit, EvidenceItem, Rendition, db
from portal.models.dossiers import ExhibitRedaction
from portal.pdf.attach import embedded_files
from portal.services.evidence import open_original
from portal.services.renditions import read_rendition
from tests.support.approval import approve, ready_for_review
from tests.support.client import BrowserClient
from tests.support.evidence import upload
from tests.support.factories import make_account
from tests.support.journeys import sign_in, sign_out
from tests.test_dossiers import World, add, create_dossier, send_for_review
from tests.test_export import download, export
from tests.test_export import world_of_two_families as world  # noqa: F401 (fixture)
from tests.test_pdf_structure import describe

STREET_NAME = "Street_scene_Testname_redact.jpg"  # classified public, then redacted
SIZE = (120, 90)
AREAS = [(10, 8, 30, 20), (50, 40, 20, 12)]  # x, y, width, height


def street_photo() -> bytes:
    """A fictional photo whose every pixel differs from black: a gradient."""
    image = Image.new("RGB", SIZE)
    image.putdata([(40 + x, 60 + y, 200) for y in range(SIZE[1]) for x in range(SIZE[0])])
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def inside(x: int, y: int) -> bool:
    return any(ax <= x < ax + w and ay <= y < ay + h for ax, ay, w, h in AREAS)


def pixels(data: bytes) -> list[tuple[int, ...]]:
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        return [rgb.getpixel((x, y)) for y in range(rgb.height)  # type: ignore[misc]
                for x in range(rgb.width)]


def exhibit_of(app: Flask, dossier_id: int, media_type: str) -> tuple[int, int]:
    """(exhibit id, evidence id) of the dossier's exhibit of `media_type` (the newest)."""
    with app.app_context():
        row = db.session.execute(
            select(DossierExhibit.id, EvidenceItem.id)
            .join(EvidenceItem, DossierExhibit.evidence_id == EvidenceItem.id)
            .where(DossierExhibit.dossier_id == dossier_id,
                   EvidenceItem.detected_media_type == media_type)
            .order_by(EvidenceItem.id.desc())).first()
        assert row is not None
        return row[0], row[1]


def redact_page(dossier_id: int, exhibit_id: int) -> str:
    return f"/dossiers/{dossier_id}/exhibits/{exhibit_id}/redact"


def mark(client: BrowserClient, dossier_id: int, exhibit_id: int, text: str):  # type: ignore[no-untyped-def]
    """Type the areas and send the form, as without JavaScript."""
    return client.submit(redact_page(dossier_id, exhibit_id), {"rectangles": text})


def pdf_images(pdf: bytes, tmp_path: Path) -> list[bytes]:
    """Every image of the PDF as pdfimages extracts it (PNG files)."""
    source = tmp_path / "public.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdfimages", "-png", str(source), str(tmp_path / "img")], check=True)
    return [path.read_bytes() for path in sorted(tmp_path.glob("img-*.png"))]


def draft_with_photo(app: Flask, client: BrowserClient, world: World) -> tuple[int, int, int]:  # noqa: F811
    """The world's dossier (both reports) with a street photo of report two classified
    public: (dossier id, its exhibit id, its evidence id). The advocate is signed in."""
    sign_in(client, world.reporter_two)
    assert upload(client, world.report_two, [(street_photo(), STREET_NAME)],
                  kind="photo").status_code in (200, 302)
    sign_out(client)
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    assert add(client, dossier_id, world.report_one).status_code == 302
    assert add(client, dossier_id, world.report_two).status_code == 302
    exhibit_id, item_id = exhibit_of(app, dossier_id, "image/jpeg")
    describe(client, item_id, title=STREET_NAME, kind="photo", classification="public",
             source=f"copied as {STREET_NAME} from a phone")
    return dossier_id, exhibit_id, item_id


def test_a_redacted_copy_alone_goes_public_and_the_original_never_changes(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World, tmp_path: Path):  # noqa: F811
    dossier_id, exhibit_id, item_id = draft_with_photo(app, client, world)
    uploaded = street_photo()
    # The exhibit's page leads to the redaction page, which states the image's size.
    assert redact_page(dossier_id, exhibit_id) in client.text(
        f"/dossiers/{dossier_id}/exhibits/{exhibit_id}")
    page = " ".join(client.text(redact_page(dossier_id, exhibit_id)).split())
    assert "The image is 120 × 90 pixels." in page
    assert "js/redact-image.js" in page
    # Typed as a person would, one in Persian digits.
    made = mark(client, dossier_id, exhibit_id, "10, 8, 30, 20\n۵۰ ۴۰ ۲۰ ۱۲\n")
    assert made.status_code == 302, made.get_data(as_text=True)[:800]
    assert "Redacted copy made" in client.text(made.headers["Location"])

    with app.app_context():
        kit, store = crypto_kit(), blob_store()
        item = db.session.get(EvidenceItem, item_id)
        assert item is not None
        [row] = db.session.scalars(select(ExhibitRedaction)).all()
        redacted, viewing = row.rendition, next(r for r in item.renditions
                                                if r.purpose == "viewing_copy")
        copy = read_rendition(kit, store, redacted)
        source = read_rendition(kit, store, viewing)
        original = b"".join(open_original(kit, store, item).iter_chunks())
        event = db.session.scalars(select(CustodyEvent).where(
            CustodyEvent.item_id == item_id,
            CustodyEvent.action == CustodyAction.REDACTED_RENDITION_CREATED.value)).one()
        event_details, event_hashes = event.details, (event.hash_before, event.hash_after)
        original_sha, redacted_sha = item.sha256, redacted.sha256
        renditions = {r.purpose: r.sha256 for r in item.renditions}
    # A new PNG with its own hash, holding pixels only; every marked pixel black, every
    # other one as in the copy it was made from.
    assert copy.startswith(b"\x89PNG")
    assert redacted_sha == hashlib.sha256(copy).hexdigest()
    with Image.open(io.BytesIO(copy)) as image:
        assert image.size == SIZE
        assert not {k for k in image.info if k not in ("dpi",)}  # no text, exif, icc
    before, after = pixels(source), pixels(copy)
    for index, (old, new) in enumerate(zip(before, after, strict=True)):
        x, y = index % SIZE[0], index // SIZE[0]
        assert new == ((0, 0, 0) if inside(x, y) else old), (x, y)
    assert sum(inside(i % SIZE[0], i // SIZE[0]) for i in range(len(after))) == 30 * 20 + 20 * 12
    # The original is untouched, and the custody event links the copy to it.
    assert hashlib.sha256(original).hexdigest() == original_sha == \
        hashlib.sha256(uploaded).hexdigest()
    assert event_hashes == (original_sha, redacted_sha)
    assert event_details["original_sha256"] == original_sha
    assert event_details["rendition_sha256"] == redacted_sha
    assert event_details["rectangles"] == 2
    assert event_details["exhibit"] == "EX-0002"
    # The redaction page shows the copy through the access-checked route (a custody
    # event "viewed"), with its hash.
    page = client.text(redact_page(dossier_id, exhibit_id))
    assert redacted_sha in page
    assert "Show this image unredacted again" in page
    shown = client.get(f"/evidence/{item_id}/renditions/{row_purpose(app)}")
    assert shown.status_code == 200
    assert shown.get_data() == copy

    # Approved and exported in the public variant.
    ready_for_review(client, dossier_id)
    assert send_for_review(client, dossier_id, world.reviewer).status_code == 302
    sent = client.post_form(redact_page(dossier_id, exhibit_id), {"rectangles": "1, 1, 2, 2"})
    assert sent.status_code == 404  # in review: nothing changes any more
    sign_in(another_client, world.reviewer)
    assert approve(another_client, dossier_id).status_code == 302
    public = export(another_client, dossier_id, "public")
    pdf = download(another_client, dossier_id, public, "pdf")
    bundle = download(another_client, dossier_id, public, "bundle")

    # pdfimages finds the redacted copy, pixel for pixel, and nothing else: not the
    # unredacted copy, not the confidential photo of report one.
    found = pdf_images(pdf, tmp_path)
    assert [pixels(image) for image in found] == [after]
    assert before not in [pixels(image) for image in found]
    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                                   check=True).stdout.decode().split())
    assert "Redacted copy: areas were blacked out before publication" in text
    assert redacted_sha in text.replace(" ", "")
    # Neither the original file nor its name, nor any other copy of it, in the PDF's
    # attachments or the bundle; the manifest lists the copy shown.
    with pikepdf.open(io.BytesIO(pdf)) as document:
        attachments = embedded_files(document)
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    for name, data in {**attachments, **files}.items():
        assert original not in data, name
        assert source not in data, name
        assert STREET_NAME.casefold() not in (name + data.decode("utf-8", "replace")).casefold()
    manifest = json.loads(attachments["manifest.json"])
    for purpose, sha in renditions.items():  # the other copies are not named as shown
        assert sha == redacted_sha or sha not in attachments["manifest.json"].decode(), purpose
    entry = next(e for e in manifest["exhibits"] if e["sha256"] == original_sha)
    assert entry["rendition_shown"] == {"purpose": "redacted_copy", "sha256": redacted_sha}
    assert entry["redacted_copy"] is True
    # The public custody log (with the new event) still verifies on its own.
    (tmp_path / "p.pdf").write_bytes(pdf)
    (tmp_path / "p.zip").write_bytes(bundle)
    result = app.test_cli_runner().invoke(args=["dossier", "verify", str(tmp_path / "p.pdf"),
                                                str(tmp_path / "p.zip")])
    assert result.exit_code == 0, result.output
    with app.app_context():  # the original is still untouched after the export
        item = db.session.get(EvidenceItem, item_id)
        assert item is not None
        assert item.sha256 == original_sha
        assert hashlib.sha256(b"".join(open_original(crypto_kit(), blob_store(), item)
                                       .iter_chunks())).hexdigest() == original_sha


def row_purpose(app: Flask) -> str:
    with app.app_context():
        return db.session.scalars(select(Rendition.purpose).join(
            ExhibitRedaction, ExhibitRedaction.rendition_id == Rendition.id)).one()


def test_a_confidential_exhibit_stays_withheld_however_it_is_redacted(
        app: Flask, client: BrowserClient, world: World):  # noqa: F811
    """The family's classification is honoured: the public variant shows a withheld
    sheet for the world's confidential photo although the advocate redacted it."""
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    assert add(client, dossier_id, world.report_one).status_code == 302
    exhibit_id, _item = exhibit_of(app, dossier_id, "image/jpeg")
    page = client.text(redact_page(dossier_id, exhibit_id))
    assert "not classified public" in page
    made = mark(client, dossier_id, exhibit_id, "0, 0, 64, 48")
    assert made.status_code == 302, made.get_data(as_text=True)[-3000:]
    preview = client.text(f"/dossiers/{dossier_id}/preview?variant=public")
    assert "Withheld" in preview
    with app.app_context():
        copies = list(db.session.scalars(select(Rendition.sha256).where(
            Rendition.purpose.startswith("redacted-"))))
    assert len(copies) == 1
    assert copies[0] not in preview


@pytest.mark.parametrize(("typed", "message"), [
    ("", "Mark at least one area"),
    ("10, 8, 30", "Line 1: write four whole numbers: x, y, width and height."),
    ("1, 1, 2, 2\nten, 8, 30, 20", "Line 2: write four whole numbers"),
    ("1.5, 1, 2, 2", "Line 1: write four whole numbers"),
    ("-1, 1, 2, 2", "Line 1: write four whole numbers"),
    ("1, 1, 0, 2", "Line 1: the width and height must be at least 1 pixel."),
    ("60, 40, 5, 9", "Line 1: the area goes outside the image, which is 64 × 48 pixels."),
    ("\n".join(["1, 1, 2, 2"] * 51), "Mark at most 50 areas."),
])
def test_bad_areas_are_refused_beside_the_field_with_what_was_typed_kept(
        app: Flask, client: BrowserClient, world: World, typed: str,  # noqa: F811
        message: str):
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    assert add(client, dossier_id, world.report_one).status_code == 302
    exhibit_id, _item = exhibit_of(app, dossier_id, "image/jpeg")
    refused = mark(client, dossier_id, exhibit_id, typed)
    assert refused.status_code == 200
    page = " ".join(refused.get_data(as_text=True).split())
    assert "There is a problem" in page
    assert message in page
    if typed:
        assert " ".join(typed.split()[:4]) in page  # what was typed is kept in the field
    with app.app_context():
        assert db.session.scalars(select(ExhibitRedaction)).first() is None
        assert not list(db.session.scalars(select(Rendition.id).where(
            Rendition.purpose.startswith("redacted-"))))


def test_replacing_keeps_the_earlier_copy_and_clearing_deletes_no_copy(
        app: Flask, client: BrowserClient, world: World):  # noqa: F811
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    assert add(client, dossier_id, world.report_one).status_code == 302
    exhibit_id, item_id = exhibit_of(app, dossier_id, "image/jpeg")
    assert mark(client, dossier_id, exhibit_id, "0, 0, 10, 10").status_code == 302
    page = client.text(redact_page(dossier_id, exhibit_id))
    assert "0, 0, 10, 10" in page  # the areas shown again, to change
    assert "Replace the redacted copy" in page
    assert mark(client, dossier_id, exhibit_id, "0, 0, 10, 10\n20, 20, 5, 5").status_code == 302
    with app.app_context():
        copies = list(db.session.scalars(select(Rendition.id).where(
            Rendition.item_id == item_id, Rendition.purpose.startswith("redacted-"))))
        [row] = db.session.scalars(select(ExhibitRedaction)).all()
        assert len(copies) == 2
        assert row.rendition_id == max(copies)
        assert row.rectangles == [[0, 0, 10, 10], [20, 20, 5, 5]]
    cleared = client.submit(redact_page(dossier_id, exhibit_id), {},
                            action=f"{redact_page(dossier_id, exhibit_id)}/1/clear")
    assert cleared.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(ExhibitRedaction)).first() is None
        assert len(list(db.session.scalars(select(Rendition.id).where(
            Rendition.purpose.startswith("redacted-"))))) == 2
        actions = list(db.session.scalars(select(CustodyEvent.action).where(
            CustodyEvent.item_id == item_id)))
        assert actions.count(CustodyAction.REDACTED_RENDITION_CREATED.value) == 2


def test_only_a_contributor_of_an_editable_dossier_reaches_the_redaction_page(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World):  # noqa: F811
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    assert add(client, dossier_id, world.report_one).status_code == 302
    exhibit_id, _item = exhibit_of(app, dossier_id, "image/jpeg")
    url = redact_page(dossier_id, exhibit_id)
    assert client.get(url).status_code == 200
    assert client.get(f"{url}/7").status_code == 404  # no such page
    assert client.get(f"/dossiers/{dossier_id}/exhibits/{exhibit_id + 999}/redact"
                      ).status_code == 404
    from portal.models import Role
    outsider = make_account(app, Role.ADVOCATE, locale="en")
    for account in (outsider, world.reviewer):
        sign_in(another_client, account)
        assert another_client.get(url).status_code == 404
        assert another_client.post_form(url, {"rectangles": "0, 0, 5, 5"}).status_code == 404
        assert another_client.post_form(f"{url}/1/clear", {}).status_code == 404
    with app.app_context():
        assert db.session.scalars(select(ExhibitRedaction)).first() is None


def test_a_new_version_keeps_the_redacted_copies(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World):  # noqa: F811
    dossier_id, exhibit_id, _item = draft_with_photo(app, client, world)
    assert mark(client, dossier_id, exhibit_id, "10, 8, 30, 20").status_code == 302
    ready_for_review(client, dossier_id)
    assert send_for_review(client, dossier_id, world.reviewer).status_code == 302
    sign_in(another_client, world.reviewer)
    assert approve(another_client, dossier_id).status_code == 302
    made = client.submit(f"/dossiers/{dossier_id}", {},
                         action=f"/dossiers/{dossier_id}/new-version")
    assert made.status_code == 302
    with app.app_context():
        rows = list(db.session.scalars(select(ExhibitRedaction)))
    assert len(rows) == 2
    assert rows[0].rendition_id == rows[1].rendition_id


def test_a_pdf_exhibit_goes_public_as_its_page_previews_redacted_where_marked(
        app: Flask, client: BrowserClient, world: World,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch):
    from portal.services.dossiers import assembly, export_material
    from portal.services.dossiers.naming import agency_namer
    from tests.test_pdf_structure import fictional_pdf

    monkeypatch.setitem(app.config, "EVIDENCE_PDF_PREVIEW_PAGES", 2)
    sign_in(client, world.reporter_two)
    assert upload(client, world.report_two, [(fictional_pdf(2), "Letter_Testname.pdf")]
                  ).status_code in (200, 302)
    sign_out(client)
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    assert add(client, dossier_id, world.report_two).status_code == 302
    exhibit_id, item_id = exhibit_of(app, dossier_id, "application/pdf")
    describe(client, item_id, title="A letter", classification="public")
    page = " ".join(client.text(redact_page(dossier_id, exhibit_id)).split())
    assert f"{redact_page(dossier_id, exhibit_id)}/2" in page  # a link to page 2
    assert mark(client, dossier_id, exhibit_id, "").status_code == 200  # nothing marked: refused
    url = f"{redact_page(dossier_id, exhibit_id)}/2"
    made = client.submit(url, {"rectangles": "0, 0, 40, 30"})
    assert made.status_code == 302, made.get_data(as_text=True)[:800]
    with app.app_context():
        from portal.models import Dossier
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        kit, store = crypto_kit(), blob_store()
        shown, _assets = export_material.shown_renditions(kit, store, dossier)
        public = assembly.assemble(kit, dossier, assembly.PUBLIC, agency_namer("en"))
        confidential = assembly.assemble(kit, dossier, assembly.CONFIDENTIAL,
                                         agency_namer("en"))
        [copy] = export_material.shown_in(public, shown).values()
        [plain] = export_material.shown_in(confidential, shown).values()
        redacted_sha = db.session.scalars(select(Rendition.sha256).where(
            Rendition.purpose.startswith("redacted-"))).one()
    assert [e.shown for e in public.exhibits] == [assembly.REDACTED_COPY]
    assert copy.purpose == plain.purpose == "preview"  # page 1 unmarked: its preview
    assert [(p.number, p.redacted, p.sha256) for p in copy.pages] == [(2, True, redacted_sha)]
    assert [(p.number, p.redacted) for p in plain.pages] == [(2, False)]
    assert plain.pages[0].sha256 != redacted_sha
