"""A normal form for matching Persian and Latin text, mapped back to the original.

Two spellings that a reader takes for the same word should have the same normal
form: ``مريم`` and ``مریم``, ``Zoë`` and ``ZOE``, ``۰۴۲`` and ``042``. Each
character of the original is folded on its own, so every character of the normal
form knows the span of the original it came from, and a match found in the normal
form is an exact span of the original text.

What is folded, character by character:

- compatibility decomposition (NFKD, the "K" and the "D" of NFKC): Arabic
  presentation forms and ligatures (``ﻻ``, ``ﷲ``), full-width and superscript
  forms become plain letters and digits, and accents are split off the letter;
- case folding (:meth:`str.casefold`, so ``ß`` is ``ss``);
- every combining mark is dropped, in every script: the Arabic harakat
  (U+064B–U+065F, among them the kasra U+0650 of the ezafe), the superscript
  alef U+0670, the hamza above U+0654 (the ezafe of ``هٔ``) and below, and Latin
  accents. People drop accents when they transliterate a name (``Zoé``, ``Zoe``),
  and a Persian typist writes the harakat rarely and inconsistently;
- Arabic letter variants become the Persian letter: ``ي ى`` → ``ی``, ``ك ڪ`` →
  ``ک``, ``ة ۃ`` and the heh variants ``ە ہ ھ`` → ``ه`` (so ``ۀ``, which decomposes
  to ``ە`` and a hamza, is ``ه``), ``ٱ ٲ ٳ`` → ``ا``;
- hamza is dropped wherever it is: its seat stays (``أ إ`` → ``ا``, ``ؤ`` → ``و``,
  ``ئ`` → ``ی``), a standalone ``ء`` or ``ٴ`` disappears. Persian typists write
  ``مسئول`` and ``مسیول``, ``علاء`` and ``علا``;
- ``آ`` is ``ا``: its madda is a combining mark like the others. Many typists
  (and phone keyboards, and systems that strip marks) write ``ارش`` for ``آرش``;
  a protected name missed is worse than a word shown for review, so the two are
  the same here;
- invisible characters are dropped: zero-width non-joiner and joiner, every
  other format character (bidi controls LRM, RLM, ALM, LRE…PDF, LRI…PDI, soft
  hyphen, zero-width space, byte-order mark), tatweel/kashida U+0640, and control
  characters that are not whitespace;
- every run of whitespace (space, tab, CR/LF, NBSP, narrow NBSP, thin and
  ideographic spaces, line and paragraph separators) is one space; there is none
  at the start or the end;
- every decimal digit (Persian ``۰–۹``, Arabic-Indic ``٠–٩``, any other script)
  is the ASCII digit;
- punctuation variants that appear inside names and reference numbers are
  unified: every dash (``‐ ‑ – — −``) is ``-``, typographic apostrophes are
  ``'``, typographic quotes and guillemets are ``"``, and the Arabic comma,
  semicolon, question mark, percent sign, decimal and thousands separators are
  their Latin counterparts.

A dropped combining mark, tatweel or hamza that follows a kept character
belongs to that character's span, so replacing a matched name also removes its
trailing harakat. Dropped format characters belong to no span: replacing a name
wrapped in bidi isolates keeps both isolates, and the text stays balanced.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["NormalisedText", "normal_form", "normalise"]

ZWNJ = "\u200c"

_LETTER_VARIANTS = {
    "\u064a": "\u06cc",  # ي Arabic yeh → ی
    "\u0649": "\u06cc",  # ى alef maksura → ی
    "\u0643": "\u06a9",  # ك Arabic kaf → ک
    "\u06aa": "\u06a9",  # ڪ swash kaf → ک
    "\u0629": "\u0647",  # ة teh marbuta → ه
    "\u06c3": "\u0647",  # ۃ teh marbuta goal → ه
    "\u06d5": "\u0647",  # ە ae, what ۀ decomposes to → ه
    "\u06c1": "\u0647",  # ہ heh goal, what ۂ decomposes to → ه
    "\u06be": "\u0647",  # ھ heh doachashmee → ه
    "\u0671": "\u0627",  # ٱ alef wasla → ا
    "\u0672": "\u0627",  # ٲ alef with wavy hamza above → ا
    "\u0673": "\u0627",  # ٳ alef with wavy hamza below → ا
}

_PUNCTUATION_VARIANTS = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u02bc\u2032`", "'"),
    **dict.fromkeys("\u00ab\u00bb\u2039\u203a\u201c\u201d\u201e\u201f\u2033", '"'),
    "\u2212": "-",  # minus sign (the other dashes are category Pd)
    "\u060c": ",",  # Arabic comma
    "\u066c": ",",  # Arabic thousands separator
    "\u061b": ";",  # Arabic semicolon
    "\u061f": "?",  # Arabic question mark
    "\u066a": "%",  # Arabic percent sign
    "\u066b": ".",  # Arabic decimal separator
    "\u06d4": ".",  # Arabic full stop
}

_TABLE = {**_LETTER_VARIANTS, **_PUNCTUATION_VARIANTS}

# Dropped, but part of the span of the character before them (see the module docstring).
_ATTACHED_LETTERS = frozenset("\u0640\u0621\u0674")  # tatweel, hamza, high hamza


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """A text's normal form, with the original span of each of its characters.

    ``spans[i]`` is the ``(start, end)`` slice of ``original`` that produced
    ``text[i]``. Spans follow the order of the original and never partly
    overlap; the characters of one expansion (``ﻻ`` → ``لا``) share a span.
    """

    original: str
    text: str
    spans: tuple[tuple[int, int], ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The slice of the original that produced ``text[start:end]`` (not empty).

        Raises ``ValueError`` for an empty or out-of-range slice.
        """
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"no characters at {start}:{end} of the normal form")
        return self.spans[start][0], self.spans[end - 1][1]

    def dropped_before(self, index: int) -> str:
        """The original characters dropped between ``text[index - 1]`` and ``text[index]``."""
        return self.original[self.spans[index - 1][1] : self.spans[index][0]]


def normal_form(text: str) -> str:
    """The normal form of ``text``, without the mapping."""
    return normalise(text).text


def normalise(text: str) -> NormalisedText:
    """Fold ``text`` into its normal form, keeping each character's original span."""
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    space: tuple[int, int] | None = None  # the whitespace run not yet written
    for index, char in enumerate(text):
        folded = _fold(char)
        if not folded:
            if _attaches(char) and space is None and spans and spans[-1][1] == index:
                spans[-1] = (spans[-1][0], index + 1)
            continue
        for out in folded:
            if out == " ":
                space = (index if space is None else space[0], index + 1)
                continue
            if space is not None and chars:
                chars.append(" ")
                spans.append(space)
            space = None
            chars.append(out)
            spans.append((index, index + 1))
    return NormalisedText(text, "".join(chars), tuple(spans))


@lru_cache(maxsize=8192)
def _fold(char: str) -> str:
    """The normal form of one character: "" when it is dropped, " " for whitespace."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", char).casefold())
    return "".join(_fold_decomposed(part) for part in decomposed)


def _fold_decomposed(char: str) -> str:
    category = unicodedata.category(char)
    if char.isspace():
        return " "
    if category[0] == "M" or category in ("Cf", "Cc") or char in _ATTACHED_LETTERS:
        return ""
    if category == "Nd":
        return str(unicodedata.decimal(char))
    if category == "Pd":
        return "-"
    return _TABLE.get(char, char)


def _attaches(char: str) -> bool:
    """Whether a dropped character belongs with the character before it."""
    return all(
        unicodedata.category(part)[0] == "M" or part in _ATTACHED_LETTERS
        for part in unicodedata.normalize("NFKD", char)
    )
