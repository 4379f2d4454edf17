"""Persian, English and French: the language a person reads and the direction of the page.

Expected texts come from the translation catalogs themselves, so these tests check that
pages really use them (and fail while a catalog is missing a translation).
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

import pyotp
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import select

from portal.models import Role, User, db
from tests.conftest import KNOWN_SECRETS
from tests.support.client import BrowserClient
from tests.support.factories import ISSUED_TOTP_SECRETS, make_account, make_family
from tests.support.journeys import sign_in, sign_out

TRANSLATIONS = Path(__file__).resolve().parent.parent / "portal" / "translations"
LOCALES = ("en", "fa", "fr")
TRANSLATED_LOCALES = ("fa", "fr")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

INVITEE_PASSPHRASE = "lattice ember harbour quilt saffron"
KNOWN_SECRETS.add(INVITEE_PASSPHRASE)


@cache
def catalog(locale: str) -> Catalog:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def tr(locale: str, msgid: str) -> str:
    """What a reader of `locale` should see for the English `msgid`."""
    if locale == "en":
        return msgid
    message = catalog(locale).get(msgid)
    assert message is not None, f"{msgid!r} is not in the {locale} catalog"
    assert message.string, f"{msgid!r} has no {locale} translation yet"
    assert isinstance(message.string, str)
    return message.string


def text_of(page: str) -> str:
    return html.unescape(page)


def html_tag(page: str) -> str:
    match = re.search(r"<html[^>]*>", page)
    assert match
    return match.group(0)


def heading(page: str) -> str:
    match = re.search(r'<h1 class="heading-xl">(.*?)</h1>', page, re.S)
    assert match, page[:2000]
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def assert_page_in(locale: str, page: str, msgid: str) -> None:
    direction = "rtl" if locale == "fa" else "ltr"
    assert html_tag(page) == f'<html lang="{locale}" dir="{direction}">'
    assert tr(locale, msgid) in text_of(page)
    if locale != "en":
        assert msgid not in text_of(page), f"English {msgid!r} left on a {locale} page"


def speaking(client: BrowserClient, locale: str) -> BrowserClient:
    """Make every request of this client carry the browser's language preference."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    return client


def lang_switch_next(page: str) -> str:
    form = re.search(r'<form class="lang-switch".*?</form>', page, re.S)
    assert form, "no language switch on the page"
    value = re.search(r'name="next" value="([^"]*)"', form.group(0))
    assert value
    return html.unescape(value.group(1))


# --- choosing the language ----------------------------------------------------------------


def test_persian_browser_gets_a_persian_right_to_left_login_page(client: BrowserClient):
    page = client.text("/login", headers={"Accept-Language": "fa"})
    assert '<html lang="fa" dir="rtl">' in page
    title = heading(page)
    assert title == tr("fa", "Sign in")
    assert ARABIC_SCRIPT.search(title)
    assert "Sign in" not in text_of(page)


def test_french_browser_gets_a_french_left_to_right_login_page(client: BrowserClient):
    page = client.text("/login", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr" dir="ltr">' in page
    assert heading(page) == tr("fr", "Sign in")
    assert heading(page) != "Sign in"
    assert tr("fr", "Passphrase") in text_of(page)


def test_browser_without_a_supported_language_gets_english(client: BrowserClient):
    page = client.text("/login", headers={"Accept-Language": "de, ja;q=0.5"})
    assert '<html lang="en" dir="ltr">' in page
    assert heading(page) == "Sign in"


def test_language_switch_works_without_javascript_and_is_remembered(client: BrowserClient):
    speaking(client, "fa")
    page = client.text("/login")
    assert '<html lang="fa" dir="rtl">' in page
    back_to = lang_switch_next(page)
    assert back_to.startswith("/login")

    response = client.submit("/login", {"locale": "fr", "next": back_to}, action="/language")
    assert response.status_code == 302
    assert response.headers["Location"] == back_to.rstrip("?")  # back where the reader was

    for _ in range(2):  # remembered, not a one-off
        again = client.text("/login")
        assert '<html lang="fr" dir="ltr">' in again
        assert heading(again) == tr("fr", "Sign in")
        assert re.search(r'value="fr" lang="fr" aria-current="true"', again)


def test_language_switch_ignores_unknown_languages(client: BrowserClient):
    # The switch offers no German: a forged request.
    response = client.post_form("/language", {"locale": "de", "next": "/login"},
                                token_page="/login")
    assert response.status_code == 302
    assert '<html lang="en" dir="ltr">' in client.text("/login")


def test_language_switch_refuses_a_post_without_csrf_token(client: BrowserClient):
    client.get("/login")
    response = client.post("/language", data={"locale": "fr", "next": "/login"})
    assert response.status_code == 400
    assert '<html lang="en" dir="ltr">' in client.text("/login")


def test_signed_in_users_choice_is_stored_and_wins_over_the_browser_language(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    sign_in(client, family)
    response = client.submit("/", {"locale": "fr"}, action="/language")
    assert response.status_code == 302
    with app.app_context():
        assert family.reload().locale == "fr"

    speaking(another_client, "fa")
    assert '<html lang="fa" dir="rtl">' in another_client.text("/login")
    sign_in(another_client, family)
    home = another_client.text("/")
    assert '<html lang="fr" dir="ltr">' in home
    with app.app_context():
        name = family.reload().display_name
    assert heading(home) == tr("fr", "Welcome, %(name)s") % {"name": name}
    assert tr("fr", "Your account and security") in text_of(home)


def test_language_chosen_on_the_login_page_is_kept_after_signing_in(
        app: Flask, client: BrowserClient):
    family = make_account(app, Role.FAMILY_MEMBER)
    speaking(client, "fa")
    client.submit("/login", {"locale": "fr"}, action="/language")
    assert '<html lang="fr" dir="ltr">' in client.text("/login")
    sign_in(client, family)
    home = client.text("/")
    assert '<html lang="fr" dir="ltr">' in home, "the chosen language was lost at sign-in"


# --- journeys in every language -----------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_login_journey_in_each_language(app: Flask, client: BrowserClient, locale: str):
    family = make_account(app, Role.FAMILY_MEMBER)
    speaking(client, locale)
    login = client.text("/login")
    assert_page_in(locale, login, "This portal is only for people who were invited. If you "
                                  "have no account, ask the advocate who works with your family.")
    assert heading(login) == tr(locale, "Sign in")

    wrong = client.submit("/login", {"username": family.username, "passphrase": "wrong words"})
    assert wrong.status_code == 200
    assert_page_in(locale, wrong.get_data(as_text=True),
                   "The username or passphrase is not right.")

    sign_in(client, family)
    home = client.text("/")
    with app.app_context():
        name = family.reload().display_name
    assert_page_in(locale, home, "Your account and security")
    assert heading(home) == tr(locale, "Welcome, %(name)s") % {"name": name}

    response = sign_out(client)
    signed_out = client.text(response.headers["Location"])
    assert_page_in(locale, signed_out, "You have signed out.")


@pytest.mark.parametrize("locale", LOCALES)
def test_second_factor_enrolment_in_each_language(app: Flask, client: BrowserClient,
                                                  locale: str):
    advocate = make_account(app, Role.ADVOCATE, second_factor=False, locale=locale)
    make_family(app, advocates=[advocate])
    sign_in(client, advocate)
    response = client.get("/login/code")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/second-factor"

    page = client.text("/account/second-factor")
    assert_page_in(locale, page, "Staff accounts must use a second factor. You can use the "
                                 "portal as soon as this is done.")
    assert heading(page) == tr(locale, "Set up a second factor")
    assert "<svg" in page
    assert tr(locale, "QR code for your authenticator app") in text_of(page)
    typed = re.search(r'<p class="secret">([A-Z2-7 ]+)</p>', page)
    assert typed, "the key to type by hand is not on the page"
    secret = typed.group(1).replace(" ", "")
    ISSUED_TOTP_SECRETS.add(secret)
    assert len(secret) == 32

    done = client.submit("/account/second-factor", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes_page = done.get_data(as_text=True)
    assert_page_in(locale, codes_page, "Each code lets you sign in once if you lose your phone.")
    assert heading(codes_page) == tr(locale, "Your second factor is on")
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", codes_page)
    assert len(set(codes)) == 10
    KNOWN_SECRETS.update(codes)  # the leak check looks for them in logs and tables

    assert client.get("/").status_code == 200
    with app.app_context():
        user = advocate.reload()
        assert user.has_second_factor
        assert user.totp_secret_sealed is not None
        assert secret.encode() not in user.totp_secret_sealed


@pytest.mark.parametrize("locale", LOCALES)
def test_invitation_journey_in_each_language(app: Flask, client: BrowserClient,
                                             another_client: BrowserClient, locale: str):
    advocate = make_account(app, Role.ADVOCATE, locale=locale)
    make_family(app, advocates=[advocate])
    sign_in(client, advocate)
    form = client.text("/invitations/new")
    assert_page_in(locale, form, "Create the invitation link")
    assert heading(form) == tr(locale, "Invite someone")

    created = client.submit("/invitations/new", {"display_name": "Parisa Example",
                                                 "locale": locale})
    assert created.status_code == 200
    created_page = created.get_data(as_text=True)
    assert heading(created_page) == tr(locale, "Invitation created")
    link = re.search(r'<p class="secret">https?://[^/]+(/invite/[A-Za-z0-9_\-]+)</p>',
                     created_page)
    assert link

    speaking(another_client, locale)
    accept = another_client.text(link.group(1))
    assert_page_in(locale, accept, "Create my account")
    assert heading(accept) == tr(locale, "Create your account")

    response = another_client.submit(link.group(1), {
        "username": "parisa.example", "passphrase": INVITEE_PASSPHRASE,
        "confirm": INVITEE_PASSPHRASE})
    assert response.status_code == 302
    home = another_client.text(response.headers["Location"])
    assert_page_in(locale, home, "Welcome. Your account is ready.")
    assert heading(home) == tr(locale, "Welcome, %(name)s") % {"name": "Parisa Example"}
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "parisa.example"))
        assert user is not None
        assert user.locale == locale


@pytest.mark.parametrize("digits", [PERSIAN_DIGITS, ARABIC_INDIC_DIGITS],
                         ids=["persian", "arabic-indic"])
def test_totp_code_typed_with_persian_digits_is_accepted(
        app: Flask, client: BrowserClient, digits: dict[int, str]):
    advocate = make_account(app, Role.ADVOCATE, locale="fa")
    make_family(app, advocates=[advocate])
    response = client.submit("/login", {"username": advocate.username,
                                        "passphrase": advocate.passphrase})
    assert response.status_code == 302
    typed = advocate.code().translate(digits)
    assert typed.isdigit()
    assert not typed.isascii()
    response = client.submit("/login/code", {"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert '<html lang="fa" dir="rtl">' in home.get_data(as_text=True)


# --- the catalogs ---------------------------------------------------------------------------


def strings_of(message) -> list[str]:  # type: ignore[no-untyped-def]
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_catalog_has_no_empty_translations(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        messages = [m for m in read_po(handle, locale=locale) if m.id]
    assert len(messages) > 100
    empty = [m.id for m in messages if not all(s and s.strip() for s in strings_of(m))]
    assert empty == [], f"{len(empty)} messages without a {locale} translation"


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_catalog_has_no_fuzzy_translations(locale: str):
    """Fuzzy entries are left out when compiling: readers would see English."""
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        fuzzy = [m.id for m in read_po(handle, locale=locale) if m.id and m.fuzzy]
    assert fuzzy == []


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_translations_keep_every_placeholder(locale: str):
    """A lost or renamed %(name)s would break the page or drop information."""
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        messages = [m for m in read_po(handle, locale=locale) if m.id]
    wrong = []
    for message in messages:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings_of(message):
            found = set(PLACEHOLDER.findall(string or ""))
            # A plural form may leave out the number ("un événement"), nothing else.
            allowed_missing = {"num"} if isinstance(message.id, tuple) else set()
            if not found <= expected or expected - found - allowed_missing:
                wrong.append(ids[0])
    assert wrong == []


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_catalog_covers_every_message_of_the_template(locale: str):
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        present = {m.id if isinstance(m.id, str) else m.id[0]
                   for m in read_po(handle, locale=locale) if m.id}
    assert template - present == set()
