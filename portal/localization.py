"""Languages the portal speaks and the digit handling that Persian needs.

Pure functions, shared by every layer above the models.
"""

from __future__ import annotations

SUPPORTED_LOCALES: tuple[str, ...] = ("en", "fa", "fr")
DEFAULT_LOCALE = "en"
RTL_LOCALES = frozenset({"fa"})
# Each language's own name, shown in the switch so a reader finds theirs.
LOCALE_NAMES: dict[str, str] = {"en": "English", "fr": "Français", "fa": "فارسی"}

_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_ASCII = str.maketrans(_PERSIAN_DIGITS + _ARABIC_INDIC_DIGITS, "0123456789" * 2)
_TO_PERSIAN = str.maketrans("0123456789", _PERSIAN_DIGITS)


def normalize_digits(text: str) -> str:
    """Map Persian and Arabic-Indic digits to ASCII, so '۱۲۳' is read as '123'."""
    return text.translate(_TO_ASCII)


def persian_digits(text: str) -> str:
    """Map ASCII digits to Persian ones for display in Persian pages."""
    return text.translate(_TO_PERSIAN)


def text_direction(locale: str) -> str:
    return "rtl" if locale in RTL_LOCALES else "ltr"
