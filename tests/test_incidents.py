"""Family members report incidents: drafts, Solar Hijri dates, submission, amendments."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from portal.dependencies import crypto_kit
from portal.models import Incident, IncidentRevision, Role, db
from portal.services.incidents import load_content
from tests.conftest import table_counts
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import BASE_FORM, send_report, start_report

PERSIAN_NARRATIVE = "مأموران به خانهٔ ما آمدند و گفتند دیگر با رسانه‌ها صحبت نکنیم."


@pytest.fixture
def reporter(app: Flask, client: BrowserClient) -> Account:
    account = make_account(app, Role.FAMILY_MEMBER, locale="fa")
    make_family(app, members=[account])
    sign_in(client, account)
    return account


def incident_row(app: Flask, incident_id: int) -> Incident:
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident is not None
        db.session.expunge(incident)
        return incident


def test_persian_report_with_solar_hijri_date_is_stored_exactly_and_shown_in_both_calendars(
        app: Flask, client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    saved = send_report(client, incident_id, "save", start_text="۱۸ دی ۱۳۹۸",
                        narrative=PERSIAN_NARRATIVE, country=None, type_codes=None)
    assert saved.status_code == 302  # a draft may be incomplete
    draft = incident_row(app, incident_id)
    assert draft.status.value == "draft"
    assert draft.start_first_day == date(2020, 1, 8)
    assert draft.start_text == "۱۸ دی ۱۳۹۸"
    assert draft.start_calendar == "solar_hijri"

    submitted = send_report(client, incident_id, "submit", start_text="۱۸ دی ۱۳۹۸",
                            narrative=PERSIAN_NARRATIVE)
    assert submitted.headers["Location"] == f"/reports/{incident_id}/receipt"
    receipt = client.text(f"/reports/{incident_id}/receipt")
    assert 'dir="rtl"' in receipt
    page = client.text(f"/reports/{incident_id}")
    assert "۱۸ دی ۱۳۹۸" in page  # Solar Hijri first, in Persian digits
    assert "۲۰۲۰" in page
    assert "ژانویه" in page
    assert PERSIAN_NARRATIVE in page
    persian_number = str(incident_id).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert f"<h1 class=\"heading-xl\">گزارش شمارهٔ {persian_number}</h1>" in page


def test_report_in_english_shows_gregorian_first(app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[account])
    sign_in(client, account)
    incident_id = start_report(client)
    send_report(client, incident_id, "submit", calendar="gregorian", start_text="8 January 2020")
    page = client.text(f"/reports/{incident_id}")
    assert page.index("8 January 2020") < page.index("18 Dey 1398")


def test_draft_can_be_finished_later(app: Flask, client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    send_report(client, incident_id, "save", narrative="First part.", type_codes=None)
    form = client.text(f"/reports/{incident_id}/edit")
    assert "First part." in form
    listing = client.text("/reports")  # a draft opens on "check your answers" (0024)
    assert f"/reports/{incident_id}/steps/check" in listing
    assert "First part." in client.text(f"/reports/{incident_id}/steps/check")


def test_submission_needs_date_country_kind_and_account_and_keeps_what_was_typed(
        app: Flask, client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    response = send_report(client, incident_id, "submit", start_text="", country="",
                           type_codes=None, narrative="", city="شیراز",
                           demands="نامهٔ رسمی بنویسید")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('class="error-message"') >= 4
    assert "شیراز" in page
    assert "نامهٔ رسمی بنویسید" in page
    assert incident_row(app, incident_id).status.value == "draft"


@pytest.mark.parametrize(("start", "end", "field", "message"), [
    ("1398/12/30", "", "start_text", "has only 29 days"),
    ("1399/12/31", "", "start_text", "has only 30 days"),
    ("1398/13/01", "", "start_text", "Months go from 1 to 12"),
    ("1410/01/01", "", "start_text", "in the future"),
    ("1398/10/18", "1398/10/01", "end_text", "on or after the start"),
    ("next tuesday", "", "start_text", "1398/10/18"),
])
def test_impossible_dates_are_explained_and_nothing_stored_changes(
        app: Flask, client: BrowserClient, start: str, end: str, field: str, message: str):
    account = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[account])
    sign_in(client, account)
    incident_id = start_report(client)
    send_report(client, incident_id, "save", start_text="1398/10/18", narrative="Kept.")
    with app.app_context():
        before = table_counts()
    before_row = incident_row(app, incident_id)
    response = send_report(client, incident_id, "save", start_text=start, end_text=end,
                           narrative="Changed text that must not be stored.")
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="{field}-error"' in page
    assert "Changed text that must not be stored." in page  # kept in the form
    with app.app_context():
        assert table_counts() == before
        incident = db.session.get(Incident, incident_id)
        assert incident is not None
        assert load_content(crypto_kit(), incident).narrative == "Kept."
    assert incident_row(app, incident_id).start_first_day == before_row.start_first_day


def test_over_long_account_and_unknown_values_are_refused_without_losing_the_rest(
        app: Flask, client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    # Choices the form does not offer: only a forged request can send them.
    response = client.post_form(f"/reports/{incident_id}/edit", {
        **BASE_FORM, "action": "save", "narrative": "ا" * 20_001,
        "type_codes": ["no_such_kind"], "agencies": ["martians"], "city": "Tabriz"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "20000" in page  # the limit is named beside the field
    assert "Tabriz" in page
    assert incident_row(app, incident_id).city_sealed is None


def test_each_amendment_is_a_revision_and_the_original_stays_readable(
        app: Flask, client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    send_report(client, incident_id, "submit", start_text="1398/10/18",
                narrative="Original account.")
    response = send_report(client, incident_id, "amend", start_text="1398/10/18",
                           narrative="Corrected account.", city="Karaj")
    assert response.headers["Location"] == f"/reports/{incident_id}"
    unchanged = send_report(client, incident_id, "amend", start_text="1398/10/18",
                            narrative="Corrected account.", city="Karaj")
    assert unchanged.status_code == 302
    with app.app_context():
        revisions = list(db.session.scalars(select(IncidentRevision).where(
            IncidentRevision.incident_id == incident_id).order_by(IncidentRevision.number)))
        assert [r.number for r in revisions] == [1, 2]  # no revision when nothing changed
        assert set(revisions[1].changed_fields) == {"city", "narrative"}
        assert revisions[1].author_id == reporter.id
    history = client.text(f"/reports/{incident_id}/history")
    assert "/history/2" in history
    assert "/history/1" in history
    assert client.text(f"/reports/{incident_id}/history/1").count("Original account.") == 1
    assert "Corrected account." in client.text(f"/reports/{incident_id}/history/2")
    assert "Corrected account." in client.text(f"/reports/{incident_id}")


def test_a_draft_cannot_skip_to_amendment_and_a_submitted_report_cannot_go_back_to_draft(
        app: Flask, client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    draft_tab = client.open_page(f"/reports/{incident_id}/edit")  # still offers "save"
    send_report(client, incident_id, "submit", start_text="1398/10/18")
    again = draft_tab.submit({**BASE_FORM, "action": "save", "start_text": "1398/10/18",
                              "narrative": "Sneaky overwrite."})
    assert again.status_code == 302  # treated as an amendment: kept as a new version
    with app.app_context():
        assert db.session.scalar(select(IncidentRevision.number).where(
            IncidentRevision.incident_id == incident_id).order_by(
            IncidentRevision.number.desc()).limit(1)) == 2
    assert incident_row(app, incident_id).status.value == "submitted"


def test_member_without_family_file_is_told_to_ask_an_advocate(app: Flask,
                                                               client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER, locale="en")
    sign_in(client, account)
    assert "not linked to a family file" in client.text("/reports")
    # The page offers no button to start a report: post as a script would.
    response = client.post_form("/reports/new", {}, token_page="/reports")
    assert response.headers["Location"] == "/reports"
    with app.app_context():
        assert db.session.scalar(select(Incident.id)) is None
