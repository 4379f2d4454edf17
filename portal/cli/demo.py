"""`flask demo seed`: fictional demo data of every kind, for trying the portal locally."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.audit import ensure_chain_head
from portal.cli.demo_data import (
    DEMO_ADVOCACY_EVENTS,
    DEMO_PEOPLE,
    DEMO_REPORTS,
    DEMO_TODAY,
    DEMO_VICTIMS,
)
from portal.dependencies import crypto_kit
from portal.models import Family, Incident, Role, User, db
from portal.services import families, incidents, people, register
from portal.services.accounts import create_user, find_user
from portal.services.consent import ConsentChoice, record_consent
from portal.services.countries import country_codes
from portal.services.dossiers import builder, redaction
from portal.services.dossiers.patterns import record_advocacy_event

demo_cli = AppGroup("demo", help="Demo data (never in production).")

# Fictional people. The passphrases are public: this data is for a local demo only.
DEMO_USERS = (
    ("admin", "Demo Administrator", Role.ADMIN, "copper kettle winter orchard lantern", "en"),
    ("advocate", "Demo Advocate", Role.ADVOCATE, "violet harbour pencil meadow drum", "en"),
    ("reviewer", "Demo Legal Reviewer", Role.LEGAL_REVIEWER,
     "granite willow echo saffron tide", "fr"),
    ("family", "Demo Family Member", Role.FAMILY_MEMBER, "کوه آبی ستاره باران پنجره", "fa"),
)
DEMO_TIMEZONES = ("Asia/Tehran", "America/Toronto")


@demo_cli.command("seed")
def seed() -> None:
    """Create the demo data if missing and print the logins. Refused in production."""
    if current_app.config["ENV"] != "development":
        raise click.ClickException("demo data is only for ENV='development' instances")
    ensure_chain_head()
    for username, name, role, passphrase, locale in DEMO_USERS:
        if find_user(username) is None:
            create_user(crypto_kit(), username=username, display_name=name, role=role,
                        passphrase=passphrase, locale=locale)
        click.echo(f"  {role.value:15} username: {username:10} passphrase: {passphrase}")
    if db.session.scalar(select(Family.id)) is None:
        _seed_family_file()
        click.echo("  A fictional family file FAM-001 with people and reports was created,")
        click.echo("  and a draft dossier PS752-0001 of those reports.")
    db.session.commit()
    click.echo("Staff set up a second factor (TOTP) at their first sign-in.")


def _seed_family_file() -> None:
    admin, advocate, member = (_user(name) for name in ("admin", "advocate", "family"))
    victims = [register.create_victim(admin, victim) for victim in DEMO_VICTIMS]
    family = families.create_family(admin)
    families.set_family_victims(admin, family, [v.id for v in victims])
    families.add_family_member(admin, family, member)
    families.assign_advocate(admin, family, advocate)
    db.session.refresh(family)
    kit = crypto_kit()
    for details in DEMO_PEOPLE:
        people.add_person(kit, member, family, details, country_codes())
    choices = incidents.Choices(family, country_codes(), DEMO_TIMEZONES)
    for content in DEMO_REPORTS:
        incident = incidents.start_draft(member, family)
        incidents.submit(kit, member, incident, content, DEMO_TODAY, choices)
        record_consent(member, incident, ConsentChoice(("icc_prosecutor", "canadian_police"),
                                                       "pseudonym", "unsure"))
    for person in family.people:
        record_consent(member, person, ConsentChoice(("icc_prosecutor",), "pseudonym", "no"))
    _seed_dossier(advocate, admin, family)


def _seed_dossier(advocate: User, admin: User, family: Family) -> None:
    """A draft dossier of the demo reports, and the public events its timeline shows."""
    kit = crypto_kit()
    for event in DEMO_ADVOCACY_EVENTS:
        record_advocacy_event(admin, event)
    dossier = builder.create_dossier(kit, advocate, builder.DossierDetails(
        title="Reprisals against a family file (demo)", kind="article_15",
        destination="icc_prosecutor", language="en"))
    for incident in sorted(family_incidents(family), key=lambda i: i.id):
        builder.add_incident(advocate, dossier, incident)
    redaction.add_redaction(kit, advocate, dossier, "WhatsApp", "R4")


def family_incidents(family: Family) -> list[Incident]:
    return list(db.session.scalars(select(Incident).where(Incident.family_id == family.id)))


def _user(username: str) -> User:
    user = find_user(username)
    assert user is not None
    return user
