"""Pattern analysis of a dossier's incidents: counts and a monthly timeline set against
the advocacy events admins record (anniversaries, filings, interviews, rallies), and
the recording of those events.

Plain frozen dataclasses of codes, numbers and dates, no ORM objects: the HTML preview
and the PDF both render it, each with its own labels. Only clear columns are read
(dates, countries, closed lists), never a sealed one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.audit import AuditAction, Outcome, record_event
from portal.models import Incident, User, db
from portal.models.dossiers import AdvocacyEvent, AdvocacyEventKind, Dossier
from portal.policy import Permission, can
from portal.services.dossiers.facts import incident_countries
from portal.services.errors import InvalidFields, PermissionDenied

# The elements of an incident that can each happen in a different country (jurisdiction).
ELEMENTS = ("place", "sent", "received", "carried_out")


@dataclass(frozen=True)
class CountryCount:
    """Incidents touching one country: in any element, and per element."""

    code: str
    incidents: int
    place: int
    sent: int
    received: int
    carried_out: int


@dataclass(frozen=True)
class Moment:
    """An advocacy event, with its title in each language the portal speaks."""

    day: date
    kind: str
    titles: dict[str, str]  # "en", "fr", "fa" -> title ("" when not given)

    def title(self, locale: str) -> str:
        return self.titles.get(locale) or self.titles["en"]


@dataclass(frozen=True)
class Month:
    """One month of the timeline, quiet months included (a timeline must show gaps)."""

    month: str  # YYYY-MM
    incidents: int
    moments: tuple[Moment, ...]


@dataclass(frozen=True)
class Patterns:
    total: int
    undated: int  # incidents without a known start: counted, but outside the timeline
    by_type: tuple[tuple[str, int], ...]  # type code, count; most frequent first
    by_year: tuple[tuple[int, int], ...]
    by_agency: tuple[tuple[str, int], ...]  # Agency value, count
    by_country: tuple[CountryCount, ...]
    timeline: tuple[Month, ...]
    moments: tuple[Moment, ...]  # the advocacy events within the timeline's range


def pattern_analysis(dossier: Dossier) -> Patterns:
    """Counts and timeline of the incidents included in `dossier` (an incident counts
    once per type, agency and country it has). Raises nothing; an empty dossier gives
    empty tables."""
    incidents = [link.incident for link in dossier.incidents]
    dated = [i.start_first_day for i in incidents if i.start_first_day]
    months = _month_counts(dated)
    moments = _moments_between(months[0], months[-1]) if months else ()
    return Patterns(
        total=len(incidents),
        undated=len(incidents) - len(dated),
        by_type=_ranked(Counter(t.code for i in incidents for t in i.types)),
        by_year=tuple(sorted(Counter(day.year for day in dated).items())),
        by_agency=_ranked(Counter(str(a.agency) for i in incidents for a in i.agencies)),
        by_country=_countries(incidents),
        timeline=_timeline(months, moments),
        moments=moments,
    )


def _ranked(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _countries(incidents: list[Incident]) -> tuple[CountryCount, ...]:
    per_element: dict[str, Counter[str]] = {element: Counter() for element in ELEMENTS}
    anywhere: Counter[str] = Counter()
    for incident in incidents:
        codes = (incident.country, incident.country_sent, incident.country_received,
                 incident.country_carried_out)
        for element, code in zip(ELEMENTS, codes, strict=True):
            if code:
                per_element[element][code] += 1
        anywhere.update(incident_countries(incident))
    return tuple(CountryCount(code, count, *(per_element[e][code] for e in ELEMENTS))
                 for code, count in _ranked(anywhere))


def _month_counts(days: list[date]) -> list[tuple[date, int]]:
    """(first day of the month, incidents) from the first month to the last, gaps kept."""
    counts = Counter(day.replace(day=1) for day in days)
    if not counts:
        return []
    month, last = min(counts), max(counts)
    months: list[tuple[date, int]] = []
    while month <= last:
        months.append((month, counts.get(month, 0)))
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _moments_between(first: tuple[date, int], last: tuple[date, int]) -> tuple[Moment, ...]:
    end = (last[0] + timedelta(days=32)).replace(day=1)
    events = db.session.scalars(
        select(AdvocacyEvent).where(AdvocacyEvent.occurred_on >= first[0],
                                    AdvocacyEvent.occurred_on < end)
        .order_by(AdvocacyEvent.occurred_on, AdvocacyEvent.id))
    return tuple(Moment(e.occurred_on, str(e.kind),
                        {"en": e.title_en, "fr": e.title_fr, "fa": e.title_fa})
                 for e in events)


def _timeline(months: list[tuple[date, int]], moments: tuple[Moment, ...]) -> tuple[Month, ...]:
    return tuple(Month(f"{start:%Y-%m}", count,
                       tuple(m for m in moments if m.day.replace(day=1) == start))
                 for start, count in months)


# --- the advocacy events admins record ---------------------------------------------------


@dataclass(frozen=True)
class AdvocacyEventInput:
    occurred_on: date | None
    kind: str
    title_en: str
    title_fr: str
    title_fa: str


MAX_TITLE_CHARS = 200


def record_advocacy_event(actor: User, given: AdvocacyEventInput) -> AdvocacyEvent:
    """Record a public event for the timelines. Public knowledge: stored in clear.

    Raises PermissionDenied (not an admin) and InvalidFields (every problem at once).
    """
    if not can(actor, Permission.REGISTER_MANAGE):
        raise PermissionDenied(_l("You cannot record advocacy events."))
    _validate_event(given)
    assert given.occurred_on is not None
    event = AdvocacyEvent(occurred_on=given.occurred_on, kind=AdvocacyEventKind(given.kind),
                          title_en=given.title_en.strip(), title_fr=given.title_fr.strip(),
                          title_fa=given.title_fa.strip(), created_by_id=actor.id)
    db.session.add(event)
    db.session.flush()
    record_event(AuditAction.ADVOCACY_EVENT_RECORDED, Outcome.SUCCESS, actor=actor,
                 target_type="advocacy_event", target_id=event.id,
                 details={"kind": given.kind})
    return event


def delete_advocacy_event(actor: User, event: AdvocacyEvent) -> None:
    """Remove an event recorded by mistake (the audit log keeps that it existed)."""
    if not can(actor, Permission.REGISTER_MANAGE):
        raise PermissionDenied(_l("You cannot record advocacy events."))
    record_event(AuditAction.ADVOCACY_EVENT_DELETED, Outcome.SUCCESS, actor=actor,
                 target_type="advocacy_event", target_id=event.id,
                 details={"kind": str(event.kind), "day": event.occurred_on.isoformat()})
    db.session.delete(event)
    db.session.flush()


def list_advocacy_events() -> list[AdvocacyEvent]:
    return list(db.session.scalars(select(AdvocacyEvent).order_by(
        AdvocacyEvent.occurred_on.desc(), AdvocacyEvent.id.desc())))


def _validate_event(given: AdvocacyEventInput) -> None:
    errors = {}
    if given.occurred_on is None:
        errors["occurred_on"] = _l("Enter the date, for example 2020-01-08.")
    if given.kind not in {k.value for k in AdvocacyEventKind}:
        errors["kind"] = _l("Choose the kind of event.")
    if not given.title_en.strip():
        errors["title_en"] = _l("Enter a title in English.")
    for name in ("title_en", "title_fr", "title_fa"):
        if len(getattr(given, name)) > MAX_TITLE_CHARS:
            errors[name] = _l("Use at most %(max)d characters.", max=MAX_TITLE_CHARS)
    if errors:
        raise InvalidFields(errors)
