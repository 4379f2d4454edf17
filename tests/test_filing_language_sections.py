"""Translating a dossier's sections (decision 0023), on the section translation page as
an advocate uses it: a translation is a record with its translator, method and
certificate; it goes stale when its section changes after it; only the dossier's
contributors may write one while the dossier can be edited; and an export in a
language with a section untranslated or stale is refused, naming it. No PDF is made
here (tests/test_filing_language.py exports)."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from portal.dependencies import crypto_kit
from portal.models import AuditEvent, Role, SectionTranslation, db
from portal.models.dossiers import Dossier, SectionKey
from portal.services.dossiers.export import translation_refusal
from portal.services.dossiers.facts import DossierFacts, substitute
from portal.services.dossiers.naming import agency_namer
from portal.services.dossiers.section_translations import missing_translations
from tests.support.client import BrowserClient
from tests.support.dossier_translations import translate_every_section, translate_section
from tests.support.dossier_world import new_dossier
from tests.support.factories import make_account
from tests.support.journeys import sign_in, sign_out

PAGE = "/dossiers/{id}/sections/{key}/translations/{language}"


def missing(app: Flask, dossier_id: int, language: str) -> list[str]:
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        return missing_translations(crypto_kit(), dossier, language)


def test_an_advocate_translates_every_section_and_a_changed_section_makes_it_stale(
        app: Flask, client: BrowserClient):
    advocate = make_account(app, Role.ADVOCATE)
    sign_in(client, advocate)
    dossier_id = new_dossier(client, "Fictional dossier to translate")
    assert missing(app, dossier_id, "fr") == [key.value for key in SectionKey]
    assert missing(app, dossier_id, "en") == []  # its own language needs none

    translate_every_section(client, dossier_id, "fr")
    assert missing(app, dossier_id, "fr") == []
    assert missing(app, dossier_id, "fa") == [key.value for key in SectionKey]
    with app.app_context():
        rows = db.session.scalars(select(SectionTranslation)).all()
        assert len(rows) == len(SectionKey)
        assert all(row.certified and row.text_sealed and row.certificate_sealed
                   and b"Fictional" not in row.translator_sealed for row in rows)  # sealed
        actions = db.session.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "dossier.section_saved")).all()
        assert sum(1 for d in actions if d.get("translation") == "fr") == len(SectionKey)

    # The advocate changes the background: its French translation is now stale.
    section = f"/dossiers/{dossier_id}/sections/background"
    assert client.submit(section, {"body": "A new background, written after the translation.",
                                   "action": "save"}).status_code == 302
    assert missing(app, dossier_id, "fr") == ["background"]
    page = client.text(PAGE.format(id=dossier_id, key="background", language="fr"))
    assert "The section was changed after this translation was made" in page
    assert "A new background, written after the translation." in page
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        refusal = translation_refusal(crypto_kit(), dossier, "fr")
        assert refusal is not None
        assert refusal.sections == ["background"]
        assert "Missing: Background." in str(refusal.message)
    translate_section(client, dossier_id, "background", "fr", "Un nouveau contexte, traduit.")
    assert missing(app, dossier_id, "fr") == []


def test_a_translation_is_refused_with_each_problem_and_the_text_kept(
        app: Flask, client: BrowserClient):
    advocate = make_account(app, Role.ADVOCATE)
    sign_in(client, advocate)
    dossier_id = new_dossier(client, "Fictional dossier")
    page = PAGE.format(id=dossier_id, key="requests", language="fr")
    refused = client.submit(page, {"text": "Texte gardé", "translator": "",
                                   "method": "machine", "certified": "y", "certificate": ""})
    assert refused.status_code == 200
    body = refused.get_data(as_text=True)
    assert "Enter who translated it" in body
    assert "A machine translation that no one reviewed cannot be certified" in body
    assert "Enter the translator" in body  # the certificate
    assert "Texte gardé" in body
    assert missing(app, dossier_id, "fr") == [key.value for key in SectionKey]


def test_only_contributors_of_an_editable_dossier_translate_and_others_get_404(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    advocate, stranger = (make_account(app, Role.ADVOCATE) for _ in range(2))
    sign_in(client, advocate)
    dossier_id = new_dossier(client, "Fictional dossier")
    for language in ("en", "de"):  # its own language, and one the portal does not export in
        assert client.get(PAGE.format(id=dossier_id, key="background",
                                      language=language)).status_code == 404
    assert client.get(PAGE.format(id=dossier_id, key="nothing",
                                  language="fr")).status_code == 404
    sign_out(client)
    sign_in(another_client, stranger)
    assert another_client.get(PAGE.format(id=dossier_id, key="background",
                                          language="fr")).status_code == 404


def test_generated_facts_agree_with_their_counts_and_say_ranges_and_lists_in_words(
        app: Flask):
    facts = DossierFacts(incident_count=1, family_count=1, exhibit_count=2,
                         first_day=date(2021, 1, 7), last_day=date(2024, 10, 6),
                         countries=("IR", "CA"),
                         agencies=("ministry_of_intelligence", "unknown", "police"))
    text = ("It concerns {{incident_count}} incidents reported by {{family_count}} families, "
            "between {{date_range}}, and {{exhibit_count}} exhibits. Agencies: {{agencies}}.")
    with app.app_context():
        english = substitute(text, facts, "en", agency_namer("en"))
        persian = substitute("{{incident_count}} رویداد، بین {{date_range}}", facts, "fa",
                             agency_namer("fa"))
    assert english == (
        "It concerns 1 incident reported by 1 family, between January 7, 2021 and October 6, "
        "2024, and 2 exhibits. Agencies: Ministry of Intelligence and Police.")
    # Persian digits, Solar Hijri beside Gregorian.
    assert "۱۸ دی ۱۳۹۹" in persian
    assert "۲۰۲۱" in persian
    assert "1" not in persian
