"""Pattern analysis of a dossier's incidents (plain data for the PDF, and an HTML page),
and the advocacy events admins record for its timeline."""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select

from portal.models import AuditEvent, Role, db
from portal.models.dossiers import AdvocacyEvent, Dossier
from portal.models.vocabulary import Agency
from portal.services.dossiers.patterns import Month, pattern_analysis
from tests.support.client import BrowserClient
from tests.support.dossier_writing import IncidentSpec, make_dossier, type_codes
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in


@pytest.fixture
def advocate(app: Flask) -> Account:
    return make_account(app, Role.ADVOCATE, locale="en")


@pytest.fixture
def dossier_id(app: Flask, advocate: Account) -> int:
    families = (make_family(app, advocates=[advocate]), make_family(app, advocates=[advocate]))
    codes = type_codes(app)
    return make_dossier(app, advocate.id, family_ids=families, specs=(
        IncidentSpec(date(2021, 1, 10), country="IR", agencies=(Agency.JUDICIARY,),
                     types=(codes[0],)),
        IncidentSpec(date(2021, 3, 2), country="CA", sent="IR", received="CA",
                     agencies=(Agency.IRGC_INTELLIGENCE, Agency.JUDICIARY),
                     types=(codes[0], codes[1])),
        IncidentSpec(date(2021, 3, 28), country="DE", received="DE", carried_out="IR",
                     types=(codes[1],)),
        IncidentSpec(None, country="IR"),  # no known date: counted, not on the timeline
    )).dossier_id


def record_events(app: Flask, admin_id: int) -> None:
    with app.app_context():
        for day, kind, title in ((date(2021, 1, 8), "anniversary", "First anniversary"),
                                 (date(2021, 3, 15), "interview", "Fictional interview"),
                                 (date(2019, 5, 1), "rally", "Before the range"),
                                 (date(2021, 4, 1), "rally", "After the range")):
            db.session.add(AdvocacyEvent(occurred_on=day, kind=kind, title_en=title,
                                         title_fa="سالگرد" if kind == "anniversary" else "",
                                         created_by_id=admin_id))
        db.session.commit()


def test_pattern_analysis_counts_and_a_gap_aware_timeline_against_events(
        app: Flask, advocate: Account, dossier_id: int):
    admin = make_account(app, Role.ADMIN, locale="en")
    record_events(app, admin.id)
    codes = type_codes(app)
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        patterns = pattern_analysis(dossier)
    assert patterns.total == 4
    assert patterns.undated == 1
    assert patterns.by_type == tuple(sorted([(codes[0], 2), (codes[1], 2)]))  # ties by code
    assert patterns.by_year == ((2021, 3),)
    assert patterns.by_agency == (("judiciary", 2), ("irgc_intelligence", 1))
    by_country = {row.code: row for row in patterns.by_country}
    assert (by_country["IR"].incidents, by_country["IR"].place, by_country["IR"].sent,
            by_country["IR"].carried_out) == (4, 2, 1, 1)
    assert (by_country["CA"].incidents, by_country["CA"].received) == (1, 1)
    assert (by_country["DE"].incidents, by_country["DE"].place) == (1, 1)
    # February is quiet and still there: a timeline must show gaps.
    assert [(m.month, m.incidents) for m in patterns.timeline] == [
        ("2021-01", 1), ("2021-02", 0), ("2021-03", 2)]
    assert [m.title("en") for m in patterns.moments] == ["First anniversary",
                                                         "Fictional interview"]
    assert patterns.timeline[0].moments[0].title("fa") == "سالگرد"
    assert patterns.timeline[2].moments[0].kind == "interview"


def test_pattern_analysis_is_plain_data_without_orm_objects(app: Flask, dossier_id: int):
    with app.app_context():
        patterns = pattern_analysis(db.session.get(Dossier, dossier_id))

    def walk(value: object) -> None:
        assert not isinstance(value, db.Model), type(value)
        if is_dataclass(value):
            for f in fields(value):
                walk(getattr(value, f.name))
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
    walk(patterns)
    assert isinstance(patterns.timeline[0], Month)


def test_the_patterns_page_has_tables_and_a_textless_svg_in_every_language(
        app: Flask, client: BrowserClient, advocate: Account, dossier_id: int):
    admin = make_account(app, Role.ADMIN, locale="en")
    record_events(app, admin.id)
    sign_in(client, advocate)
    page = client.text(f"/dossiers/{dossier_id}/patterns")
    assert "4 incidents in this dossier." in page
    assert "Fictional interview" in page
    assert "Before the range" not in page
    svg = re.search(r"<svg[^>]*role=\"img\".*?</svg>", page, re.S)
    assert svg, "no timeline"
    assert "<text" not in svg.group(0)
    assert svg.group(0).count('fill="#d4351c"') == 2  # two months with events are marked
    assert "<script>" not in page
    assert " style=" not in page
    client.submit(f"/dossiers/{dossier_id}/patterns", {"locale": "fa"}, action="/language")
    persian = client.text(f"/dossiers/{dossier_id}/patterns")
    assert 'dir="rtl"' in persian
    assert "سالگرد" in persian


def test_people_outside_the_dossier_cannot_see_its_patterns(
        app: Flask, client: BrowserClient, dossier_id: int):
    for role in (Role.ADVOCATE, Role.LEGAL_REVIEWER, Role.FAMILY_MEMBER, Role.ADMIN):
        browser: BrowserClient = app.test_client()  # type: ignore[assignment]
        sign_in(browser, make_account(app, role, locale="en"))
        assert browser.get(f"/dossiers/{dossier_id}/patterns").status_code == 404
    sign_in(client, make_account(app, Role.ADVOCATE, locale="en"))
    assert client.get("/dossiers/424242/patterns").status_code == 404


# --- advocacy events ----------------------------------------------------------------------


def test_an_admin_records_and_deletes_an_advocacy_event(app: Flask, client: BrowserClient):
    admin = make_account(app, Role.ADMIN, locale="en")
    sign_in(client, admin)
    response = client.submit("/admin/editorial/events", {
        "occurred_on": "۲۰۲۴-۰۱-۰۸", "kind": "anniversary", "title_en": "Fourth anniversary",
        "title_fr": "Quatrième anniversaire", "title_fa": "چهارمین سالگرد"})
    assert response.status_code == 302
    page = client.text("/admin/editorial/events")
    assert "Fourth anniversary" in page
    assert "چهارمین سالگرد" in page
    with app.app_context():
        event = db.session.scalars(select(AdvocacyEvent)).one()
        assert event.occurred_on == date(2024, 1, 8)
        event_id = event.id
    client.submit("/admin/editorial/events", {},
                  action=f"/admin/editorial/events/{event_id}/delete")
    with app.app_context():
        assert db.session.scalars(select(AdvocacyEvent)).all() == []
        actions = list(db.session.scalars(select(AuditEvent.action)))
    assert "advocacy_event.recorded" in actions
    assert "advocacy_event.deleted" in actions


def test_an_incomplete_event_is_refused_with_every_problem_shown(
        app: Flask, client: BrowserClient):
    sign_in(client, make_account(app, Role.ADMIN, locale="en"))
    response = client.post_form("/admin/editorial/events", {  # a kind the form never offers
        "occurred_on": "", "kind": "nonsense", "title_en": "", "title_fa": "کوتاه"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Enter the date, for example 2020-01-08." in page
    assert "Choose the kind of event." in page
    assert "Enter a title in English." in page
    assert 'value="کوتاه"' in page  # answers kept
    with app.app_context():
        assert db.session.scalars(select(AdvocacyEvent)).all() == []


def test_only_admins_record_events(app: Flask, client: BrowserClient, advocate: Account):
    sign_in(client, advocate)
    assert client.get("/admin/editorial/events").status_code == 404
    response = client.post("/admin/editorial/events", data={
        "occurred_on": "2024-01-08", "kind": "rally", "title_en": "x",
        "csrf_token": client.csrf_token("/account")})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalars(select(AdvocacyEvent)).all() == []
