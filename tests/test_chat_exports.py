"""Messaging-app exports as evidence (issue 19 item 4, decision 0029): fictional
WhatsApp and Telegram exports uploaded over HTTP, read by the sandboxed parser into a
numbered, hashed message list shown on the item page; hostile files refused cleanly
with the original kept and no message list."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from portal.dependencies import blob_store, crypto_kit
from portal.media.chat_exports import ChatLimits, ExportRefused, parse_export
from portal.models import Dossier, DossierExhibit, EvidenceItem, Role, User, db
from portal.pdf.context import RenderContext
from portal.pdf.html import dossier_html
from portal.services.chat_exports import MESSAGES_PURPOSE, conversation_of
from portal.services.dossiers import assembly, export_material
from portal.services.dossiers.naming import agency_namer, pdf_vocabulary
from tests.support.client import BrowserClient
from tests.support.dossier_world import add_report, new_dossier, submit_consented_report
from tests.support.evidence import upload
from tests.support.factories import Account, make_account, make_family
from tests.support.html_forms import parse_forms
from tests.support.journeys import sign_in, sign_out
from tests.test_evidence import download, receipt_items
from tests.test_evidence_media import custody_actions

# A Persian-language Android phone: Persian digits, the Persian comma, a Solar Hijri
# date and a 12-hour clock (ق.ظ before noon, ب.ظ after). 1402/10/18 is 8 January 2024.
PERSIAN_WHATSAPP = (
    "۱۴۰۲/۱۰/۱۸، ۸:۱۵ ب.ظ - پیام‌ها و تماس‌ها رمزگذاری سرتاسری شده‌اند.\n"
    "۱۴۰۲/۱۰/۱۸، ۸:۱۵ ب.ظ - +۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹: دیگر با خبرنگارها حرف نزنید\n"
    "وگرنه برادرتان در تهران پشیمان می‌شود\n"
    "۱۴۰۲/۱۰/۱۸، ۸:۱۷ ب.ظ - مادر سارا: شما کی هستید؟\n"
    "۱۴۰۲/۱۰/۱۹، ۹:۰۲ ق.ظ - +۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹: فردا ساعت ۱۰ به دفتر بیایید\n"
    "۱۴۰۲/۱۳/۴۰، ۹:۰۲ ق.ظ - +۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹: تاریخ ناممکن\n"
)


def whatsapp_zip() -> bytes:
    """An Android export with media: the chat names a photo that came with it."""
    chat = ("12/31/23, 9:15\u202fPM - +1 416 555 0134: We know where you live\n"
            "12/31/23, 9:16\u202fPM - +1 416 555 0134: IMG-20231231-WA0001.jpg (file attached)\n"
            "12/31/23, 9:20\u202fPM - Sara: Who is this?\n"
            "1/13/24, 8:05\u202fAM - +1 416 555 0134: Think about your family\n"
            "in Iran\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("WhatsApp Chat with +1 416 555 0134.txt", chat)
        archive.writestr("IMG-20231231-WA0001.jpg", b"\xff\xd8\xff fictional")
    return buffer.getvalue()


def telegram_export() -> bytes:
    """Telegram Desktop's result.json with text as a string and as entities, a photo."""
    chat = {"name": "Unknown", "type": "personal_chat", "id": 4242, "messages": [
        {"id": 1, "type": "message", "date": "2024-01-08T21:15:03",
         "date_unixtime": "1704735903", "from": "Agent K", "from_id": "user1001",
         "text": "You were seen at the rally", "text_entities": []},
        {"id": 2, "type": "message", "date": "2024-01-08T21:16:00", "from": "Agent K",
         "from_id": "user1001", "photo": "photos/photo_1@08-01-2024_21-16-00.jpg",
         "text": ["Call ", {"type": "phone", "text": "+98 912 765 4321"}, " or write to ",
                  {"type": "mention", "text": "@sample_watcher"}]},
        {"id": 3, "type": "service", "date": "2024-01-08T21:17:00", "actor": "Agent K",
         "action": "phone_call", "text": ""},
        {"id": 4, "type": "message", "date": "yesterday", "from": "Agent K", "text": "?"},
    ]}
    return json.dumps(chat, ensure_ascii=False).encode("utf-8")


def item_with_renditions(app: Flask, item_id: int) -> tuple[list[str], list[str]]:
    with app.app_context():
        item = db.session.get(EvidenceItem, item_id)
        assert item is not None
        return [r.purpose for r in item.renditions], list(item.flags)


def test_persian_whatsapp_text_is_read_into_numbered_messages_with_senders_and_times(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    original = PERSIAN_WHATSAPP.encode("utf-8")
    [item_id] = receipt_items(client, upload(client, incident_id, [(original, "chat.txt")],
                                             kind="chat_export"))
    purposes, _flags = item_with_renditions(app, item_id)
    assert purposes == [MESSAGES_PURPOSE]
    assert {"purpose": MESSAGES_PURPOSE} in [details for action, details
                                             in custody_actions(app, item_id)
                                             if action == "rendition_created"]
    page = client.text(f"/evidence/{item_id}")
    assert 'id="message-4"' in page
    assert 'id="message-5"' not in page
    assert "+۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹" in page
    assert "مادر سارا" in page
    assert "۱۴۰۲/۱۰/۱۸، ۸:۱۵ ب.ظ" in page  # the time as printed
    assert 'datetime="2024-01-08T20:15:00"' in page  # and read: 8:15 p.m., no zone
    assert 'datetime="2024-01-09T09:02:00"' in page
    assert "دیگر با خبرنگارها حرف نزنید\nوگرنه برادرتان" in page  # a message on two lines
    assert "Line 6:" in page
    assert "تاریخ ناممکن" in page
    assert download(client, item_id) == original  # the original is untouched


def test_a_message_hash_is_the_sha256_of_its_canonical_json(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id,
                                             [(PERSIAN_WHATSAPP.encode(), "chat.txt")]))
    page = client.text(f"/evidence/{item_id}")
    with app.app_context():
        item = db.session.get(EvidenceItem, item_id)
        assert item is not None
        conversation = conversation_of(crypto_kit(), blob_store(), item)
    assert conversation is not None
    second = dict(conversation.messages[1])
    claimed = second.pop("sha256")
    canonical = json.dumps(second, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert hashlib.sha256(canonical.encode()).hexdigest() == claimed
    assert claimed in page


def test_whatsapp_zip_with_media_names_its_attachment_and_proposes_the_sender_number(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id,
                                             [(whatsapp_zip(), "WhatsApp Chat.zip")]))
    page = client.text(f"/evidence/{item_id}")
    assert 'id="message-4"' in page
    assert "IMG-20231231-WA0001.jpg" in page
    assert "(in the export)" in page
    assert 'datetime="2023-12-31T21:15:00"' in page  # month first: 1/13/24 told it
    assert "Think about your family\nin Iran" in page
    assert "+1 416-555-0134" in page or "+14165550134" in page
    # One click records it; then it is recorded, no longer proposed.
    form = next(f for f in parse_forms(page, f"/evidence/{item_id}")
                if f.action.endswith("/identifiers")
                and any(c.defaults == ("+1 416 555 0134",) for c in f.controls))
    data = {c.name: c.defaults[0] for c in form.controls if c.defaults}
    assert client.post(form.action, data=data).status_code == 302
    after = client.text(f"/evidence/{item_id}")
    assert "Identifiers named in this export" not in after  # recorded: no longer proposed
    recorded = after.split('id="identifiers"')[1]
    assert "+1 416 555 0134" in recorded  # as typed, in the identifiers panel


def test_telegram_export_reads_entities_photos_and_reports_an_unreadable_message(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int]):
    _reporter, advocate, incident_id = reported
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ChatExport_2024-01-09/result.json", telegram_export())
        archive.writestr("ChatExport_2024-01-09/photos/photo_1@08-01-2024_21-16-00.jpg", b"x")
    [item_id] = receipt_items(client, upload(client, incident_id,
                                             [(buffer.getvalue(), "telegram.zip")]))
    sign_in(another_client, advocate)
    page = another_client.text(f"/evidence/{item_id}")
    assert 'id="message-3"' in page
    assert 'id="message-4"' not in page
    assert "Agent K" in page
    assert "Call +98 912 765 4321 or write to @sample_watcher" in page
    assert "photos/photo_1@08-01-2024_21-16-00.jpg" in page
    assert "(in the export)" in page
    assert "Line 4:" in page
    assert "yesterday" in page
    assert "sample_watcher" in page.split("Identifiers named in this export")[1]


def zip_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


HOSTILE = {
    "zip bomb": (zip_with({"_chat.txt": b"1/1/24, 9:00 - A: x\n" + b"\0" * 60_000_000}),
                 "bomb.zip", "zip_bomb"),
    "traversal": (zip_with({"_chat.txt": b"1/1/24, 9:00 - A: x\n", "../../evil.txt": b"x"}),
                  "chat.zip", "unsafe_names"),
    "truncated": (whatsapp_zip()[:-30], "cut.zip", "damaged_zip"),
    "100,000 messages": ("".join(f"1/{1 + n % 28}/24, 9:00 - A: message {n}\n"
                                 for n in range(100_000)).encode(), "chat.txt",
                         "too_many_messages"),
    "whole account": (json.dumps({"chats": {"list": []}}).encode(), "result.json",
                      "unknown_variant"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_or_unknown_exports_are_refused_cleanly_and_the_original_is_kept(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int], case: str):
    _reporter, _advocate, incident_id = reported
    content, name, code = HOSTILE[case]
    [item_id] = receipt_items(client, upload(client, incident_id, [(content, name)]))
    purposes, flags = item_with_renditions(app, item_id)
    assert MESSAGES_PURPOSE not in purposes
    assert "chat_export_refused" in flags
    assert ("metadata_extracted", {"problem": f"chat_export:{code}"}) in custody_actions(
        app, item_id)
    page = client.text(f"/evidence/{item_id}")
    assert "could not read this file as a chat export" in page
    assert download(client, item_id) == content


def test_html_pretending_to_be_an_export_gets_no_message_list(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    fake = b"<!DOCTYPE html><html><body>12/31/23, 9:15 PM - A: hi</body></html>"
    [item_id] = receipt_items(client, upload(client, incident_id, [(fake, "_chat.txt")]))
    purposes, _flags = item_with_renditions(app, item_id)
    assert purposes == []
    assert "Messages in this export" not in client.text(f"/evidence/{item_id}")
    assert download(client, item_id) == fake


def test_plain_text_that_is_no_chat_is_left_alone(
        app: Flask, client: BrowserClient, reported: tuple[Account, Account, int]):
    _reporter, _advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id,
                                             [(b"a note, no chat\n", "note.txt")]))
    assert item_with_renditions(app, item_id) == ([], [])


def test_the_parser_refuses_past_its_limits_rather_than_truncating():
    small = ChatLimits(max_messages=3, max_text_bytes=10_000)
    many = "".join(f"1/{d}/24, 9:00 - A: message {d}\n" for d in range(1, 6)).encode()
    with pytest.raises(ExportRefused, match="too_many_messages"):
        parse_export(many, small)
    with pytest.raises(ExportRefused, match="too_large"):
        parse_export(b"1/1/24, 9:00 - A: x\n" * 1000, small)
    name, chat = parse_export(many, ChatLimits())
    assert name == "whatsapp"
    assert len(chat.messages) == 5
    assert chat.notes == ["date_order_unknown"]  # 1/5/24: January 5 or 1 May? Not guessed
    assert all(m["when"] is None for m in chat.messages)


def test_iphone_bracketed_lines_with_direction_marks_are_read():
    text = ("\u200e[31/12/2023, 21:15:03] Sara: first\n"
            "[31/12/2023, 21:16:10] +98 912 345 6789: \u200e<attached: 00000012-PHOTO-2023"
            "-12-31-21-16-10.jpg>\n").encode()
    _name, chat = parse_export(text, ChatLimits())
    assert [m["sender"] for m in chat.messages] == ["Sara", "+98 912 345 6789"]
    assert chat.messages[0]["when"] == ["gregorian", 2023, 12, 31, 21, 15, 3]
    assert chat.messages[1]["attachment"] == "00000012-PHOTO-2023-12-31-21-16-10.jpg"


def test_a_dossier_exhibit_cites_a_range_of_messages_on_its_cover_sheet(
        app: Flask, client: BrowserClient):

    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    make_family(app, members=[member], advocates=[advocate])
    sign_in(client, member)
    report = submit_consented_report(client, "۱۴۰۲/۱۰/۱۸", "Threats by WhatsApp.",
                                     ["threat_online"])
    receipt_items(client, upload(client, report, [(PERSIAN_WHATSAPP.encode(), "chat.txt")],
                                 kind="chat_export"))
    sign_out(client)
    sign_in(client, advocate)
    dossier_id = new_dossier(client, "Threats by messaging apps")
    add_report(client, dossier_id, report)
    with app.app_context():
        exhibit_id = db.session.scalars(select(DossierExhibit.id).where(
            DossierExhibit.dossier_id == dossier_id)).one()
    page = f"/dossiers/{dossier_id}/exhibits/{exhibit_id}"
    action = f"{page}/messages"
    too_far = client.submit(page, {"messages": "2–9"}, action=action)
    assert "This export has 4 messages." in client.text(too_far.headers["Location"])
    backwards = client.submit(page, {"messages": "3-2"}, action=action)
    assert "must not be after the last" in client.text(backwards.headers["Location"])
    saved = client.submit(page, {"messages": "۲ تا ۴"}, action=action)
    assert saved.status_code == 302
    with app.app_context():
        exhibit = db.session.get(DossierExhibit, exhibit_id)
        assert exhibit is not None
        assert (exhibit.messages_from, exhibit.messages_to) == (2, 4)
    assert 'value="2–4"' in client.text(page)
    printed = dossier_html_of(app, dossier_id)
    assert "messages 2–4 of the export" in printed  # the exhibit's cover sheet
    assert "<br>messages 2–4</td>" in printed  # Annex A


def dossier_html_of(app: Flask, dossier_id: int) -> str:
    """The dossier's HTML as the PDF export renders it (without WeasyPrint: seconds)."""
    with app.test_request_context(), force_locale("en"):
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        document = assembly.assemble(crypto_kit(), dossier, assembly.CONFIDENTIAL,
                                     agency_namer(dossier.language))
        context = RenderContext(
            locale="en", page_size="a4", submitter="Fictional Submitter",
            generated_on="2026-12-05", vocabulary=pdf_vocabulary("en"), sections_html={},
            shown={}, custody={}, patterns=export_material.pattern_counts(dossier, "en"),
            approval=None)
        return dossier_html(app.jinja_env, document, context)


def test_dates_with_persian_month_names_are_read_and_unknown_names_reported():
    text = ("[۱۸ دی ۱۴۰۲، ۲۰:۱۵:۰۳] +۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹: سلام\n"
            "۸ ژانویه ۲۰۲۴، ۸:۱۵ ب.ظ - علی: خوبی؟\n"
            "18 Blah 2024, 21:15 - Ali: a month nobody knows\n").encode()
    _name, chat = parse_export(text, ChatLimits())
    assert [m["when"] for m in chat.messages] == [
        ["solar_hijri", 1402, 10, 18, 20, 15, 3], ["gregorian", 2024, 1, 8, 20, 15, 0]]
    assert [u["line"] for u in chat.unreadable] == [3]


def test_a_long_chat_is_shown_a_page_at_a_time_also_in_persian(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int]):
    _reporter, advocate, incident_id = reported
    chat = "".join(f"31/12/2023, 21:{n % 60:02d} - Sara: message {n}\n" for n in range(1, 251))
    [item_id] = receipt_items(client, upload(client, incident_id, [(chat.encode(), "c.txt")]))
    first = client.text(f"/evidence/{item_id}")
    assert 'id="message-200"' in first
    assert 'id="message-201"' not in first
    assert f"/evidence/{item_id}?messages_from=201#messages" in first
    second = client.text(f"/evidence/{item_id}?messages_from=201")
    assert 'id="message-250"' in second
    assert 'id="message-200"' not in second
    assert f"/evidence/{item_id}?messages_from=1#messages" in second

    with app.app_context():
        staff = db.session.get(User, advocate.id)
        assert staff is not None
        staff.locale = "fa"
        db.session.commit()
    sign_in(another_client, advocate)
    persian = another_client.text(f"/evidence/{item_id}")
    assert 'dir="rtl"' in persian
    assert 'id="message-1"' in persian
