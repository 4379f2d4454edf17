"""Unit tests for portal.crypto.tokens."""

from __future__ import annotations

import hashlib
import re

import pytest

from portal.crypto.tokens import (
    constant_time_equal,
    new_recovery_codes,
    new_token,
    normalize_recovery_code,
    recovery_code_digest,
    token_digest,
)

CODE_RE = re.compile(r"[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}")
KEY_A = b"a" * 32
KEY_B = b"b" * 32


def test_new_tokens_are_unique_and_urlsafe() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)


def test_new_token_refuses_fewer_than_32_bytes() -> None:
    with pytest.raises(ValueError, match="32"):
        new_token(16)


def test_token_digest_is_deterministic_hex_sha256() -> None:
    token = new_token()
    assert token_digest(token) == token_digest(token)
    assert token_digest(token) == hashlib.sha256(token.encode()).hexdigest()
    assert token_digest(token) != token_digest(new_token())
    assert re.fullmatch(r"[0-9a-f]{64}", token_digest(token))


def test_constant_time_equal_compares_strings() -> None:
    assert constant_time_equal("abc", "abc") is True
    assert constant_time_equal("abc", "abd") is False
    assert constant_time_equal("abc", "abcd") is False
    assert constant_time_equal("سلام", "سلام") is True


def test_ten_distinct_recovery_codes_by_default() -> None:
    codes = new_recovery_codes()
    assert len(codes) == 10
    assert len(set(codes)) == 10


def test_recovery_codes_match_format_without_ambiguous_characters() -> None:
    for code in new_recovery_codes(50):
        assert CODE_RE.fullmatch(code), code
        assert not set(code) & set("0o1li")


def test_normalize_recovery_code_strips_spaces_hyphens_and_lowercases() -> None:
    assert normalize_recovery_code("  AB3D-9FKQ x2m7 ") == "ab3d9fkqx2m7"


def test_normalize_recovery_code_maps_persian_and_arabic_indic_digits() -> None:
    # Escapes: Persian digits U+06F0.., Arabic-Indic digits U+0660..
    persian = "ab\u06f3d-\u06f9fkq-x\u06f2m\u06f7"
    arabic_indic = "ab\u0663d-\u0669fkq-x\u0662m\u0667"
    assert normalize_recovery_code(persian) == "ab3d9fkqx2m7"
    assert normalize_recovery_code(arabic_indic) == "ab3d9fkqx2m7"


def test_recovery_code_digest_matches_for_differently_typed_same_code() -> None:
    assert recovery_code_digest("ab3d-9fkq-x2m7", KEY_A) == recovery_code_digest(
        "  AB3D ۹FKQ-X2M7", KEY_A
    )


def test_recovery_code_digest_depends_on_key() -> None:
    code = new_recovery_codes(1)[0]
    assert recovery_code_digest(code, KEY_A) != recovery_code_digest(code, KEY_B)
    assert re.fullmatch(r"[0-9a-f]{64}", recovery_code_digest(code, KEY_A))


def test_recovery_code_digest_refuses_short_key() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        recovery_code_digest("ab3d-9fkq-x2m7", b"short")
