"""Reading the text of an export as its app wrote it: invisible direction marks
removed, Persian and Arabic-Indic digits read as ASCII digits, odd spaces as spaces.
Standard library only (loaded by the sandboxed child without the app)."""

from __future__ import annotations

from .limits import ExportRefused

# Left-to-right and right-to-left marks, embeddings, isolates, the byte order mark:
# WhatsApp puts U+200E before bracketed times and attachment notes.
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                    "\u2066\u2067\u2068\u2069\ufeff"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u2009"), " ")
_DIGITS = {ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")}
_DIGITS.update({ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")})


def clean(line: str) -> str:
    """`line` without invisible marks, with plain spaces (what is shown and hashed)."""
    return line.translate(_INVISIBLE).translate(_SPACES)


def ascii_digits(text: str) -> str:
    """Persian (۰–۹) and Arabic-Indic (٠–٩) digits as ASCII, the rest unchanged."""
    return text.translate(_DIGITS)


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte order mark) or ExportRefused("not_text")."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ExportRefused("not_text") from error
