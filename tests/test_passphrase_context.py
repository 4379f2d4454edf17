"""A passphrase made of what everyone knows about this portal (the flight, the airline,
the cities, the slogans, the years, in either script, joined or in leetspeak) is as
guessable as "password": it is refused with the usual advice. Random words still pass,
even beside one of those words."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.crypto.passwords import PassphraseProblem, check_passphrase
from portal.models import Role
from tests.conftest import KNOWN_SECRETS
from tests.support.client import BrowserClient
from tests.test_passphrases import (
    PERSONAL,
    TOO_EASY,
    accept,
    assert_refused_at_invitation,
    invitation_token,
)

CONTEXT_PHRASES = [
    "ZanZendegiAzadi", "mahsa amini 1401", "Ukraine752Flight", "Ps752-Justice!",
    "زن زندگی آزادی", "زن، زندگی، آزادی", "مهسا امینی ۱۴۰۱", "مهسا اميني 1401",
    "Zan Zend3gi Az4di!", "JusticeForPS752!", "Tehran2020Toronto", "kyiv tehran ottawa 1398",
    "woman life freedom 2022",
]
PERSONAL_PHRASES = ["sample.example1401", "BaharNouri2020!"]
DICEWARE = "orbit quarry lantern maple thistle"
WITH_ONE_CONTEXT_WORD = "tehran orbit quarry lantern thistle"
KNOWN_SECRETS.update({*CONTEXT_PHRASES, *PERSONAL_PHRASES, DICEWARE, WITH_ONE_CONTEXT_WORD})


@pytest.mark.parametrize("passphrase", CONTEXT_PHRASES)
def test_a_passphrase_of_the_portals_context_is_refused_as_too_easy(
        app: Flask, client: BrowserClient, another_client: BrowserClient, passphrase: str):
    token = invitation_token(app, client, Role.FAMILY_MEMBER)
    response = accept(another_client, token, passphrase)
    assert_refused_at_invitation(app, response, TOO_EASY)


@pytest.mark.parametrize("passphrase", PERSONAL_PHRASES)
def test_the_username_or_name_with_a_year_is_refused_as_personal(
        app: Flask, client: BrowserClient, another_client: BrowserClient, passphrase: str):
    token = invitation_token(app, client, Role.FAMILY_MEMBER)
    response = accept(another_client, token, passphrase)
    assert_refused_at_invitation(app, response, PERSONAL)


@pytest.mark.parametrize("passphrase", [DICEWARE, WITH_ONE_CONTEXT_WORD])
def test_random_words_are_accepted_even_beside_a_context_word(
        app: Flask, client: BrowserClient, another_client: BrowserClient, passphrase: str):
    token = invitation_token(app, client, Role.FAMILY_MEMBER)
    response = accept(another_client, token, passphrase)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_the_portals_own_name_given_as_context_is_too_easy_not_personal():
    verdict = check_passphrase("AuroraNetwork2024!", min_chars=12,
                               context=["Aurora Advocacy Network"])
    assert verdict.problem is PassphraseProblem.TOO_GUESSABLE
    assert check_passphrase("AuroraNetwork2024!", min_chars=12).ok
