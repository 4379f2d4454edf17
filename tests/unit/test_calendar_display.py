"""Unit tests for portal.calendar.display: both calendars in Persian, English and French."""

from __future__ import annotations

import datetime

import pytest

from portal.calendar import (
    Calendar,
    ParsedDate,
    Precision,
    format_both,
    format_gregorian,
    format_solar_hijri,
    parse_date,
    to_persian_digits,
)

D = datetime.date
G = Calendar.GREGORIAN
SH = Calendar.SOLAR_HIJRI
TODAY = D(2025, 6, 1)


def parse(text: str, calendar: Calendar) -> ParsedDate:
    return parse_date(text, calendar, today=TODAY)


def test_to_persian_digits() -> None:
    assert to_persian_digits("1398/10/18 14:30") == "۱۳۹۸/۱۰/۱۸ ۱۴:۳۰"
    assert to_persian_digits("0123456789") == "۰۱۲۳۴۵۶۷۸۹"
    assert to_persian_digits("دی") == "دی"
    assert to_persian_digits("") == ""


@pytest.mark.parametrize(
    ("text", "calendar", "locale", "expected"),
    [
        ("1398/10/18", SH, "fa", "۱۸ دی ۱۳۹۸"),
        ("1398/10/18", SH, "en", "18 Dey 1398"),
        ("1398/10/18", SH, "fr", "18 Dey 1398"),
        ("2020-01-08", G, "fa", "۱۸ دی ۱۳۹۸"),  # whatever calendar it was typed in
        ("دی ۱۳۹۸", SH, "fa", "دی ۱۳۹۸"),
        ("دی ۱۳۹۸", SH, "en", "Dey 1398"),
        ("1398", SH, "fa", "۱۳۹۸"),
        ("1398", SH, "en", "1398"),
        ("1399/12/30", SH, "fa", "۳۰ اسفند ۱۳۹۹"),
        ("1398/1/1", SH, "fr", "1er Farvardin 1398"),
        ("1398/10/18 14:30", SH, "fa", "۱۸ دی ۱۳۹۸ ۱۴:۳۰"),
        ("1398/10/18 14:30", SH, "en", "18 Dey 1398 14:30"),
        ("1398/10/18 14:30:05", SH, "en", "18 Dey 1398 14:30:05"),
        ("January 2020", G, "fa", "۱۱ دی ۱۳۹۸ تا ۱۱ بهمن ۱۳۹۸"),
        ("January 2020", G, "en", "11 Dey 1398 – 11 Bahman 1398"),
        ("2020", G, "en", "11 Dey 1398 – 11 Dey 1399"),
    ],
)
def test_format_solar_hijri(text: str, calendar: Calendar, locale: str, expected: str) -> None:
    assert format_solar_hijri(parse(text, calendar), locale) == expected


@pytest.mark.parametrize(
    ("text", "calendar", "locale", "expected"),
    [
        ("2020-01-08", G, "en", "8 January 2020"),
        ("2020-01-08", G, "fr", "8 janvier 2020"),
        ("2020-01-08", G, "fa", "۸ ژانویهٔ ۲۰۲۰"),
        ("1398/10/18", SH, "en", "8 January 2020"),
        ("2020-01", G, "en", "January 2020"),
        ("2020-01", G, "fr", "janvier 2020"),
        ("2020-01", G, "fa", "ژانویهٔ ۲۰۲۰"),
        ("2020", G, "en", "2020"),
        ("2020", G, "fa", "۲۰۲۰"),
        ("2020-02-01", G, "fr", "1er février 2020"),
        ("2020-08-15", G, "fr", "15 août 2020"),
        ("2020-01-08 14:30", G, "en", "8 January 2020 14:30"),
        ("2020-01-08 2:30 pm", G, "fr", "8 janvier 2020 14:30"),
        ("2020-01-08 14:30", G, "fa", "۸ ژانویهٔ ۲۰۲۰ ۱۴:۳۰"),
        ("دی ۱۳۹۸", SH, "en", "22 December 2019 – 20 January 2020"),
        ("دی ۱۳۹۸", SH, "fr", "22 décembre 2019 – 20 janvier 2020"),
        ("دی ۱۳۹۸", SH, "fa", "۲۲ دسامبر ۲۰۱۹ تا ۲۰ ژانویهٔ ۲۰۲۰"),
        ("1398", SH, "en", "21 March 2019 – 19 March 2020"),
    ],
)
def test_format_gregorian(text: str, calendar: Calendar, locale: str, expected: str) -> None:
    assert format_gregorian(parse(text, calendar), locale) == expected


@pytest.mark.parametrize(
    ("month", "name"),
    list(enumerate(
        ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
         "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"],
        start=1,
    )),
)  # fmt: skip
def test_every_jalali_month_name_in_persian(month: int, name: str) -> None:
    parsed = parse(f"1398/{month}", SH)
    assert format_solar_hijri(parsed, "fa") == f"{name} ۱۳۹۸"


@pytest.mark.parametrize(
    ("month", "name"),
    list(enumerate(
        ["Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
         "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand"],
        start=1,
    )),
)  # fmt: skip
def test_every_jalali_month_name_in_latin_script(month: int, name: str) -> None:
    assert format_solar_hijri(parse(f"1398/{month}/2", SH), "en") == f"2 {name} 1398"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fa", ("۱۸ دی ۱۳۹۸", "۸ ژانویهٔ ۲۰۲۰")),
        ("fa_IR", ("۱۸ دی ۱۳۹۸", "۸ ژانویهٔ ۲۰۲۰")),
        ("en", ("8 January 2020", "18 Dey 1398")),
        ("en_CA", ("8 January 2020", "18 Dey 1398")),
        ("fr", ("8 janvier 2020", "18 Dey 1398")),
        ("fr-CA", ("8 janvier 2020", "18 Dey 1398")),
    ],
)
def test_format_both_puts_the_locales_usual_calendar_first(
    locale: str, expected: tuple[str, str]
) -> None:
    assert format_both(parse("۱۸ دی ۱۳۹۸", SH), locale) == expected
    assert format_both(parse("8 janvier 2020", G), locale) == expected


@pytest.mark.parametrize("locale", ["de", "ar", "", "xx_YY"])
def test_unsupported_locale_is_refused(locale: str) -> None:
    parsed = parse("2020-01-08", G)
    for formatter in (format_gregorian, format_solar_hijri, format_both):
        with pytest.raises(ValueError, match="unsupported locale"):
            formatter(parsed, locale)


def test_stored_values_display_like_the_parsed_ones() -> None:
    stored = ParsedDate.from_stored(
        D(2020, 2, 20), D(2020, 3, 19), "month", None, "solar_hijri", "اسفند ۱۳۹۸"
    )
    assert stored.precision is Precision.MONTH
    assert format_both(stored, "fa") == ("اسفند ۱۳۹۸", "۲۰ فوریهٔ ۲۰۲۰ تا ۱۹ مارس ۲۰۲۰")
    assert format_both(stored, "en") == ("20 February 2020 – 19 March 2020", "Esfand 1398")


def test_displayed_persian_text_parses_back_to_the_same_days() -> None:
    for text, calendar in [("2020-01-08", G), ("2020-01", G), ("1398/12", SH), ("1398", SH)]:
        parsed = parse(text, calendar)
        shown = format_solar_hijri(parsed, "fa") if calendar is SH else None
        shown = shown or format_gregorian(parsed, "fa")
        again = parse(shown, calendar)
        assert (again.first_day, again.last_day) == (parsed.first_day, parsed.last_day)
