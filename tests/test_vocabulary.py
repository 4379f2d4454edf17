"""Every closed list has its own labels: a value is read in its own list only, so the
"other" of a place, a trigger, an agency, a harm and an authority each read right."""

from __future__ import annotations

import inspect
import re
from enum import StrEnum
from types import ModuleType

import pytest
from flask import Flask
from flask_babel import force_locale

import portal.audit.chain
import portal.audit.custody
import portal.models.accounts
import portal.models.dossiers
import portal.models.evidence
import portal.models.exports
import portal.models.jobs
import portal.models.vocabulary
from portal.models import EvidenceState, JobState, Role
from portal.models.dossiers import AdvocacyEventKind, DossierStatus
from portal.models.evidence import EvidenceKind
from portal.models.vocabulary import (
    Agency,
    Authority,
    Harm,
    IncidentPrecision,
    IncidentStatus,
    PlaceType,
    Trigger,
)
from portal.services.dossiers.naming import agency_namer
from portal.vocabulary import VOCABULARIES, every_label, label, vocabulary_name
from tests.support.client import BrowserClient
from tests.support.factories import make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report

# Modules whose StrEnums are stored values of the domain.
DOMAIN_MODULES: tuple[ModuleType, ...] = (
    portal.models.vocabulary, portal.models.dossiers, portal.models.evidence,
    portal.models.exports, portal.models.jobs, portal.models.accounts,
    portal.audit.chain, portal.audit.custody)
# Stored, but never shown by name: a page says what they mean in a sentence, or not at all.
NEVER_NAMED = {IncidentPrecision, EvidenceState, JobState}

# Every "other" and the English it must read, list by list.
OTHERS = {
    PlaceType: "Other",
    Trigger: "Something else",
    Agency: "Other",
    Harm: "Other",
    Authority: "Other authority",
    EvidenceKind: "Other",
    AdvocacyEventKind: "Other",
}


def domain_enums() -> set[type[StrEnum]]:
    return {member for module in DOMAIN_MODULES
            for _, member in inspect.getmembers(module, inspect.isclass)
            if issubclass(member, StrEnum) and member is not StrEnum
            and member.__module__ == module.__name__}


def test_every_closed_list_shown_to_people_is_a_vocabulary():
    assert domain_enums() - NEVER_NAMED == set(VOCABULARIES)


@pytest.mark.parametrize("vocabulary", list(VOCABULARIES), ids=vocabulary_name)
def test_each_member_of_a_closed_list_has_its_own_label(app: Flask,
                                                        vocabulary: type[StrEnum]):
    table = VOCABULARIES[vocabulary]
    assert list(table) == list(vocabulary)  # every member, in the list's order
    assert all(type(key) is vocabulary for key in table)  # no member of another list
    with app.app_context(), force_locale("en"):
        for member in vocabulary:
            assert label(vocabulary, member) not in ("", member.value), member


def test_no_two_vocabularies_share_a_table_or_a_name():
    tables = list(VOCABULARIES.values())
    assert len({id(table) for table in tables}) == len(tables)
    names = [vocabulary_name(v) for v in VOCABULARIES]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", name) for name in names)


@pytest.mark.parametrize(("vocabulary", "english"), OTHERS.items(),
                         ids=[vocabulary_name(v) for v in OTHERS])
def test_each_other_reads_its_own_label(app: Flask, vocabulary: type[StrEnum], english: str):
    with app.app_context(), force_locale("en"):
        assert label(vocabulary, "other") == english
        assert label(vocabulary_name(vocabulary), "other") == english  # as templates ask
        assert every_label()[f"{vocabulary_name(vocabulary)}:other"] == english  # the PDF


def test_a_value_shared_by_two_lists_reads_in_each_list(app: Flask):
    with app.app_context(), force_locale("en"):
        assert label(Trigger, "anniversary") == "An anniversary or memorial day"
        assert label(AdvocacyEventKind, "anniversary") == "Anniversary"
        assert label(Trigger, "rally") == "A rally or gathering"
        assert label(AdvocacyEventKind, "rally") == "Rally"
        assert label(IncidentStatus, "draft") == label(DossierStatus, "draft") == "Draft"


def test_agencies_are_named_in_the_dossier_language_not_the_page_language(app: Flask):
    with app.test_request_context(), force_locale("fa"):
        assert agency_namer("fr")(Agency.OTHER) == "Autre"
        assert agency_namer("fr")(Agency.JUDICIARY) != "Judiciary"
        assert agency_namer("en")(Agency.OTHER) == "Other"


def test_an_unknown_value_reads_as_stored_and_an_unknown_list_fails_loudly(app: Flask):
    with app.app_context(), force_locale("en"):
        assert label(Agency, "martians") == "martians"
        assert label(Role, Role.ADMIN) == "Administrator"
        with pytest.raises(KeyError):
            label("no_such_list", "other")


def answer_to(page: str, question: str) -> str:
    """The text of a report page's answer row, tags stripped."""
    found = re.search(r'<dt class="summary-list__key">' + re.escape(question)
                      + r'</dt>\s*<dd class="summary-list__value">(.*?)</dd>', page, re.S)
    assert found is not None, question
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_a_report_of_other_places_triggers_agencies_and_harms_reads_each_right(
        app: Flask, client: BrowserClient):
    account = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[account])
    sign_in(client, account)
    incident_id = start_report(client)
    sent = send_report(client, incident_id, "submit", calendar="gregorian",
                       start_text="8 January 2020", place_type="other", trigger="other",
                       agencies=["other"], harms=["other"], report_authority="other",
                       report_date="2020-02-01")
    assert sent.status_code == 302, sent.status_code
    page = client.text(f"/reports/{incident_id}")
    assert answer_to(page, "Place") == "Other"
    assert answer_to(page, "Prompted by") == "Something else"
    assert answer_to(page, "Who was behind it") == "Other"
    assert answer_to(page, "Harm") == "Other"
    assert answer_to(page, "Reported to").startswith("Other authority")
    assert page.count("Other authority") == 1
