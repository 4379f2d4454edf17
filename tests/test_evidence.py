"""The evidence vault over HTTP: streamed intake with receipts, byte-identical
downloads, encryption at rest, custody, verification and reconciliation."""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update

from portal.dependencies import blob_store
from portal.models import CustodyEvent, EvidenceItem, Role, db
from tests.support.client import BrowserClient
from tests.support.evidence import chat_export_zip, jpeg_with_gps, pdf, png, upload, webp
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report
from tests.support.tampering import append_only_lifted

ITEM_LINK = re.compile(r'href="/evidence/(\d+)"')


def receipt_items(client: BrowserClient, response) -> list[int]:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    receipt = client.text(response.headers["Location"])
    return [int(n) for n in ITEM_LINK.findall(receipt)]


def item_row(app: Flask, item_id: int) -> EvidenceItem:
    with app.app_context():
        item = db.session.get(EvidenceItem, item_id)
        assert item is not None
        db.session.expunge(item)
        return item


def download(client: BrowserClient, item_id: int, purpose: str | None = None) -> bytes:
    """Press Download; staff (and only staff) are asked for a purpose first."""
    response = client.submit(f"/evidence/{item_id}",
                             {} if purpose is None else {"purpose": purpose},
                             action=f"/evidence/{item_id}/download")
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Security-Policy"].endswith("; sandbox")
    return response.get_data()


FILES = [
    (jpeg_with_gps(), "photo.jpg"), (png(), "screenshot.png"), (webp(), "image.webp"),
    (pdf(), "summons.pdf"), (chat_export_zip(), "WhatsApp Chat.zip"),
    ("پیام تهدید: دیگر با رسانه‌ها حرف نزنید\n".encode(), "پیام.txt"),
]


def test_upload_then_download_is_byte_identical_and_the_receipt_hash_is_sha256(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    response = upload(client, incident_id, FILES)
    ids = receipt_items(client, response)
    assert len(ids) == len(FILES)
    receipt = client.text(response.headers["Location"])
    for item_id, (content, name) in zip(ids, FILES, strict=True):
        digest = hashlib.sha256(content).hexdigest()
        assert digest in receipt
        assert name in receipt
        assert item_row(app, item_id).sha256 == digest
        assert download(client, item_id) == content


def test_the_detected_type_ignores_what_the_name_claims(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id, [(chat_export_zip(),
                                                                    "holiday.jpg")]))
    item = item_row(app, item_id)
    assert item.detected_media_type == "application/zip"
    assert item.extension == ".jpg"


def test_nothing_readable_is_left_on_disk_or_in_the_database(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    canary = b"CANARY-EVIDENCE-TEXT-4d2e9b"
    receipt_items(client, upload(client, incident_id, [(b"note: " + canary * 50, "note.txt")]))
    instance = Path(app.instance_path)
    for path in instance.rglob("*"):
        if path.is_file() and not path.name.endswith(".sqlite3"):
            assert canary not in path.read_bytes(), path
    evidence_files = [p for p in Path(app.config["EVIDENCE_DIR"]).rglob("*") if p.is_file()]
    assert evidence_files
    assert all(os.stat(p).st_mode & 0o077 == 0 for p in evidence_files)


def test_flipped_byte_is_caught_by_verify_and_by_download(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    ids = receipt_items(client, upload(client, incident_id, [(os.urandom(300_000), "a.bin"),
                                                             (b"fine", "b.txt")]))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["evidence", "verify"]).exit_code == 0
    with app.app_context():
        path = blob_store().path_of(item_row(app, ids[0]).blob_key)  # type: ignore[attr-defined]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = runner.invoke(args=["evidence", "verify"])
    assert result.exit_code == 1
    assert f"item {ids[0]}:" in result.output
    assert f"item {ids[1]}:" not in result.output
    with pytest.raises(Exception) as cut:  # noqa: PT011 - the stream is cut
        client.submit(f"/evidence/{ids[0]}", {}, action=f"/evidence/{ids[0]}/download"
                      ).get_data()
    assert "Integrity" in type(cut.value).__name__
    with app.app_context():
        actions = db.session.scalars(select(CustodyEvent.action).where(
            CustodyEvent.item_id == ids[0]).order_by(CustodyEvent.seq)).all()
    assert "integrity_alarm" in actions


@pytest.mark.parametrize("tamper", ["edit", "delete_last", "delete_middle"])
def test_edited_or_deleted_custody_events_are_caught(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int], tamper: str):
    _reporter, _advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id, [(b"x" * 10, "x.txt")]))
    client.get(f"/evidence/{item_id}")  # a third event: viewed
    # Someone who holds the database, as its owner (the app's own role is refused).
    with app.app_context(), append_only_lifted(db.session):
        events = db.session.scalars(select(CustodyEvent).where(
            CustodyEvent.item_id == item_id).order_by(CustodyEvent.seq)).all()
        assert len(events) == 3
        if tamper == "edit":
            db.session.execute(update(CustodyEvent).where(CustodyEvent.id == events[0].id)
                               .values(actor_label="nothing to see"))
        else:
            victim = events[-1] if tamper == "delete_last" else events[1]
            db.session.delete(victim)
    result = app.test_cli_runner().invoke(args=["evidence", "verify"])
    assert result.exit_code == 1
    assert f"item {item_id}: custody event" in result.output


def test_outsiders_get_404_on_the_item_its_download_and_its_custody_log(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id, [(b"secret", "s.txt")]))
    for outsider_role in (Role.FAMILY_MEMBER, Role.ADVOCATE):
        outsider = make_account(app, outsider_role, locale="en")
        make_family(app, members=[outsider] if outsider_role is Role.FAMILY_MEMBER else [],
                    advocates=[outsider] if outsider_role is Role.ADVOCATE else [])
        visitor = app.test_client()
        sign_in(visitor, outsider)
        token = visitor.csrf_token("/account")
        assert visitor.get(f"/evidence/{item_id}").status_code == 404
        assert visitor.get(f"/evidence/{item_id}/custody.jsonl").status_code == 404
        assert visitor.post(f"/evidence/{item_id}/download", data={
            "csrf_token": token, "purpose": "curious"}).status_code == 404
        assert visitor.get(f"/reports/{incident_id}/evidence").status_code == 404


def test_views_and_downloads_are_in_the_custody_log_and_staff_give_a_purpose(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int]):
    _reporter, advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id, [(b"original", "o.txt")]))
    sign_in(another_client, advocate)
    another_client.get(f"/evidence/{item_id}")
    refused = another_client.submit(f"/evidence/{item_id}", {"purpose": ""},
                                    action=f"/evidence/{item_id}/download")
    assert refused.status_code == 302  # back to the item page: a purpose is needed
    assert download(another_client, item_id, purpose="Preparing the dossier") == b"original"
    log = another_client.text(f"/evidence/{item_id}/custody.jsonl").splitlines()
    actions = [re.search(r'"action": "(\w+)"', line).group(1) for line in log]  # type: ignore[union-attr]
    # Each form is loaded before it is sent, as a browser does: three views in all.
    assert actions == ["received", "stored", "viewed", "viewed", "viewed", "downloaded"]
    assert '"purpose": "Preparing the dossier"' in log[-1]


def test_empty_file_is_refused_and_nothing_is_kept(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    response = upload(client, incident_id, [(b"", "empty.txt")])
    assert response.status_code == 200
    assert "is empty" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(EvidenceItem.id)) is None
    assert not [p for p in Path(app.config["EVIDENCE_DIR"]).rglob("*") if p.is_file()]


def test_a_file_over_the_limit_gets_413_and_nothing_is_kept(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int],
        monkeypatch: pytest.MonkeyPatch):
    _reporter, _advocate, incident_id = reported
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1000)
    response = upload(client, incident_id, [(b"a" * 500, "ok.txt"), (b"b" * 5000, "big.txt")])
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True).lower()
    with app.app_context():
        assert db.session.scalar(select(EvidenceItem.id)) is None
    assert not [p for p in Path(app.config["EVIDENCE_DIR"]).rglob("*") if p.is_file()]


def test_awkward_filenames_are_kept_safely(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    names = ["../../etc/passwd", "a\x07b\x1b.txt", "ن" * 500 + ".txt", "تصویر تهدید.jpg"]
    ids = receipt_items(client, upload(client, incident_id, [(b"data", n) for n in names]))
    receipt = client.text(f"/reports/{incident_id}/evidence/receipt?items="
                          + ",".join(map(str, ids)))
    assert "passwd" in receipt
    assert "../" not in receipt
    assert "تصویر تهدید.jpg" in receipt
    response = client.submit(f"/evidence/{ids[3]}", {}, action=f"/evidence/{ids[3]}/download")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]


def test_files_are_refused_anywhere_but_the_upload(app: Flask, client: BrowserClient,
                                                   reported: tuple[Account, Account, int]):
    import io

    token = client.csrf_token("/account")
    response = client.post("/account/passphrase", data={
        "csrf_token": token, "current": "x", "new": "y",
        "smuggled": (io.BytesIO(b"plaintext"), "x.txt")}, content_type="multipart/form-data")
    assert response.status_code == 400


def test_reconcile_finds_and_removes_orphans(app: Flask, client: BrowserClient,
                                             reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    receipt_items(client, upload(client, incident_id, [(b"kept", "kept.txt")]))
    runner = app.test_cli_runner()
    assert "0 orphans" in runner.invoke(args=["evidence", "reconcile"]).output
    with app.app_context():
        store = blob_store()
        orphan = store.begin()
        orphan.file.write(b"ciphertext of a crashed request")
        orphan_key = orphan.commit()
        abandoned = store.begin()
        abandoned.file.write(b"half an upload")
        stale = Path(store.tmp_dir) / f"{abandoned.key}.pending"  # type: ignore[attr-defined]
        old = time.time() - 7200
        os.utime(stale, (old, old))
    listed = runner.invoke(args=["evidence", "reconcile"])
    assert orphan_key in listed.output
    assert "abandoned upload" in listed.output
    runner.invoke(args=["evidence", "reconcile", "--fix"])
    assert "0 orphans" in runner.invoke(args=["evidence", "reconcile"]).output
    assert runner.invoke(args=["evidence", "verify"]).exit_code == 0


def test_previews_carry_no_metadata_while_the_original_keeps_its_gps(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int]):
    import io

    from PIL import Image

    _reporter, advocate, incident_id = reported
    original = jpeg_with_gps()
    [item_id] = receipt_items(client, upload(client, incident_id, [(original, "gps.jpg")]))
    with Image.open(io.BytesIO(download(client, item_id))) as kept:
        assert kept.getexif().get_ifd(0x8825)  # GPS still in the original
    for purpose in ("thumbnail", "viewing_copy"):
        response = client.get(f"/evidence/{item_id}/renditions/{purpose}")
        assert response.status_code == 200
        assert response.mimetype.startswith("image/")
        with Image.open(io.BytesIO(response.get_data())) as preview:
            assert not preview.getexif()
            assert not preview.getexif().get_ifd(0x8825)
            assert "exif" not in preview.info
            assert "xmp" not in preview.info
    sign_in(another_client, advocate)
    page = another_client.text(f"/evidence/{item_id}")
    assert "Metadata found in the file" in page  # advocates see it, as found
    assert "SampleCam" in page
    with app.app_context():
        actions = db.session.scalars(select(CustodyEvent.action).where(
            CustodyEvent.item_id == item_id).order_by(CustodyEvent.seq)).all()
    assert actions[:5] == ["received", "stored", "metadata_extracted", "rendition_created",
                           "rendition_created"]


@pytest.mark.parametrize(("content", "name", "flag"), [
    (b"<html><script>alert(1)</script></html>", "page.html", "never_rendered"),
    (chat_export_zip(), "holiday.jpg", "never_rendered"),  # an archive that says it is a photo
    (jpeg_with_gps()[:200], "broken.jpg", "undecodable"),
])
def test_dangerous_or_broken_files_are_kept_but_never_previewed(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int],
        content: bytes, name: str, flag: str):
    _reporter, _advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id, [(content, name)]))
    item = item_row(app, item_id)
    assert flag in item.flags
    assert client.get(f"/evidence/{item_id}/renditions/thumbnail").status_code == 404
    assert download(client, item_id) == content  # kept exactly as received


def test_withdrawal_takes_two_people_and_leaves_only_a_tombstone(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int]):
    _reporter, advocate, incident_id = reported
    original = jpeg_with_gps()
    [item_id] = receipt_items(client, upload(client, incident_id, [(original, "to-go.jpg")]))
    before = item_row(app, item_id)
    asked = client.submit(f"/evidence/{item_id}", {"reason": "It shows my cousin's face."},
                          action=f"/evidence/{item_id}/withdrawal")
    assert asked.status_code == 302
    assert item_row(app, item_id).state.value == "withdrawal_requested"

    sign_in(another_client, advocate)  # an advocate cannot approve
    assert another_client.get("/evidence/withdrawals").status_code == 404

    reviewer = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    approver = app.test_client()
    sign_in(approver, reviewer)
    queue = approver.text("/evidence/withdrawals")
    assert "It shows my cousin&#39;s face." in queue
    assert approver.get(f"/evidence/{item_id}").status_code == 404  # no reading the evidence
    done = approver.submit("/evidence/withdrawals", {},
                           action=f"/evidence/{item_id}/withdrawal/approve")
    assert done.status_code == 302

    after = item_row(app, item_id)
    assert after.state.value == "withdrawn"
    assert after.file_key_sealed is None
    assert after.metadata_sealed is None
    assert after.sha256 == before.sha256  # the tombstone keeps the fingerprint
    assert not [p for p in Path(app.config["EVIDENCE_DIR"]).rglob("*") if p.is_file()]
    page = client.text(f"/evidence/{item_id}")
    assert "This item was withdrawn" in page
    assert before.sha256 in page
    # The page offers no download any more: an old tab or a script asks anyway.
    refused = client.post_form(f"/evidence/{item_id}/download", {},
                               token_page=f"/evidence/{item_id}")
    assert refused.status_code == 302  # nothing to download any more
    log = client.text(f"/evidence/{item_id}/custody.jsonl")
    assert '"withdrawal_requested"' in log
    assert '"withdrawal_approved"' in log
    assert '"key_destroyed"' in log
    assert app.test_cli_runner().invoke(args=["evidence", "verify"]).exit_code == 0


def test_withdrawal_approval_needs_a_recent_sign_in(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    from datetime import timedelta

    from portal.models import UserSession, utcnow

    _reporter, _advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id, [(b"x", "x.txt")]))
    client.submit(f"/evidence/{item_id}", {"reason": "mistake"},
                  action=f"/evidence/{item_id}/withdrawal")
    reviewer = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    approver = app.test_client()
    sign_in(approver, reviewer)
    with app.app_context():
        for live in db.session.scalars(select(UserSession).where(
                UserSession.user_id == reviewer.id)):
            live.authenticated_at = utcnow() - timedelta(minutes=6)
        db.session.commit()
    response = approver.submit("/evidence/withdrawals", {},
                               action=f"/evidence/{item_id}/withdrawal/approve")
    assert response.headers["Location"].startswith("/reauthenticate")
    assert item_row(app, item_id).state.value == "withdrawal_requested"


def test_advocates_filter_reports_by_whether_they_have_evidence(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int]):
    _reporter, advocate, with_files = reported
    without_files = start_report(client)
    send_report(client, without_files, "submit", start_text="1398/10/19")
    receipt_items(client, upload(client, with_files, [(b"proof", "proof.txt")]))
    sign_in(another_client, advocate)

    def listed(choice: str) -> set[int]:
        page = another_client.text(f"/workspace?has_evidence={choice}")
        return {int(n) for n in re.findall(r'href="/reports/(\d+)"', page)}

    assert listed("yes") == {with_files}
    assert listed("no") == {without_files}
    assert listed("") == {with_files, without_files}


def test_describing_an_item_keeps_the_file_and_warns_when_the_metadata_disagrees(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int]):
    import io

    from PIL import Image

    _reporter, advocate, incident_id = reported
    image = Image.new("RGB", (40, 30), (90, 90, 90))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2021:05:02 10:00:00"  # DateTimeOriginal
    exif.get_ifd(0x8825).update({1: "N", 2: (35.0, 41.0, 0.0), 3: "E", 4: (51.0, 23.0, 0.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    original = buffer.getvalue()
    [item_id] = receipt_items(client, upload(client, incident_id, [(original, "scene.jpg")]))
    saved = client.submit(f"/evidence/{item_id}/describe", {
        "title": "The summons letter", "kind": "photo", "claimed_date_text": "1398/10/18",
        "claimed_place": "Tehran", "claim_source": "reporter", "claim_trusted": "yes",
        "description": "A photo of the letter."})
    assert saved.status_code == 302
    assert "The summons letter" in client.text(f"/evidence/{item_id}")
    assert item_row(app, item_id).sha256 == hashlib.sha256(original).hexdigest()
    sign_in(another_client, advocate)
    page = another_client.text(f"/evidence/{item_id}")
    assert "outside the claimed date" in page
    assert "carries GPS coordinates" in page
    bad = client.post_form(f"/evidence/{item_id}/describe", {  # choices no form offers
        "title": "x", "kind": "spaceship", "claim_source": "rumour"})
    assert bad.status_code == 200
    assert bad.get_data(as_text=True).count('class="error-message"') >= 2
    assert "The summons letter" in client.text(f"/evidence/{item_id}")  # unchanged


def test_an_item_can_be_shared_more_narrowly_than_its_report_but_never_more_widely(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    from portal.services.evidence import item_allows

    _reporter, _advocate, incident_id = reported
    client.submit(f"/reports/{incident_id}/consent", {
        "destinations": ["icc_prosecutor", "canadian_police"], "disclosure": "pseudonym",
        "testify": "unsure"})
    [item_id] = receipt_items(client, upload(client, incident_id, [(b"letter", "l.txt")]))

    def allows(destination: str) -> bool:
        with app.app_context():
            item = db.session.get(EvidenceItem, item_id)
            assert item is not None
            return item_allows(item, destination)

    assert allows("icc_prosecutor")
    assert allows("canadian_police")
    assert not allows("media")  # the report does not allow it, so neither does the item
    wider = client.submit(f"/evidence/{item_id}/describe", {
        "kind": "document", "classification": "confidential", "narrower": "y",
        "consent_destinations": ["icc_prosecutor", "media"]})
    assert "more narrowly than its reports" in wider.get_data(as_text=True)
    assert allows("canadian_police")  # nothing changed
    narrower = client.submit(f"/evidence/{item_id}/describe", {
        "kind": "document", "classification": "confidential", "narrower": "y",
        "consent_destinations": ["icc_prosecutor"]})
    assert narrower.status_code == 302
    assert allows("icc_prosecutor")
    assert not allows("canadian_police")
    client.submit(f"/reports/{incident_id}/consent", {},
                  action=f"/reports/{incident_id}/consent/withdraw")
    assert not allows("icc_prosecutor")  # the report's withdrawal reaches its evidence at once
