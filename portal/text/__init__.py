"""Text matched by meaning, not by code points: Persian and Latin spellings alike.

The lowest layer of the portal: pure functions over ``str``, the standard
library only, no Flask and no other ``portal`` package. :mod:`.normalise` folds
the spellings real typists produce into one normal form that maps back to the
original; :mod:`.matching` finds protected terms (names, places, reference
numbers) as whole words and redacts them.
"""

from portal.text.matching import (
    MIN_NAME_PART_CHARS,
    ProtectedTerm,
    TermMatch,
    TermMatcher,
    find_terms,
    name_terms,
    redact,
)
from portal.text.normalise import NormalisedText, normal_form, normalise

__all__ = [
    "MIN_NAME_PART_CHARS",
    "NormalisedText",
    "ProtectedTerm",
    "TermMatch",
    "TermMatcher",
    "find_terms",
    "name_terms",
    "normal_form",
    "normalise",
    "redact",
]
