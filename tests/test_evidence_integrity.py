"""What the vault keeps, and checks, over HTTP through the app.

Uploads: a refused upload leaves nothing (not even the blob of its good file); the
original name is kept as the person's device gave it (a Persian zero-width
non-joiner included), a long one keeps its extension, a control character becomes
U+FFFD, and a name that is not UTF-8 gets a clear page about the file name.

Verification: `flask evidence verify` checks every blob against its recorded hash,
originals and their renditions (thumbnail, viewing copy, PDF page previews, poster)
and the files of dossier exports (PDF and bundle), and names the item and rendition,
or the export and file, that fails.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import quote

from flask import Flask
from PIL import Image
from sqlalchemy import select

from portal.dependencies import blob_store
from portal.models import DossierExport, EvidenceItem, Rendition, db
from tests.support.client import BrowserClient
from tests.support.evidence import jpeg_with_gps, mp4, upload
from tests.support.factories import Account
from tests.test_dossiers import World
from tests.test_evidence import receipt_items
from tests.test_export import approved_dossier, export
from tests.test_export import world_of_two_families as world  # noqa: F401 - the fixture

ZWNJ = "\u200c"


def vault_files(app: Flask) -> set[Path]:
    return {p for p in Path(app.config["EVIDENCE_DIR"]).rglob("*") if p.is_file()}


def stored_name(client: BrowserClient, item_id: int) -> str:
    """The original name as the download gives it back (RFC 5987 filename*)."""
    response = client.submit(f"/evidence/{item_id}", {}, action=f"/evidence/{item_id}/download")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    match = re.search(r"filename\*=UTF-8''(\S+)$", disposition)
    assert match, disposition
    return match.group(1)


# -- uploads ----------------------------------------------------------------------------


def test_an_upload_refused_for_its_empty_file_leaves_no_blob_of_its_good_file(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    before = vault_files(app)
    response = upload(client, incident_id, [(b"a good photo's bytes", "good.jpg"),
                                            (b"", "empty.txt")])
    assert response.status_code == 200
    assert "is empty" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(EvidenceItem.id)) is None
    assert vault_files(app) == before
    assert "0 orphans" in app.test_cli_runner().invoke(args=["evidence", "reconcile"]).output


def test_a_long_file_name_keeps_its_extension(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    name = "گزارش" * 60 + ".pdf"  # 304 characters
    [item_id] = receipt_items(client, upload(client, incident_id, [(b"%PDF-1.4 x", name)]))
    kept = stored_name(client, item_id)
    assert kept == quote(name[:251] + ".pdf")
    with app.app_context():
        item = db.session.get(EvidenceItem, item_id)
        assert item is not None
        assert item.extension == ".pdf"


def test_a_persian_name_is_kept_exactly_with_its_zero_width_non_joiner(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    name = f"نامه{ZWNJ}ی تهدید.jpg"
    [item_id] = receipt_items(client, upload(client, incident_id, [(jpeg_with_gps(), name)]))
    assert stored_name(client, item_id) == quote(name)
    receipt = client.text(f"/reports/{incident_id}/evidence/receipt?items={item_id}")
    assert name in receipt


def test_a_control_character_in_a_name_becomes_the_replacement_character(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id, [(b"x", "a\x1bb.txt")]))
    assert stored_name(client, item_id) == quote("a\ufffdb.txt")


def _multipart(token: str, filename: bytes, content: bytes) -> tuple[bytes, str]:
    boundary = "----portal-test-boundary"
    body = b"".join([
        f"--{boundary}\r\n".encode(),
        b'Content-Disposition: form-data; name="csrf_token"\r\n\r\n', token.encode(), b"\r\n",
        f"--{boundary}\r\n".encode(),
        b'Content-Disposition: form-data; name="kind"\r\n\r\ndocument\r\n',
        f"--{boundary}\r\n".encode(),
        b'Content-Disposition: form-data; name="files"; filename="good.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n", b"a good file\r\n",
        f"--{boundary}\r\n".encode(),
        b'Content-Disposition: form-data; name="files"; filename="' + filename + b'"\r\n'
        b"Content-Type: text/plain\r\n\r\n", content, b"\r\n",
        f"--{boundary}--\r\n".encode()])
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_file_name_that_is_not_utf8_gets_a_page_about_the_file_name(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    page = f"/reports/{incident_id}/evidence"
    token = client.csrf_token(page)
    before = vault_files(app)
    # "نامه" in Windows-1256, as an old archiver would write it: not UTF-8.
    body, content_type = _multipart(token, b"\xe4\xc7\xe3\xe5.txt", b"threat")
    response = client.post(page, data=body, content_type=content_type)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This form has expired" not in text
    assert "The name of a file cannot be read" in text
    assert "Rename the file" in text
    with app.app_context():
        assert db.session.scalar(select(EvidenceItem.id)) is None
    assert vault_files(app) == before  # nor the good file sent before it


# -- verification -------------------------------------------------------------------------


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def blob_path(app: Flask, key: str) -> Path:
    with app.app_context():
        path: Path = blob_store().path_of(key)  # type: ignore[attr-defined]
        return path


def renditions_by_purpose(app: Flask) -> dict[tuple[int, str], str]:
    """(item id, purpose) -> blob key of every rendition."""
    with app.app_context():
        return {(r.item_id, r.purpose): r.blob_key
                for r in db.session.scalars(select(Rendition))}


def three_page_pdf() -> bytes:
    pages = [Image.new("RGB", (120, 160), colour) for colour in ("red", "green", "blue")]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:])
    return out.getvalue()


def test_verify_names_the_item_and_rendition_of_each_altered_rendition(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    photo, document, video = receipt_items(client, upload(client, incident_id, [
        (jpeg_with_gps(), "photo.jpg"), (three_page_pdf(), "letter.pdf"),
        (mp4(), "clip.mp4")]))
    renditions = renditions_by_purpose(app)
    altered = [(photo, "thumbnail"), (photo, "viewing_copy"), (document, "preview"),
               (document, "page-2"), (video, "poster")]
    assert set(altered) <= set(renditions), sorted(renditions)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["evidence", "verify"]).exit_code == 0
    for item_id, purpose in altered:
        flip_byte(blob_path(app, renditions[(item_id, purpose)]))
    result = runner.invoke(args=["evidence", "verify"])
    assert result.exit_code == 1, result.output
    for item_id, purpose in altered:
        assert f"item {item_id} rendition {purpose}:" in result.output, result.output
    untouched = set(renditions) - set(altered)
    assert untouched  # the thumbnails of the PDF and the video, page 3
    for item_id, purpose in untouched:
        assert f"item {item_id} rendition {purpose}:" not in result.output
    for item_id in (photo, document, video):  # the originals themselves are intact
        assert f"item {item_id}:" not in result.output


def test_verify_names_the_export_and_file_of_an_altered_export(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        world: World):  # noqa: F811 - the fixture
    dossier_id = approved_dossier(client, another_client, world)
    export_id = export(another_client, dossier_id, "public")
    with app.app_context():
        row = db.session.get(DossierExport, export_id)
        assert row is not None
        keys = {"pdf": row.pdf_blob_key, "bundle": row.bundle_blob_key}
    assert all(keys.values()), keys
    runner = app.test_cli_runner()
    assert runner.invoke(args=["evidence", "verify"]).exit_code == 0
    for which, key in keys.items():
        path = blob_path(app, str(key))
        original = path.read_bytes()
        flip_byte(path)
        result = runner.invoke(args=["evidence", "verify"])
        assert result.exit_code == 1, result.output
        assert f"export {export_id} {which}:" in result.output, result.output
        other = "bundle" if which == "pdf" else "pdf"
        assert f"export {export_id} {other}:" not in result.output
        path.write_bytes(original)
    assert runner.invoke(args=["evidence", "verify"]).exit_code == 0
