"""Unit tests for portal.crypto.passwords."""

from __future__ import annotations

import unicodedata

import pytest

from portal.crypto.passwords import (
    MAX_PASSPHRASE_CHARS,
    Argon2Params,
    PassphraseHasher,
    PassphraseProblem,
    PassphraseVerdict,
    check_passphrase,
    normalize_passphrase,
)

CHEAP = Argon2Params(time_cost=1, memory_cost_kib=8192, parallelism=1)


def make_hasher(params: Argon2Params = CHEAP) -> PassphraseHasher:
    return PassphraseHasher(params)


def test_hash_then_verify_roundtrip_succeeds() -> None:
    hasher = make_hasher()
    stored = hasher.hash("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert hasher.verify(stored, "correct horse battery staple") is True


def test_hash_is_salted_so_same_passphrase_gives_different_hashes() -> None:
    hasher = make_hasher()
    assert hasher.hash("same passphrase here") != hasher.hash("same passphrase here")


def test_verify_returns_false_for_wrong_passphrase() -> None:
    hasher = make_hasher()
    stored = hasher.hash("correct horse battery staple")
    assert hasher.verify(stored, "correct horse battery stapler") is False


@pytest.mark.parametrize(
    "garbage", ["", "not a hash", "$argon2id$v=19$m=8192,t=1,p=1$bad$bad"]
)
def test_verify_returns_false_for_garbage_hash(garbage: str) -> None:
    assert make_hasher().verify(garbage, "anything at all") is False


def test_nfc_equivalent_passphrases_verify() -> None:
    hasher = make_hasher()
    composed = "caf\u00e9 au lait tous les jours"  # é precomposed
    decomposed = unicodedata.normalize("NFD", composed)  # e + combining acute
    assert composed != decomposed
    stored = hasher.hash(decomposed)
    assert hasher.verify(stored, composed) is True


def test_normalize_passphrase_is_nfc_and_keeps_case_and_spaces() -> None:
    assert normalize_passphrase("E\u0301 A ") == "\u00c9 A "


def test_needs_rehash_false_for_same_params_true_when_params_change() -> None:
    old = make_hasher()
    stored = old.hash("correct horse battery staple")
    assert old.needs_rehash(stored) is False
    stronger = make_hasher(
        Argon2Params(time_cost=2, memory_cost_kib=8192, parallelism=1)
    )
    assert stronger.needs_rehash(stored) is True


def test_needs_rehash_true_for_garbage_hash() -> None:
    assert make_hasher().needs_rehash("not a hash") is True


def test_dummy_verify_runs_without_error_and_reuses_fixed_hash() -> None:
    hasher = make_hasher()
    hasher.dummy_verify("some passphrase")
    first = hasher._dummy_hash
    hasher.dummy_verify("another passphrase")
    assert first is not None
    assert hasher._dummy_hash == first


def test_default_params_follow_rfc9106_second_recommendation() -> None:
    assert Argon2Params() == Argon2Params(
        time_cost=3, memory_cost_kib=65536, parallelism=4
    )


def test_eleven_chars_refused_as_too_short_for_min_twelve() -> None:
    verdict = check_passphrase("q7#vL9!xZ2m", min_chars=12)
    assert verdict.problem is PassphraseProblem.TOO_SHORT
    assert verdict.ok is False
    assert verdict.min_chars == 12


def test_length_counts_code_points_after_nfc() -> None:
    # 12 visible characters written with combining accents are 12 after NFC.
    decomposed = unicodedata.normalize("NFD", "\u00e9" * 12)
    assert len(decomposed) == 24
    verdict = check_passphrase(decomposed, min_chars=13)
    assert verdict.problem is PassphraseProblem.TOO_SHORT


def test_257_chars_refused_as_too_long() -> None:
    verdict = check_passphrase("x" * (MAX_PASSPHRASE_CHARS + 1), min_chars=12)
    assert verdict.problem is PassphraseProblem.TOO_LONG


@pytest.mark.parametrize("weak", ["password1234", "aaaaaaaaaaaaaaaa"])
def test_common_or_repetitive_passphrases_refused_as_too_guessable(weak: str) -> None:
    verdict = check_passphrase(weak, min_chars=12)
    assert verdict.problem is PassphraseProblem.TOO_GUESSABLE
    assert not verdict.ok


def test_passphrase_built_around_username_refused_as_personal_info() -> None:
    verdict = check_passphrase(
        "mahsarezaei2024", min_chars=12, user_inputs=["mahsarezaei"]
    )
    assert verdict.problem is PassphraseProblem.CONTAINS_PERSONAL_INFO


def test_passphrase_built_around_display_name_words_refused_as_personal_info() -> None:
    verdict = check_passphrase(
        "mahsarezaei2024", min_chars=12, user_inputs=["m.r", "Mahsa Rezaei"]
    )
    assert verdict.problem is PassphraseProblem.CONTAINS_PERSONAL_INFO


def test_persian_four_word_passphrase_accepted() -> None:
    verdict = check_passphrase("کوه آبی ستاره باران پنجره", min_chars=12)
    assert verdict.ok
    assert verdict.problem is None


def test_random_english_passphrase_accepted() -> None:
    verdict = check_passphrase(
        "velvet orbit lantern quietly", min_chars=12, user_inputs=["mahsarezaei"]
    )
    assert verdict == PassphraseVerdict(problem=None, min_chars=12, suggestions=())


def test_long_passphrase_over_zxcvbn_limit_is_checked_without_error() -> None:
    verdict = check_passphrase("velvet orbit lantern quietly " * 8, min_chars=12)
    assert verdict.ok


def test_suggestions_are_never_filled_in() -> None:
    assert check_passphrase("password1234", min_chars=12).suggestions == ()


def test_invalid_min_chars_raises_value_error() -> None:
    with pytest.raises(ValueError, match="min_chars"):
        check_passphrase("whatever", min_chars=0)
