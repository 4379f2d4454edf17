"""Unit tests for portal.text.normalise: one normal form for the spellings typists produce.

Every name here is fictional.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.text import normal_form, normalise

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, derandomize=True)

FOLDED = [
    # Arabic letter variants → Persian
    ("ي", "ی", "arabic-yeh"),
    ("ى", "ی", "alef-maksura"),
    ("ك", "ک", "arabic-kaf"),
    ("ة", "ه", "teh-marbuta"),
    ("ۀ", "ه", "heh-with-yeh-above"),
    ("هٔ", "ه", "heh-and-hamza-above"),
    ("ٱ", "ا", "alef-wasla"),
    ("آ", "ا", "alef-madda"),
    # hamza: the seat stays, the hamza goes
    ("أ", "ا", "alef-hamza-above"),
    ("إ", "ا", "alef-hamza-below"),
    ("ؤ", "و", "waw-hamza"),
    ("ئ", "ی", "yeh-hamza"),
    ("\u064a\u0654", "ی", "yeh-and-combining-hamza"),
    ("علاء", "علا", "standalone-hamza"),
    ("مسئول", "مسیول", "hamza-on-yeh-in-word"),
    # ezafe written three ways
    ("خانۀ", "خانه", "ezafe-precomposed"),
    ("خانهٔ", "خانه", "ezafe-hamza-above"),
    ("خانهِ", "خانه", "ezafe-kasra"),
    # marks, kashida, presentation forms
    ("مُحَمَّد", "محمد", "harakat"),
    ("مریـــم", "مریم", "tatweel"),
    ("ﻣﺮﯾﻢ", "مریم", "presentation-forms"),
    ("ﻻ", "لا", "lam-alef-ligature"),
    ("ﷲ", "الله", "allah-ligature"),
    # Latin: case folded, accents dropped, compatibility forms
    ("MARYAM", "maryam", "upper-case"),
    ("Zoë Élodie", "zoe elodie", "accents"),
    ("Zoe\u0308", "zoe", "decomposed-accent"),
    ("Straße", "strasse", "sharp-s"),
    ("ﬁle", "file", "fi-ligature"),
    ("İpek", "ipek", "dotted-capital-i"),
    ("Ｍａｒｙａｍ", "maryam", "full-width"),
    # digits
    ("۰۱۲۳۴۵۶۷۸۹", "0123456789", "persian-digits"),
    ("٠١٢٣٤٥٦٧٨٩", "0123456789", "arabic-indic-digits"),
    ("FAM-۰۱۷-٠٠٤٢", "fam-017-0042", "mixed-digits-reference"),
    ("１２", "12", "full-width-digits"),
    # punctuation variants
    ("«مریم»", '"مریم"', "guillemets"),
    ("“Ali”", '"ali"', "curly-quotes"),
    ("O’Brien", "o'brien", "curly-apostrophe"),
    ("a، b؛ c؟", "a, b; c?", "arabic-comma-semicolon-question"),
    ("۱۲٫۵٪", "12.5%", "arabic-decimal-and-percent"),
    ("a‐b‑c–d—e−f", "a-b-c-d-e-f", "dashes"),
]


@pytest.mark.parametrize(("typed", "expected"), [(t, e) for t, e, _ in FOLDED],
                         ids=[i for _, _, i in FOLDED])
def test_variant_spelling_has_the_same_normal_form(typed: str, expected: str) -> None:
    assert normal_form(typed) == expected


INVISIBLE = [
    "\u200c", "\u200d",  # ZWNJ, ZWJ
    "\u200e", "\u200f", "\u061c",  # LRM, RLM, ALM
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",  # LRE, RLE, PDF, LRO, RLO
    "\u2066", "\u2067", "\u2068", "\u2069",  # LRI, RLI, FSI, PDI
    "\u00ad", "\u200b", "\ufeff", "\u2060",  # soft hyphen, ZWSP, BOM, word joiner
    "\u0640",  # tatweel
    *(chr(code) for code in range(0x064B, 0x0660)),  # harakat
    "\u0670",  # superscript alef
    "\x00", "\x07",  # controls that are not whitespace
]


@pytest.mark.parametrize("invisible", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_invisible_character_inside_a_name_disappears(invisible: str) -> None:
    assert normal_form(f"مر{invisible}یم") == "مریم"
    assert normal_form(f"Mar{invisible}yam") == "maryam"


def test_every_kind_of_whitespace_is_one_space_and_none_at_the_ends() -> None:
    typed = "\t a\t\tb\r\nc\u00a0d\u202fe\u2009f\u3000g\u2028h\u2029i \u200c \n"
    assert normal_form(typed) == "a b c d e f g h i"


def test_each_character_maps_to_the_original_character_it_came_from() -> None:
    normalised = normalise("«مريم»")
    assert normalised.text == '"مریم"'
    assert normalised.spans == ((0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6))


def test_trailing_marks_belong_to_the_letter_they_follow() -> None:
    normalised = normalise("نمونهٔ قدیم")
    assert normalised.original_span(0, 5) == (0, 6)  # the ezafe goes with the name
    normalised = normalise("مریمَِ")
    assert normalised.original_span(0, 4) == (0, 6)


def test_tatweel_inside_a_word_belongs_to_the_letter_before() -> None:
    normalised = normalise("مریـــم")
    assert normalised.spans == ((0, 1), (1, 2), (2, 6), (6, 7))


def test_bidi_controls_around_a_name_stay_outside_its_span() -> None:
    normalised = normalise("\u2067مریم\u2069")
    assert normalised.original_span(0, 4) == (1, 5)


def test_a_collapsed_whitespace_run_maps_to_the_whole_run() -> None:
    normalised = normalise("a \u00a0\u200c\n b")
    assert normalised.text == "a b"
    assert normalised.spans[1] == (1, 6)


def test_characters_of_one_expansion_share_its_span() -> None:
    normalised = normalise("xﷲ")
    assert normalised.text == "xالله"
    assert normalised.spans[1:] == ((1, 2),) * 4


def test_dropped_before_shows_the_zwnj_that_joined_a_suffix() -> None:
    normalised = normalise("مریم\u200cها")
    assert normalised.text == "مریمها"
    assert normalised.dropped_before(4) == "\u200c"
    assert normalised.dropped_before(3) == ""


@pytest.mark.parametrize(("start", "end"), [(0, 0), (2, 1), (-1, 2), (0, 4)])
def test_original_span_refuses_an_empty_or_outside_slice(start: int, end: int) -> None:
    with pytest.raises(ValueError, match="no characters"):
        normalise("abc").original_span(start, end)


def test_empty_and_invisible_text_have_an_empty_normal_form() -> None:
    assert normalise("").text == ""
    assert normalise(" \u200c\u200f\n").spans == ()


@PROPERTY_SETTINGS
@given(st.text())
def test_normal_form_is_idempotent(text: str) -> None:
    once = normal_form(text)
    assert normal_form(once) == once


@PROPERTY_SETTINGS
@given(st.text())
def test_spans_are_ordered_slices_that_produce_their_character(text: str) -> None:
    normalised = normalise(text)
    assert len(normalised.spans) == len(normalised.text)
    previous = (0, 0)
    for char, span in zip(normalised.text, normalised.spans, strict=True):
        start, end = span
        assert 0 <= start < end <= len(text)
        assert span == previous or start >= previous[1]
        if char != " ":
            assert char in normal_form(text[start:end])
        previous = span
