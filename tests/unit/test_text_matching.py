"""Unit tests for portal.text.matching: a protected name is found in every spelling, as a word.

Every name, place and reference here is fictional. The replacement in the tables is
``[code]`` so that a row shows at a glance what was removed and what was kept.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.text import (
    MIN_NAME_PART_CHARS,
    ProtectedTerm,
    TermMatch,
    TermMatcher,
    find_terms,
    name_terms,
    normal_form,
    redact,
)

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, derandomize=True)

MARYAM = ("Maryam Fictionalzadeh", "مریم فیکشنال‌زاده")
ALI = ("Ali Fictionalpour", "علی فیکشنال‌پور")
AMIR = ("Amir Azmayeshi", "امیر آزمایشی")
TERMS = [
    *name_terms(MARYAM, "P1"),
    *name_terms(ALI, "P2"),
    *name_terms(AMIR, "P3"),
    ProtectedTerm("Shahr-e Nemuneh", "TOWN"),
    ProtectedTerm("شهر نمونه", "TOWN"),
    ProtectedTerm("FAM-017-0042", "REF"),
]
MATCHER = TermMatcher(TERMS)


def code_of(match: TermMatch) -> str:
    return f"[{match.term.code}]"


REDACTED = [
    # Persian: letter variants, joins, kashida, marks
    ("مریم فیکشنال‌زاده", "[P1]", "as-registered"),
    ("مريم فيكشنال‌زاده", "[P1]", "arabic-yeh-and-kaf"),
    ("مریم فیکشنال زاده", "[P1]", "space-instead-of-zwnj"),
    ("مریم فیکشنالزاده", "[P1]", "joined-instead-of-zwnj"),
    ("مریم\u200cفیکشنال‌زاده", "[P1]", "zwnj-instead-of-space"),
    ("مریـــم فیکشـنال‌زاده", "[P1]", "tatweel-inside"),
    ("مَریَم فیکشنال‌زاده", "[P1]", "harakat"),
    ("مریم\nفیکشنال‌زاده", "[P1]", "line-break-inside-persian"),
    ("فیکشنال‌زاده", "[P1]", "persian-family-name-alone"),
    ("نامه از مریم", "نامه از [P1]", "persian-given-name-alone-at-end"),
    ("مریم‌ها آمدند", "[P1]\u200cها آمدند", "zwnj-joined-plural"),
    ("مریمِ عزیز", "[P1] عزیز", "kasra-ezafe-goes-with-the-name"),
    ("\u2067مریم\u2069 گفت", "\u2067[P1]\u2069 گفت", "bidi-isolates-kept"),
    ("ازمایشی", "[P3]", "alef-without-madda"),
    # ezafe on a place name ending in heh
    ("شهر نمونهٔ قدیم", "[TOWN] قدیم", "ezafe-hamza-above"),
    ("شهر نمونۀ قدیم", "[TOWN] قدیم", "ezafe-precomposed"),
    ("شهر نمونه‌ی قدیم", "[TOWN]\u200cی قدیم", "ezafe-yeh-after-zwnj"),
    ("شهر نمونه ی قدیم", "[TOWN] ی قدیم", "ezafe-yeh-after-space"),
    ("شهرنمونه", "[TOWN]", "place-words-joined"),
    # Latin: whitespace, case, accents
    ("Maryam\u00a0Fictionalzadeh", "[P1]", "nbsp"),
    ("Maryam  Fictionalzadeh", "[P1]", "double-space"),
    ("Maryam\r\nFictionalzadeh", "[P1]", "line-break-inside-latin"),
    ("MARYAM fictionalzadeh", "[P1]", "other-case"),
    ("Máryam Fictionalzadéh", "[P1]", "accents"),
    ("Dear Maryam,", "Dear [P1],", "latin-given-name-alone"),
    ("Fictionalzadeh said", "[P1] said", "family-name-alone-at-start"),
    ("Shahr-e Nemuneh", "[TOWN]", "transliterated-place"),
    ("in Shahre  Nemuneh.", "in [TOWN].", "transliterated-place-joined-ezafe"),
    # reference numbers in three kinds of digits
    ("FAM-017-0042", "[REF]", "latin-digits"),
    ("FAM-۰۱۷-۰۰۴۲", "[REF]", "persian-digits"),
    ("FAM-٠١٧-٠٠٤٢", "[REF]", "arabic-indic-digits"),
    ("fam‑017‑0042", "[REF]", "non-breaking-hyphens"),
    ("پرونده FAM-۰۱۷-۰۰۴۲ ثبت شد", "پرونده [REF] ثبت شد", "reference-in-persian-sentence"),
    # punctuation around a name is kept
    ("«مریم»", "«[P1]»", "guillemets"),
    ("مریم، علی؛ امیر.", "[P1]، [P2]؛ [P3].", "arabic-comma-and-semicolon"),
    ("(Maryam), 'Ali' and \"Amir\".", "([P1]), '[P2]' and \"[P3]\".", "latin-punctuation"),
    ("la sœur d'Ali", "la sœur d'[P2]", "french-elision"),
    ("Ali's letter", "[P2]'s letter", "english-possessive"),
]


@pytest.mark.parametrize(("typed", "expected"), [(t, e) for t, e, _ in REDACTED],
                         ids=[i for _, _, i in REDACTED])
def test_protected_term_is_redacted_in_the_spelling_typists_use(typed: str,
                                                                 expected: str) -> None:
    assert MATCHER.redact(typed, code_of) == expected


LEFT_ALONE = [
    ("Alireza", "latin-name-starting-with-ali"),
    ("Khalili", "latin-name-containing-ali"),
    ("Bali", "latin-word-ending-with-ali"),
    ("Maryamabad", "latin-word-starting-with-a-name"),
    ("علیرضا", "persian-compound-name"),
    ("علی‌رضا", "persian-compound-joined-by-zwnj"),
    ("رضایی", "persian-word-starting-with-no-term"),
    ("امیری", "persian-name-followed-by-a-letter"),
    ("امیرحسین", "persian-compound-starting-with-a-name"),
    ("مریمی", "persian-suffix-without-zwnj"),
    ("Fictional", "part-of-a-family-name"),
    ("FAM-017-00421", "longer-reference"),
    ("XFAM-017-0042", "reference-inside-a-word"),
]


@pytest.mark.parametrize("typed", [t for t, _ in LEFT_ALONE], ids=[i for _, i in LEFT_ALONE])
def test_word_that_only_contains_a_term_is_left_alone(typed: str) -> None:
    assert MATCHER.find(typed) == []
    assert MATCHER.find(f"«{typed}» و {typed}.") == []


def test_match_is_the_exact_original_span_of_the_name() -> None:
    text = "نامهٔ «مريـم»، دیروز"
    [match] = find_terms(text, name_terms(MARYAM, "P1"))
    assert text[match.start : match.end] == "مريـم"
    assert match.term == ProtectedTerm("مریم", "P1")


def test_longest_term_wins_over_the_parts_it_contains() -> None:
    [match] = MATCHER.find("Maryam Fictionalzadeh")
    assert match.term.phrase == "Maryam Fictionalzadeh"
    assert (match.start, match.end) == (0, 21)


def test_every_occurrence_is_redacted_in_the_order_of_the_text() -> None:
    text = "Ali met Maryam; later ALI wrote to علی."
    matches = MATCHER.find(text)
    assert [(m.start, m.term.code) for m in matches] == [(0, "P2"), (8, "P1"), (22, "P2"),
                                                          (35, "P2")]


def test_redaction_marker_names_the_code() -> None:
    redacted = redact("Letter from Maryam Fictionalzadeh (FAM-017-0042).", TERMS,
                      lambda match: f"[REDACTED – {match.term.code}]")
    assert redacted == "Letter from [REDACTED – P1] ([REDACTED – REF])."


def test_first_of_two_terms_with_the_same_spelling_wins() -> None:
    terms = [ProtectedTerm("Maryam", "P1"), ProtectedTerm("MARYAM", "P7")]
    assert [m.term.code for m in find_terms("maryam", terms)] == ["P1"]


@pytest.mark.parametrize("phrase", ["", "  ", "«»", "\u200c", "ِ"])
def test_term_without_letters_or_digits_matches_nothing(phrase: str) -> None:
    assert find_terms("«» a ، b", [ProtectedTerm(phrase, "X")]) == []


def test_punctuation_around_a_term_is_not_part_of_it() -> None:
    assert redact("«Maryam»", [ProtectedTerm("(Maryam)", "P1")], code_of) == "«[P1]»"


def test_name_terms_are_the_full_name_and_each_part_in_each_script() -> None:
    terms = name_terms(MARYAM, "P1")
    assert [t.phrase for t in terms] == ["Maryam Fictionalzadeh", "Maryam", "Fictionalzadeh",
                                         "مریم فیکشنال‌زاده", "مریم", "فیکشنال‌زاده"]
    assert {t.code for t in terms} == {"P1"}


def test_name_part_shorter_than_the_minimum_is_not_a_term_alone() -> None:
    assert MIN_NAME_PART_CHARS == 3
    phrases = [t.phrase for t in name_terms(["Jo Li Fictionalpour", "بی تا"], "P5")]
    assert phrases == ["Jo Li Fictionalpour", "Fictionalpour", "بی تا"]
    assert find_terms("Jo and Li", name_terms(["Jo Li Fictionalpour"], "P5")) == []


def test_name_terms_keep_one_term_per_normal_form() -> None:
    terms = name_terms(["Ali", "ALI", "  Ali  "], "P2")
    assert terms == [ProtectedTerm("Ali", "P2")]


# --- properties ------------------------------------------------------------------------------

# Words of a protected spelling; between them a typist puts any separator.
SPELLINGS = [
    ("P1", ("Maryam", "Fictionalzadeh")),
    ("P1", ("Maryam",)),
    ("P1", ("Fictionalzadeh",)),
    ("P1", ("مریم", "فیکشنال", "زاده")),
    ("P1", ("مریم",)),
    ("P1", ("فیکشنال", "زاده")),
    ("REF", ("FAM", "017", "0042")),
]
PROPERTY_TERMS = [*name_terms(MARYAM, "P1"), ProtectedTerm("FAM-017-0042", "REF")]
PROPERTY_MATCHER = TermMatcher(PROPERTY_TERMS)
WORD_SEPARATORS = [" ", "  ", "\n", "\r\n", "\u00a0", "\u200c", "", "-", "\u2011", " - "]
CHAR_VARIANTS = {
    "ی": "یيى", "ک": "کك", "ه": "هة", "ا": "اأآ",
    "0": "0۰٠", "1": "1۱١", "2": "2۲٢", "4": "4۴٤", "7": "7۷٧",
}
INSIDE_A_WORD = ["", "", "", "\u0640", "\u064e", "\u0650", "\u00ad", "\u200e", "\u0301"]
# What may come between the name and its context: never a letter, digit, ZWNJ or mark.
BOUNDARIES = [" ", "\n", "\u00a0", "«", "»", "(", ")", "،", "؛", ".", ",", '"', "'", "\t",
              " \u2067", "\u2069 "]
NEAR_MISSES = ["Alireza", "Bali", "Maryamabad", "Fictional", "Fictionalzadehs", "مریمی",
               "علیرضا", "فیکشنالی", "FAM-017-00421", "۱۳۹۸", "2020"]
# Letters in no protected spelling, so that random context cannot spell one.
SAFE_TEXT = st.text(alphabet="bgjkpqsuvwxBGJ ثصضطظعغچجحخپگ۳۵؟!؛،.\n\u200c\u200f\u064e",
                    max_size=8)


@st.composite
def variant_spelling(draw: st.DrawFn) -> tuple[str, str]:
    """A protected spelling as a hurried typist might write it, and its code."""
    code, words = draw(st.sampled_from(SPELLINGS))
    typed_words = []
    for word in words:
        chars = []
        for position, char in enumerate(word):
            char = draw(st.sampled_from(CHAR_VARIANTS.get(char, char)))
            chars.append(char.upper() if draw(st.booleans()) else char)
            if position < len(word) - 1:
                chars.append(draw(st.sampled_from(INSIDE_A_WORD)))
        typed_words.append("".join(chars))
    separators = [draw(st.sampled_from(WORD_SEPARATORS)) for _ in words[1:]]
    typed = typed_words[0] + "".join(s + w for s, w in zip(separators, typed_words[1:],
                                                            strict=True))
    return typed, code


context = st.lists(st.one_of(st.sampled_from(NEAR_MISSES), SAFE_TEXT), max_size=4).map(" ".join)


@PROPERTY_SETTINGS
@given(variant_spelling(), context, st.sampled_from(BOUNDARIES), st.sampled_from(BOUNDARIES),
       context)
def test_redact_removes_a_variant_spelling_and_changes_nothing_else(
    variant: tuple[str, str], before: str, left: str, right: str, after: str
) -> None:
    typed, code = variant
    prefix, suffix = before + left, right + after
    redacted = PROPERTY_MATCHER.redact(prefix + typed + suffix, lambda m: f"⟦{m.term.code}⟧")
    assert redacted == f"{prefix}⟦{code}⟧{suffix}"
    assert PROPERTY_MATCHER.find(redacted) == []


@PROPERTY_SETTINGS
@given(st.text(), variant_spelling(), st.text())
def test_every_match_spans_exactly_a_term_and_redaction_leaves_none(
    before: str, variant: tuple[str, str], after: str
) -> None:
    text = before + variant[0] + after
    matches = PROPERTY_MATCHER.find(text)
    previous_end = 0
    for match in matches:
        assert previous_end <= match.start < match.end <= len(text)
        matched = normal_form(text[match.start : match.end]).replace(" ", "").replace("-", "")
        assert matched == normal_form(match.term.phrase).replace(" ", "").replace("-", "")
        previous_end = match.end
    assert PROPERTY_MATCHER.find(PROPERTY_MATCHER.redact(text, code_of)) == []
