"""Dates typed in the Gregorian or Solar Hijri calendar: parsing and display.

The lowest layer of the portal: pure functions and value types, no Flask and
no other ``portal`` package. Gregorian numeric dates are read day first
(``08/01/2020`` is 8 January), never month first.
"""

from portal.calendar.display import (
    SUPPORTED_LANGUAGES,
    format_both,
    format_gregorian,
    format_solar_hijri,
    to_persian_digits,
)
from portal.calendar.parse import (
    MAX_INPUT_CHARS,
    Calendar,
    DateInputError,
    DateProblem,
    ParsedDate,
    Precision,
    covered_period,
    days_in_month,
    gregorian_to_jalali,
    guess_calendar,
    jalali_month_name,
    jalali_to_gregorian,
    normalise_text,
    parse_date,
)

__all__ = [
    "MAX_INPUT_CHARS",
    "SUPPORTED_LANGUAGES",
    "Calendar",
    "DateInputError",
    "DateProblem",
    "ParsedDate",
    "Precision",
    "covered_period",
    "days_in_month",
    "format_both",
    "format_gregorian",
    "format_solar_hijri",
    "gregorian_to_jalali",
    "guess_calendar",
    "jalali_month_name",
    "jalali_to_gregorian",
    "normalise_text",
    "parse_date",
    "to_persian_digits",
]
