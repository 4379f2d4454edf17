"""Consent is recorded, can be withdrawn at once; advocates ask, reporters answer."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from portal.models import ConsentRecord, Incident, Role, db
from portal.models.vocabulary import Destination
from portal.services.consent import allows
from tests.support.client import BrowserClient
from tests.support.factories import make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report


def reported(app: Flask, client: BrowserClient) -> int:
    reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[reporter])
    sign_in(client, reporter)
    incident_id = start_report(client)
    send_report(client, incident_id, "submit", start_text="1398/10/18")
    return incident_id


def consent_allows(app: Flask, incident_id: int, destination: Destination) -> bool:
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident is not None
        return allows(incident, destination)


def test_no_consent_means_nothing_may_be_shared(app: Flask, client: BrowserClient):
    incident_id = reported(app, client)
    assert not consent_allows(app, incident_id, Destination.ICC_PROSECUTOR)
    assert "goes to no one outside the portal" in client.text(f"/reports/{incident_id}")


def test_the_receipt_says_truthfully_who_reads_the_report_and_asks_for_consent_first(
        app: Flask, client: BrowserClient):
    incident_id = reported(app, client)
    receipt = client.text(f"/reports/{incident_id}/receipt")
    assert "the advocates assigned to your family file" in receipt
    assert "will not be shared with anyone" not in receipt
    consent = receipt.index(f'class="button" href="/reports/{incident_id}/consent"')
    assert consent < receipt.index(f'href="/reports/{incident_id}/evidence"')


def test_consent_is_recorded_then_withdrawn_at_once(app: Flask, client: BrowserClient):
    incident_id = reported(app, client)
    response = client.submit(f"/reports/{incident_id}/consent", {
        "destinations": ["icc_prosecutor", "canadian_police"], "disclosure": "pseudonym",
        "testify": "unsure"})
    assert response.status_code == 302
    assert consent_allows(app, incident_id, Destination.ICC_PROSECUTOR)
    assert not consent_allows(app, incident_id, Destination.MEDIA)
    page = client.text(f"/reports/{incident_id}")
    assert "ICC Office of the Prosecutor" in page

    withdrawn = client.submit(f"/reports/{incident_id}/consent", {},
                              action=f"/reports/{incident_id}/consent/withdraw")
    assert withdrawn.status_code == 302
    assert not consent_allows(app, incident_id, Destination.ICC_PROSECUTOR)  # at once
    assert "Consent was withdrawn on" in client.text(f"/reports/{incident_id}")
    with app.app_context():
        records = db.session.scalars(select(ConsentRecord).where(
            ConsentRecord.incident_id == incident_id).order_by(ConsentRecord.id)).all()
        assert [r.withdrawn for r in records] == [False, True]  # history kept
        assert records[1].recorded_at >= records[0].recorded_at


def test_unknown_consent_values_are_refused_and_nothing_is_recorded(
        app: Flask, client: BrowserClient):
    incident_id = reported(app, client)
    response = client.post_form(f"/reports/{incident_id}/consent", {  # choices never offered
        "destinations": ["the_press_of_mars"], "disclosure": "loudly", "testify": "yes"})
    assert response.status_code == 200
    assert "Choose from the list." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ConsentRecord.id)) is None


def test_advocate_asks_a_question_and_the_reporter_answers_it(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    make_family(app, members=[reporter], advocates=[advocate])
    sign_in(client, reporter)
    incident_id = start_report(client)
    send_report(client, incident_id, "submit", start_text="1398/10/18")

    sign_in(another_client, advocate)
    asked = another_client.submit(f"/reports/{incident_id}/thread", {
        "body": "Which office summoned you?", "as_question": "y"})
    assert asked.status_code == 302

    listing = client.text("/reports")
    assert f"/reports/{incident_id}/thread" in listing  # the waiting question shows
    assert "Which office summoned you?" in client.text(f"/reports/{incident_id}/thread")
    client.submit(f"/reports/{incident_id}/thread", {"body": "The one on Motahari street."})
    assert f"/reports/{incident_id}/thread" not in client.text("/reports")  # answered
    thread = another_client.text(f"/reports/{incident_id}/thread")
    assert "The one on Motahari street." in thread
    assert "Answered" in thread


def test_empty_message_is_refused_beside_the_field(app: Flask, client: BrowserClient):
    incident_id = reported(app, client)
    response = client.submit(f"/reports/{incident_id}/thread", {"body": "   "})
    assert "Write a message." in response.get_data(as_text=True)


def test_advocate_sets_verification_links_and_suggests_a_legal_tag(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    make_family(app, members=[reporter], advocates=[advocate])
    sign_in(client, reporter)
    first, second = start_report(client), None
    send_report(client, first, "submit", start_text="1398/10/18")
    second = start_report(client)
    send_report(client, second, "submit", start_text="1398/10/19")
    sign_in(another_client, advocate)
    another_client.submit(f"/reports/{first}", {"verification": "corroborated",
                                                "notes": "Matches the summons photo."},
                          action=f"/reports/{first}/review")
    another_client.submit(f"/reports/{first}", {"linked_id": "۰" + str(second).translate(
        str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")), "kind": "related"},
                          action=f"/reports/{first}/links")
    another_client.submit(f"/reports/{first}", {"tag": "Art. 7(1)(h)"},
                          action=f"/reports/{first}/tags")
    page = another_client.text(f"/reports/{first}")
    assert "Corroborated" in page
    assert "Matches the summons photo." in page
    assert f'href="/reports/{second}"' in page
    assert "Art. 7(1)(h)" in page
    reporter_view = client.text(f"/reports/{first}")
    assert "Matches the summons photo." not in reporter_view  # advocates' notes stay theirs
