"""The advocate's view over the incidents of the families assigned to them:
filters, search through the blind index, pages, and counts for the statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, exists, extract, func, select
from sqlalchemy.orm import selectinload

from portal.crypto.kit import CryptoKit
from portal.models import (
    Assignment,
    Incident,
    IncidentAgency,
    IncidentTypeTerm,
    User,
    db,
    evidence_incidents,
)
from portal.models.incidents import incident_types
from portal.models.vocabulary import IncidentStatus
from portal.services.pagination import Page, clamp_page
from portal.services.search_index import has_every_word, has_short_words

PAGE_SIZE = 25


@dataclass(frozen=True)
class IncidentFilters:
    family_id: int | None = None
    since: date | None = None
    until: date | None = None
    type_code: str = ""
    agency: str = ""
    country: str = ""
    verification: str = ""
    text: str = ""
    has_evidence: bool | None = None


def visible_incidents(advocate: User) -> Select[tuple[Incident]]:
    """Submitted incidents of the families assigned to the advocate: their whole scope."""
    families = select(Assignment.family_id).where(Assignment.advocate_id == advocate.id)
    return select(Incident).where(Incident.family_id.in_(families),
                                  Incident.status == IncidentStatus.SUBMITTED)


def search(kit: CryptoKit, advocate: User, filters: IncidentFilters,
           page: int) -> Page[Incident]:
    """One page of matching incidents, newest first (by the date they happened)."""
    query = _filtered(kit, visible_incidents(advocate), filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = clamp_page(page, total, PAGE_SIZE)
    rows = db.session.scalars(query.order_by(Incident.start_first_day.desc().nulls_last(),
                                             Incident.id.desc())
                              .options(selectinload(Incident.types),
                                       selectinload(Incident.family))
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return Page(list(rows), page, total, PAGE_SIZE)


def matches_short_words_whole(filters: IncidentFilters) -> bool:
    """Whether the search has a word that finds only itself (one or two letters):
    the form says so, since longer words also find their inflected forms."""
    return has_short_words(filters.text)


def _filtered(kit: CryptoKit, query: Select[Any], filters: IncidentFilters) -> Select[Any]:
    if filters.family_id:
        query = query.where(Incident.family_id == filters.family_id)
    if filters.since:  # an incident overlaps the period if it ends on or after its start
        query = query.where(func.coalesce(Incident.end_last_day, Incident.start_last_day)
                            >= filters.since)
    if filters.until:
        query = query.where(Incident.start_first_day <= filters.until)
    if filters.type_code:
        query = query.where(Incident.id.in_(
            select(incident_types.c.incident_id).join(IncidentTypeTerm).where(
                IncidentTypeTerm.code == filters.type_code)))
    if filters.agency:
        query = query.where(Incident.id.in_(select(IncidentAgency.incident_id).where(
            IncidentAgency.agency == filters.agency)))
    if filters.country:
        query = query.where(Incident.country == filters.country)
    if filters.verification:
        query = query.where(Incident.verification == filters.verification)
    if filters.has_evidence is not None:
        with_evidence = exists().where(evidence_incidents.c.incident_id == Incident.id)
        query = query.where(with_evidence if filters.has_evidence else ~with_evidence)
    if filters.text.strip():
        query = query.where(*has_every_word(kit, filters.text))
    return query


@dataclass(frozen=True)
class Statistics:
    total: int
    by_type: list[tuple[str, int]]
    by_year: list[tuple[int, int]]
    by_agency: list[tuple[str, int]]
    by_country: list[tuple[str, int]]
    by_month: list[tuple[str, int]]


def statistics(advocate: User) -> Statistics:
    """Counts over the advocate's whole scope (an incident counts once per type/agency)."""
    scope = visible_incidents(advocate).with_only_columns(Incident.id).scalar_subquery()
    in_scope = Incident.id.in_(scope)
    total = db.session.scalar(select(func.count(Incident.id)).where(in_scope)) or 0
    by_type = db.session.execute(
        select(IncidentTypeTerm.code, func.count()).join(
            incident_types, incident_types.c.type_id == IncidentTypeTerm.id)
        .where(incident_types.c.incident_id.in_(scope))
        .group_by(IncidentTypeTerm.code).order_by(func.count().desc(), IncidentTypeTerm.code))
    year = extract("year", Incident.start_first_day)
    by_year = db.session.execute(
        select(year, func.count()).where(in_scope, Incident.start_first_day.is_not(None))
        .group_by(year).order_by(year))
    by_agency = db.session.execute(
        select(IncidentAgency.agency, func.count()).where(IncidentAgency.incident_id.in_(scope))
        .group_by(IncidentAgency.agency).order_by(func.count().desc(), IncidentAgency.agency))
    by_country = db.session.execute(
        select(Incident.country, func.count()).where(in_scope, Incident.country != "")
        .group_by(Incident.country).order_by(func.count().desc(), Incident.country))
    return Statistics(
        total=total,
        by_type=[(code, n) for code, n in by_type],
        by_year=[(int(y), n) for y, n in by_year],
        by_agency=[(a.value if hasattr(a, "value") else str(a), n) for a, n in by_agency],
        by_country=[(c, n) for c, n in by_country],
        by_month=_by_month(scope),
    )


def _by_month(scope: Any) -> list[tuple[str, int]]:
    """Counts per month of the start date, as YYYY-MM, for the timeline: every month
    from the first to the last, quiet months included (a timeline must show gaps)."""
    year = extract("year", Incident.start_first_day)
    month = extract("month", Incident.start_first_day)
    rows = db.session.execute(
        select(year, month, func.count()).where(Incident.id.in_(scope),
                                                Incident.start_first_day.is_not(None))
        .group_by(year, month).order_by(year, month))
    counts = {(int(y), int(m)): n for y, m, n in rows}
    if not counts:
        return []
    (y, m), last = min(counts), max(counts)
    months: list[tuple[str, int]] = []
    while (y, m) <= last:
        months.append((f"{y:04d}-{m:02d}", counts.get((y, m), 0)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months
