"""Audio, video and PDF evidence over HTTP: metadata as found, posters and previews made
by a job in the sandbox, files that cannot be decoded kept and flagged, the whole
format set byte-identical, and linking an item to further reports."""

from __future__ import annotations

import hashlib
import io

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from portal.models import CustodyEvent, EvidenceItem, Job, JobState, Role, db, evidence_incidents
from portal.services import renditions
from tests.support.client import BrowserClient
from tests.support.evidence import (
    chat_export_zip,
    jpeg_with_gps,
    m4a,
    mp3,
    mp4,
    pdf,
    png,
    upload,
    webp,
)
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report
from tests.test_evidence import download, item_row, receipt_items


def custody_actions(app: Flask, item_id: int) -> list[tuple[str, dict[str, object]]]:
    with app.app_context():
        return [(e.action, e.details) for e in db.session.scalars(
            select(CustodyEvent).where(CustodyEvent.item_id == item_id)
            .order_by(CustodyEvent.seq))]


def rendition_bytes(client: BrowserClient, item_id: int, purpose: str) -> bytes:
    response = client.get(f"/evidence/{item_id}/renditions/{purpose}")
    assert response.status_code == 200, (purpose, response.status_code)
    assert response.mimetype == "image/jpeg"
    return response.get_data()


def assert_metadata_free(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    assert not image.getexif()
    assert not image.info.get("xmp")
    assert not image.info.get("exif")


def test_every_format_round_trips_byte_identical_with_its_sha256_on_the_receipt(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    files = [(jpeg_with_gps(), "photo.jpg"), (png(), "screen.png"), (webp(), "image.webp"),
             (pdf(), "summons.pdf"), (mp4(), "street.mp4"), (mp3(), "voicemail.mp3"),
             (m4a(), "call.m4a"), (chat_export_zip(), "WhatsApp Chat.zip"),
             (b"threat received by phone\n", "note.txt")]
    response = upload(client, incident_id, files)
    ids = receipt_items(client, response)
    receipt = client.text(response.headers["Location"])
    for item_id, (content, _name) in zip(ids, files, strict=True):
        digest = hashlib.sha256(content).hexdigest()
        assert digest in receipt
        assert item_row(app, item_id).sha256 == digest
        assert download(client, item_id) == content


def test_video_gets_ffprobe_metadata_and_a_metadata_free_poster_linked_to_the_original(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int]):
    _reporter, advocate, incident_id = reported
    original = mp4(creation_time="2019-05-01T09:00:00Z")  # the report claims 1398/10/18
    [item_id] = receipt_items(client, upload(client, incident_id, [(original, "clip.mp4")]))
    item = item_row(app, item_id)
    assert item.detected_media_type == "video/mp4"
    assert not item.flags
    actions = custody_actions(app, item_id)
    assert ("metadata_extracted", {}) in actions
    assert {"purpose": "poster"} in [details for action, details in actions
                                     if action == "rendition_created"]
    with app.app_context():
        found = db.session.get(EvidenceItem, item_id)
        assert found is not None
        poster = next(r for r in found.renditions if r.purpose == "poster")
        assert poster.item_id == item_id
        assert poster.sha256 != found.sha256
    data = rendition_bytes(client, item_id, "poster")
    assert hashlib.sha256(data).hexdigest() == poster.sha256
    assert_metadata_free(data)
    assert download(client, item_id) == original  # the original is unchanged
    saved = client.submit(f"/evidence/{item_id}/describe", {
        "title": "Car outside the house", "kind": "video", "claimed_date_text": "1398/10/18",
        "claim_source": "reporter", "claim_trusted": "yes"})
    assert saved.status_code == 302

    sign_in(another_client, advocate)
    page = another_client.text(f"/evidence/{item_id}")
    assert "2019-05-01T09:00:00" in page
    assert "ffprobe" in page
    assert "outside the claimed date" in page


@pytest.mark.parametrize(("maker", "name"), [(mp3, "voicemail.mp3"), (m4a, "call.m4a")])
def test_audio_gets_ffprobe_metadata_and_no_preview(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int], maker, name):  # type: ignore[no-untyped-def]
    _reporter, advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id, [(maker(), name)]))
    assert not item_row(app, item_id).flags
    assert "metadata_extracted" in [a for a, _ in custody_actions(app, item_id)]
    sign_in(another_client, advocate)
    page = another_client.text(f"/evidence/{item_id}")
    assert "duration" in page
    assert "ffprobe" in page
    with app.app_context():
        metadata = renditions.metadata_of(_kit(app), _item(item_id))
    assert float(str(metadata["duration"])) == pytest.approx(1.0, abs=0.1)


def test_pdf_gets_document_info_and_a_first_page_preview(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id, [(pdf(), "summons.pdf")]))
    with app.app_context():
        metadata = renditions.metadata_of(_kit(app), _item(item_id))
    assert metadata["tool"] == "pdfinfo"
    assert metadata["info"]["Pages"] == "1"  # type: ignore[index]
    assert_metadata_free(rendition_bytes(client, item_id, "preview"))
    assert_metadata_free(rendition_bytes(client, item_id, "thumbnail"))


@pytest.mark.parametrize(("content", "name"), [
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4000, "broken.mp4"),
    (b"%PDF-1.4\n" + b"garbage " * 500, "broken.pdf"),
])
def test_a_file_that_cannot_be_decoded_is_kept_and_flagged(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int],
        content: bytes, name: str):
    _reporter, _advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id, [(content, name)]))
    item = item_row(app, item_id)
    assert renditions.FLAG_UNDECODABLE in item.flags
    assert "No preview could be made" in client.text(f"/evidence/{item_id}")
    assert download(client, item_id) == content


def test_a_derivation_that_keeps_failing_leaves_the_item_flagged_never_lost(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int],
        monkeypatch: pytest.MonkeyPatch):
    _reporter, _advocate, incident_id = reported

    def crash(*_args: object) -> None:
        raise RuntimeError("decoder exploded")

    monkeypatch.setattr(renditions, "derive", crash)
    original = jpeg_with_gps()
    [item_id] = receipt_items(client, upload(client, incident_id, [(original, "p.jpg")]))
    with app.app_context():
        job = db.session.scalars(select(Job).where(Job.subject_id == item_id)).one()
        assert (job.state, job.attempts, job.error_code) == (
            JobState.FAILED, 3, "error:RuntimeError")
        assert set(job.payload) == set()  # ids only: the subject is a column
    assert renditions.FLAG_PREVIEW_FAILED in item_row(app, item_id).flags
    assert "Preparing a preview failed" in client.text(f"/evidence/{item_id}")
    assert download(client, item_id) == original


def test_an_item_can_be_linked_to_another_report_of_the_same_family(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    second = start_report(client)
    send_report(client, second, "submit", start_text="1398/11/02")
    [item_id] = receipt_items(client, upload(client, incident_id, [(png(), "s.png")]))
    page = client.text(f"/evidence/{item_id}")
    assert f'value="{second}"' in page
    response = client.submit(f"/evidence/{item_id}", {"incident": str(second)},
                             action=f"/evidence/{item_id}/links")
    assert response.status_code == 302
    assert ("linked", {"incident": second}) in custody_actions(app, item_id)
    assert f"/reports/{second}" in client.text(f"/evidence/{item_id}")


def test_linking_to_a_report_outside_the_users_scope_answers_404_and_changes_nothing(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    stranger = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[stranger])
    sign_in(another_client, stranger)
    foreign = start_report(another_client)
    send_report(another_client, foreign, "submit", start_text="1398/10/18")
    [item_id] = receipt_items(client, upload(client, incident_id, [(png(), "s.png")]))
    before = _link_counts(app, item_id)
    for target in (str(foreign), "999999"):  # never offered: forged requests
        response = client.post_form(f"/evidence/{item_id}/links", {"incident": target},
                                    token_page=f"/evidence/{item_id}")
        assert response.status_code == 404
    # and the stranger cannot link the item to their own report either
    token = another_client.csrf_token(f"/reports/{foreign}")
    response = another_client.post(f"/evidence/{item_id}/links",
                                   data={"csrf_token": token, "incident": str(foreign)})
    assert response.status_code == 404
    assert _link_counts(app, item_id) == before


def _link_counts(app: Flask, item_id: int) -> tuple[int, int]:
    with app.app_context():
        links = db.session.scalar(select(func.count()).select_from(evidence_incidents))
        events = db.session.scalar(select(func.count()).select_from(CustodyEvent)
                                   .where(CustodyEvent.item_id == item_id,
                                          CustodyEvent.action == "linked"))
        return int(links or 0), int(events or 0)


def _kit(app: Flask):  # type: ignore[no-untyped-def]
    from portal.dependencies import crypto_kit
    return crypto_kit()


def _item(item_id: int) -> EvidenceItem:
    item = db.session.get(EvidenceItem, item_id)
    assert item is not None
    return item


