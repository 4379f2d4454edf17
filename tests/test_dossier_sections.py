"""Narrative sections of a dossier: prefilled from templates in the dossier's language,
facts computed not typed, safe markup, and no lost work when two people edit at once."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from flask import Flask
from sqlalchemy import select, update

from portal.dependencies import crypto_kit
from portal.models import Assignment, AuditEvent, Role, User, db
from portal.models.dossiers import Dossier, DossierSection, SectionKey
from portal.models.vocabulary import Agency
from portal.services.dossiers import facts as facts_service
from portal.services.dossiers import sections as section_service
from portal.services.errors import EditConflict
from tests.support.client import BrowserClient
from tests.support.dossier_writing import (
    IncidentSpec,
    add_contributor,
    make_dossier,
    set_status,
    type_codes,
)
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in

TEXTAREA = re.compile(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', re.S)
VERSION = re.compile(r'name="lock_version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="lock_version"')


def section_url(dossier_id: int, key: str = "executive_summary") -> str:
    return f"/dossiers/{dossier_id}/sections/{key}"


def textarea(page: str) -> str:
    match = TEXTAREA.search(page)
    assert match, "no section text box on the page"
    return unescape(match.group(1)).removeprefix("\r\n")  # WTForms starts the box with one


def lock_version(page: str) -> str:
    match = VERSION.search(page)
    assert match, "no lock_version on the page"
    return match.group(1) or match.group(2)


def audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


@pytest.fixture
def advocate(app: Flask) -> Account:
    return make_account(app, Role.ADVOCATE, locale="en")


@pytest.fixture
def families(app: Flask, advocate: Account) -> tuple[int, int]:
    return (make_family(app, advocates=[advocate]), make_family(app, advocates=[advocate]))


def two_incident_dossier(app: Flask, advocate: Account, families: tuple[int, int],
                         language: str = "en") -> int:
    codes = type_codes(app)
    return make_dossier(app, advocate.id, language=language, family_ids=families, specs=(
        IncidentSpec(date(2021, 3, 4), country="DE", sent="IR", received="DE",
                     agencies=(Agency.IRGC_INTELLIGENCE,), types=(codes[0],)),
        IncidentSpec(date(2023, 7, 9), country="CA", received="CA", carried_out="IR",
                     agencies=(Agency.MINISTRY_OF_INTELLIGENCE, Agency.IRGC_INTELLIGENCE),
                     types=(codes[1],)),
    )).dossier_id


def test_a_new_dossier_has_every_section_prefilled_in_its_language(
        app: Flask, client: BrowserClient, advocate: Account, families: tuple[int, int]):
    dossier_id = two_incident_dossier(app, advocate, families, language="fr")
    sign_in(client, advocate)
    for key in SectionKey:
        page = client.text(section_url(dossier_id, key.value))
        assert textarea(page) == (section_service.TEMPLATE_DIR / f"{key.value}.fr.md").read_text(
            encoding="utf-8").strip()
    with app.app_context():
        rows = db.session.scalars(select(DossierSection).where(
            DossierSection.dossier_id == dossier_id)).all()
        assert {r.key for r in rows} == {k.value for k in SectionKey}
        # Sealed: the template's words are not in the database in clear.
        assert all(b"Ukraine International" not in (r.body_sealed or b"") for r in rows)
    assert "dossier.sections_prefilled" in audit_actions(app)


def test_the_preview_fills_in_the_computed_facts_in_the_dossier_language(
        app: Flask, client: BrowserClient, advocate: Account, families: tuple[int, int]):
    dossier_id = two_incident_dossier(app, advocate, families, language="fr")
    sign_in(client, advocate)
    page = unescape(client.text(section_url(dossier_id)))
    # Counted from the rows: 2 incidents, 2 families, countries and agencies named in French.
    assert "porte sur 2 faits de harcèlement" in page
    assert "signalés par 2 familles" in page
    assert "4 mars 2021 – 9 juillet 2023" in page
    assert "Iran, Canada et Allemagne" in page  # most frequent first, then by code
    assert "{{incident_count}}" in textarea(page)  # the stored text keeps the placeholder


def test_a_contributor_saves_a_section_and_the_change_is_audited(
        app: Flask, client: BrowserClient, advocate: Account, families: tuple[int, int]):
    dossier_id = two_incident_dossier(app, advocate, families)
    sign_in(client, advocate)
    url = section_url(dossier_id, "requests")
    page = client.text(url)
    body = "We ask the Prosecutor to act on {{incident_count}} incidents. {{no_such_fact}}"
    response = client.submit(url, {"body": body, "lock_version": lock_version(page),
                                   "action": "save"})
    assert response.status_code == 302
    page = client.text(url)
    assert textarea(page) == body
    assert "act on 2 incidents" in page
    assert "{{no_such_fact}}" in page.split("Preview")[-1]  # unknown: left visible
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert section_service.section_sources(crypto_kit(), dossier)["requests"] == body
        event = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "dossier.section_saved")).one()
        assert event.actor_id == advocate.id
        assert "incidents" not in str(event.details)  # the text itself is never logged


def test_script_and_raw_html_in_a_section_are_shown_as_text(
        app: Flask, client: BrowserClient, advocate: Account, families: tuple[int, int]):
    dossier_id = two_incident_dossier(app, advocate, families)
    sign_in(client, advocate)
    url = section_url(dossier_id)
    body = ('<script>alert("x")</script> <img src=x onerror=alert(1)> '
            '[click](javascript:alert(1)) *kept*')
    client.submit(url, {"body": body, "lock_version": lock_version(client.text(url)),
                        "action": "save"})
    page = client.text(url)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert 'href="javascript' not in page
    assert "&lt;script&gt;" in page
    assert "<em>kept</em>" in page


def test_the_second_of_two_concurrent_saves_is_refused_and_keeps_its_text(
        app: Flask, client: BrowserClient, another_client: BrowserClient, advocate: Account,
        families: tuple[int, int]):
    colleague = make_account(app, Role.ADVOCATE, locale="en")
    dossier_id = two_incident_dossier(app, advocate, families)
    with app.app_context():  # a co-author is assigned to every family the dossier cites
        db.session.add_all(Assignment(family_id=family_id, advocate_id=colleague.id,
                                      assigned_by_id=advocate.id) for family_id in families)
        db.session.commit()
    add_contributor(app, dossier_id, colleague.id)
    sign_in(client, advocate)
    sign_in(another_client, colleague)
    url = section_url(dossier_id, "background")
    first_tab, second_tab = client.open_page(url), another_client.open_page(url)
    saved = first_tab.submit({"body": "First advocate's text.", "action": "save"})
    assert saved.status_code == 302
    refused = second_tab.submit({"body": "Second advocate's text.", "action": "save"})
    assert refused.status_code == 409
    page = unescape(refused.get_data(as_text=True))
    assert "Someone else saved this section while you were editing it." in page
    assert textarea(page) == "Second advocate's text."  # nothing lost
    assert "First advocate's text." in page  # shown beside, to compare
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert section_service.section_sources(crypto_kit(), dossier)["background"] == \
            "First advocate's text."
    # Saving again after seeing the other text is a deliberate choice, and goes through.
    again = another_client.page_shown(refused, url).submit(
        {"body": "Merged text.", "action": "save"})
    assert again.status_code == 302
    assert audit_actions(app).count("dossier.section_saved") == 2


def test_a_save_racing_another_commit_becomes_an_edit_conflict(
        app: Flask, advocate: Account, families: tuple[int, int]):
    dossier_id = two_incident_dossier(app, advocate, families)
    with app.app_context():
        kit, actor = crypto_kit(), db.session.get(User, advocate.id)
        dossier = db.session.get(Dossier, dossier_id)
        draft = section_service.load_section(kit, dossier, "jurisdiction")
        # Another request commits between our read and our UPDATE (the row in our session
        # still says the old version, so only the database can tell).
        with db.engine.begin() as other:
            other.execute(update(DossierSection).where(
                DossierSection.dossier_id == dossier_id, DossierSection.key == "jurisdiction")
                .values(lock_version=DossierSection.lock_version + 1))
        with pytest.raises(EditConflict):
            section_service.save_section(kit, actor, dossier, "jurisdiction", "Mine.",
                                         draft.lock_version)
        db.session.rollback()


def test_preview_without_saving_changes_nothing(
        app: Flask, client: BrowserClient, advocate: Account, families: tuple[int, int]):
    dossier_id = two_incident_dossier(app, advocate, families)
    sign_in(client, advocate)
    url = section_url(dossier_id)
    before = textarea(client.text(url))
    response = client.submit(url, {"body": "**Draft** of {{family_count}} families",
                                   "lock_version": lock_version(client.text(url)),
                                   "action": "preview"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<strong>Draft</strong> of 2 families" in page
    assert textarea(client.text(url)) == before


def test_people_outside_the_dossier_get_404_and_nothing_changes(
        app: Flask, client: BrowserClient, advocate: Account, families: tuple[int, int]):
    dossier_id = two_incident_dossier(app, advocate, families)
    outsider = make_account(app, Role.ADVOCATE, locale="en")
    reviewer = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    for person in (outsider, reviewer, member):
        browser: BrowserClient = app.test_client()  # type: ignore[assignment]
        sign_in(browser, person)
        assert browser.get(section_url(dossier_id)).status_code == 404
        response = browser.post(section_url(dossier_id), data={
            "body": "x", "action": "save", "lock_version": "1",
            "csrf_token": browser.csrf_token("/account")})
        assert response.status_code == 404
    sign_in(client, advocate)
    assert client.get(section_url(dossier_id, "no_such_section")).status_code == 404
    assert client.get(section_url(987654)).status_code == 404


def test_a_dossier_in_review_is_read_only_for_its_authors(
        app: Flask, client: BrowserClient, another_client: BrowserClient, advocate: Account,
        families: tuple[int, int]):
    dossier_id = two_incident_dossier(app, advocate, families)
    reviewer = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    sign_in(client, advocate)
    url = section_url(dossier_id)
    version = lock_version(client.text(url))
    set_status(app, dossier_id, "in_review", reviewer_id=reviewer.id)
    page = client.text(url)
    assert "you can read this section only" in page
    assert 'name="body"' not in page
    response = client.post(url, data={"body": "Changed in review", "action": "save",
                                      "lock_version": version,
                                      "csrf_token": client.csrf_token("/account")})
    assert response.status_code == 404
    # The reviewer it was sent to reads it.
    sign_in(another_client, reviewer)
    assert another_client.get(url).status_code == 200
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert "Changed in review" not in section_service.section_sources(
            crypto_kit(), dossier)["executive_summary"]


def test_substitution_escapes_values_and_leaves_unknown_facts_visible():
    facts = facts_service.DossierFacts(incident_count=3, family_count=1, exhibit_count=0,
                                       first_day=None, last_day=None, countries=(),
                                       agencies=("cyber_police",))
    out = facts_service.substitute(
        "{{incident_count}} / {{ agencies }} / {{date_range}} / {{countries}} / {{typo}}",
        facts, "en", lambda value: "*Cyber* [police](x)")
    assert out.startswith("3 / \\*Cyber\\* \\[police\\]\\(x\\) / ")
    assert out.endswith("{{date_range}} / {{countries}} / {{typo}}")


# --- templates admins edit ----------------------------------------------------------------


def test_an_admin_edits_a_template_and_new_dossiers_start_from_it(
        app: Flask, client: BrowserClient, another_client: BrowserClient, advocate: Account,
        families: tuple[int, int]):
    admin = make_account(app, Role.ADMIN, locale="en")
    sign_in(client, admin)
    url = "/admin/editorial/templates/background/fr"
    assert "Kyiv" in client.text(url)
    response = client.submit(url, {"body": "Contexte révisé : {{incident_count}} faits."})
    assert response.status_code == 302
    assert "section_template.saved" in audit_actions(app)
    dossier_id = two_incident_dossier(app, advocate, families, language="fr")
    english_id = two_incident_dossier(app, advocate, families, language="en")
    sign_in(another_client, advocate)
    assert textarea(another_client.text(section_url(dossier_id, "background"))) == \
        "Contexte révisé : {{incident_count}} faits."
    assert "Kyiv" in textarea(another_client.text(section_url(english_id, "background")))


def test_only_admins_reach_the_templates(app: Flask, client: BrowserClient, advocate: Account):
    sign_in(client, advocate)
    assert client.get("/admin/editorial").status_code == 404
    assert client.get("/admin/editorial/templates/background/fr").status_code == 404
    admin: BrowserClient = app.test_client()  # type: ignore[assignment]
    sign_in(admin, make_account(app, Role.ADMIN, locale="en"))
    assert admin.get("/admin/editorial/templates/background/fr").status_code == 200
    assert admin.get("/admin/editorial/templates/background/de").status_code == 404
    assert admin.get("/admin/editorial/templates/nothing/fr").status_code == 404


def test_templates_name_no_one_and_use_only_known_placeholders():
    for path in section_service.TEMPLATE_DIR.glob("*.md"):
        body = path.read_text(encoding="utf-8")
        names = set(re.findall(r"\{\{\s*([a-z_]+)\s*\}\}", body))
        assert names <= set(facts_service.PLACEHOLDERS), path.name
    expected = {f"{k.value}.{lang}.md" for k in SectionKey for lang in ("en", "fr")}
    assert {p.name for p in section_service.TEMPLATE_DIR.glob("*.md")} == expected
