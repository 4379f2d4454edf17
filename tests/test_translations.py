"""Translations of incidents and evidence items: records of their own, added by the
advocates assigned to the family, sealed, audited, and handed to dossiers as plain data."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from portal.dependencies import crypto_kit
from portal.models import Assignment, AuditEvent, EvidenceItem, Incident, Role, db
from portal.models.dossiers import Translation
from portal.services import translations as translation_service
from tests.support.client import BrowserClient
from tests.support.factories import Account, build_family_world, make_account
from tests.support.journeys import sign_in

FICTIONAL_TEXT = "They told me to stop giving interviews about the flight. (fictional)"
TRANSLATOR = "Translator Fictionalname"


@pytest.fixture
def advocate(app: Flask) -> Account:
    return make_account(app, Role.ADVOCATE, locale="en")


@pytest.fixture
def world(app: Flask, advocate: Account) -> dict[str, int]:
    reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
    with app.app_context():
        ids = build_family_world(reporter.id)
        db.session.add(Assignment(family_id=ids["family_id"], advocate_id=advocate.id,
                                  assigned_by_id=advocate.id))
        db.session.commit()
    ids["reporter"] = reporter.id
    return ids


def add(client: BrowserClient, url: str, **changes: object):  # type: ignore[no-untyped-def]
    """Fill in the translation form; a change to None empties a box or unticks a choice."""
    return client.submit(url, {"language": "en", "text": FICTIONAL_TEXT, "translator": TRANSLATOR,
                               "method": "human", "certified": "y", **changes})


def test_an_assigned_advocate_adds_a_translation_of_an_incident(
        app: Flask, client: BrowserClient, advocate: Account, world: dict[str, int]):
    sign_in(client, advocate)
    url = f"/translations/incidents/{world['incident_id']}"
    response = add(client, url)
    assert response.status_code == 302
    page = client.text(url)
    assert FICTIONAL_TEXT.replace("'", "&#39;") in page
    assert TRANSLATOR in page
    assert "Certified" in page
    with app.app_context():
        row = db.session.scalars(select(Translation)).one()
        # Sealed: neither the text nor the translator's name is in the database in clear.
        assert b"interviews" not in (row.text_sealed or b"")
        assert TRANSLATOR.encode() not in (row.translator_sealed or b"")
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "translation.added")).one()
        assert event.target_id == str(world["incident_id"])
        assert FICTIONAL_TEXT not in str(event.details)
        assert TRANSLATOR not in str(event.details)


def test_translations_for_gives_plain_data_certified_first(
        app: Flask, client: BrowserClient, advocate: Account, world: dict[str, int]):
    sign_in(client, advocate)
    url = f"/translations/incidents/{world['incident_id']}"
    add(client, url, language="fr", text="Première, relue", method="machine_reviewed",
        certified=None)
    add(client, url, language="fr", text="Seconde, certifiée")
    add(client, url, language="en", text="English one")
    with app.app_context():
        incident = db.session.get(Incident, world["incident_id"])
        french = translation_service.translations_for(crypto_kit(), incident, "fr")
    assert [t.text for t in french] == ["Seconde, certifiée", "Première, relue"]
    assert french[0].certified
    assert french[1].method == "machine_reviewed"
    assert french[0].translator == TRANSLATOR
    assert (french[0].subject_type, french[0].subject_id) == ("incident", world["incident_id"])


def test_an_evidence_item_gets_a_translation_too(
        app: Flask, client: BrowserClient, advocate: Account, world: dict[str, int]):
    sign_in(client, advocate)
    response = add(client, f"/translations/evidence/{world['item_id']}", language="fa",
                   text="متن ترجمه شده", method="machine", certified=None)
    assert response.status_code == 302
    with app.app_context():
        item = db.session.get(EvidenceItem, world["item_id"])
        views = translation_service.translations_for(crypto_kit(), item, "fa")
    assert [(v.subject_type, v.text) for v in views] == [("evidence", "متن ترجمه شده")]


def test_a_bad_translation_is_refused_with_each_problem_and_the_text_kept(
        app: Flask, client: BrowserClient, advocate: Account, world: dict[str, int]):
    sign_in(client, advocate)
    response = add(client, f"/translations/incidents/{world['incident_id']}",
                   method="machine", certified="y", translator="", language=None)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "A machine translation that no one reviewed cannot be certified." in page
    assert "Enter who translated it" in page
    assert "Choose the language of the translation." in page
    assert "They told me to stop giving interviews" in page  # kept in the box
    with app.app_context():
        assert db.session.scalars(select(Translation)).all() == []


def test_people_not_assigned_to_the_family_get_404(
        app: Flask, client: BrowserClient, world: dict[str, int]):
    for role in (Role.ADVOCATE, Role.LEGAL_REVIEWER, Role.ADMIN, Role.FAMILY_MEMBER):
        browser: BrowserClient = app.test_client()  # type: ignore[assignment]
        sign_in(browser, make_account(app, role, locale="en"))
        for url in (f"/translations/incidents/{world['incident_id']}",
                    f"/translations/evidence/{world['item_id']}"):
            assert browser.get(url).status_code == 404
            response = browser.post(url, data={
                "language": "en", "text": "x", "translator": "y", "method": "human",
                "csrf_token": browser.csrf_token("/account")})
            assert response.status_code == 404
    with app.app_context():
        assert db.session.scalars(select(Translation)).all() == []


def test_the_incident_and_item_pages_link_to_their_translations(
        app: Flask, client: BrowserClient, advocate: Account, world: dict[str, int]):
    sign_in(client, advocate)
    assert f"/translations/incidents/{world['incident_id']}" in client.text(
        f"/reports/{world['incident_id']}")
    assert f"/translations/evidence/{world['item_id']}" in client.text(
        f"/evidence/{world['item_id']}")
