"""Fictional dossiers with dated, placed incidents, for the sections, patterns and
translations tests. Incidents are plain rows (no sealed content is needed to count)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Flask
from sqlalchemy import select

from portal.dependencies import crypto_kit
from portal.models import Incident, IncidentTypeTerm, User, db
from portal.models.dossiers import Dossier, DossierContributor, DossierIncident
from portal.models.incidents import IncidentAgency
from portal.models.vocabulary import Agency, IncidentStatus
from portal.services.dossiers.builder import DossierDetails, create_dossier


@dataclass(frozen=True)
class IncidentSpec:
    first_day: date | None
    country: str = ""
    sent: str = ""
    received: str = ""
    carried_out: str = ""
    agencies: tuple[Agency, ...] = ()
    types: tuple[str, ...] = ()  # IncidentTypeTerm codes (seeded by the migrations)


@dataclass
class DossierWorld:
    dossier_id: int
    incident_ids: list[int] = field(default_factory=list)


def type_codes(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(IncidentTypeTerm.code)
                                       .order_by(IncidentTypeTerm.position)))


def make_dossier(app: Flask, advocate_id: int, *, language: str = "en",
                 family_ids: tuple[int, ...] = (), specs: tuple[IncidentSpec, ...] = (),
                 reporter_id: int | None = None) -> DossierWorld:
    """A draft dossier created by `advocate_id` through the builder (so its sections are
    prefilled), with one submitted incident per spec, spread over `family_ids`."""
    with app.app_context():
        actor = db.session.get(User, advocate_id)
        assert actor is not None
        dossier = create_dossier(crypto_kit(), actor, DossierDetails(
            title="Fictional test dossier", kind="article_15", destination="icc_prosecutor",
            language=language))
        world = DossierWorld(dossier.id)
        for position, spec in enumerate(specs, start=1):
            incident = _incident(spec, family_ids[(position - 1) % len(family_ids)],
                                 reporter_id or advocate_id)
            db.session.add(DossierIncident(dossier_id=dossier.id, incident_id=incident.id,
                                           position=position, revision_number=1,
                                           added_by_id=advocate_id))
            world.incident_ids.append(incident.id)
        db.session.commit()
        return world


def _incident(spec: IncidentSpec, family_id: int, reporter_id: int) -> Incident:
    incident = Incident(family_id=family_id, reporter_id=reporter_id,
                        status=IncidentStatus.SUBMITTED, start_first_day=spec.first_day,
                        start_last_day=spec.first_day, country=spec.country,
                        country_sent=spec.sent, country_received=spec.received,
                        country_carried_out=spec.carried_out)
    incident.types = list(db.session.scalars(select(IncidentTypeTerm).where(
        IncidentTypeTerm.code.in_(spec.types))))
    db.session.add(incident)
    db.session.flush()
    for agency in spec.agencies:
        db.session.add(IncidentAgency(incident_id=incident.id, agency=agency))
    db.session.flush()
    return incident


def add_contributor(app: Flask, dossier_id: int, advocate_id: int) -> None:
    with app.app_context():
        db.session.add(DossierContributor(dossier_id=dossier_id, advocate_id=advocate_id))
        db.session.commit()


def set_status(app: Flask, dossier_id: int, status: str, reviewer_id: int | None = None) -> None:
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        dossier.status = status  # type: ignore[assignment]
        if reviewer_id is not None:
            dossier.reviewer_id = reviewer_id
        db.session.commit()
