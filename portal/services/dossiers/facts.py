"""Facts a dossier states about its own incidents, computed from the rows, never typed.

Section texts name them with placeholders (`{{incident_count}}`...) that `substitute`
replaces in the dossier's language, so a count in the executive summary always
matches the incident list and the annexes. An unknown placeholder, or one whose fact
is not known yet (no dates, no agencies), is left visible for the author to notice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from babel.lists import format_list

from portal.models import Incident
from portal.models.dossiers import Dossier
from portal.services.countries import country_names

PLACEHOLDERS = ("incident_count", "family_count", "exhibit_count", "date_range",
                "countries", "agencies")
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
# Markdown punctuation in a substituted value (a country or agency name) is escaped,
# so a value can never open emphasis, a heading or another placeholder.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")

NameOf = Callable[[str], str]


@dataclass(frozen=True)
class DossierFacts:
    incident_count: int
    family_count: int
    exhibit_count: int  # exhibits produced (withheld items are listed but not counted)
    first_day: date | None
    last_day: date | None
    countries: tuple[str, ...]  # ISO codes of every element (place, sent, received, carried out)
    agencies: tuple[str, ...]  # Agency values, most frequent first


def incident_countries(incident: Incident) -> tuple[str, ...]:
    """The distinct country codes of an incident's place and of each of its elements."""
    codes = (incident.country, incident.country_sent, incident.country_received,
             incident.country_carried_out)
    return tuple(dict.fromkeys(code for code in codes if code))


def incident_last_day(incident: Incident) -> date | None:
    return incident.end_last_day or incident.start_last_day or incident.start_first_day


def compute_facts(dossier: Dossier) -> DossierFacts:
    """The facts of `dossier`'s included incidents and exhibits. Reads rows; no secrets."""
    incidents = [link.incident for link in dossier.incidents]
    firsts = [i.start_first_day for i in incidents if i.start_first_day]
    lasts = [d for d in (incident_last_day(i) for i in incidents) if d]
    countries = Counter(code for i in incidents for code in incident_countries(i))
    agencies = Counter(str(a.agency) for i in incidents for a in i.agencies)
    return DossierFacts(
        incident_count=len(incidents),
        family_count=len({i.family_id for i in incidents}),
        exhibit_count=sum(1 for exhibit in dossier.exhibits if not exhibit.withheld),
        first_day=min(firsts, default=None),
        last_day=max(lasts, default=None),
        countries=tuple(code for code, _ in sorted(countries.items(),
                                                   key=lambda kv: (-kv[1], kv[0]))),
        agencies=tuple(a for a, _ in sorted(agencies.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def fact_values(facts: DossierFacts, locale: str, agency_name: NameOf) -> dict[str, str]:
    """Each placeholder's text in `locale`; a fact not known yet has no entry.

    `agency_name` names an Agency value in `locale` (`naming.agency_namer`, from the
    labels of `portal/vocabulary/`).
    """
    values = {"incident_count": str(facts.incident_count),
              "family_count": str(facts.family_count),
              "exhibit_count": str(facts.exhibit_count)}
    if facts.first_day and facts.last_day:
        values["date_range"] = _date_range(facts.first_day, facts.last_day, locale)
    if facts.countries:
        names = dict(country_names(locale))
        values["countries"] = format_list([names.get(c, c) for c in facts.countries],
                                          locale=locale)
    if facts.agencies:
        values["agencies"] = format_list([agency_name(a) for a in facts.agencies],
                                         locale=locale)
    return values


def _date_range(first: date, last: date, locale: str) -> str:
    if first == last:
        return format_date(first, "long", locale=locale)
    # Months in full, as a filing writes them (Babel's intervals abbreviate them).
    start, end = (format_date(day, "long", locale=locale) for day in (first, last))
    return f"{start} – {end}"


def substitute(text: str, facts: DossierFacts, locale: str, agency_name: NameOf) -> str:
    """`text` with every known placeholder replaced by its fact, Markdown-escaped.

    Unknown placeholders (a typo, a fact not known yet) stay as typed, visibly.
    """
    values = fact_values(facts, locale, agency_name)

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else _MARKDOWN_PUNCTUATION.sub(r"\\\1", value)

    return _PLACEHOLDER.sub(replace, text)
