"""The identifiers of a dossier's reports and exhibits, for its legal reviewer and its
contributors: how far each reaches across family files (as counts), which of the
dossier's reports name it, and which other reports the viewer may open."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from portal.crypto.kit import CryptoKit
from portal.models import Dossier, Identifier, User, db
from portal.services.identifiers.links import (
    ReadableReport,
    counts,
    readable_reports,
    reports_naming,
)
from portal.services.identifiers.records import ShownIdentifier, shown


@dataclass(frozen=True)
class DossierIdentifier:
    identifier: ShownIdentifier
    incidents: int
    families: int
    cited: list[int]  # the dossier's reports naming it
    readable: list[ReadableReport]  # other reports naming it that the viewer may open

    @property
    def unreadable(self) -> int:
        return max(self.incidents - len(self.cited) - len(self.readable), 0)


def identifiers_of_dossier(kit: CryptoKit, viewer: User,
                           dossier: Dossier) -> list[DossierIdentifier]:
    """Each distinct identifier recorded on the dossier's reports or on its exhibits
    (withheld ones aside), most widely named first. The caller checked that `viewer`
    may read the dossier."""
    incident_ids = [entry.incident_id for entry in dossier.incidents]
    item_ids = [exhibit.evidence_id for exhibit in dossier.exhibits if not exhibit.withheld]
    rows = db.session.scalars(select(Identifier).where(or_(
        Identifier.incident_id.in_(incident_ids), Identifier.evidence_id.in_(item_ids)))
        .order_by(Identifier.id))
    first: dict[str, Identifier] = {}
    for row in rows:
        if row.digest:  # an unreadable number links nothing
            first.setdefault(row.digest, row)
    reach = counts(first)
    found = []
    for digest, row in first.items():
        naming = reports_naming(digest)
        cited = [i for i in naming if i in set(incident_ids)]
        others = [i for i in naming if i not in set(incident_ids)]
        n, f = reach.get(digest, (0, 0))
        found.append(DossierIdentifier(shown(kit, row), n, f, cited,
                                       readable_reports(viewer, others)))
    return sorted(found, key=lambda d: (-d.incidents, d.identifier.id))
