"""Parse dates typed in the Gregorian or the Solar Hijri (Jalali) calendar.

A person picks the calendar in a separate field, then types a date in Persian,
English or French. :func:`parse_date` turns that text into an exact Gregorian
range (:class:`ParsedDate`) and keeps the original text, or raises
:class:`DateInputError` saying what is wrong. Nothing is ever silently
corrected: a date that does not exist, a month name of the other calendar or
an ambiguous form is refused, never guessed.

Accepted forms (after normalisation, see :func:`normalise_text`):

- year first, for both calendars: ``1398/10/18``, ``1398-10-18``,
  ``1398.10.18``, ``1398/10`` (month), ``1398`` (year);
- Gregorian only: day first, ``08/01/2020`` and ``8.1.2020`` are the 8th of
  January, and ``01/2020`` is January. Numeric Gregorian dates are **never**
  read month first (US style): the people using the portal live in Canada,
  Iran and France, and a silently swapped day and month would store a wrong
  date. Two-digit years are refused;
- with a month name: ``18 دی 1398``, ``دی ماه ۱۳۹۸``, ``18 Dey 1398``,
  ``8 January 2020``, ``January 8, 2020``, ``le 1er janvier 2020``,
  ``janvier 2020``, ``۸ ژانویه ۲۰۲۰``;
- an optional time after a full date: ``14:30``, ``14:30:05``, ``2:30 pm``,
  ``14h30``, optionally after ``at``, ``à`` or ``ساعت``, or ISO ``T``.

Jalali arithmetic is done by jdatetime, which uses the arithmetic 33-year
leap rule (leap when ``year % 33`` is 1, 5, 9, 13, 17, 22, 26 or 30): 1399 and
1403 are leap years, 1398 is not.
"""

from __future__ import annotations

import calendar as stdlib_calendar  # "calendar" alone reads like this package
import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

import jdatetime  # type: ignore[import-untyped]  # jdatetime ships no type information
from babel.dates import get_month_names

__all__ = [
    "MAX_INPUT_CHARS",
    "Calendar",
    "DateInputError",
    "DateProblem",
    "ParsedDate",
    "Precision",
    "covered_period",
    "days_in_month",
    "gregorian_to_jalali",
    "guess_calendar",
    "jalali_month_name",
    "jalali_to_gregorian",
    "normalise_text",
    "parse_date",
]

MAX_INPUT_CHARS = 100
"""Longer input is refused before any processing: no real date is that long."""


class Calendar(StrEnum):
    """The calendar a person typed a date in."""

    GREGORIAN = "gregorian"
    SOLAR_HIJRI = "solar_hijri"


class Precision(StrEnum):
    """How much of a date the person gave."""

    TIME = "time"
    DAY = "day"
    MONTH = "month"
    YEAR = "year"


class DateProblem(StrEnum):
    """Why a typed date was refused."""

    EMPTY = "empty"
    UNRECOGNISED = "unrecognised"
    INVALID_MONTH = "invalid_month"
    INVALID_DAY = "invalid_day"
    INVALID_TIME = "invalid_time"
    FUTURE = "future"
    TOO_EARLY = "too_early"


# eq=False keeps the identity equality and hash of exceptions: a generated
# __hash__ would fail on the dict field, and code that puts exceptions in sets
# (traceback printers, error reporters) must not crash on this one.
@dataclass(frozen=True, eq=False)
class DateInputError(Exception):
    """A typed date was refused; ``problem`` says why, ``detail`` gives the facts.

    ``detail`` holds what a message needs, by problem:

    - ``UNRECOGNISED``: empty; ``{"month": "Dey", "month_calendar":
      "solar_hijri"}`` when a month name of the other calendar was used;
      ``{"max_length": 100}`` for overlong input;
    - ``INVALID_MONTH``: ``{"month": 13}``;
    - ``INVALID_DAY``: ``{"day": 30, "month": "Esfand", "year": 1398,
      "days": 29}`` (month in English transliteration for Jalali, English for
      Gregorian; ``days`` is the length of that month);
    - ``INVALID_TIME``: ``{"time": "25:00", "reason": "out_of_range"}`` or
      ``{"time": "14:30", "reason": "needs_day"}`` when a time follows a
      month or a year;
    - ``FUTURE``: ``{"first_day": "2030-01-01", "today": "2025-06-01"}``, or
      ``{"year": 9999, "today": ...}`` for a Jalali year past jdatetime's range;
    - ``TOO_EARLY``: ``{"last_day": "1899-12-31", "earliest": "1900-01-01"}``,
      or ``{"year": 0, "earliest": ...}`` for year 0;
    - ``EMPTY``: empty.
    """

    problem: DateProblem
    detail: dict[str, int | str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # str(error) and logs show only the problem code, never what the person typed.
        super().__init__(self.problem.value)

    def __reduce__(self) -> tuple[type[DateInputError], tuple[DateProblem, dict[str, int | str]]]:
        # The default pickling restores attributes with setattr, which a frozen
        # dataclass refuses; rebuilding from the fields avoids that.
        return (type(self), (self.problem, self.detail))


@dataclass(frozen=True)
class ParsedDate:
    """An exact, validated date or period, with the text it came from.

    ``first_day`` and ``last_day`` are Gregorian and inclusive: equal for
    ``DAY`` and ``TIME``, the first and last day of the month or year (of
    ``calendar``) for ``MONTH`` and ``YEAR``. ``time_of_day`` is set only for
    ``TIME``. Construction checks all of this.

    Raises:
        ValueError: if the fields contradict each other (e.g. a ``MONTH`` whose
            days are not exactly one month of ``calendar``).
        TypeError: if a day is a ``datetime`` or precision/calendar a string.
    """

    first_day: datetime.date
    last_day: datetime.date
    precision: Precision
    time_of_day: datetime.time | None
    calendar: Calendar
    original_text: str

    def __post_init__(self) -> None:
        # Stored values come back through here (from_stored): a corrupted or
        # tampered row must fail loudly rather than be displayed as a real date.
        # datetime is a subclass of date, and comparing it with a date raises.
        if type(self.first_day) is not datetime.date or type(self.last_day) is not datetime.date:
            raise TypeError("first_day and last_day must be datetime.date, not datetime")
        if not isinstance(self.precision, Precision) or not isinstance(self.calendar, Calendar):
            raise TypeError("precision and calendar must be enums; from_stored converts strings")
        if (self.precision is Precision.TIME) != (self.time_of_day is not None):
            raise ValueError("time_of_day is required for TIME precision and only for it")
        if self.time_of_day is not None and self.time_of_day.tzinfo is not None:
            raise ValueError("time_of_day must be a naive local time")
        if self.first_day > self.last_day:
            raise ValueError("first_day is after last_day")
        expected = Precision.DAY if self.precision is Precision.TIME else self.precision
        if covered_period(self.first_day, self.last_day, self.calendar) is not expected:
            raise ValueError(
                f"{self.first_day}..{self.last_day} is not one {expected.value} "
                f"of the {self.calendar.value} calendar"
            )

    @classmethod
    def from_stored(
        cls,
        first_day: datetime.date,
        last_day: datetime.date,
        precision: Precision | str,
        time_of_day: datetime.time | None,
        calendar: Calendar | str,
        original_text: str,
    ) -> ParsedDate:
        """Rebuild a :class:`ParsedDate` from stored columns, checking them.

        ``precision`` and ``calendar`` may be the enum or its stored string.

        Raises:
            ValueError: if a string is no known precision or calendar, or if
                the fields contradict each other.
            TypeError: if a day is a ``datetime`` rather than a ``date``.
        """
        return cls(
            first_day=first_day,
            last_day=last_day,
            precision=Precision(precision),
            time_of_day=time_of_day,
            calendar=Calendar(calendar),
            original_text=original_text,
        )


# --- Jalali arithmetic (jdatetime) and month lengths --------------------------------------


def jalali_to_gregorian(year: int, month: int, day: int) -> datetime.date:
    """Return the Gregorian date of the Jalali date ``year/month/day``.

    Raises:
        ValueError: if that Jalali date does not exist or is outside
            jdatetime's range (years 1 to 9377).
    """
    gregorian: datetime.date = jdatetime.date(year, month, day).togregorian()
    return gregorian


def gregorian_to_jalali(day: datetime.date) -> tuple[int, int, int]:
    """Return the Jalali ``(year, month, day)`` of a Gregorian date.

    Raises:
        ValueError: for days before 1 Farvardin 1 (22 March 622).
    """
    jalali = jdatetime.date.fromgregorian(date=day)
    return int(jalali.year), int(jalali.month), int(jalali.day)


def days_in_month(calendar: Calendar, year: int, month: int) -> int:
    """Return the number of days of ``month`` (1-12) of ``year`` in ``calendar``.

    Raises:
        ValueError: if ``month`` is not 1-12 or ``year`` is outside the
            calendar's supported range.
    """
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not 1-12")
    if calendar is Calendar.GREGORIAN:
        if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
            raise ValueError(f"year {year} is out of range")
        return stdlib_calendar.monthrange(year, month)[1]
    if not jdatetime.MINYEAR <= year <= jdatetime.MAXYEAR:
        raise ValueError(f"year {year} is out of range")
    # jdatetime's own month table and leap rule, so that every day we accept
    # is one that jdatetime converts.
    if month < 12:
        length: int = jdatetime.j_days_in_month[month - 1]
        return length
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


def jalali_month_name(month: int, *, persian: bool) -> str:
    """Return jdatetime's name of Jalali ``month`` (1-12): Persian script or transliterated.

    Raises:
        IndexError: if ``month`` is not 1-12.
    """
    if not 1 <= month <= 12:
        raise IndexError(f"month {month} is not 1-12")
    names = jdatetime.date.j_months_fa if persian else jdatetime.date.j_months_en
    return str(names[month - 1])


def _gregorian_month_name(month: int) -> str:
    # Babel rather than the stdlib: calendar.month_name follows the process locale.
    return str(get_month_names("wide", "format", "en")[month])


def _month_name(calendar: Calendar, month: int) -> str:
    if calendar is Calendar.GREGORIAN:
        return _gregorian_month_name(month)
    return jalali_month_name(month, persian=False)


def _to_gregorian(calendar: Calendar, year: int, month: int, day: int) -> datetime.date:
    if calendar is Calendar.GREGORIAN:
        return datetime.date(year, month, day)
    return jalali_to_gregorian(year, month, day)


def _to_calendar(calendar: Calendar, day: datetime.date) -> tuple[int, int, int]:
    if calendar is Calendar.GREGORIAN:
        return day.year, day.month, day.day
    return gregorian_to_jalali(day)


def covered_period(
    first_day: datetime.date, last_day: datetime.date, calendar: Calendar
) -> Precision | None:
    """Say what ``first_day..last_day`` (inclusive) is in ``calendar``.

    Returns ``Precision.DAY`` for a single day, ``Precision.MONTH`` or
    ``Precision.YEAR`` when the range is exactly one month or one year of
    ``calendar``, and None for any other range.

    Raises:
        ValueError: if a day cannot be expressed in ``calendar`` (Jalali days
            before 622).
    """
    if first_day == last_day:
        return Precision.DAY
    year, month, day = _to_calendar(calendar, first_day)
    if day != 1:
        return None
    if last_day == _to_gregorian(calendar, year, month, days_in_month(calendar, year, month)):
        return Precision.MONTH
    if month == 1 and last_day == _to_gregorian(
        calendar, year, 12, days_in_month(calendar, year, 12)
    ):
        return Precision.YEAR
    return None


# --- Normalisation -------------------------------------------------------------------------

_CHAR_MAP: dict[int, str | None] = {
    # Persian (U+06F0..) and Arabic-Indic (U+0660..) digits from phone keyboards.
    **{0x06F0 + i: str(i) for i in range(10)},
    **{0x0660 + i: str(i) for i in range(10)},
    # Arabic keyboards type ي, ى and ك where Persian has ی and ک.
    ord("ي"): "ی",
    ord("ى"): "ی",
    ord("ك"): "ک",
    # "ۀ" and "هٔ" (the ezafe that Persian month names take, e.g. ژانویهٔ) are "ه".
    ord("ۀ"): "ه",
    # Invisible characters that keyboards and copy-paste insert: ZWNJ and ZWJ,
    # bidi marks and controls, BOM, tatweel.
    **dict.fromkeys((0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x061C, 0xFEFF, 0x0640)),
    **dict.fromkeys(range(0x202A, 0x202F)),
    **dict.fromkeys(range(0x2066, 0x206A)),
    # Arabic vowel signs and hamza/madda marks left over after NFKC composition.
    **dict.fromkeys(range(0x064B, 0x0660)),
    0x0670: None,
    # Dashes that autocorrect substitutes for "-"; the Arabic comma.
    **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"), "-"),
    ord("،"): ",",
}

# French accents only matter in month names; the tables below are unaccented.
_LATIN_ACCENTS = str.maketrans("àâäçéèêëîïôöùûü", "aaaceeeeiioouuu")


def normalise_text(text: str) -> str:
    """Return ``text`` in the form the parser reads.

    NFKC, ASCII digits, Persian ی/ک for Arabic ي/ك, no invisible marks or
    Arabic diacritics, lower case without French accents, commas as spaces,
    single spaces, no spaces around the separators of numeric dates.
    """
    text = unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)
    text = text.lower().translate(_LATIN_ACCENTS).replace(",", " ")
    text = " ".join(text.split())
    # "1398 / 10 / 18": right-to-left editors invite spaces around separators.
    text = re.sub(r"(?<=[0-9]) ?([-/.]) ?(?=[0-9])", r"\1", text)
    # "۱۸دی۱۳۹۸": Persian typists sometimes omit the spaces around month names.
    return re.sub(r"(?<=[0-9])(?=[\u0600-\u06ff])|(?<=[\u0600-\u06ff])(?=[0-9])", " ", text)


# --- Month names ---------------------------------------------------------------------------

# Keys are normalised (see normalise_text). Each calendar's names are refused
# in the other calendar, so the two tables must not share a key.
_JALALI_MONTHS: dict[str, int] = {
    **dict.fromkeys(("فروردین", "farvardin"), 1),
    **dict.fromkeys(("اردیبهشت", "ordibehesht"), 2),
    **dict.fromkeys(("خرداد", "khordad"), 3),
    **dict.fromkeys(("تیر", "tir"), 4),
    **dict.fromkeys(("مرداد", "امرداد", "mordad", "amordad"), 5),
    **dict.fromkeys(("شهریور", "shahrivar"), 6),
    **dict.fromkeys(("مهر", "mehr"), 7),
    **dict.fromkeys(("آبان", "aban"), 8),
    **dict.fromkeys(("آذر", "azar"), 9),
    **dict.fromkeys(("دی", "dey", "dei"), 10),
    **dict.fromkeys(("بهمن", "bahman"), 11),
    **dict.fromkeys(("اسفند", "esfand"), 12),
}

_GREGORIAN_MONTHS: dict[str, int] = {
    **dict.fromkeys(("january", "jan", "janvier", "janv", "ژانویه"), 1),
    **dict.fromkeys(("february", "feb", "fevrier", "fevr", "فوریه"), 2),
    **dict.fromkeys(("march", "mar", "mars", "مارس"), 3),
    **dict.fromkeys(("april", "apr", "avril", "avr", "آوریل"), 4),
    **dict.fromkeys(("may", "mai", "مه", "می"), 5),
    # "ژوین"/"ژوییه": ژوئن/ژوئیه typed with ی plus a separate hamza, which is stripped.
    **dict.fromkeys(("june", "jun", "juin", "ژوئن", "ژوین"), 6),
    **dict.fromkeys(("july", "jul", "juillet", "juil", "ژوئیه", "ژوییه", "جولای"), 7),
    **dict.fromkeys(("august", "aug", "aout", "اوت", "آگوست"), 8),
    **dict.fromkeys(("september", "sep", "sept", "septembre", "سپتامبر"), 9),
    **dict.fromkeys(("october", "oct", "octobre", "اکتبر"), 10),
    **dict.fromkeys(("november", "nov", "novembre", "نوامبر"), 11),
    **dict.fromkeys(("december", "dec", "decembre", "دسامبر"), 12),
}

_MONTH_TABLES: dict[Calendar, dict[str, int]] = {
    Calendar.SOLAR_HIJRI: _JALALI_MONTHS,
    Calendar.GREGORIAN: _GREGORIAN_MONTHS,
}


def _month_token(token: str) -> tuple[Calendar, int] | None:
    # "Jan." and "janv.": abbreviations often carry a full stop.
    key = token.removesuffix(".")
    for calendar, table in _MONTH_TABLES.items():
        if key in table:
            return calendar, table[key]
    return None


# --- Patterns ------------------------------------------------------------------------------

_YEAR_FIRST = re.compile(r"([0-9]{4})(?:([-/.])([0-9]{1,2})(?:\2([0-9]{1,2}))?)?")
_DAY_FIRST = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]{4})")
_MONTH_FIRST = re.compile(r"([0-9]{1,2})[-/.]([0-9]{4})")
_DAY_TOKEN = re.compile(r"([0-9]{1,2})(er|st|nd|rd|th)?")
_YEAR_TOKEN = re.compile(r"[0-9]{4}")
_TIME = re.compile(
    r"(?:^| )(?:(?:at|a|ساعت) )?"
    r"(?P<text>(?P<hour>[0-9]{1,2})[:h](?P<minute>[0-9]{1,2})(?::(?P<second>[0-9]{1,2}))?"
    r"(?: ?(?P<meridiem>am|pm|a\.m\.|p\.m\.))?)$"
)
_ISO_T = re.compile(r"(?<=[0-9])t(?=[0-9]{1,2}:)")

_FRENCH_ARTICLE = "le"
_PERSIAN_MONTH_WORD = "ماه"  # "دی ماه ۱۳۹۸": "month", often written after the name
_PERSIAN_YEAR_WORD = "سال"  # "دی سال ۱۳۹۸": "year", sometimes written before it


@dataclass(frozen=True)
class _Fields:
    year: int
    month: int | None
    day: int | None


def _ordinal_ok(day: int, suffix: str | None) -> bool:
    # A wrong ordinal ("2er", "3th") is a typo we do not guess around.
    if suffix is None:
        return True
    if suffix == "er":
        return day == 1
    if day % 100 in (11, 12, 13):
        return suffix == "th"
    return suffix == {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def _unrecognised() -> DateInputError:
    return DateInputError(DateProblem.UNRECOGNISED, {})


def _read_numeric(text: str, calendar: Calendar) -> _Fields | None:
    if match := _YEAR_FIRST.fullmatch(text):
        year, _, month, day = match.groups()
        return _Fields(int(year), None if month is None else int(month), _int_or_none(day))
    if calendar is Calendar.GREGORIAN:
        if match := _DAY_FIRST.fullmatch(text):
            day, _, month, year = match.groups()
            return _Fields(int(year), int(month), int(day))
        if match := _MONTH_FIRST.fullmatch(text):
            month, year = match.groups()
            return _Fields(int(year), int(month), None)
    return None


def _int_or_none(text: str | None) -> int | None:
    return None if text is None else int(text)


def _read_named(text: str, calendar: Calendar) -> _Fields | None:
    tokens = text.split(" ")
    if tokens[0] == _FRENCH_ARTICLE:
        tokens = tokens[1:]
    kinds: list[str] = []
    values: list[int] = []
    for index, token in enumerate(tokens):
        previous = kinds[-1] if kinds else ""
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token == _PERSIAN_MONTH_WORD and previous == "M":
            continue
        if token == _PERSIAN_YEAR_WORD and _YEAR_TOKEN.fullmatch(following):
            continue
        if _YEAR_TOKEN.fullmatch(token):
            kinds.append("Y")
            values.append(int(token))
        elif day_match := _DAY_TOKEN.fullmatch(token):
            day = int(day_match.group(1))
            if not _ordinal_ok(day, day_match.group(2)):
                return None
            kinds.append("D")
            values.append(day)
        elif month_match := _month_token(token):
            month_calendar, month = month_match
            if month_calendar is not calendar:
                # The calendar is chosen in its own field: a month of the other
                # calendar means one of the two is wrong, and we cannot tell which.
                raise DateInputError(
                    DateProblem.UNRECOGNISED,
                    {
                        "month": _month_name(month_calendar, month),
                        "month_calendar": month_calendar.value,
                    },
                )
            kinds.append("M")
            values.append(month)
        else:
            return None
    shape = "".join(kinds)
    if shape == "DMY":
        return _Fields(values[2], values[1], values[0])
    if shape == "MDY":
        return _Fields(values[2], values[0], values[1])
    if shape == "MY":
        return _Fields(values[1], values[0], None)
    return None


def _read_time(match: re.Match[str]) -> datetime.time:
    text = match.group("text")
    out_of_range = DateInputError(
        DateProblem.INVALID_TIME, {"time": text, "reason": "out_of_range"}
    )
    hour, minute = int(match.group("hour")), match.group("minute")
    second = match.group("second")
    # "14:3" could be 14:03 or 14:30: refuse rather than pick one.
    if len(minute) != 2 or (second is not None and len(second) != 2):
        raise out_of_range
    meridiem = match.group("meridiem")
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise out_of_range
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
    try:
        return datetime.time(hour, int(minute), 0 if second is None else int(second))
    except ValueError:
        raise out_of_range from None


def _check_year(
    calendar: Calendar, year: int, today: datetime.date, earliest: datetime.date
) -> None:
    # Outside the libraries' range a year is necessarily before any allowed
    # day (year 0) or in the future (Jalali years past 9377, which end in 9999).
    if year < 1:
        raise DateInputError(
            DateProblem.TOO_EARLY, {"year": year, "earliest": earliest.isoformat()}
        )
    if calendar is Calendar.SOLAR_HIJRI and year > jdatetime.MAXYEAR:
        raise DateInputError(DateProblem.FUTURE, {"year": year, "today": today.isoformat()})


def parse_date(
    text: str,
    calendar: Calendar,
    *,
    today: datetime.date,
    earliest: datetime.date = datetime.date(1900, 1, 1),
) -> ParsedDate:
    """Parse a date typed in ``calendar`` into an exact Gregorian range.

    ``today`` is the caller's current date (a date whose first day is after it
    is refused); ``earliest`` is the first acceptable day (a period ending
    before it is refused). See the module docstring for the accepted forms.
    The checks run in this order: form, month, year range, day, time,
    future, too early.

    Raises:
        DateInputError: with ``EMPTY`` for blank text; ``UNRECOGNISED`` for an
            unreadable form, a two-digit year, a month-first or day-first
            Jalali numeric date, or a month name of the other calendar;
            ``INVALID_MONTH`` for a month outside 1-12; ``INVALID_DAY`` for a
            day that the month does not have; ``INVALID_TIME`` for an
            impossible time or a time after a month or a year; ``FUTURE`` if
            the first day is after ``today``; ``TOO_EARLY`` if the last day is
            before ``earliest``.
    """
    calendar = Calendar(calendar)
    original_text = text.strip()
    if len(original_text) > MAX_INPUT_CHARS:
        raise DateInputError(DateProblem.UNRECOGNISED, {"max_length": MAX_INPUT_CHARS})
    normalised = normalise_text(original_text)
    if not normalised:
        raise DateInputError(DateProblem.EMPTY, {})

    normalised = _ISO_T.sub(" ", normalised)
    time_match = _TIME.search(normalised)
    date_text = normalised[: time_match.start()].strip() if time_match else normalised
    if not date_text:
        raise _unrecognised()
    fields = _read_numeric(date_text, calendar) or _read_named(date_text, calendar)
    if fields is None:
        raise _unrecognised()

    year, month, day = fields.year, fields.month, fields.day
    if month is not None and not 1 <= month <= 12:
        raise DateInputError(DateProblem.INVALID_MONTH, {"month": month})
    _check_year(calendar, year, today, earliest)
    if month is not None and day is not None:
        length = days_in_month(calendar, year, month)
        if not 1 <= day <= length:
            raise DateInputError(
                DateProblem.INVALID_DAY,
                {"day": day, "month": _month_name(calendar, month), "year": year, "days": length},
            )

    time_of_day = None
    if time_match is not None:
        if day is None:
            raise DateInputError(
                DateProblem.INVALID_TIME, {"time": time_match.group("text"), "reason": "needs_day"}
            )
        time_of_day = _read_time(time_match)

    # _check_year keeps every conversion below inside jdatetime's and datetime's range.
    if month is None:
        precision = Precision.YEAR
        first_day = _to_gregorian(calendar, year, 1, 1)
        last_day = _to_gregorian(calendar, year, 12, days_in_month(calendar, year, 12))
    elif day is None:
        precision = Precision.MONTH
        first_day = _to_gregorian(calendar, year, month, 1)
        last_day = _to_gregorian(calendar, year, month, days_in_month(calendar, year, month))
    else:
        precision = Precision.DAY if time_of_day is None else Precision.TIME
        first_day = last_day = _to_gregorian(calendar, year, month, day)

    if first_day > today:
        raise DateInputError(
            DateProblem.FUTURE, {"first_day": first_day.isoformat(), "today": today.isoformat()}
        )
    if last_day < earliest:
        raise DateInputError(
            DateProblem.TOO_EARLY,
            {"last_day": last_day.isoformat(), "earliest": earliest.isoformat()},
        )
    return ParsedDate(
        first_day=first_day,
        last_day=last_day,
        precision=precision,
        time_of_day=time_of_day,
        calendar=calendar,
        original_text=original_text,
    )


def guess_calendar(text: str) -> Calendar | None:
    """Guess which calendar ``text`` was typed in, to suggest it; never to parse with.

    A year 1300-1499 or a Jalali month name points to the Solar Hijri
    calendar; a year 1900-2100 or a Gregorian month name to the Gregorian one.
    Returns None when nothing points anywhere or the hints disagree. Raises
    nothing.
    """
    if len(text) > MAX_INPUT_CHARS:
        return None
    hints: set[Calendar] = set()
    normalised = normalise_text(text)
    for year in re.findall(r"(?<![0-9])[0-9]{4}(?![0-9])", normalised):
        if 1300 <= int(year) <= 1499:
            hints.add(Calendar.SOLAR_HIJRI)
        elif 1900 <= int(year) <= 2100:
            hints.add(Calendar.GREGORIAN)
    for token in normalised.split(" "):
        if month := _month_token(token):
            hints.add(month[0])
    return hints.pop() if len(hints) == 1 else None
