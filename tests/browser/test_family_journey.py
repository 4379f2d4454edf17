"""A family member's whole journey in a real browser, in Persian, with JavaScript on
and off: invitation, passphrase, a report dated in the Solar Hijri calendar, a photo
and a PDF with their SHA-256 on the receipt, an advocate's question, quick exit."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from portal.dependencies import crypto_kit
from portal.models import Family, Incident, IncidentMessage, Role, User, db
from portal.services.invitations import create_invitation
from portal.services.thread import post_message
from tests.browser.pages import (
    EvidenceItemPage,
    InvitationPage,
    MyReportsPage,
    ThreadPage,
)
from tests.browser.pages.evidence import FileToSend
from tests.browser.server import QUICK_EXIT_URL
from tests.conftest import KNOWN_SECRETS
from tests.support.evidence import jpeg_with_gps, pdf
from tests.support.factories import make_account, make_family

PASSPHRASE = "باران نرم روی پنجره قدیمی"
KNOWN_SECRETS.add(PASSPHRASE)
NARRATIVE = "دو مرد از اطلاعات سپاه به خانه‌ام آمدند و گفتند با رسانه‌ها حرف نزنم."
QUESTION = "Which office did the two men say they came from?"
ANSWER = "گفتند از اداره اطلاعات سپاه در خیابان مطهری آمده‌اند."
TO_ASCII = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def invite_family_member(app: Flask) -> tuple[str, int]:
    """An advocate assigned to a family file invites a relative, in Persian."""
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    family_id = make_family(app, advocates=[advocate])
    with app.app_context():
        inviter = db.session.get(User, advocate.id)
        family = db.session.get(Family, family_id)
        assert inviter is not None
        assert family is not None
        _, token = create_invitation(inviter, role=Role.FAMILY_MEMBER,
                                     display_name="Maryam Example", locale="fa",
                                     ttl=timedelta(hours=72), family=family)
        db.session.commit()
    return token, advocate.id


def advocate_asks(app: Flask, advocate_id: int, incident_id: int) -> None:
    with app.app_context():
        advocate = db.session.get(User, advocate_id)
        incident = db.session.get(Incident, incident_id)
        assert advocate is not None
        assert incident is not None
        post_message(crypto_kit(), advocate, incident, QUESTION, as_question=True)
        db.session.commit()


def question_answered(app: Flask, incident_id: int) -> bool:
    with app.app_context():
        question = db.session.scalars(select(IncidentMessage).where(
            IncidentMessage.incident_id == incident_id,
            IncidentMessage.is_question.is_(True))).one()
        return question.answered_at is not None


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_family_member_reports_in_persian_uploads_evidence_answers_and_leaves(
        app: Flask, visit, javascript: bool):
    token, advocate_id = invite_family_member(app)
    browser = visit(locale="fa-IR", javascript=javascript)
    page = browser.page

    invitation = InvitationPage(page).open_token(token)
    assert (invitation.language, invitation.direction) == ("fa", "rtl")
    invitation.create_account("maryam.example", PASSPHRASE)
    assert invitation.error_summary() == ""
    assert "/invite/" not in page.url  # signed in, and the link is spent

    form = MyReportsPage(page).open()
    assert isinstance(form, MyReportsPage)
    report_form = form.start_new_report()
    assert report_form.direction == "rtl"
    incident_id = report_form.incident_id
    report_form.fill(calendar="solar_hijri", start="۱۳۹۸/۱۰/۱۸", country="IR",
                     types=["summons", "threat_against_relatives_in_iran"], narrative=NARRATIVE,
                     city="تهران")
    receipt = report_form.submit()
    assert receipt.error_summary() == ""
    received = receipt.received_date().translate(TO_ASCII)
    assert "1398" in received, received  # both calendars shown
    assert "2020" in received, received
    assert "۱۳۹۸/۱۰/۱۸" in received or "1398/10/18" in received  # and the text as typed

    photo = FileToSend("عکس احضاریه.jpg", "image/jpeg", jpeg_with_gps())
    summons = FileToSend("summons.pdf", "application/pdf", pdf())
    evidence_receipt = receipt.add_evidence().upload([photo, summons], kind="photo")
    rows = evidence_receipt.rows()
    assert [row.filename for row in rows] == [photo.name, summons.name]
    for row, sent in zip(rows, [photo, summons], strict=True):
        assert row.sha256 == hashlib.sha256(sent.content).hexdigest()
        assert row.size_bytes == len(sent.content)
    page.goto(rows[0].item_href)
    assert EvidenceItemPage(page).sha256() == hashlib.sha256(photo.content).hexdigest()

    page.goto(f"/reports/{incident_id}")
    assert NARRATIVE in page.locator("main").inner_text()

    advocate_asks(app, advocate_id, incident_id)
    my_reports = MyReportsPage(page)
    my_reports.open()
    assert my_reports.question_links() == [f"/reports/{incident_id}/thread"]
    page.locator("main table a[href$='/thread']").click()
    thread = ThreadPage(page)
    assert thread.messages() == [QUESTION]
    assert any("tag--red" in state for state in thread.question_states())
    thread.answer(ANSWER)
    assert thread.messages() == [QUESTION, ANSWER]
    assert question_answered(app, incident_id)
    assert my_reports.open()
    assert my_reports.question_links() == []

    page.goto(f"/reports/{incident_id}/thread")
    before = thread.history_length()
    thread.quick_exit()
    assert page.url == QUICK_EXIT_URL
    assert browser.exits == [QUICK_EXIT_URL]
    if javascript:  # location.replace(): the portal page is gone from the history
        assert thread.history_length() == before
        page.go_back()
        assert not page.url.endswith(f"/reports/{incident_id}/thread"), page.url
    else:  # a plain link still leaves at once; Back would show the page again
        assert thread.history_length() == before + 1
