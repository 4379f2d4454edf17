"""What a reporter writes about an incident, as plain values, and its validation.

`IncidentContent` is the form's content without Flask: the web layer fills it, the
incident service validates and stores it (sealing the free text), and revisions
keep a snapshot of it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.calendar import Calendar, DateInputError, DateProblem, ParsedDate, parse_date
from portal.models.vocabulary import Agency, Authority, Harm, PlaceType, Trigger

MAX_NARRATIVE_CHARS = 20_000
MAX_NOTE_CHARS = 5_000
MAX_LINE_CHARS = 80


@dataclass
class IncidentContent:
    start_text: str = ""
    end_text: str = ""
    calendar: str = Calendar.SOLAR_HIJRI.value
    approximate: bool = False
    timezone: str = "Asia/Tehran"
    country: str = ""
    province: str = ""
    city: str = ""
    place_type: str = ""
    online_platform: str = ""
    country_sent: str = ""
    country_received: str = ""
    country_carried_out: str = ""
    type_codes: list[str] = field(default_factory=list)
    narrative: str = ""
    narrative_language: str = ""
    demands: str = ""
    threat_wording: str = ""
    trigger: str = ""
    agencies: list[str] = field(default_factory=list)
    perpetrators: str = ""
    reporter_is_target: bool = True
    target_ids: list[int] = field(default_factory=list)
    harms: list[str] = field(default_factory=list)
    harm_note: str = ""
    witnesses: str = ""
    report_authority: str = ""
    report_date: str = ""
    report_reference: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IncidentContent:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def changed_fields(self, other: IncidentContent) -> list[str]:
        """Names of the fields whose values differ, in form order."""
        mine, theirs = self.as_dict(), other.as_dict()
        return [name for name in mine if _normal(mine[name]) != _normal(theirs[name])]


def _normal(value: Any) -> Any:
    return sorted(value) if isinstance(value, list) else value


@dataclass(frozen=True)
class ParsedDates:
    start: ParsedDate | None
    end: ParsedDate | None
    report: ParsedDate | None


DATE_MESSAGES: dict[DateProblem, LazyString] = {
    DateProblem.EMPTY: _l("Enter the date."),
    DateProblem.UNRECOGNISED: _l(
        "Enter the date like 1398/10/18 or 18 Dey 1398 (Solar Hijri), or 2020-01-08 or "
        "8 January 2020 (Gregorian). A month and year, or a year alone, is fine too."),
    DateProblem.INVALID_MONTH: _l("Months go from 1 to 12."),
    DateProblem.INVALID_DAY: _l("%(month)s %(year)s has only %(days)s days."),
    DateProblem.INVALID_TIME: _l("Enter the time like 14:30."),
    DateProblem.FUTURE: _l("This date is in the future. Check the year and the calendar."),
    DateProblem.TOO_EARLY: _l("This date is too early. Check the year and the calendar."),
}


def date_message(error: DateInputError) -> LazyString:
    message = DATE_MESSAGES[error.problem]
    if error.problem is DateProblem.INVALID_DAY:
        return _l("%(month)s %(year)s has only %(days)s days.",
                  month=error.detail.get("month", ""), year=error.detail.get("year", ""),
                  days=error.detail.get("days", ""))
    return message


def validate_content(
    content: IncidentContent, *, today: date, known_type_codes: set[str],
    family_person_ids: set[int], countries: set[str], timezones: set[str],
) -> tuple[dict[str, LazyString], ParsedDates]:
    """Every problem with the content, by field, and the parsed dates.

    Only shape and consistency are checked here; what a submission must contain
    is `missing_for_submission`.
    """
    errors: dict[str, LazyString] = {}
    start = _parse(content.start_text, content.calendar, today, "start_text", errors)
    end = _parse(content.end_text, content.calendar, today, "end_text", errors)
    report = _parse(content.report_date, content.calendar, today, "report_date", errors)
    if start and end and end.last_day < start.first_day:
        errors["end_text"] = _l("The end must be on or after the start.")
    _check_choices(content, known_type_codes, family_person_ids, countries, timezones, errors)
    _check_lengths(content, errors)
    return errors, ParsedDates(start, end, report)


def missing_for_submission(content: IncidentContent) -> dict[str, LazyString]:
    """What a report needs before it can be submitted (a draft may lack all of it)."""
    missing: dict[str, LazyString] = {}
    if not content.start_text.strip():
        missing["start_text"] = _l("Enter when it happened, even roughly (a year is enough).")
    if not content.country:
        missing["country"] = _l("Choose the country where it happened.")
    if not content.type_codes:
        missing["type_codes"] = _l("Choose at least one kind of incident.")
    if not content.narrative.strip():
        missing["narrative"] = _l("Describe what happened, in your own words.")
    return missing


def _parse(text: str, calendar: str, today: date, name: str,
           errors: dict[str, LazyString]) -> ParsedDate | None:
    if not text.strip() or calendar not in {c.value for c in Calendar}:
        return None  # an unknown calendar is reported beside its field by _check_choices
    try:
        return parse_date(text, Calendar(calendar), today=today)
    except DateInputError as error:
        errors[name] = date_message(error)
        return None


def _check_choices(content: IncidentContent, type_codes: set[str], person_ids: set[int],
                   countries: set[str], timezones: set[str],
                   errors: dict[str, LazyString]) -> None:
    unknown = _l("Choose from the list.")
    if content.calendar not in {c.value for c in Calendar}:
        errors["calendar"] = unknown
    if content.timezone not in timezones:
        errors["timezone"] = unknown
    for name in ("country", "country_sent", "country_received", "country_carried_out"):
        if getattr(content, name) and getattr(content, name) not in countries:
            errors[name] = unknown
    closed_lists: list[tuple[str, Any, list[str]]] = [
        ("place_type", PlaceType, [content.place_type] if content.place_type else []),
        ("trigger", Trigger, [content.trigger] if content.trigger else []),
        ("agencies", Agency, content.agencies),
        ("harms", Harm, content.harms),
        ("report_authority", Authority,
         [content.report_authority] if content.report_authority else []),
    ]
    for name, enum, values in closed_lists:
        if any(v not in {m.value for m in enum} for v in values):
            errors[name] = unknown
    if any(code not in type_codes for code in content.type_codes):
        errors["type_codes"] = unknown
    if any(pid not in person_ids for pid in content.target_ids):
        errors["target_ids"] = unknown


def _check_lengths(content: IncidentContent, errors: dict[str, LazyString]) -> None:
    limits = {"narrative": MAX_NARRATIVE_CHARS, "demands": MAX_NOTE_CHARS,
              "threat_wording": MAX_NOTE_CHARS, "perpetrators": MAX_NOTE_CHARS,
              "harm_note": MAX_NOTE_CHARS, "witnesses": MAX_NOTE_CHARS,
              "province": MAX_LINE_CHARS, "city": MAX_LINE_CHARS,
              "online_platform": MAX_LINE_CHARS, "report_reference": MAX_LINE_CHARS,
              "start_text": MAX_LINE_CHARS, "end_text": MAX_LINE_CHARS,
              "report_date": MAX_LINE_CHARS}
    for name, limit in limits.items():
        if len(getattr(content, name)) > limit:
            errors[name] = _l("Use at most %(max)d characters. Nothing you typed was lost: "
                              "shorten it and save again.", max=limit)
