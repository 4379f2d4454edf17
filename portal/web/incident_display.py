"""Turning stored incident values into what pages show: dates in both calendars, labels."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale

from portal.calendar import ParsedDate, format_both
from portal.models import Incident


def field_label(name: str) -> str:
    """The form's own label for an incident field (used by the history of changes)."""
    from portal.web.reports.forms import IncidentForm

    unbound = getattr(IncidentForm, name, None)
    return str(unbound.args[0]) if unbound is not None and unbound.args else name


@dataclass(frozen=True)
class DateShown:
    primary: str
    secondary: str
    original: str


def incident_dates(incident: Incident) -> tuple[DateShown | None, DateShown | None]:
    """Start and end in both calendars (Solar Hijri first in Persian), with the text as typed."""
    locale = str(get_locale() or "en")
    shown: list[DateShown | None] = []
    for prefix in ("start", "end"):
        first = getattr(incident, f"{prefix}_first_day")
        if first is None:
            shown.append(None)
            continue
        parsed = ParsedDate.from_stored(
            first, getattr(incident, f"{prefix}_last_day"),
            getattr(incident, f"{prefix}_precision").value, getattr(incident, f"{prefix}_time"),
            getattr(incident, f"{prefix}_calendar"), getattr(incident, f"{prefix}_text"))
        primary, secondary = format_both(parsed, locale)
        shown.append(DateShown(primary, secondary, parsed.original_text))
    return shown[0], shown[1]
