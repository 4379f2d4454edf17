"""Who may see a report: its reporter and the advocates assigned to the family; nobody else.
Everyone else gets 404, and the refusal is in the audit log."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from portal.models import AuditEvent, Role, db
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report

PAGES = ("/reports/{id}", "/reports/{id}/history", "/reports/{id}/history/1",
         "/reports/{id}/thread", "/reports/{id}/edit", "/reports/{id}/receipt",
         "/reports/{id}/consent")


@pytest.fixture
def submitted(app: Flask, client: BrowserClient) -> tuple[Account, Account, int]:
    """A reporter, the advocate assigned to their family, and a submitted report."""
    reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    make_family(app, members=[reporter], advocates=[advocate])
    sign_in(client, reporter)
    incident_id = start_report(client)
    send_report(client, incident_id, "submit", start_text="1398/10/18",
                narrative="A private account.")
    return reporter, advocate, incident_id


def denials_for(app: Flask, incident_id: int, actor_id: int) -> int:
    with app.app_context():
        return len(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "access.denied", AuditEvent.actor_id == actor_id,
            AuditEvent.target_type == "incident",
            AuditEvent.target_id == str(incident_id))).all())


@pytest.mark.parametrize("outsider_kind", ["other_family_member", "unassigned_advocate"])
def test_outsiders_get_404_on_every_page_of_the_report_and_it_is_recorded(
        app: Flask, another_client: BrowserClient, submitted: tuple[Account, Account, int],
        outsider_kind: str):
    _reporter, _advocate, incident_id = submitted
    if outsider_kind == "other_family_member":
        outsider = make_account(app, Role.FAMILY_MEMBER, locale="en")
        make_family(app, members=[outsider])
    else:
        outsider = make_account(app, Role.ADVOCATE, locale="en")
        make_family(app, advocates=[outsider])
    sign_in(another_client, outsider)
    for page in PAGES:
        response = another_client.get(page.format(id=incident_id))
        assert response.status_code == 404, page
        assert b"A private account." not in response.data
    assert denials_for(app, incident_id, outsider.id) >= 1
    token = another_client.csrf_token("/account")
    for action in ("/reports/{id}/thread", "/reports/{id}/review", "/reports/{id}/links",
                   "/reports/{id}/consent/withdraw"):
        response = another_client.post(action.format(id=incident_id),
                                       data={"csrf_token": token, "body": "intrusion"})
        assert response.status_code == 404, action


def test_the_assigned_advocate_reads_but_cannot_amend(
        client: BrowserClient, another_client: BrowserClient, app: Flask,
        submitted: tuple[Account, Account, int]):
    _reporter, advocate, incident_id = submitted
    sign_in(another_client, advocate)
    assert "A private account." in another_client.text(f"/reports/{incident_id}")
    assert another_client.get(f"/reports/{incident_id}/history").status_code == 200
    assert another_client.get(f"/reports/{incident_id}/edit").status_code == 404
    assert another_client.get(f"/reports/{incident_id}/consent").status_code == 404


def test_advocates_do_not_see_drafts(app: Flask, client: BrowserClient,
                                     another_client: BrowserClient):
    reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    make_family(app, members=[reporter], advocates=[advocate])
    sign_in(client, reporter)
    draft_id = start_report(client)
    send_report(client, draft_id, "save", narrative="Not finished.")
    sign_in(another_client, advocate)
    assert another_client.get(f"/reports/{draft_id}").status_code == 404


def test_a_relative_in_the_same_family_cannot_read_anothers_report(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
    relative = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[reporter, relative])
    sign_in(client, reporter)
    incident_id = start_report(client)
    send_report(client, incident_id, "submit", start_text="1398/10/18")
    sign_in(another_client, relative)
    assert another_client.get(f"/reports/{incident_id}").status_code == 404


def test_viewing_a_report_is_recorded(app: Flask, client: BrowserClient,
                                      another_client: BrowserClient,
                                      submitted: tuple[Account, Account, int]):
    _reporter, advocate, incident_id = submitted
    sign_in(another_client, advocate)
    another_client.get(f"/reports/{incident_id}")
    with app.app_context():
        viewed = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "incident.viewed", AuditEvent.actor_id == advocate.id)).all()
    assert [e.target_id for e in viewed] == [str(incident_id)]
