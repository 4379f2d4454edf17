"""Unit tests for portal.calendar.parse: typed dates in both calendars, exactly or not at all.

The expected Gregorian days are written out by hand from published calendar
tables, so that these tests check jdatetime as well as the parser.
"""

from __future__ import annotations

import copy
import datetime
import pickle

import pytest

from portal.calendar import (
    Calendar,
    DateInputError,
    DateProblem,
    ParsedDate,
    Precision,
    days_in_month,
    format_solar_hijri,
    gregorian_to_jalali,
    guess_calendar,
    jalali_to_gregorian,
    parse_date,
)

D = datetime.date
G = Calendar.GREGORIAN
SH = Calendar.SOLAR_HIJRI
TODAY = D(2025, 6, 1)
PS752 = D(2020, 1, 8)  # 18 Dey 1398


def parse(text: str, calendar: Calendar, **kwargs: datetime.date) -> ParsedDate:
    kwargs.setdefault("today", TODAY)
    return parse_date(text, calendar, **kwargs)


def problem_of(text: str, calendar: Calendar, **kwargs: datetime.date) -> DateInputError:
    with pytest.raises(DateInputError) as caught:
        parse(text, calendar, **kwargs)
    return caught.value


# --- 18 Dey 1398 = 8 January 2020, in every accepted spelling ------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "1398/10/18",
        "1398-10-18",
        "1398.10.18",
        "۱۳۹۸/۱۰/۱۸",  # Persian digits
        "١٣٩٨/١٠/١٨",  # Arabic-Indic digits
        "۱۳۹۸-۱۰-۱۸",
        "1398 / 10 / 18",
        "1398–10–18",  # en dash from autocorrect
        "18 دی 1398",
        "۱۸ دی ۱۳۹۸",
        "١٨ دي ١٣٩٨",  # Arabic yeh and Arabic-Indic digits
        "۱۸ دی ماه ۱۳۹۸",
        "۱۸ دی سال ۱۳۹۸",
        "۱۸دی۱۳۹۸",
        "\u200f۱۸ دی ۱۳۹۸\u200f",  # right-to-left marks from copy-paste
        "18 Dey 1398",
        "18 dey 1398",
        "18 DEY 1398",
        "18 Dei 1398",
        "  18   Dey\u00a01398  ",
        "Dey 18, 1398",
    ],
)
def test_18_dey_1398_is_8_january_2020(text: str) -> None:
    parsed = parse(text, SH)
    assert (parsed.first_day, parsed.last_day) == (PS752, PS752)
    assert parsed.precision is Precision.DAY
    assert parsed.time_of_day is None
    assert parsed.calendar is SH
    assert parsed.original_text == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "2020-01-08",
        "2020/1/8",
        "2020.01.08",
        "۲۰۲۰-۰۱-۰۸",
        "08/01/2020",
        "8.1.2020",
        "8-1-2020",
        "8 January 2020",
        "January 8, 2020",
        "January 8 2020",
        "january 8th, 2020",
        "Jan 8, 2020",
        "Jan. 8, 2020",
        "8 JAN 2020",
        "8 janvier 2020",
        "le 8 janvier 2020",
        "Le 8 Janvier 2020",
        "8 janv. 2020",
        "8 ژانویه 2020",
        "۸ ژانویه ۲۰۲۰",
        "۸ ژانویهٔ ۲۰۲۰",  # as the portal displays it, with the ezafe
    ],
)
def test_8_january_2020_in_every_gregorian_spelling(text: str) -> None:
    parsed = parse(text, G)
    assert (parsed.first_day, parsed.last_day, parsed.precision) == (PS752, PS752, Precision.DAY)
    assert parsed.calendar is G


def test_original_text_is_kept_exactly_but_stripped() -> None:
    text = "  ۱۸ دی\u200c ۱۳۹۸ "
    assert parse(text, SH).original_text == "۱۸ دی\u200c ۱۳۹۸"


# --- Jalali months --------------------------------------------------------------------------

FIRST_DAYS_OF_1398 = [
    (1, "فروردین", "Farvardin", D(2019, 3, 21)),
    (2, "اردیبهشت", "Ordibehesht", D(2019, 4, 21)),
    (3, "خرداد", "Khordad", D(2019, 5, 22)),
    (4, "تیر", "Tir", D(2019, 6, 22)),
    (5, "مرداد", "Mordad", D(2019, 7, 23)),
    (6, "شهریور", "Shahrivar", D(2019, 8, 23)),
    (7, "مهر", "Mehr", D(2019, 9, 23)),
    (8, "آبان", "Aban", D(2019, 10, 23)),
    (9, "آذر", "Azar", D(2019, 11, 22)),
    (10, "دی", "Dey", D(2019, 12, 22)),
    (11, "بهمن", "Bahman", D(2020, 1, 21)),
    (12, "اسفند", "Esfand", D(2020, 2, 20)),
]


@pytest.mark.parametrize(("month", "persian", "latin", "gregorian"), FIRST_DAYS_OF_1398)
def test_first_day_of_each_jalali_month_of_1398_round_trips(
    month: int, persian: str, latin: str, gregorian: datetime.date
) -> None:
    for text in (f"1398/{month}/1", f"1 {persian} 1398", f"۱ {persian} ۱۳۹۸", f"1 {latin} 1398"):
        assert parse(text, SH).first_day == gregorian, text
    assert jalali_to_gregorian(1398, month, 1) == gregorian
    assert gregorian_to_jalali(gregorian) == (1398, month, 1)
    shown = format_solar_hijri(parse(f"1398/{month}/1", SH), "fa")
    assert shown == f"۱ {persian} ۱۳۹۸"
    assert parse(shown, SH).first_day == gregorian


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("1 Amordad 1398", 5),
        ("1 امرداد 1398", 5),
        ("1 اردی\u200cبهشت 1398", 2),  # written with a ZWNJ
        ("1 ESFAND 1398", 12),
    ],
)
def test_jalali_month_name_variants(text: str, month: int) -> None:
    assert parse(text, SH).first_day == jalali_to_gregorian(1398, month, 1)


def test_esfand_1398_has_29_days_and_esfand_1399_has_30() -> None:
    assert days_in_month(SH, 1398, 12) == 29
    assert days_in_month(SH, 1399, 12) == 30
    assert parse("1398/12/29", SH).first_day == D(2020, 3, 19)
    assert parse("1399/12/30", SH).first_day == D(2021, 3, 20)
    assert parse("1399/01/01", SH).first_day == D(2020, 3, 20)
    error = problem_of("1398/12/30", SH)
    assert error.problem is DateProblem.INVALID_DAY
    assert error.detail == {"day": 30, "month": "Esfand", "year": 1398, "days": 29}


@pytest.mark.parametrize(
    ("year", "leap"),
    [(1395, True), (1398, False), (1399, True), (1400, False), (1403, True), (1404, False)],
)
def test_jalali_leap_years_as_in_the_official_calendar(year: int, leap: bool) -> None:
    assert (days_in_month(SH, year, 12) == 30) is leap


# --- Precision and ranges -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "calendar", "precision", "first", "last"),
    [
        ("1398/12", SH, Precision.MONTH, D(2020, 2, 20), D(2020, 3, 19)),
        ("اسفند ۱۳۹۸", SH, Precision.MONTH, D(2020, 2, 20), D(2020, 3, 19)),
        ("Esfand 1398", SH, Precision.MONTH, D(2020, 2, 20), D(2020, 3, 19)),
        ("اسفند 1399", SH, Precision.MONTH, D(2021, 2, 19), D(2021, 3, 20)),
        ("دی ۱۳۹۸", SH, Precision.MONTH, D(2019, 12, 22), D(2020, 1, 20)),
        ("دی ماه ۱۳۹۸", SH, Precision.MONTH, D(2019, 12, 22), D(2020, 1, 20)),
        ("1398", SH, Precision.YEAR, D(2019, 3, 21), D(2020, 3, 19)),
        ("۱۳۹۹", SH, Precision.YEAR, D(2020, 3, 20), D(2021, 3, 20)),
        ("2020-01", G, Precision.MONTH, D(2020, 1, 1), D(2020, 1, 31)),
        ("2020/2", G, Precision.MONTH, D(2020, 2, 1), D(2020, 2, 29)),
        ("02/2021", G, Precision.MONTH, D(2021, 2, 1), D(2021, 2, 28)),
        ("January 2020", G, Precision.MONTH, D(2020, 1, 1), D(2020, 1, 31)),
        ("janvier 2020", G, Precision.MONTH, D(2020, 1, 1), D(2020, 1, 31)),
        ("Février 2020", G, Precision.MONTH, D(2020, 2, 1), D(2020, 2, 29)),
        ("fevrier 2020", G, Precision.MONTH, D(2020, 2, 1), D(2020, 2, 29)),
        ("août 2020", G, Precision.MONTH, D(2020, 8, 1), D(2020, 8, 31)),
        ("aout 2020", G, Precision.MONTH, D(2020, 8, 1), D(2020, 8, 31)),
        ("décembre 2020", G, Precision.MONTH, D(2020, 12, 1), D(2020, 12, 31)),
        ("decembre 2020", G, Precision.MONTH, D(2020, 12, 1), D(2020, 12, 31)),
        ("2020", G, Precision.YEAR, D(2020, 1, 1), D(2020, 12, 31)),
    ],
)
def test_month_and_year_precision_cover_the_whole_period(
    text: str,
    calendar: Calendar,
    precision: Precision,
    first: datetime.date,
    last: datetime.date,
) -> None:
    parsed = parse(text, calendar)
    assert (parsed.precision, parsed.first_day, parsed.last_day) == (precision, first, last)
    assert parsed.time_of_day is None


@pytest.mark.parametrize(
    ("name", "month"),
    [
        ("January", 1), ("Feb", 2), ("mars", 3), ("avril", 4), ("May", 5), ("mai", 5),
        ("juin", 6), ("juillet", 7), ("Aug", 8), ("septembre", 9), ("Sept", 9),
        ("octobre", 10), ("November", 11), ("déc.", 12),
        ("ژانویه", 1), ("فوریه", 2), ("مارس", 3), ("آوریل", 4), ("مه", 5), ("می", 5),
        ("ژوئن", 6), ("ژوئیه", 7), ("جولای", 7), ("اوت", 8), ("آگوست", 8),
        ("سپتامبر", 9), ("اکتبر", 10), ("اكتبر", 10), ("نوامبر", 11), ("دسامبر", 12),
    ],
)  # fmt: skip
def test_gregorian_month_names_in_english_french_and_persian(name: str, month: int) -> None:
    assert parse(f"2 {name} 2020", G).first_day == D(2020, month, 2)


# --- Gregorian numeric dates are day first ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13/01/2020", D(2020, 1, 13)),
        ("01/02/2020", D(2020, 2, 1)),  # 1 February, never 2 January
        ("2.3.2020", D(2020, 3, 2)),
        ("2020/02/01", D(2020, 2, 1)),  # year first stays year-month-day
    ],
)
def test_gregorian_numeric_dates_are_day_first(text: str, expected: datetime.date) -> None:
    assert parse(text, G).first_day == expected


def test_us_month_first_date_is_refused_not_swapped() -> None:
    error = problem_of("01/13/2020", G)
    assert error.problem is DateProblem.INVALID_MONTH
    assert error.detail == {"month": 13}


@pytest.mark.parametrize(
    ("text", "calendar"),
    [
        ("08/01/20", G),
        ("8.1.20", G),
        ("20/01/08", G),
        ("98/10/18", SH),
        ("18 دی 98", SH),
        ("8 January 20", G),
        ("18/10/1398", SH),  # day first is for Gregorian dates only
        ("10/1398", SH),
    ],
)
def test_two_digit_years_and_day_first_jalali_are_unrecognised(
    text: str, calendar: Calendar
) -> None:
    assert problem_of(text, calendar).problem is DateProblem.UNRECOGNISED


# --- Times ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "calendar", "expected"),
    [
        ("2020-01-08 14:30", G, datetime.time(14, 30)),
        ("2020-01-08 14:30:05", G, datetime.time(14, 30, 5)),
        ("2020-01-08T14:30", G, datetime.time(14, 30)),
        ("۱۳۹۸/۱۰/۱۸ ۱۴:۳۰", SH, datetime.time(14, 30)),
        ("8 January 2020 2:30 pm", G, datetime.time(14, 30)),
        ("8 January 2020 at 2:30pm", G, datetime.time(14, 30)),
        ("January 8, 2020, 2:30 P.M.", G, datetime.time(14, 30)),
        ("8 January 2020 12:05 am", G, datetime.time(0, 5)),
        ("8 January 2020 12:05 pm", G, datetime.time(12, 5)),
        ("8 janvier 2020 à 14h30", G, datetime.time(14, 30)),
        ("8 janvier 2020 0:00", G, datetime.time(0, 0)),
        ("۱۸ دی ۱۳۹۸ ساعت ۱۴:۳۰", SH, datetime.time(14, 30)),
        ("۱۸ دی ۱۳۹۸ ۰۶:۱۲", SH, datetime.time(6, 12)),
    ],
)
def test_time_after_a_full_date_gives_time_precision(
    text: str, calendar: Calendar, expected: datetime.time
) -> None:
    parsed = parse(text, calendar)
    assert parsed.precision is Precision.TIME
    assert parsed.time_of_day == expected
    assert parsed.first_day == parsed.last_day == PS752


@pytest.mark.parametrize(
    "time", ["24:00", "14:60", "14:30:60", "25:00", "13:00 pm", "0:30 am", "14:3", "14:30:5"]
)
def test_impossible_times_are_invalid_time(time: str) -> None:
    error = problem_of(f"2020-01-08 {time}", G)
    assert error.problem is DateProblem.INVALID_TIME
    assert error.detail == {"time": time, "reason": "out_of_range"}


@pytest.mark.parametrize(("text", "calendar"), [("2020-01 14:30", G), ("دی ۱۳۹۸ ۱۴:۳۰", SH)])
def test_time_needs_a_full_day(text: str, calendar: Calendar) -> None:
    error = problem_of(text, calendar)
    assert error.problem is DateProblem.INVALID_TIME
    assert error.detail["reason"] == "needs_day"


# --- Every error code -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\u200c", "\u200f \u200e"])
def test_blank_input_is_empty(text: str) -> None:
    assert problem_of(text, SH).problem is DateProblem.EMPTY


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "14:30",
        "18 1398",
        "Dey",
        "18 Dey",
        "1398/10/18/1",
        "1398/10-18",
        "13980/10/18",
        "1398/100/18",
        "2er janvier 1398",
        "3th Dey 1398",
        "18 Dey 1398 extra",
        "١٨ دی ١٣٩٨ ١٣٩٨",
        "१३९८/१०/१८",  # Devanagari digits are not Persian digits
    ],
)
def test_unreadable_text_is_unrecognised(text: str) -> None:
    assert problem_of(text, SH).problem is DateProblem.UNRECOGNISED


def test_overlong_input_is_refused_before_parsing() -> None:
    error = problem_of("1398/10/18" + " " * 50 + "x" * 100, SH)
    assert error.problem is DateProblem.UNRECOGNISED
    assert error.detail == {"max_length": 100}


@pytest.mark.parametrize(
    ("text", "calendar", "month"),
    [("1398/13/01", SH, 13), ("1398/0/01", SH, 0), ("2020-13", G, 13), ("2020-00-10", G, 0)],
)
def test_month_outside_1_to_12_is_invalid_month(text: str, calendar: Calendar, month: int) -> None:
    error = problem_of(text, calendar)
    assert error.problem is DateProblem.INVALID_MONTH
    assert error.detail == {"month": month}


@pytest.mark.parametrize(
    ("text", "calendar", "detail"),
    [
        ("2021-02-29", G, {"day": 29, "month": "February", "year": 2021, "days": 28}),
        ("31/04/2020", G, {"day": 31, "month": "April", "year": 2020, "days": 30}),
        ("0 January 2020", G, {"day": 0, "month": "January", "year": 2020, "days": 31}),
        ("1398/07/31", SH, {"day": 31, "month": "Mehr", "year": 1398, "days": 30}),
        ("۳۰ اسفند ۱۳۹۸", SH, {"day": 30, "month": "Esfand", "year": 1398, "days": 29}),
        ("1400/12/30", SH, {"day": 30, "month": "Esfand", "year": 1400, "days": 29}),
    ],
)
def test_day_beyond_the_month_is_invalid_day(
    text: str, calendar: Calendar, detail: dict[str, int | str]
) -> None:
    error = problem_of(text, calendar)
    assert error.problem is DateProblem.INVALID_DAY
    assert error.detail == detail


@pytest.mark.parametrize(
    ("text", "calendar", "today", "future"),
    [
        ("2020-01-08", G, D(2020, 1, 7), True),
        ("2020-01-08", G, D(2020, 1, 8), False),
        ("1398/10/18", SH, D(2020, 1, 7), True),
        ("1398/10/18", SH, D(2020, 1, 8), False),
        ("2020-01-08 23:59", G, D(2020, 1, 8), False),
        ("2020-01", G, D(2020, 1, 1), False),  # the period has begun
        ("2020-02", G, D(2020, 1, 31), True),
        ("2020", G, D(2020, 1, 1), False),
        ("2020", G, D(2019, 12, 31), True),
        ("دی ۱۳۹۸", SH, D(2019, 12, 22), False),
        ("دی ۱۳۹۸", SH, D(2019, 12, 21), True),
        ("1399", SH, D(2020, 3, 19), True),
        ("1399", SH, D(2020, 3, 20), False),
        ("2020-01-08", SH, TODAY, True),  # Gregorian digits read as Jalali: year 2641
        ("9999", SH, TODAY, True),  # beyond jdatetime's range
    ],
)
def test_future_is_judged_against_the_given_today(
    text: str, calendar: Calendar, today: datetime.date, future: bool
) -> None:
    if future:
        assert problem_of(text, calendar, today=today).problem is DateProblem.FUTURE
    else:
        assert parse(text, calendar, today=today).first_day <= today


def test_future_detail_names_the_days() -> None:
    error = problem_of("2020-01-08", G, today=D(2020, 1, 1))
    assert error.detail == {"first_day": "2020-01-08", "today": "2020-01-01"}


@pytest.mark.parametrize(
    ("text", "calendar", "earliest", "too_early"),
    [
        ("1899-12-31", G, D(1900, 1, 1), True),
        ("1899", G, D(1900, 1, 1), True),
        ("1900-01-01", G, D(1900, 1, 1), False),
        ("1278", SH, D(1900, 1, 1), False),  # 1278 ends on 20 March 1900
        ("1277", SH, D(1900, 1, 1), True),
        ("1398/10/18", G, D(1900, 1, 1), True),  # Jalali digits read as Gregorian
        ("0000", G, D(1900, 1, 1), True),
        ("دی ۱۳۹۸", SH, D(2020, 1, 20), False),  # ends on the earliest day
        ("دی ۱۳۹۸", SH, D(2020, 1, 21), True),
    ],
)
def test_too_early_is_judged_on_the_last_day(
    text: str, calendar: Calendar, earliest: datetime.date, too_early: bool
) -> None:
    if too_early:
        error = problem_of(text, calendar, earliest=earliest)
        assert error.problem is DateProblem.TOO_EARLY
        assert error.detail["earliest"] == earliest.isoformat()
    else:
        assert parse(text, calendar, earliest=earliest).last_day >= earliest


# --- French ordinal --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["1er janvier 2020", "le 1er janvier 2020", "1ᵉʳ janvier 2020", "1 janvier 2020"]
)
def test_french_first_of_the_month(text: str) -> None:
    assert parse(text, G).first_day == D(2020, 1, 1)


@pytest.mark.parametrize("text", ["1st January 2020", "2nd January 2020", "23rd January 2020"])
def test_english_ordinals(text: str) -> None:
    assert parse(text, G).first_day.month == 1


# --- The other calendar's month names are refused ------------------------------------------


@pytest.mark.parametrize(
    ("text", "calendar", "month", "month_calendar"),
    [
        ("8 January 2020", SH, "January", "gregorian"),
        ("8 janvier 1398", SH, "January", "gregorian"),
        ("۸ ژانویه ۱۳۹۸", SH, "January", "gregorian"),
        ("18 Dey 1398", G, "Dey", "solar_hijri"),
        ("18 دی 2020", G, "Dey", "solar_hijri"),
        ("مهر 2020", G, "Mehr", "solar_hijri"),
    ],
)
def test_month_name_of_the_other_calendar_is_refused(
    text: str, calendar: Calendar, month: str, month_calendar: str
) -> None:
    error = problem_of(text, calendar)
    assert error.problem is DateProblem.UNRECOGNISED
    assert error.detail == {"month": month, "month_calendar": month_calendar}


# --- guess_calendar --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1398/10/18", SH),
        ("۱۳۹۸/۱۰/۱۸", SH),
        ("1499", SH),
        ("1300", SH),
        ("2020-01-08", G),
        ("08/01/2020", G),
        ("1900", G),
        ("2100", G),
        ("دی", SH),
        ("18 Dey", SH),
        ("January 8", G),
        ("۸ ژانویه", G),
        ("8 janvier 2020", G),
        ("18 دی ۱۳۹۸", SH),
        ("1299", None),
        ("1500", None),
        ("2101", None),
        ("18/10", None),
        ("", None),
        ("hello", None),
        ("Dey 2020", None),  # hints disagree
        ("1398 2020", None),
        ("x" * 200, None),
    ],
)
def test_guess_calendar(text: str, expected: Calendar | None) -> None:
    assert guess_calendar(text) is expected


# --- Values and errors ------------------------------------------------------------------------


def test_calendar_may_be_given_as_its_stored_string() -> None:
    assert parse_date("1398/10/18", "solar_hijri", today=TODAY).calendar is SH  # type: ignore[arg-type]


def test_error_str_and_args_hold_only_the_problem_code() -> None:
    error = problem_of("18 Dey 1398", G)
    assert str(error) == "unrecognised"
    assert error.args == ("unrecognised",)
    assert "Dey" not in str(error)


def test_error_survives_pickle_and_copy() -> None:
    error = problem_of("1398/12/30", SH)
    for clone in (pickle.loads(pickle.dumps(error)), copy.copy(error)):  # noqa: S301
        assert isinstance(clone, DateInputError)
        assert (clone.problem, clone.detail) == (error.problem, error.detail)


def test_error_is_hashable_and_frozen() -> None:
    error = DateInputError(DateProblem.EMPTY, {})
    assert error in {error}
    with pytest.raises(AttributeError):
        error.problem = DateProblem.FUTURE  # type: ignore[misc]


@pytest.mark.parametrize(
    ("first", "last", "precision", "time", "calendar"),
    [
        (D(2020, 1, 8), D(2020, 1, 8), Precision.DAY, None, SH),
        (D(2020, 1, 8), D(2020, 1, 8), "time", datetime.time(14, 30), "gregorian"),
        (D(2019, 12, 22), D(2020, 1, 20), Precision.MONTH, None, SH),
        (D(2020, 1, 1), D(2020, 1, 31), "month", None, G),
        (D(2019, 3, 21), D(2020, 3, 19), Precision.YEAR, None, "solar_hijri"),
        (D(2020, 1, 1), D(2020, 12, 31), Precision.YEAR, None, G),
    ],
)
def test_from_stored_accepts_consistent_values(
    first: datetime.date,
    last: datetime.date,
    precision: Precision | str,
    time: datetime.time | None,
    calendar: Calendar | str,
) -> None:
    parsed = ParsedDate.from_stored(first, last, precision, time, calendar, "typed")
    assert parsed.precision == precision
    assert parsed.calendar == calendar


def test_from_stored_equals_the_parsed_value() -> None:
    parsed = parse("۱۸ دی ۱۳۹۸ ۱۴:۳۰", SH)
    stored = (parsed.first_day, parsed.last_day, parsed.precision.value)
    rebuilt = ParsedDate.from_stored(
        *stored, parsed.time_of_day, parsed.calendar.value, parsed.original_text
    )
    assert rebuilt == parsed


@pytest.mark.parametrize(
    ("first", "last", "precision", "time", "calendar"),
    [
        (D(2020, 1, 8), D(2020, 1, 9), Precision.DAY, None, SH),
        (D(2020, 1, 8), D(2020, 1, 8), Precision.DAY, datetime.time(14, 30), G),
        (D(2020, 1, 8), D(2020, 1, 8), Precision.TIME, None, G),
        (D(2020, 1, 9), D(2020, 1, 8), Precision.MONTH, None, G),
        (D(2020, 1, 1), D(2020, 1, 31), Precision.MONTH, None, SH),  # not a Jalali month
        (D(2019, 12, 22), D(2020, 1, 20), Precision.MONTH, None, G),  # not a Gregorian month
        (D(2020, 1, 1), D(2020, 1, 30), Precision.MONTH, None, G),
        (D(2020, 1, 1), D(2020, 12, 31), Precision.YEAR, None, SH),
        (D(2020, 1, 1), D(2020, 1, 31), Precision.YEAR, None, G),
        (D(2020, 1, 1), D(2020, 1, 31), "week", None, G),
        (D(2020, 1, 1), D(2020, 1, 31), Precision.MONTH, None, "julian"),
    ],
)
def test_from_stored_refuses_contradictory_values(
    first: datetime.date,
    last: datetime.date,
    precision: Precision | str,
    time: datetime.time | None,
    calendar: Calendar | str,
) -> None:
    with pytest.raises(ValueError, match=r"."):
        ParsedDate.from_stored(first, last, precision, time, calendar, "typed")


def test_from_stored_refuses_datetimes_and_aware_times() -> None:
    moment = datetime.datetime(2020, 1, 8, 14, 30)
    with pytest.raises(TypeError, match="datetime"):
        ParsedDate.from_stored(moment, moment, Precision.DAY, None, G, "")
    aware = datetime.time(14, 30, tzinfo=datetime.UTC)
    with pytest.raises(ValueError, match="naive"):
        ParsedDate.from_stored(PS752, PS752, Precision.TIME, aware, G, "")


# --- Exhaustive: every day of 1398 and 1399 --------------------------------------------------


def test_every_day_of_1398_and_1399_round_trips_through_jalali_text() -> None:
    day = D(2019, 3, 21)
    previous: tuple[int, int, int] | None = None
    count = 0
    while day <= D(2021, 3, 20):
        year, month, day_of_month = gregorian_to_jalali(day)
        # Consecutive Gregorian days are consecutive Jalali days: no gap, no repeat.
        if previous is not None:
            p_year, p_month, p_day = previous
            assert (year, month, day_of_month) in {
                (p_year, p_month, p_day + 1),
                (p_year, p_month + 1, 1),
                (p_year + 1, 1, 1),
            }
        previous = (year, month, day_of_month)
        for text in (
            f"{year}/{month}/{day_of_month}",
            format_solar_hijri(parse(f"{year}-{month:02d}-{day_of_month:02d}", SH), "fa"),
            format_solar_hijri(parse(f"{year}.{month}.{day_of_month}", SH), "en"),
        ):
            parsed = parse(text, SH)
            assert (parsed.first_day, parsed.last_day) == (day, day), text
        day += datetime.timedelta(days=1)
        count += 1
    assert count == 365 + 366
    assert previous == (1399, 12, 30)
