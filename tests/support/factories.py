"""Build fictional users, in any role and state, directly through the services."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import count

import pyotp
from flask import Flask

from portal.dependencies import crypto_kit
from portal.models import (
    AdvocacyEvent,
    Assignment,
    Dossier,
    DossierContributor,
    DossierExhibit,
    DossierExport,
    DossierIncident,
    DossierRedaction,
    EvidenceItem,
    Family,
    FamilyMembership,
    Incident,
    LegalTag,
    Person,
    ResumableUpload,
    Role,
    User,
    Victim,
    db,
    utcnow,
)
from portal.models.dossiers import AdvocacyEventKind, DossierKind, RedactionReason
from portal.models.evidence import evidence_incidents
from portal.models.sealed import sealed_context
from portal.models.vocabulary import IncidentStatus, Residence
from portal.services.accounts import create_user
from portal.services.staff_profile import set_profile

_serial = count(1)
# Every TOTP secret handed out, so the leak check can look for them in the logs.
ISSUED_TOTP_SECRETS: set[str] = set()

PASSPHRASES = {
    Role.FAMILY_MEMBER: "سیب زرد کنار رودخانه آرام",
    Role.ADVOCATE: "lantern orchard pebble violin thunder",
    Role.LEGAL_REVIEWER: "marble falcon quiet harvest ribbon",
    Role.ADMIN: "saffron glacier compass meadow anchor",
}


@dataclass
class Account:
    """A user plus what only the person knows (passphrase, TOTP secret)."""

    id: int
    username: str
    passphrase: str
    role: Role
    totp_secret: str | None = None

    def code(self, offset_steps: int = 0) -> str:
        assert self.totp_secret, "this account has no second factor"
        totp = pyotp.TOTP(self.totp_secret)
        return totp.at(time.time() + 30 * offset_steps)

    def reload(self) -> User:
        user = db.session.get(User, self.id)
        assert user is not None
        return user


def make_account(app: Flask, role: Role, *, second_factor: bool | None = None,
                 username: str | None = None, locale: str | None = None,
                 named: bool = True) -> Account:
    """A committed user. Staff get a second factor, and (unless not `named`) the full
    name and capacity that the confidential variant of a dossier prints."""
    with_totp = role.is_staff if second_factor is None else second_factor
    username = username or f"{role.value.replace('_', '')}{next(_serial)}"
    passphrase = PASSPHRASES[role]
    with app.app_context():
        user = create_user(crypto_kit(), username=username, display_name=username.title(),
                           role=role, passphrase=passphrase, locale=locale)
        secret = enrol_second_factor(user) if with_totp else None
        if role.is_staff and named:  # as staff fill in their account page
            set_profile(crypto_kit(), user, f"Fictional {username.title()}",
                        "Fictional capacity")
        db.session.commit()
        return Account(user.id, user.username, passphrase, role, secret)


def enrol_second_factor(user: User) -> str:
    """A TOTP secret for `user`, stored as enrolment stores it (the caller commits)."""
    secret = pyotp.random_base32()
    ISSUED_TOTP_SECRETS.add(secret)
    user.totp_secret_sealed = crypto_kit().cipher.seal(
        secret.encode(), sealed_context("users", user.id, "totp_secret_sealed"))
    user.totp_enrolled_at = utcnow()
    return secret


def build_family_world(reporter_id: int) -> dict[str, int]:
    """A family file with a victim, a person and a submitted incident, as plain rows
    (no sealed content): enough for routes that need real objects of every kind."""
    family = Family(code=f"FAM-{900 + next(_serial)}")
    victim = Victim(name_latin="Sample Victim", name_persian="نمونه")
    family.victims.append(victim)
    db.session.add_all([family, victim])
    db.session.flush()
    person = Person(family_id=family.id, number=1, code=f"{family.code}-P1",
                    residence=Residence.IRAN, created_by_id=reporter_id)
    incident = Incident(family_id=family.id, reporter_id=reporter_id,
                        status=IncidentStatus.SUBMITTED)
    db.session.add_all([person, incident])
    db.session.flush()
    item = EvidenceItem(family_id=family.id, uploaded_by_id=reporter_id, size_bytes=1,
                        sha256="0" * 64, blob_key=f"{next(_serial):032x}")
    db.session.add(item)
    db.session.flush()
    db.session.execute(evidence_incidents.insert().values(evidence_id=item.id,
                                                          incident_id=incident.id))
    dossier = Dossier(number=900 + next(_serial), kind=DossierKind.ARTICLE_15,
                      destination="icc_prosecutor", language="en", created_by_id=reporter_id)
    db.session.add(dossier)
    db.session.flush()
    entry = DossierIncident(dossier_id=dossier.id, incident_id=incident.id, position=1,
                            revision_number=0, added_by_id=reporter_id)
    exhibit = DossierExhibit(dossier_id=dossier.id, evidence_id=item.id, number=1)
    redaction = DossierRedaction(dossier_id=dossier.id, reason=RedactionReason.R1,
                                 created_by_id=reporter_id)
    tag = LegalTag(incident_id=incident.id, tag_digest="0" * 64, suggested_by_id=reporter_id)
    event = AdvocacyEvent(occurred_on=utcnow().date(), kind=AdvocacyEventKind.ANNIVERSARY,
                          title_en="Sample anniversary", created_by_id=reporter_id)
    db.session.add_all([entry, exhibit, redaction, tag, event,
                        DossierContributor(dossier_id=dossier.id, advocate_id=reporter_id)])
    db.session.flush()
    export = DossierExport(dossier_id=dossier.id, variant="public", language="en",
                           page_size="a4", created_by_id=reporter_id)
    upload = ResumableUpload(user_id=reporter_id, incident_id=incident.id, length_bytes=1)
    db.session.add_all([export, upload])
    db.session.flush()
    return {"family_id": family.id, "victim_id": victim.id, "person_id": person.id,
            "export_id": export.id, "upload_id": upload.id,
            "incident_id": incident.id, "item_id": item.id, "dossier_id": dossier.id,
            "entry_id": entry.id, "exhibit_id": exhibit.id, "redaction_id": redaction.id,
            "tag_id": tag.id, "event_id": event.id, "key": "background", "language": "en"}


def make_family(app: Flask, *, members: Sequence[Account] = (), advocates: Sequence[Account] = (),
                victims: int = 1) -> int:
    """A committed family file with fictional victims, members and assigned advocates."""
    with app.app_context():
        family = Family(code=f"FAM-{next(_serial):03d}")
        for n in range(victims):
            family.victims.append(Victim(name_latin=f"Sample Victim {n + 1}",
                                         name_persian=f"قربانی نمونه {n + 1}"))
        db.session.add(family)
        db.session.flush()
        for member in members:
            db.session.add(FamilyMembership(family_id=family.id, user_id=member.id))
        for advocate in advocates:
            db.session.add(Assignment(family_id=family.id, advocate_id=advocate.id,
                                      assigned_by_id=advocate.id))
        db.session.commit()
        return family.id


def make_family_member(app: Flask, locale: str = "en") -> Account:
    """A family member alone in a family file of their own."""
    member = make_account(app, Role.FAMILY_MEMBER, locale=locale)
    make_family(app, members=[member])
    return member
