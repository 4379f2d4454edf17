"""Statements of truth (the dossier's Annex C): a family member may declare, when submitting
or amending a report, that what they wrote is true to the best of their knowledge. The
declaration is recorded on the version it was made for, never carried to later ones."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from portal.models import IncidentRevision, Role, db
from tests.support.client import BrowserClient
from tests.support.factories import make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report

DAY = "1398/10/18"
DECLARATION = "I declare that what I wrote is true to the best of my knowledge"


def revisions(app: Flask, incident_id: int) -> list[IncidentRevision]:
    with app.app_context():
        rows = list(db.session.scalars(select(IncidentRevision).where(
            IncidentRevision.incident_id == incident_id).order_by(IncidentRevision.number)))
        db.session.expunge_all()
        return rows


def test_the_declaration_is_optional_and_recorded_on_the_version_it_was_made_for(
        app: Flask, client: BrowserClient):
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[member])
    sign_in(client, member)
    incident_id = start_report(client)
    form = client.text(f"/reports/{incident_id}/edit")
    assert DECLARATION in form
    assert 'name="declare_true"' in form
    assert 'name="declare_true" type="checkbox" value="y" checked' not in form

    # Submitted without the declaration: recorded as not made.
    assert send_report(client, incident_id, "submit", start_text=DAY).status_code == 302
    # Amended with it: made for version 2 only.
    assert send_report(client, incident_id, "amend", start_text=DAY,
                       narrative="They called me twice.", declare_true="y").status_code == 302
    # Amended again without it: version 3 carries no declaration of its own.
    assert send_report(client, incident_id, "amend", start_text=DAY,
                       narrative="They called me twice, at night.").status_code == 302
    # Ticking the box alone changes nothing, so it makes no version (and no declaration).
    assert send_report(client, incident_id, "amend", start_text=DAY,
                       narrative="They called me twice, at night.",
                       declare_true="y").status_code == 302
    rows = revisions(app, incident_id)
    assert [r.number for r in rows] == [1, 2, 3]
    assert [r.declared_true_at is not None for r in rows] == [False, True, False]
    # The form never comes back ticked: each version needs its own declaration.
    assert 'value="y" checked' not in client.text(f"/reports/{incident_id}/edit").split(
        'name="declare_true"')[0][-200:]


def test_a_declaration_made_on_submission(app: Flask, client: BrowserClient):
    member = make_account(app, Role.FAMILY_MEMBER, locale="fa")
    make_family(app, members=[member])
    sign_in(client, member)
    incident_id = start_report(client)
    # The Persian form carries the translated statement (fa catalog) or the English one.
    assert 'name="declare_true"' in client.text(f"/reports/{incident_id}/edit")
    assert send_report(client, incident_id, "submit", start_text=DAY,
                       declare_true="y").status_code == 302
    (row,) = revisions(app, incident_id)
    assert row.declared_true_at is not None
