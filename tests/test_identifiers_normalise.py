"""The one form of an identifier, whatever way it was typed (portal/text/identifiers.py):
pure functions, so every spelling is checked here in milliseconds; the pages that use
them are tested through HTTP in tests/test_identifiers.py."""

from __future__ import annotations

import pytest

from portal.text.identifiers import IdentifierRefused, normalise_identifier

IRANIAN_MOBILE = [
    "09121234567", "0912 123 4567", "0912-123-4567", "۰۹۱۲۱۲۳۴۵۶۷", "۰۹۱۲ ۱۲۳ ۴۵۶۷",
    "٠٩١٢١٢٣٤٥٦٧", "+98 912 123 4567", "+989121234567", "0098 912 123 4567",
    "00989121234567", "+98 (912) 123-4567", "\u200e+98 912 123 4567\u200e",
]


@pytest.mark.parametrize("typed", IRANIAN_MOBILE)
def test_every_spelling_of_an_iranian_mobile_number_is_one_e164(typed: str):
    assert normalise_identifier("phone", typed).normal == "+989121234567"


def test_a_tehran_landline_and_a_canadian_number_keep_their_country():
    assert normalise_identifier("phone", "021 1234 5678").normal == "+982112345678"
    assert normalise_identifier("phone", "+1 416 555 0199").normal == "+14165550199"


@pytest.mark.parametrize("typed", ["12", "۰۹۱۲ ۳۴", "call me", "+98 000", ""])
def test_an_impossible_phone_number_is_refused(typed: str):
    with pytest.raises(IdentifierRefused):
        normalise_identifier("phone", typed)


@pytest.mark.parametrize("typed", [
    "@Sample_Agent", "sample_agent", "SAMPLE_AGENT", " @sample_agent ",
    "https://www.instagram.com/sample_agent/", "instagram.com/Sample_Agent?hl=fa",
])
def test_an_instagram_handle_typed_or_pasted_is_one_account(typed: str):
    found = normalise_identifier("account", typed, "instagram")
    assert (found.normal, found.shown) == ("sample_agent", "@sample_agent")


@pytest.mark.parametrize(("typed", "platform"), [
    ("https://t.me/s/Sample_Agent", "telegram"), ("https://x.com/sample_agent", "x"),
    ("twitter.com/Sample_Agent/status/1", "x"), ("@sample_agent", "facebook"),
])
def test_profile_addresses_of_other_platforms_give_the_handle(typed: str, platform: str):
    assert normalise_identifier("account", typed, platform).normal == "sample_agent"


def test_a_whatsapp_account_is_its_phone_number():
    for typed in ("wa.me/989121234567", "۰۹۱۲ ۱۲۳ ۴۵۶۷", "+98 912 123 4567"):
        assert normalise_identifier("account", typed, "whatsapp").normal == "+989121234567"


def test_a_handle_with_spaces_or_an_account_without_platform_is_refused():
    with pytest.raises(IdentifierRefused, match="handle_invalid"):
        normalise_identifier("account", "sample agent!", "telegram")
    with pytest.raises(IdentifierRefused, match="platform_missing"):
        normalise_identifier("account", "@sample_agent", "")


def test_email_addresses_are_lower_case_and_checked():
    assert normalise_identifier("email", " Agent@Example.ORG ").normal == "agent@example.org"
    with pytest.raises(IdentifierRefused, match="email_invalid"):
        normalise_identifier("email", "agent at example")


def test_names_and_places_are_normalised_as_search_does():
    arabic = normalise_identifier("official", "سرهنگ  كريمي").normal
    persian = normalise_identifier("official", "سرهنگ کریمی").normal
    assert arabic == persian == "سرهنگ کریمی"
    assert (normalise_identifier("place", "ساختمان\u200cها ۱۲").normal
            == normalise_identifier("place", "ساختمانها 12").normal)
    assert normalise_identifier("official", "Colonel KARIMI").normal == "colonel karimi"


def test_vehicle_plates_lose_spaces_dashes_and_the_word_iran():
    one = normalise_identifier("vehicle_plate", "۱۲ ب ۳۴۵ ایران ۶۷").normal
    assert one == normalise_identifier("vehicle_plate", "12ب345-67").normal == "12ب34567"
