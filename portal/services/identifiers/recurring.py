"""The identifiers that recur most, as an advocate sees them in the workspace, and the
reports naming one of them.

An advocate sees an identifier here only if it is recorded in their own scope (a
submitted report of a family file assigned to them, or an item linked to one): that
is where its value is opened from. Its counts, per year too, run over every family
file, as numbers (decision 0028).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import extract, func, or_, select
from sqlalchemy.orm import selectinload

from portal.crypto.kit import CryptoKit
from portal.models import Identifier, Incident, User, db, evidence_incidents
from portal.services.identifiers.links import naming_reports
from portal.services.identifiers.records import ShownIdentifier, shown
from portal.services.pagination import Page, clamp_page
from portal.services.workspace import PAGE_SIZE, visible_incidents

TOP = 50
MIN_REPORTS = 2  # "recurring": named by two reports or more


@dataclass(frozen=True)
class Recurring:
    """One recurring identifier: opened from a row in the advocate's scope, its
    counts over every family file, and those of them in the advocate's scope."""

    identifier: ShownIdentifier
    incidents: int
    families: int
    in_scope: int
    by_year: list[tuple[int, int]]


def recurring(kit: CryptoKit, advocate: User, limit: int = TOP) -> list[Recurring]:
    """The identifiers of the advocate's scope named by the most reports, most first."""
    naming = naming_reports().subquery()
    scope = visible_incidents(advocate).with_only_columns(Incident.id).scalar_subquery()
    in_scope = func.count(func.distinct(naming.c.id)).filter(naming.c.id.in_(scope))
    incidents = func.count(func.distinct(naming.c.id))
    rows = list(db.session.execute(
        select(naming.c.digest, incidents, func.count(func.distinct(naming.c.family_id)),
               in_scope)
        .group_by(naming.c.digest)
        .having(in_scope > 0, incidents >= MIN_REPORTS)
        .order_by(incidents.desc(), naming.c.digest).limit(limit)))
    digests = [row[0] for row in rows]
    opened = _opened_in_scope(kit, advocate, digests)
    years = _by_year(digests)
    return [Recurring(opened[digest], int(n), int(f), int(mine), years.get(digest, []))
            for digest, n, f, mine in rows if digest in opened]


def readable_row(advocate: User, digests: list[str]) -> dict[str, Identifier]:
    """One identifier row per digest whose report or item is in the advocate's scope."""
    scope = visible_incidents(advocate).with_only_columns(Incident.id).scalar_subquery()
    items = select(evidence_incidents.c.evidence_id).where(
        evidence_incidents.c.incident_id.in_(scope))
    rows = db.session.scalars(
        select(Identifier).where(Identifier.digest.in_(digests),
                                 or_(Identifier.incident_id.in_(scope),
                                     Identifier.evidence_id.in_(items)))
        .order_by(Identifier.id))
    found: dict[str, Identifier] = {}
    for row in rows:
        if row.digest:  # always, since the digest was asked for
            found.setdefault(row.digest, row)
    return found


def _opened_in_scope(kit: CryptoKit, advocate: User,
                     digests: list[str]) -> dict[str, ShownIdentifier]:
    return {digest: shown(kit, row)
            for digest, row in readable_row(advocate, digests).items()}


def _by_year(digests: list[str]) -> dict[str, list[tuple[int, int]]]:
    """Reports per year of their start date (every family file), per digest."""
    if not digests:
        return {}
    naming = naming_reports().subquery()
    year = extract("year", naming.c.start_first_day)
    rows = db.session.execute(
        select(naming.c.digest, year, func.count(func.distinct(naming.c.id)))
        .where(naming.c.digest.in_(digests), naming.c.start_first_day.is_not(None))
        .group_by(naming.c.digest, year).order_by(naming.c.digest, year))
    found: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for digest, y, n in rows:
        found[digest].append((int(y), int(n)))
    return found


def reports_in_scope(advocate: User, digest: str, page: int) -> Page[Incident]:
    """One page of the advocate's reports naming `digest`, newest first."""
    naming = naming_reports().subquery()
    query = visible_incidents(advocate).where(
        Incident.id.in_(select(naming.c.id).where(naming.c.digest == digest)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = clamp_page(page, total, PAGE_SIZE)
    rows = db.session.scalars(
        query.order_by(Incident.start_first_day.desc().nulls_last(), Incident.id.desc())
        .options(selectinload(Incident.types), selectinload(Incident.family))
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return Page(list(rows), page, total, PAGE_SIZE)
