"""The dossier's "Recurring identifiers" block (decision 0031): each identifier recorded
on the dossier's reports or exhibits that more than one counted report names, how many
reports and family files name it, when, and which of the dossier's reports and exhibits
cite it, with a timeline.

Who is counted: the dossier's own reports always (they are in it, under its consent
gate); any other submitted report only if its consent allows aggregate use ("may be
counted, as a number only, in other dossiers"), and then only as a number and a month:
nothing else of it reaches the document. An approved dossier counts what was recorded
and submitted up to its approval (and consent given by then and not withdrawn since),
so that its content hash does not move when another family records the same number
later; a withdrawal still takes effect (the export is refused until a new version).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_, select

from portal.crypto.kit import CryptoKit
from portal.models import ConsentRecord, Dossier, Identifier, db
from portal.pdf.document import RecurringIdentifierEntry
from portal.services.identifiers.links import naming_reports
from portal.services.identifiers.records import ShownIdentifier, shown

MIN_REPORTS = 2  # recurring: named by two counted reports or more
MAX_MONTHS = 24  # a longer span is drawn per year


def exhibit_label(number: int) -> str:
    """EX-0001, as assembly.exhibit_label writes it (not imported: assembly uses this)."""
    return f"EX-{number:04d}"


@dataclass
class _Reach:
    """What is counted of one identifier."""

    incidents: set[int] = field(default_factory=set)
    families: set[int] = field(default_factory=set)
    days: list[date] = field(default_factory=list)
    cited: set[int] = field(default_factory=set)


def recorded_in(kit: CryptoKit, dossier: Dossier) -> list[ShownIdentifier]:
    """Every identifier recorded on the dossier's reports or on its exhibits (withheld
    ones too), opened, unreadable numbers included: the terms the public variant
    redacts and its leak scan guards."""
    return [shown(kit, row) for row in _rows(dossier, include_withheld=True)]


def recurring_entries(kit: CryptoKit, dossier: Dossier
                      ) -> tuple[RecurringIdentifierEntry, ...]:
    """The block's entries, most counted reports first (see the module docstring)."""
    cutoff = dossier.approved_at
    rows = [row for row in _rows(dossier, include_withheld=False, recorded_by=cutoff)
            if row.digest]
    if not rows:
        return ()
    own = {entry.incident_id for entry in dossier.incidents}
    reach = _reach({row.digest for row in rows if row.digest}, own, cutoff)
    exhibits = {e.evidence_id: exhibit_label(e.number) for e in dossier.exhibits
                if not e.withheld}
    first: dict[str, Identifier] = {}
    on_exhibits: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        assert row.digest is not None
        first.setdefault(row.digest, row)
        if row.evidence_id in exhibits:
            on_exhibits[row.digest].add(exhibits[row.evidence_id])
    entries = [_entry(shown(kit, row), reach[digest], sorted(on_exhibits[digest]))
               for digest, row in first.items()
               if len(reach[digest].incidents) >= MIN_REPORTS]
    return tuple(sorted(entries, key=lambda e: (-e.reports, -e.families)))


def _rows(dossier: Dossier, include_withheld: bool,
          recorded_by: datetime | None = None) -> list[Identifier]:
    incidents = [entry.incident_id for entry in dossier.incidents]
    items = [e.evidence_id for e in dossier.exhibits if include_withheld or not e.withheld]
    query = select(Identifier).where(or_(Identifier.incident_id.in_(incidents),
                                         Identifier.evidence_id.in_(items)))
    if recorded_by is not None:
        query = query.where(Identifier.created_at <= recorded_by)
    return list(db.session.scalars(query.order_by(Identifier.id)))


def _reach(digests: set[str], own: set[int], cutoff: datetime | None) -> dict[str, _Reach]:
    naming = naming_reports(cutoff).subquery()
    found = list(db.session.execute(select(naming).where(naming.c.digest.in_(sorted(digests)))))
    counted = own | _may_be_counted({row[1] for row in found} - own, cutoff)
    reach: dict[str, _Reach] = defaultdict(_Reach)
    for digest, incident_id, family_id, day in found:
        if incident_id not in counted or incident_id in reach[digest].incidents:
            continue
        entry = reach[digest]
        entry.incidents.add(incident_id)
        entry.families.add(family_id)
        if day is not None:
            entry.days.append(day)
        if incident_id in own:
            entry.cited.add(incident_id)
    return reach


def _may_be_counted(incident_ids: Iterable[int], cutoff: datetime | None) -> set[int]:
    """The reports whose consent in force allows aggregate use, and (for an approved
    dossier) allowed it at the approval too: consent given later does not change an
    approved dossier, a withdrawal does."""
    records: dict[int, list[ConsentRecord]] = defaultdict(list)
    for record in db.session.scalars(select(ConsentRecord).where(
            ConsentRecord.incident_id.in_(sorted(incident_ids)))
            .order_by(ConsentRecord.id.desc())):
        assert record.incident_id is not None
        records[record.incident_id].append(record)
    allowed = set()
    for incident_id, history in records.items():
        then = history if cutoff is None else [r for r in history if r.recorded_at <= cutoff]
        if _allows(history[0]) and then and _allows(then[0]):
            allowed.add(incident_id)
    return allowed


def _allows(record: ConsentRecord) -> bool:
    return record.aggregate_use and not record.withdrawn


def _entry(identifier: ShownIdentifier, reach: _Reach,
           exhibits: Sequence[str]) -> RecurringIdentifierEntry:
    days = sorted(reach.days)
    return RecurringIdentifierEntry(
        kind=identifier.kind, platform=identifier.platform, shown=identifier.shown,
        reports=len(reach.incidents), families=len(reach.families),
        first_day=days[0].isoformat() if days else "",
        last_day=days[-1].isoformat() if days else "",
        cited_reports=tuple(sorted(reach.cited)), cited_exhibits=tuple(exhibits),
        timeline=timeline(days))


def timeline(days: Sequence[date]) -> tuple[tuple[str, int], ...]:
    """Counted reports per month from the first to the last (every month, empty ones
    too, so the strip reads as time), or per year past MAX_MONTHS."""
    if not days:
        return ()
    first, last = min(days), max(days)
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    if span > MAX_MONTHS:
        per_year: dict[int, int] = defaultdict(int)
        for day in days:
            per_year[day.year] += 1
        return tuple((str(year), per_year[year]) for year in range(first.year, last.year + 1))
    per_month: dict[tuple[int, int], int] = defaultdict(int)
    for day in days:
        per_month[(day.year, day.month)] += 1
    months = [((first.year * 12 + first.month - 1 + n) // 12,
               (first.year * 12 + first.month - 1 + n) % 12 + 1) for n in range(span)]
    return tuple((f"{y:04d}-{m:02d}", per_month[(y, m)]) for y, m in months)
