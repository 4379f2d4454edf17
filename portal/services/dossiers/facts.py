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
from flask_babel import force_locale, gettext, ngettext

from portal.calendar import Calendar, ParsedDate, Precision, format_both
from portal.localization import persian_digits
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
# Agency values that name no agency of a State (left out of {{agencies}}).
NOT_AN_AGENCY = frozenset({"unknown", "other"})
# The word a section writes before {{date_range}}, per language: "between {{date_range}}"
# is rewritten as one phrase from the catalogs ("between A and B", "entre le A et le B").
_BETWEEN = {"en": "between", "fr": "entre", "fa": "بین"}

# A count placeholder followed by its noun in the plural agrees with the count.
# (Literal ngettext calls, so that `make messages` extracts them.)
_COUNTED: dict[str, Callable[[int], str]] = {
    "incident_count": lambda n: str(ngettext("%(num)s incident", "%(num)s incidents", n)),
    "family_count": lambda n: str(ngettext("%(num)s family", "%(num)s families", n)),
    "exhibit_count": lambda n: str(ngettext("%(num)s exhibit", "%(num)s exhibits", n)),
}


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
    labels of `portal/vocabulary/`). Lists are joined by Babel in `locale` ("a, b et
    c"); "unknown" and "other" are not agencies of a State and are left out of the list
    (the pattern analysis still counts them); Persian gets Persian digits and Solar
    Hijri dates beside Gregorian ones.
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
    named = [a for a in facts.agencies if a not in NOT_AN_AGENCY]
    if named:
        values["agencies"] = format_list([agency_name(a) for a in named], locale=locale)
    if locale == "fa":
        values = {name: persian_digits(value) for name, value in values.items()}
    return values


def _day(day: date, locale: str) -> str:
    if locale != "fa":
        return format_date(day, "long", locale=locale)
    stored = ParsedDate.from_stored(day, day, Precision.DAY, None, Calendar.GREGORIAN,
                                    day.isoformat())
    solar_hijri, gregorian = format_both(stored, "fa")
    return f"{solar_hijri} ({gregorian})"


def _date_range(first: date, last: date, locale: str) -> str:
    if first == last:
        return _day(first, locale)
    # Months in full, as a filing writes them (Babel's intervals abbreviate them).
    start, end = (_day(day, locale) for day in (first, last))
    return f"{start} – {end}"


def _period(first: date, last: date, locale: str) -> str:
    """"between 7 January 2021 and 6 October 2024" (or "on 7 January 2021") in `locale`."""
    with force_locale(locale):
        if first == last:
            return str(gettext("on %(day)s", day=_day(first, locale)))
        return str(gettext("between %(start)s and %(end)s", start=_day(first, locale),
                           end=_day(last, locale)))


def _speaks_periods(locale: str) -> bool:
    """Whether the catalog of `locale` translates the period phrase (an English phrase in
    a French or Persian section would be worse than the range it replaces)."""
    msgid = "between %(start)s and %(end)s"
    with force_locale(locale):
        return locale == "en" or str(gettext("between %(start)s and %(end)s")) != msgid


def _constant(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement for re.sub that inserts `text` as it is (no group references)."""
    return lambda _match: text


def _grammar(text: str, facts: DossierFacts, locale: str) -> str:
    """Rewrite what a count or a range placeholder cannot say right on its own, in the
    language of `text` (`locale`): "between {{date_range}}" becomes a whole phrase
    ("between A and B"), and "{{family_count}} families" agrees with the count
    (ngettext: "1 family"). The rest is left for `substitute`."""
    word = _BETWEEN.get(locale)
    if word and facts.first_day and facts.last_day and _speaks_periods(locale):
        period = _MARKDOWN_PUNCTUATION.sub(r"\\\1", _period(facts.first_day, facts.last_day,
                                                               locale))
        text = re.sub(rf"{word}\s+\{{\{{\s*date_range\s*\}}\}}", _constant(period), text)
    with force_locale(locale):
        for name, counted in _COUNTED.items():
            noun = counted(2).replace("2", "").strip()
            count: int = getattr(facts, name)
            phrase = counted(count)
            if not noun:
                continue
            if locale == "fa":
                phrase = persian_digits(phrase)
            text = re.sub(rf"\{{\{{\s*{name}\s*\}}\}}\s+{re.escape(noun)}(?!\w)",
                          _constant(phrase), text)
    return text


def substitute(text: str, facts: DossierFacts, locale: str, agency_name: NameOf) -> str:
    """`text` with every known placeholder replaced by its fact, Markdown-escaped, in
    `locale` (the language `text` is written in).

    Unknown placeholders (a typo, a fact not known yet) stay as typed, visibly.
    """
    values = fact_values(facts, locale, agency_name)
    text = _grammar(text, facts, locale)

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value is None else _MARKDOWN_PUNCTUATION.sub(r"\\\1", value)

    return _PLACEHOLDER.sub(replace, text)
