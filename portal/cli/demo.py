"""`flask demo seed`: fictional demo data of every kind, for trying the portal locally.

Besides the draft dossier PS752-0001, it makes PS752-0002: two reports written in
Persian with a fictional photo and a fictional letter (made here with Pillow, stored
through the evidence service as an upload is: encrypted, with receipt and custody),
translated (certified English translations of its accounts, French and Persian
translations of its sections: demo_translations.py), sent to the demo legal reviewer
and approved by them with the content hash of its
assembly, so that `flask dossier export 2 --as reviewer ...` works at once.
"""

from __future__ import annotations

import io

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.audit import ensure_chain_head
from portal.cli.demo_data import (
    DEMO_ADVOCACY_EVENTS,
    DEMO_APPROVED_TITLE,
    DEMO_EXHIBITS,
    DEMO_PEOPLE,
    DEMO_PERSIAN_REPORTS,
    DEMO_REPORTS,
    DEMO_TODAY,
    DEMO_VICTIMS,
)
from portal.cli.demo_translations import translate_demo_dossier
from portal.dependencies import blob_store, crypto_kit
from portal.jobs.execute import run_job
from portal.media.sniff import detect_media_type
from portal.models import Dossier, EvidenceItem, Family, Incident, Job, JobState, Role, User, db
from portal.models.dossiers import SectionKey
from portal.services import evidence, families, incidents, people, register, renditions
from portal.services.accounts import create_user, find_user
from portal.services.consent import ConsentChoice, record_consent
from portal.services.countries import country_codes
from portal.services.dossiers import assembly, builder, occurrences, redaction, sections, workflow
from portal.services.dossiers.checklist import BRACKETED_INSTRUCTION, checklist
from portal.services.dossiers.naming import agency_namer
from portal.services.dossiers.patterns import record_advocacy_event
from portal.services.staff_profile import set_profile

demo_cli = AppGroup("demo", help="Demo data (never in production).")

# Fictional people. The passphrases are public: this data is for a local demo only.
DEMO_USERS = (
    ("admin", "Demo Administrator", Role.ADMIN, "copper kettle winter orchard lantern", "en"),
    # Giving an advocate a family file takes two people: this one confirms what
    # "admin" proposes.
    ("admin2", "Demo Second Administrator", Role.ADMIN,
     "amber ferry thistle gravel monsoon", "en"),
    ("advocate", "Demo Advocate", Role.ADVOCATE, "violet harbour pencil meadow drum", "en"),
    ("reviewer", "Demo Legal Reviewer", Role.LEGAL_REVIEWER,
     "granite willow echo saffron tide", "fr"),
    ("family", "Demo Family Member", Role.FAMILY_MEMBER, "کوه آبی ستاره باران پنجره", "fa"),
)
DEMO_TIMEZONES = ("Asia/Tehran", "America/Toronto")
# How the confidential variant names staff (fictional): full name and capacity.
DEMO_STAFF_PROFILES = {
    "advocate": ("Dana Fictional-Advocate", "Caseworker, fictional families' association"),
    "reviewer": ("Robin Fictional-Counsel", "Lawyer, member of a fictional bar"),
}


@demo_cli.command("seed")
def seed() -> None:
    """Create the demo data if missing and print the logins. Refused in production."""
    if current_app.config["ENV"] != "development":
        raise click.ClickException("demo data is only for ENV='development' instances")
    ensure_chain_head()
    for username, name, role, passphrase, locale in DEMO_USERS:
        if find_user(username) is None:
            user = create_user(crypto_kit(), username=username, display_name=name,
                               role=role, passphrase=passphrase, locale=locale)
            if username in DEMO_STAFF_PROFILES:
                set_profile(crypto_kit(), user, *DEMO_STAFF_PROFILES[username])
        click.echo(f"  {role.value:15} username: {username:10} passphrase: {passphrase}")
    if db.session.scalar(select(Family.id)) is None:
        _seed_family_file()
        click.echo("  A fictional family file FAM-001 with people and reports was created,")
        click.echo("  a draft dossier PS752-0001 of two of them, and PS752-0002 (Persian")
        click.echo("  reports, a photo and a letter), approved by the legal reviewer:")
        click.echo("  flask dossier export 2 --variant confidential --out DIR --as reviewer")
    db.session.commit()
    _derive_demo_exhibits()
    click.echo("Staff set up a second factor (TOTP) at their first sign-in.")


def _seed_family_file() -> None:
    admin, second_admin, advocate, member = (
        _user(name) for name in ("admin", "admin2", "advocate", "family"))
    victims = [register.create_victim(admin, victim) for victim in DEMO_VICTIMS]
    family = families.create_family(admin)
    families.set_family_victims(admin, family, [v.id for v in victims])
    families.add_family_member(admin, family, member)
    proposal = families.propose_assignment(admin, family, advocate)
    assert proposal is not None
    families.confirm_assignment(second_admin, proposal)
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
    _seed_approved_dossier(member, advocate, _user("reviewer"), family, choices)


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


def _seed_approved_dossier(member: User, advocate: User, reviewer: User, family: Family,
                           choices: incidents.Choices) -> Dossier:
    """PS752-0002: Persian reports with a photo and a letter, approved by `reviewer`."""
    kit = crypto_kit()
    reports = []
    for content, (filename, kind, description) in zip(DEMO_PERSIAN_REPORTS, DEMO_EXHIBITS,
                                                      strict=True):
        incident = incidents.start_draft(member, family)
        incidents.submit(kit, member, incident, content, DEMO_TODAY, choices)
        record_consent(member, incident, ConsentChoice(("icc_prosecutor",), "pseudonym", "no"))
        data = demo_photo() if filename.endswith(".jpg") else demo_letter()
        _store_as_upload(member, incident, filename, data, kind, description)
        reports.append(incident)
    dossier = builder.create_dossier(kit, advocate, builder.DossierDetails(
        title=DEMO_APPROVED_TITLE, kind="article_15", destination="icc_prosecutor",
        language="en"))
    for incident in reports:
        builder.add_incident(advocate, dossier, incident)
    _complete_sections(advocate, dossier)
    translate_demo_dossier(advocate, dossier, reports)
    occurrences.redact_remaining(kit, advocate, dossier)
    workflow.send_for_review(advocate, dossier, reviewer)
    # What the review page shows and the reviewer approves: the assembly's content hash,
    # once the checklist holds, each of its warnings weighed.
    approved = assembly.content_hash(assembly.assemble(
        kit, dossier, assembly.CONFIDENTIAL, agency_namer(dossier.language)))
    weighed = [warning.value for warning in checklist(kit, dossier).warnings]
    workflow.approve(kit, reviewer, dossier, approved, approved,
                     comments="(Sample) Approved for the demo.", acknowledged=weighed)
    return dossier


def _complete_sections(advocate: User, dossier: Dossier) -> None:
    """The advocate writes each section: the templates' bracketed instructions become
    sample text (an approval is refused while one is left)."""
    kit = crypto_kit()
    for key in SectionKey:
        draft = sections.load_section(kit, dossier, key.value)
        body = BRACKETED_INSTRUCTION.sub("(Sample text written for the demo.)", draft.body)
        sections.save_section(kit, advocate, dossier, key.value, body, draft.lock_version)


def _store_as_upload(actor: User, incident: Incident, filename: str, data: bytes, kind: str,
                     description: str) -> EvidenceItem:
    """As the upload page does: spool (hashed, encrypted), store with its receipt and
    custody events, and queue the job that makes its previews."""
    media_type = "image/jpeg" if filename.endswith(".jpg") else "application/pdf"
    spool = evidence.begin_spool(blob_store(), filename, media_type)
    spool.write(data)
    item = evidence.store_upload(crypto_kit(), actor, incident, spool, evidence.EvidenceDetails(
        kind=kind, description=description, obtained_how="(Sample) Made for the demo."),
        detect_media_type(bytes(spool.head)))
    renditions.request_derivation(item, actor)
    evidence.record_upload_audit(actor, incident, 1)
    return item


def _derive_demo_exhibits() -> None:
    """Make the previews now (the jobs queued above), so that an export made from the
    command line before the web server ever ran shows them too."""
    queued = db.session.scalars(select(Job.id).where(
        Job.kind == renditions.DERIVE_JOB, Job.state == JobState.QUEUED)).all()
    for job_id in queued:
        run_job(job_id, lease_seconds=300)


def demo_photo() -> bytes:
    """A small fictional JPEG: a door, a window and a path, drawn with Pillow."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), (214, 226, 236))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 220, 480, 320), fill=(150, 140, 120))
    draw.rectangle((120, 60, 360, 240), fill=(196, 170, 140), outline=(90, 70, 50), width=4)
    draw.rectangle((210, 130, 270, 240), fill=(110, 60, 40))
    draw.rectangle((140, 90, 190, 140), fill=(170, 200, 230), outline=(90, 70, 50), width=3)
    draw.text((10, 10), "(Sample) fictional demo photo", fill=(40, 40, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def demo_letter() -> bytes:
    """A small fictional one-page PDF (an image of a letter, made with Pillow)."""
    from PIL import Image, ImageDraw

    page = Image.new("RGB", (595, 842), (255, 255, 255))
    draw = ImageDraw.Draw(page)
    for number, line in enumerate((
            "(Sample) FICTIONAL LETTER MADE FOR THE PS752 PORTAL DEMO",
            "Not a real document. No real person, office or place.",
            "", "Subject: invitation to give explanations (sample)",
            "Date: 1401/02/05 (sample)")):
        draw.text((60, 80 + 24 * number), line, fill=(0, 0, 0))
    draw.rectangle((60, 300, 535, 302), fill=(0, 0, 0))
    out = io.BytesIO()
    page.save(out, "PDF", resolution=72.0)
    return out.getvalue()
