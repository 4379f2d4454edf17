"""A Persian passphrase is the same phrase on a Persian or an Arabic keyboard layout
(ك/ي for ک/ی, ە and ۀ for ه and هٔ): it signs in either way, an account made before
this rule still signs in and is rehashed, and nothing else is folded (decision 0017)."""

from __future__ import annotations

import unicodedata

import pytest
from argon2 import PasswordHasher, Type
from flask import Flask
from sqlalchemy import select

from portal.crypto.passphrase_form import passphrase_form
from portal.crypto.passwords import check_passphrase
from portal.dependencies import crypto_kit
from portal.models import Role, User, db
from tests.conftest import KNOWN_SECRETS
from tests.support.client import BrowserClient
from tests.support.factories import PASSPHRASES, Account, make_account, make_family

KAF, YEH, FARSI_YEH, KEHEH = "\u0643", "\u064a", "\u06cc", "\u06a9"
ZWNJ = "\u200c"
PERSIAN = PASSPHRASES[Role.FAMILY_MEMBER]  # "سیب زرد کنار رودخانه آرام": has ی and ک
ARABIC_LAYOUT = PERSIAN.replace(FARSI_YEH, YEH).replace(KEHEH, KAF)
OLD_ACCOUNT_PASSPHRASE = "كتاب كهنه روي ميز چوبي مادربزرگ"  # typed on an Arabic layout
KNOWN_SECRETS.update({ARABIC_LAYOUT, OLD_ACCOUNT_PASSPHRASE})


@pytest.mark.parametrize(("typed", "form"), [
    # Arabic letters that Persian writes differently become the Persian letters.
    ("\u0643\u062a\u0627\u0628", "\u06a9\u062a\u0627\u0628"),  # كتاب -> کتاب
    ("\u064a\u0627\u0633", "\u06cc\u0627\u0633"),  # ياس -> یاس
    ("\u0645\u0648\u0633\u0649", "\u0645\u0648\u0633\u06cc"),  # alef maksura -> ی
    ("\u0646\u0627\u0645\u06d5", "\u0646\u0627\u0645\u0647"),  # ae -> heh
    # The ezafe: ۀ, ە + hamza and ه + hamza are one spelling, هٔ (the hamza is kept).
    ("\u062e\u0627\u0646\u06c0", "\u062e\u0627\u0646\u0647\u0654"),
    ("\u062e\u0627\u0646\u06d5\u0654", "\u062e\u0627\u0646\u0647\u0654"),
    ("\u062e\u0627\u0646\u0647\u0654", "\u062e\u0627\u0646\u0647\u0654"),
    # NFKC: presentation forms, ligatures, full-width letters, combining accents.
    ("\ufed9\ufef3", "\u06a9\u06cc"),  # isolated kaf and initial yeh
    ("\ufb01re", "fire"),
    ("\uff21\uff22", "AB"),
    ("cafe\u0301", "caf\u00e9"),
    # Kept as typed: ZWNJ, case, spaces, punctuation, harakat, digits of every script.
    (f"\u0645\u06cc{ZWNJ}\u0631\u0648\u0645", f"\u0645\u06cc{ZWNJ}\u0631\u0648\u0645"),
    ("Lantern orchard", "Lantern orchard"),
    ("  two  spaces ", "  two  spaces "),
    ("\u0645\u064e\u0646", "\u0645\u064e\u0646"),  # a fatha stays
    ("\u0623\u0645\u06cc\u0631", "\u0623\u0645\u06cc\u0631"),  # hamza on alef stays
    ("\u06f1\u06f4\u06f0\u06f2 \u0661\u0664 14", "\u06f1\u06f4\u06f0\u06f2 \u0661\u0664 14"),
    ("\u0629\u0626", "\u0629\u0626"),  # teh marbuta and yeh with hamza stay
])
def test_passphrase_form(typed: str, form: str):
    assert passphrase_form(typed) == form
    assert passphrase_form(form) == form  # idempotent


def test_passphrase_form_of_every_character_is_stable():
    """Applying the form twice never changes anything, whatever the characters."""
    sample = "".join(chr(c) for c in range(0x0600, 0x0700)) + "\u06c0\u064b\ufb8e\ufbfc"
    once = passphrase_form(sample)
    assert passphrase_form(once) == once
    assert unicodedata.is_normalized("NFKC", once)


def test_the_policy_sees_the_same_form_as_the_hash():
    """Length is counted on what is hashed: a ligature counts as its letters."""
    assert check_passphrase("\ufb01" * 6, min_chars=12).problem is not None
    assert len(passphrase_form("\ufb01" * 6)) == 12


def sign_in_with(client: BrowserClient, username: str, typed: str) -> int:
    response = client.submit("/login", {"username": username, "passphrase": typed})
    return response.status_code


def stored_hash(app: Flask, account_id: int) -> str:
    with app.app_context():
        user = db.session.get(User, account_id)
        assert user is not None
        return user.passphrase_hash


@pytest.fixture
def family_member(app: Flask) -> Account:
    member = make_account(app, Role.FAMILY_MEMBER)
    make_family(app, members=[member])
    return member


def test_persian_passphrase_signs_in_when_typed_on_an_arabic_layout(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        family_member: Account):
    assert ARABIC_LAYOUT != PERSIAN
    assert sign_in_with(client, family_member.username, ARABIC_LAYOUT) == 302
    assert client.get("/reports").status_code == 200
    assert sign_in_with(another_client, family_member.username, PERSIAN) == 302


def test_a_wrong_passphrase_is_still_refused(
        app: Flask, client: BrowserClient, family_member: Account):
    before = stored_hash(app, family_member.id)
    for wrong in (ARABIC_LAYOUT.replace("\u0622\u0631\u0627\u0645", "\u0622\u0628\u06cc"),
                  ARABIC_LAYOUT.replace(" ", ""), ARABIC_LAYOUT + ZWNJ):
        assert sign_in_with(client, family_member.username, wrong) == 200
    assert client.get("/reports").status_code == 302
    assert stored_hash(app, family_member.id) == before


def test_latin_case_stays_significant(app: Flask, client: BrowserClient):
    advocate = make_account(app, Role.ADVOCATE, second_factor=False)
    assert sign_in_with(client, advocate.username, advocate.passphrase.title()) == 200
    assert sign_in_with(client, advocate.username, advocate.passphrase) == 302


def make_account_before_the_rule(app: Flask, passphrase: str) -> int:
    """An account whose hash is of the NFC text, as the portal made them before."""
    member = make_account(app, Role.FAMILY_MEMBER)
    make_family(app, members=[member])
    with app.app_context():
        params = crypto_kit().hasher.params
        old_hasher = PasswordHasher(
            time_cost=params.time_cost, memory_cost=params.memory_cost_kib,
            parallelism=params.parallelism, hash_len=32, salt_len=16, type=Type.ID)
        user = db.session.get(User, member.id)
        assert user is not None
        user.passphrase_hash = old_hasher.hash(unicodedata.normalize("NFC", passphrase))
        db.session.commit()
    return member.id


def test_an_account_made_before_the_rule_signs_in_and_is_rehashed(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    account_id = make_account_before_the_rule(app, OLD_ACCOUNT_PASSPHRASE)
    with app.app_context():
        username = db.session.scalars(select(User.username).where(User.id == account_id)).one()
    old_hash = stored_hash(app, account_id)

    assert sign_in_with(client, username, OLD_ACCOUNT_PASSPHRASE) == 302
    assert client.get("/reports").status_code == 200

    new_hash = stored_hash(app, account_id)
    assert new_hash != old_hash
    with app.app_context():  # the new hash is of the Persian letters: no second try
        assert crypto_kit().hasher.verify_and_update(
            new_hash, passphrase_form(OLD_ACCOUNT_PASSPHRASE)) == (True, None)
    # Now the same phrase in Persian letters signs in too.
    persian = OLD_ACCOUNT_PASSPHRASE.replace(KAF, KEHEH).replace(YEH, FARSI_YEH)
    KNOWN_SECRETS.add(persian)
    assert sign_in_with(another_client, username, persian) == 302


def test_an_old_account_with_a_wrong_passphrase_is_refused_and_not_rehashed(
        app: Flask, client: BrowserClient):
    account_id = make_account_before_the_rule(app, OLD_ACCOUNT_PASSPHRASE)
    with app.app_context():
        username = db.session.scalars(select(User.username).where(User.id == account_id)).one()
    old_hash = stored_hash(app, account_id)
    assert sign_in_with(client, username, OLD_ACCOUNT_PASSPHRASE[:-1]) == 200
    assert stored_hash(app, account_id) == old_hash


def test_passphrase_asked_again_accepts_the_arabic_layout(
        app: Flask, client: BrowserClient, family_member: Account):
    assert sign_in_with(client, family_member.username, PERSIAN) == 302
    response = client.submit("/reauthenticate", {"passphrase": ARABIC_LAYOUT})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def test_a_new_passphrase_typed_on_an_arabic_layout_is_the_persian_one(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        family_member: Account):
    new_persian = "پرنده کوچک روی شاخه بید"
    new_arabic = new_persian.replace(KEHEH, KAF).replace(FARSI_YEH, YEH)
    KNOWN_SECRETS.update({new_persian, new_arabic})
    assert sign_in_with(client, family_member.username, PERSIAN) == 302
    changed = client.submit("/account/passphrase", {"current": ARABIC_LAYOUT,
                                                    "new": new_arabic})
    assert changed.status_code == 302, changed.get_data(as_text=True)[:500]
    assert sign_in_with(another_client, family_member.username, new_persian) == 302
