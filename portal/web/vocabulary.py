"""Form choices from the closed lists (labels from portal.vocabulary), countries from
Babel, and the time zones a report offers."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import LazyString, get_locale
from wtforms.fields.choices import SelectChoice

from portal.services.countries import country_names
from portal.vocabulary import label

# Time zones offered for incidents: where the families and the perpetrators are.
TIMEZONES: tuple[str, ...] = (
    "Asia/Tehran", "America/Toronto", "America/Vancouver", "America/Edmonton",
    "America/Winnipeg", "America/Halifax", "Europe/London", "Europe/Berlin", "Europe/Paris",
    "Europe/Stockholm", "Asia/Dubai", "Europe/Istanbul", "Australia/Sydney", "UTC",
)


def choices(enum: type[StrEnum]) -> list[SelectChoice]:
    """Every member of a closed list with its label in the page's language."""
    return [SelectChoice(member.value, label(enum, member)) for member in enum]


def blank(text: LazyString) -> SelectChoice:
    """The empty first option of a select ("Choose…", "Any")."""
    return SelectChoice("", text)


def country_choices() -> list[SelectChoice]:
    """Countries named in the current language, Iran and Canada first (most incidents)."""
    pairs = country_names(str(get_locale() or "en"))
    ordered = [p for p in pairs if p[0] in ("IR", "CA")] + [p for p in pairs
                                                           if p[0] not in ("IR", "CA")]
    return [SelectChoice(code, name) for code, name in ordered]


def country_name(code: str) -> str:
    if not code:
        return ""
    return dict(country_names(str(get_locale() or "en"))).get(code, code)
