"""Show a :class:`ParsedDate` in both calendars, in Persian, English or French.

Each formatter looks at the Gregorian days the date covers, not at the
calendar it was typed in: a Jalali month shown in the Gregorian calendar is a
range of days ("22 December 2019 – 20 January 2020"), and a Gregorian month
shown in the Jalali calendar likewise. A value read back from the database is
shown by rebuilding it with :meth:`ParsedDate.from_stored`.

Gregorian month names come from Babel, Jalali ones from jdatetime; Persian
text gets Persian digits.
"""

from __future__ import annotations

import datetime

from babel.dates import format_date

from portal.calendar.parse import (
    Calendar,
    ParsedDate,
    Precision,
    covered_period,
    gregorian_to_jalali,
    jalali_month_name,
)

__all__ = [
    "SUPPORTED_LANGUAGES",
    "format_both",
    "format_gregorian",
    "format_solar_hijri",
    "to_persian_digits",
]

SUPPORTED_LANGUAGES = frozenset({"fa", "en", "fr"})
"""Languages the formatters accept; a locale such as ``fr_CA`` uses its language."""

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

# "تا" ("to") is how Persian writes a span of dates; en and fr use an en dash.
_RANGE_SEPARATORS = {"fa": " تا ", "en": " – ", "fr": " – "}


def to_persian_digits(text: str) -> str:
    """Return ``text`` with ASCII digits 0-9 replaced by Persian digits ۰-۹. Raises nothing."""
    return text.translate(_PERSIAN_DIGITS)


def _language(locale: str) -> str:
    language = locale.replace("-", "_").split("_", 1)[0].lower()
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"unsupported locale {locale!r}; expected one of fa, en, fr")
    return language


def _time_text(time_of_day: datetime.time) -> str:
    # Seconds are shown only when given, so that "14:30" reads as typed.
    if time_of_day.second:
        return f"{time_of_day.hour:02d}:{time_of_day.minute:02d}:{time_of_day.second:02d}"
    return f"{time_of_day.hour:02d}:{time_of_day.minute:02d}"


def _finish(text: str, parsed: ParsedDate, language: str) -> str:
    if parsed.time_of_day is not None:
        text = f"{text} {_time_text(parsed.time_of_day)}"
    return to_persian_digits(text) if language == "fa" else text


def _gregorian_day(day: datetime.date, language: str) -> str:
    # French writes the first of a month as an ordinal: "1er janvier 2020".
    pattern = "d'er' MMMM y" if language == "fr" and day.day == 1 else "d MMMM y"
    return format_date(day, pattern, locale=language)


def _jalali_day(day: datetime.date, language: str) -> str:
    year, month, day_of_month = gregorian_to_jalali(day)
    name = jalali_month_name(month, persian=language == "fa")
    number = "1er" if language == "fr" and day_of_month == 1 else str(day_of_month)
    return f"{number} {name} {year}"


def format_gregorian(parsed_or_range: ParsedDate, locale: str) -> str:
    """Return the Gregorian text of ``parsed_or_range`` in ``locale`` (fa, en or fr).

    A day reads "8 January 2020" / "8 janvier 2020" / "۸ ژانویهٔ ۲۰۲۰", a
    whole Gregorian month "January 2020", a whole year "2020", any other
    span "first – last" (Persian: "first تا last"); a time is appended as
    " 14:30". Persian gets Persian digits.

    Raises:
        ValueError: if ``locale``'s language is not fa, en or fr.
    """
    language = _language(locale)
    first, last = parsed_or_range.first_day, parsed_or_range.last_day
    period = covered_period(first, last, Calendar.GREGORIAN)
    if period is Precision.DAY:
        text = _gregorian_day(first, language)
    elif period is Precision.MONTH:
        text = format_date(first, "MMMM y", locale=language)
    elif period is Precision.YEAR:
        text = format_date(first, "y", locale=language)
    else:
        text = _gregorian_day(first, language) + _RANGE_SEPARATORS[language]
        text += _gregorian_day(last, language)
    return _finish(text, parsed_or_range, language)


def format_solar_hijri(parsed: ParsedDate, locale: str) -> str:
    """Return the Solar Hijri text of ``parsed`` in ``locale`` (fa, en or fr).

    Persian: "۱۸ دی ۱۳۹۸", "دی ۱۳۹۸" for a whole Jalali month, "۱۳۹۸" for a
    whole year; en and fr use jdatetime's transliteration: "18 Dey 1398". Any
    other span reads "first – last" (Persian: "first تا last"); a time is
    appended as " 14:30".

    Raises:
        ValueError: if ``locale``'s language is not fa, en or fr, or if a day
            is before the Jalali era (22 March 622).
    """
    language = _language(locale)
    first, last = parsed.first_day, parsed.last_day
    period = covered_period(first, last, Calendar.SOLAR_HIJRI)
    year, month, _ = gregorian_to_jalali(first)
    if period is Precision.DAY:
        text = _jalali_day(first, language)
    elif period is Precision.MONTH:
        text = f"{jalali_month_name(month, persian=language == 'fa')} {year}"
    elif period is Precision.YEAR:
        text = str(year)
    else:
        text = _jalali_day(first, language) + _RANGE_SEPARATORS[language]
        text += _jalali_day(last, language)
    return _finish(text, parsed, language)


def format_both(parsed: ParsedDate, locale: str) -> tuple[str, str]:
    """Return ``(primary, secondary)``: Solar Hijri first in Persian, Gregorian first otherwise.

    Raises:
        ValueError: as :func:`format_gregorian` and :func:`format_solar_hijri`.
    """
    gregorian = format_gregorian(parsed, locale)
    solar_hijri = format_solar_hijri(parsed, locale)
    if _language(locale) == "fa":
        return solar_hijri, gregorian
    return gregorian, solar_hijri
