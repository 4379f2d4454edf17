"""Searching reports by a word's stem: ``برادر`` finds ``برادرم``, ``برادرها`` and
``برادر‌ها`` (decision 0021), still through the keyed blind index.

A family member writes reports in Persian and English over HTTP; their assigned
advocate searches the workspace. Each expectation below is written out by hand.
All names and texts are fictional.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import delete, select

from portal.dependencies import crypto_kit
from portal.models import Role, SearchToken, db
from portal.services.search_index import token_for, words
from tests.support.client import BrowserClient
from tests.support.factories import make_account, make_family
from tests.support.faults import run_cli
from tests.support.journeys import sign_in, sign_out
from tests.support.reports import send_report, start_report
from tests.test_encryption_at_rest import database_copy

# Each report's narrative, by a key the expectations use.
NARRATIVES = {
    "my_brother": "دیروز برادرم را به دفتر احضار کردند.",
    "brothers": "برادرها را تهدید کردند که ساکت بمانند.",
    "brothers_zwnj": "برادر\u200cها را در فرودگاه نگه داشتند.",
    "brotherhood": "از برادری و همبستگی خانواده‌ها نوشتند.",
    "brother": "برادر من هنوز در شهر نمونه زندگی می‌کند.",
    "book_arabic": "كتاب خاطراتش را در بازرسی بردند.",  # Arabic ك
    "books_persian": "کتاب‌هایم را از خانه بردند.",  # Persian ک, a suffix after ZWNJ
    "summoned": "The ministry summoned my cousin Zarvand to the office twice.",
    "summons": "A written summons came for Zarvand's neighbour.",
    "deportee": "Officials spoke to the deportee at the border.",
    "deported": "They deported him to the border town.",
    "bar": "بر سر مزار چیزی گفتند.",  # the two-letter word بر on its own
    "marked": "Everyone was marked for the gathering.",
}


@dataclass
class World:
    advocate_client: BrowserClient
    ids: dict[str, int]

    def found(self, query: str) -> set[str]:
        page = self.listing(query)
        listed = {int(i) for i in re.findall(r'href="/reports/(\d+)"', page)}
        return {key for key, incident_id in self.ids.items() if incident_id in listed}

    def listing(self, query: str) -> str:
        response = self.advocate_client.get("/workspace", query_string={"q": query})
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)


@pytest.fixture
def world(app: Flask, client: BrowserClient, another_client: BrowserClient) -> World:
    reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    make_family(app, members=[reporter], advocates=[advocate])
    sign_in(client, reporter)
    ids = {}
    for key, narrative in NARRATIVES.items():
        incident_id = start_report(client)
        sent = send_report(client, incident_id, "submit", start_text="1401/07/15",
                           narrative=narrative)
        assert sent.status_code == 302, sent.get_data(as_text=True)[:600]
        ids[key] = incident_id
    sign_out(client)
    sign_in(another_client, advocate)
    return World(another_client, ids)


def test_a_persian_word_finds_its_inflected_forms_with_or_without_zwnj(world: World) -> None:
    assert world.found("برادر") == {"my_brother", "brothers", "brothers_zwnj", "brotherhood",
                                    "brother"}
    # Decided (decision 0021): ی is the ezafe and the indefinite ending, so برادری
    # ("brotherhood") is found too; a reader can tell them apart at a glance.
    assert "brotherhood" in world.found("برادر")


def test_an_inflected_word_finds_itself_and_longer_forms_but_not_its_stem(world: World) -> None:
    assert world.found("برادرها") == {"brothers", "brothers_zwnj"}
    assert world.found("برادر\u200cها") == {"brothers", "brothers_zwnj"}
    assert world.found("برادرم") == {"my_brother"}


def test_arabic_and_persian_letters_find_the_same_reports(world: World) -> None:
    assert world.found("كتاب") == {"book_arabic", "books_persian"}
    assert world.found("کتاب") == {"book_arabic", "books_persian"}
    assert world.found("كتابهايم") == {"books_persian"}


def test_a_latin_word_finds_its_forms_with_common_endings(world: World) -> None:
    assert world.found("summon") == {"summoned", "summons"}
    assert world.found("SUMMONED") == {"summoned"}
    assert world.found("deport") == {"deported"}
    assert world.found("deportee") == {"deportee"}
    # Every word must be found: a stem and a whole word together.
    assert world.found("summon zarvand") == {"summoned", "summons"}
    assert world.found("summon border") == set()


def test_only_known_endings_are_searched_not_any_beginning(world: World) -> None:
    assert world.found("برا") == set()  # not the beginning of برادر
    assert world.found("summ") == set()
    assert world.found("mark") == {"marked"}
    assert world.found("mar") == set()


def test_a_two_letter_word_is_matched_whole_and_the_hint_says_so(world: World) -> None:
    # بر is the beginning of برادر… but only the report with the word بر is found.
    assert world.found("بر") == {"bar"}
    page = world.listing("بر")
    assert "A word of two letters finds only itself" in page
    assert "A word of two letters finds only itself" in world.listing("برادر بر")
    assert "A word of two letters finds only itself" not in world.listing("برادر")
    assert "A word of three letters or more also finds its other forms" in world.listing("")


def test_the_database_holds_none_of_the_words_in_clear(app: Flask, world: World) -> None:
    assert world.found("برادر")  # the index is in use
    dump = database_copy(app)
    typed = ["برادرم", "برادرها", "برادر\u200cها", "برادری", "برادر", "همبستگی", "خاطراتش",
             "كتاب", "کتاب", "کتاب\u200cهایم", "کتابهایم", "summoned", "Zarvand", "zarvand",
             "deportee", "deported", "neighbour"]
    assert [w for w in typed if w.encode("utf-8") in dump] == []


def test_reindexing_brings_an_index_of_whole_words_up_to_stems(app: Flask, world: World) -> None:
    # The index as the portal kept it before stems (decision 0005): whole words only.
    with app.app_context():
        kit = crypto_kit()
        db.session.execute(delete(SearchToken))
        db.session.add_all(SearchToken(token=token_for(kit, word), incident_id=incident_id)
                           for key, incident_id in world.ids.items()
                           for word in sorted(words(NARRATIVES[key])))
        db.session.commit()
        before = db.session.scalar(select(db.func.count()).select_from(SearchToken)) or 0
    assert world.found("برادر") == {"brother"}  # whole words only, as before
    assert world.found("summoned") == {"summoned"}

    code, output = run_cli(app, "search", "reindex")
    assert code == 0, output
    assert f"{len(NARRATIVES)} submitted reports" in output
    assert world.found("برادر") == {"my_brother", "brothers", "brothers_zwnj", "brotherhood",
                                    "brother"}
    assert world.found("summon") == {"summoned", "summons"}
    with app.app_context():
        after = db.session.scalar(select(db.func.count()).select_from(SearchToken)) or 0
    assert after > before

    code, again = run_cli(app, "search", "reindex")  # the same index again
    assert code == 0, again
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(SearchToken)) == after
