"""Nothing typed is lost (decision 0020): a form sent after the session ended is kept,
sealed, for the account it belonged to, and given back on the same page after signing
in again; never to anyone else; gone after sign-out, quick exit or a day."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from portal.dependencies import crypto_kit
from portal.models import Incident, KeptPost, Role, UserSession, db
from portal.models.base import utcnow
from portal.models.vocabulary import IncidentStatus
from portal.services.incidents import load_content
from portal.services.sealing import open_text
from tests.support.client import BrowserClient, OpenPage
from tests.support.factories import Account, make_account, make_family, make_family_member
from tests.support.journeys import sign_in, sign_out
from tests.support.reports import BASE_FORM, start_report

# Persian with a zero-width non-joiner (U+200C) in «می‌خواستند» and «نامه‌ای»: kept exactly.
CANARY = "KEPT-CANARY-7f3e مأموران می\u200cخواستند نامه\u200cای امضا کنم."
CITY = "شیراز"
SIGN_IN_AGAIN = "What you wrote was kept: sign in again to find it."
GIVEN_BACK = "What you wrote was kept. Check it and send it again."


@pytest.fixture
def writer(app: Flask, client: BrowserClient) -> Account:
    account = make_family_member(app)
    sign_in(client, account)
    return account


def end_sessions_by_time(app: Flask, account: Account, minutes: int = 31) -> None:
    """The person was away longer than the family idle limit (30 minutes)."""
    with app.app_context():
        db.session.execute(update(UserSession).where(UserSession.user_id == account.id)
                           .values(last_seen_at=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()


def kept_rows(app: Flask) -> list[KeptPost]:
    with app.app_context():
        rows = list(db.session.scalars(select(KeptPost)))
        for row in rows:
            db.session.expunge(row)
        return rows


def narrative_saved(app: Flask, incident_id: int) -> tuple[str, IncidentStatus]:
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident is not None
        return load_content(crypto_kit(), incident).narrative, incident.status


def write_report_and_send_too_late(app: Flask, client: BrowserClient, account: Account,
                                   action: str = "submit") -> tuple[int, OpenPage]:
    incident_id = start_report(client)
    page = client.open_page(f"/reports/{incident_id}/edit")
    end_sessions_by_time(app, account)
    response = page.submit({**BASE_FORM, "start_text": "۱۸ دی ۱۳۹۸", "narrative": CANARY,
                            "city": CITY, "action": action})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert f"/reports/{incident_id}/edit" in response.headers["Location"]
    return incident_id, page


def test_a_report_sent_after_the_session_ended_comes_back_filled_after_signing_in(
        app: Flask, client: BrowserClient, writer: Account):
    incident_id, _page = write_report_and_send_too_late(app, client, writer)
    login_page = client.text(f"/login?next=/reports/{incident_id}/edit")
    assert SIGN_IN_AGAIN in login_page
    assert narrative_saved(app, incident_id) == ("", IncidentStatus.DRAFT)  # nothing acted on

    signed_in = sign_in(client, writer)
    assert signed_in.headers["Location"] == f"/reports/{incident_id}/edit"
    shown = client.get(f"/reports/{incident_id}/edit")
    page = shown.get_data(as_text=True)
    assert GIVEN_BACK in page
    assert CANARY in page  # exactly as typed, the ZWNJ included
    assert f'value="{CITY}"' in page
    assert re.search(r'<input checked[^>]*value="summons"', page)  # the ticked choice too
    # Not sent for them: the report is unchanged until they press a button themselves.
    assert narrative_saved(app, incident_id) == ("", IncidentStatus.DRAFT)
    assert kept_rows(app) == []  # given back once, then gone

    again = client.text(f"/reports/{incident_id}/edit")
    assert GIVEN_BACK not in again

    sent = client.page_shown(shown, f"/reports/{incident_id}/edit").submit({"action": "submit"})
    assert sent.headers["Location"] == f"/reports/{incident_id}/receipt"
    assert narrative_saved(app, incident_id) == (CANARY, IncidentStatus.SUBMITTED)


def test_the_kept_form_is_sealed_and_holds_no_token(app: Flask, client: BrowserClient,
                                                    writer: Account):
    write_report_and_send_too_late(app, client, writer)
    [row] = kept_rows(app)
    assert row.user_id == writer.id
    assert row.form_sealed is not None
    assert CANARY.encode() not in row.form_sealed
    with app.app_context():
        fields = json.loads(open_text(crypto_kit(), row, "form_sealed"))
    names = {name for name, _value in fields}
    assert "narrative" in names
    assert not names & {"csrf_token", "once_token", "next"}
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        files = [Path(str(url.database)), Path(str(url.database) + "-wal")]
        on_disk = b"".join(f.read_bytes() for f in files if f.exists())
        assert b"KEPT-CANARY-7f3e" not in on_disk
        assert CANARY.encode() not in on_disk


def test_another_account_on_the_same_browser_gets_nothing(
        app: Flask, client: BrowserClient, writer: Account):
    relative = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[relative])
    write_report_and_send_too_late(app, client, writer)

    signed_in = sign_in(client, relative)
    assert "/edit" not in signed_in.headers["Location"]
    for path in ("/", "/reports"):
        page = client.text(path)
        assert CANARY not in page
        assert GIVEN_BACK not in page
    [row] = kept_rows(app)
    assert row.user_id == writer.id  # still the writer's, for when they come back


def test_a_message_in_a_thread_is_kept_too(app: Flask, client: BrowserClient, writer: Account):
    incident_id = start_report(client)
    client.submit(f"/reports/{incident_id}/edit",
                  {**BASE_FORM, "start_text": "1398", "action": "submit"})
    thread = client.open_page(f"/reports/{incident_id}/thread")
    end_sessions_by_time(app, writer)
    response = thread.submit({"body": CANARY})
    assert response.headers["Location"].startswith("/login?next=")
    sign_in(client, writer)
    page = client.text(f"/reports/{incident_id}/thread")
    assert CANARY in page
    assert GIVEN_BACK in page


def test_kept_forms_expire_and_are_purged_unread(app: Flask, client: BrowserClient,
                                                  writer: Account):
    write_report_and_send_too_late(app, client, writer)
    with app.app_context():
        db.session.execute(update(KeptPost).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    signed_in = sign_in(client, writer)
    assert "/edit" not in signed_in.headers["Location"]
    assert kept_rows(app) == []


def test_quick_exit_leaves_no_kept_form(app: Flask, client: BrowserClient, writer: Account):
    write_report_and_send_too_late(app, client, writer)
    assert len(kept_rows(app)) == 1
    response = client.submit("/login", {}, action="/exit")  # from the sign-in page
    assert response.status_code == 303
    assert kept_rows(app) == []
    assert "/edit" not in sign_in(client, writer).headers["Location"]


def test_signing_out_on_purpose_leaves_no_kept_form(
        app: Flask, client: BrowserClient, writer: Account):
    write_report_and_send_too_late(app, client, writer)
    sign_in(client, writer)  # sent to the kept form, but they sign out instead
    sign_out(client)
    assert kept_rows(app) == []


def test_a_session_ended_on_purpose_or_a_forged_form_keeps_nothing(
        app: Flask, client: BrowserClient, writer: Account):
    incident_id = start_report(client)
    page = client.open_page(f"/reports/{incident_id}/edit")
    with app.app_context():  # "end all sessions" from another device, a minute ago
        db.session.execute(update(UserSession).values(revoked_at=utcnow()))
        db.session.commit()
    page.submit({**BASE_FORM, "narrative": CANARY, "action": "save"})
    assert kept_rows(app) == []

    sign_in(client, writer)
    page = client.open_page(f"/reports/{incident_id}/edit")
    end_sessions_by_time(app, writer)
    forged = client.post(f"/reports/{incident_id}/edit",
                         data={"narrative": CANARY, "csrf_token": "not-the-token"})
    assert forged.headers["Location"].startswith("/login")
    assert kept_rows(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KeptPost)) == 0


def test_switching_language_on_the_report_keeps_what_was_typed(
        app: Flask, client: BrowserClient, writer: Account):
    incident_id = start_report(client)
    edit = f"/reports/{incident_id}/edit"
    page = client.text(edit)
    # The language buttons send the report form itself to the language switch.
    assert f'form="report-form" formaction="/language?next={edit}"' in page
    token = client.csrf_token(edit)
    response = client.post(f"/language?next={edit}", data={
        **BASE_FORM, "narrative": CANARY, "csrf_token": token, "locale": "fa"})
    assert response.headers["Location"] == edit
    shown = client.text(edit)
    assert 'lang="fa"' in shown
    assert CANARY in shown
    assert narrative_saved(app, incident_id) == ("", IncidentStatus.DRAFT)


def test_keep_me_signed_in_renews_the_session(app: Flask, client: BrowserClient,
                                              writer: Account):
    page = client.text("/reports")
    assert 'id="idle-warning"' in page
    assert 'data-idle-seconds="1800"' in page
    assert "js/keep-alive.js" in page
    end_sessions_by_time(app, writer, minutes=29)
    response = client.post_form("/session/keep-alive", {}, token_page="/reports")
    assert response.status_code == 204
    with app.app_context():
        seen = db.session.scalar(select(UserSession.last_seen_at).where(
            UserSession.user_id == writer.id, UserSession.revoked_at.is_(None)))
    assert seen is not None
    assert utcnow() - seen < timedelta(minutes=1)
    end_sessions_by_time(app, writer, minutes=31)
    late = client.post_form("/session/keep-alive", {}, token_page="/login")
    assert late.headers["Location"].startswith("/login")


def test_a_draft_offers_save_and_come_back_later_and_saves_itself_with_javascript(
        app: Flask, client: BrowserClient, writer: Account):
    incident_id = start_report(client)
    page = client.text(f"/reports/{incident_id}/edit")
    assert "Save and come back later" in page
    assert 'data-autosave-seconds="30"' in page
    assert "js/autosave.js" in page
    # What the script sends: the form with action=save, as the button does.
    saved = client.submit(f"/reports/{incident_id}/edit",
                          {**BASE_FORM, "narrative": CANARY, "action": "save"})
    assert saved.status_code == 302
    assert narrative_saved(app, incident_id) == (CANARY, IncidentStatus.DRAFT)
