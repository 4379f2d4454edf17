"""The one form of a passphrase that is hashed and checked (decision 0017).

A Persian passphrase typed on an Arabic keyboard layout, or on a phone whose Persian
keyboard sends the Arabic letters, is the same phrase to the person who typed it:
``كتاب`` and ``کتاب``, ``ياس`` and ``یاس`` look alike and are read alike. So before a
passphrase is hashed, verified or scored it is put in this form:

- NFKC: canonical equivalents (a precomposed or combining accent) and compatibility
  forms (Arabic presentation forms such as ``ﻙ``, full-width Latin, ligatures such
  as ``ﬁ``, superscript digits, a no-break space) become the plain characters;
- the Arabic letters that Persian writes differently become the Persian letters:
  kaf ``ك`` → keheh ``ک``; yeh ``ي`` and alef maksura ``ى`` → Farsi yeh ``ی``; ae
  ``ە`` → heh ``ه``;
- heh with yeh above ``ۀ`` (the ezafe written as one letter) becomes heh followed by
  hamza above, ``هٔ``: the two ways Persian keyboards write the same ezafe. The hamza
  is kept: it is a mark the person typed, and nothing typed is dropped.

Nothing else changes. The zero-width non-joiner stays (it is part of Persian words:
``می‌روم``), as do case, spaces, punctuation, harakat and digits of every script. This
is deliberately much narrower than ``portal.text.normalise`` (matching names in text,
which folds case, marks and hamza): every character a person typed and can see counts
towards the strength of their passphrase.

Security assumptions: pure and deterministic (the hash of an account depends on it;
changing it means accepting the previous form at sign-in, as passwords.py does for
hashes made before it existed); idempotent; no logging.
"""

from __future__ import annotations

import unicodedata

__all__ = ["passphrase_form"]

_PERSIAN_LETTERS = str.maketrans({
    "\u0643": "\u06a9",  # ARABIC LETTER KAF -> ARABIC LETTER KEHEH (Persian kaf)
    "\u064a": "\u06cc",  # ARABIC LETTER YEH -> ARABIC LETTER FARSI YEH
    "\u0649": "\u06cc",  # ARABIC LETTER ALEF MAKSURA -> ARABIC LETTER FARSI YEH
    "\u06d5": "\u0647",  # ARABIC LETTER AE -> ARABIC LETTER HEH
    "\u06c0": "\u0647\u0654",  # HEH WITH YEH ABOVE -> HEH + HAMZA ABOVE
})


def passphrase_form(passphrase: str) -> str:
    """Return ``passphrase`` as it is hashed and checked (see the module's rules).

    Raises:
        TypeError: if ``passphrase`` is not a ``str``.
    """
    if not isinstance(passphrase, str):
        raise TypeError("passphrase must be a str")
    # NFKC first, so that presentation forms become the letters the table knows (and
    # AE + HAMZA ABOVE becomes HEH WITH YEH ABOVE); NFKC again, so that a mark after
    # the HAMZA ABOVE the table wrote is put back in canonical order. HEH + HAMZA
    # ABOVE has no composed form and stays as it is: the result is idempotent.
    letters = unicodedata.normalize("NFKC", passphrase).translate(_PERSIAN_LETTERS)
    return unicodedata.normalize("NFKC", letters)
