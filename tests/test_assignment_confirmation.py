"""Giving an advocate a family file takes two people, and the family sees who reads it.

An administrator proposes; another administrator, or an advocate already assigned to
the family, confirms. Until then the proposal grants nothing. The proposer, the
advocate proposed and whoever invited the advocate's account are one person for this
purpose. Driven over HTTP as the people themselves would.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import column, select, table

from portal.audit import AuditAction
from portal.models import Assignment, AuditEvent, Role, User, UserSession, db, utcnow
from portal.models.base import UTCDateTime
from portal.models.families import AssignmentProposal
from tests.support.client import BrowserClient
from tests.support.factories import (
    PASSPHRASES,
    Account,
    enrol_second_factor,
    make_account,
    make_family,
)
from tests.support.journeys import sign_in, sign_out
from tests.support.reports import send_report, start_report
from tests.test_invitations import accept, create_invitation
from tests.test_migrations import empty_app  # noqa: F401  (a fixture)

NARRATIVE = "They asked my brother where our family lives in Toronto."


@dataclass
class Family:
    id: int
    member: Account
    report_id: int


def family_with_a_report(app: Flask, client: BrowserClient,
                         advocates: list[Account] | None = None) -> Family:
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    family_id = make_family(app, members=[member], advocates=advocates or [])
    sign_in(client, member)
    report_id = start_report(client)
    assert send_report(client, report_id, "submit", start_text="1399/10/18",
                       narrative=NARRATIVE).status_code == 302
    sign_out(client)
    return Family(family_id, member, report_id)


def register_page(family: Family) -> str:
    return f"/admin/register/families/{family.id}"


def propose(client: BrowserClient, family: Family, advocate_id: int) -> None:
    response = client.submit(register_page(family), {"advocate_id": str(advocate_id)},
                             action=f"{register_page(family)}/advocates")
    assert response.status_code == 302, response.get_data(as_text=True)[:600]


def proposal_id(app: Flask, advocate_id: int) -> int:
    with app.app_context():
        return db.session.scalars(select(AssignmentProposal.id).where(
            AssignmentProposal.advocate_id == advocate_id)).one()


def assigned(app: Flask, family: Family) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(Assignment.advocate_id).where(
            Assignment.family_id == family.id)))


def reads_the_report(client: BrowserClient, family: Family) -> bool:
    response = client.get(f"/reports/{family.report_id}")
    return response.status_code == 200 and NARRATIVE in response.get_data(as_text=True)


def audit(app: Flask, action: AuditAction) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == str(action)).order_by(AuditEvent.seq)))


def invited_advocate(app: Flask, admin_client: BrowserClient, other: BrowserClient,
                     username: str) -> Account:
    """An advocate account invited by whoever is signed in on `admin_client`, accepted
    on `other`, with its second factor set up."""
    _, token = create_invitation(admin_client, "Second Account", role="advocate")
    passphrase = PASSPHRASES[Role.ADVOCATE]
    assert accept(other, token, username, passphrase).status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User).where(User.username == username)).one()
        secret = enrol_second_factor(user)
        db.session.commit()
        return Account(user.id, username, passphrase, Role.ADVOCATE, secret)


def test_an_admin_cannot_give_a_second_account_of_their_own_a_family_file(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    admin = make_account(app, Role.ADMIN, locale="en")
    family = family_with_a_report(app, client)
    sign_in(client, admin)
    sock = invited_advocate(app, client, another_client, "second.account")
    propose(client, family, sock.id)

    page = client.text(register_page(family))
    assert "Waiting for confirmation" in page
    assert 'value="confirm"' not in page  # no button for the proposer
    assert "Waiting for someone else to confirm." in page
    forged = client.post_form(f"{register_page(family)}/proposals", {
        "proposal_id": str(proposal_id(app, sock.id)), "decision": "confirm"},
        token_page=register_page(family))
    assert forged.status_code == 404
    assert assigned(app, family) == set()

    puppet: BrowserClient = app.test_client()  # type: ignore[assignment]
    sign_in(puppet, sock)
    assert not reads_the_report(puppet, family)
    assert puppet.get(f"/family/{family.id}/readers").status_code == 404
    # The advocate proposed cannot confirm themself either.
    refused = puppet.post_form(f"/family/{family.id}/proposals", {
        "proposal_id": str(proposal_id(app, sock.id)), "decision": "confirm"},
        token_page="/account")
    assert refused.status_code == 404
    assert assigned(app, family) == set()


def test_a_second_admin_confirms_and_only_then_the_advocate_reads_the_reports(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    proposer = make_account(app, Role.ADMIN, locale="en")
    confirmer = make_account(app, Role.ADMIN, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    family = family_with_a_report(app, client)
    sign_in(client, proposer)
    propose(client, family, advocate.id)
    sign_in(another_client, advocate)
    assert not reads_the_report(another_client, family)

    sign_out(client)
    sign_in(client, confirmer)
    confirmed = client.submit(register_page(family), {
        "proposal_id": str(proposal_id(app, advocate.id)), "decision": "confirm"},
        action=f"{register_page(family)}/proposals")
    assert confirmed.status_code == 302
    assert "can now review this family" in client.text(confirmed.headers["Location"])
    assert assigned(app, family) == {advocate.id}
    assert reads_the_report(another_client, family)
    with app.app_context():
        assignment = db.session.scalars(select(Assignment)).one()
        assert (assignment.assigned_by_id, assignment.confirmed_by_id) == (
            proposer.id, confirmer.id)
    [proposed] = audit(app, AuditAction.ADVOCATE_PROPOSED)
    assert (proposed.actor_id, proposed.details) == (proposer.id, {"advocate_id": advocate.id})
    [granted] = audit(app, AuditAction.ADVOCATE_ASSIGNED)
    assert (granted.actor_id, granted.target_id, granted.details) == (
        confirmer.id, str(family.id), {"advocate_id": advocate.id, "proposed_by": proposer.id})


def test_an_advocate_of_the_family_confirms_on_their_family_page(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    admin = make_account(app, Role.ADMIN, locale="en")
    colleague = make_account(app, Role.ADVOCATE, locale="en")
    elsewhere = make_account(app, Role.ADVOCATE, locale="en")
    newcomer = make_account(app, Role.ADVOCATE, locale="en")
    family = family_with_a_report(app, client, advocates=[colleague])
    make_family(app, advocates=[elsewhere])
    sign_in(client, admin)
    propose(client, family, newcomer.id)

    # An advocate of another family sees nothing to confirm, and cannot confirm.
    sign_in(another_client, elsewhere)
    assert newcomer.username not in another_client.text("/family")
    assert another_client.post_form(f"/family/{family.id}/proposals", {
        "proposal_id": str(proposal_id(app, newcomer.id)), "decision": "confirm"},
        token_page="/family").status_code == 404
    sign_out(another_client)

    sign_in(another_client, colleague)
    page = another_client.text("/family")
    assert "Advocates waiting for confirmation" in page
    assert newcomer.username in page
    confirmed = another_client.submit("/family", {
        "proposal_id": str(proposal_id(app, newcomer.id)), "decision": "confirm"},
        action=f"/family/{family.id}/proposals")
    assert confirmed.status_code == 302
    assert assigned(app, family) == {colleague.id, newcomer.id}
    [granted] = audit(app, AuditAction.ADVOCATE_ASSIGNED)
    assert granted.actor_id == colleague.id


def test_whoever_invited_the_advocate_cannot_be_the_second_person(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    inviter = make_account(app, Role.ADMIN, locale="en")
    proposer = make_account(app, Role.ADMIN, locale="en")
    family = family_with_a_report(app, client)
    sign_in(client, inviter)
    invited = invited_advocate(app, client, another_client, "invited.advocate")
    sign_in(another_client, proposer)
    propose(another_client, family, invited.id)

    page = client.text(register_page(family))
    assert "invited.advocate" in page
    assert 'value="confirm"' not in page
    assert client.post_form(f"{register_page(family)}/proposals", {
        "proposal_id": str(proposal_id(app, invited.id)), "decision": "confirm"},
        token_page=register_page(family)).status_code == 404
    assert assigned(app, family) == set()


def test_a_declined_proposal_grants_nothing_and_is_recorded(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    admin = make_account(app, Role.ADMIN, locale="en")
    colleague = make_account(app, Role.ADVOCATE, locale="en")
    newcomer = make_account(app, Role.ADVOCATE, locale="en")
    family = family_with_a_report(app, client, advocates=[colleague])
    sign_in(client, admin)
    propose(client, family, newcomer.id)
    sign_in(another_client, colleague)
    declined = another_client.submit("/family", {
        "proposal_id": str(proposal_id(app, newcomer.id)), "decision": "decline"},
        action=f"/family/{family.id}/proposals")
    assert declined.status_code == 302
    assert "was not given access" in another_client.text(declined.headers["Location"])
    assert assigned(app, family) == {colleague.id}
    with app.app_context():
        assert db.session.scalars(select(AssignmentProposal)).all() == []
    [event] = audit(app, AuditAction.ADVOCATE_DECLINED)
    assert (event.actor_id, event.details) == (
        colleague.id, {"advocate_id": newcomer.id, "proposed_by": admin.id})
    # The proposer can propose again; it waits again.
    propose(client, family, newcomer.id)
    assert assigned(app, family) == {colleague.id}


def test_confirming_needs_a_recent_sign_in(app: Flask, client: BrowserClient,
                                           another_client: BrowserClient):
    admin = make_account(app, Role.ADMIN, locale="en")
    colleague = make_account(app, Role.ADVOCATE, locale="en")
    newcomer = make_account(app, Role.ADVOCATE, locale="en")
    family = family_with_a_report(app, client, advocates=[colleague])
    sign_in(client, admin)
    propose(client, family, newcomer.id)
    sign_in(another_client, colleague)
    with app.app_context():
        for live in db.session.scalars(select(UserSession).where(
                UserSession.user_id == colleague.id)):
            live.authenticated_at = utcnow() - timedelta(minutes=6)
        db.session.commit()
    response = another_client.submit("/family", {
        "proposal_id": str(proposal_id(app, newcomer.id)), "decision": "confirm"},
        action=f"/family/{family.id}/proposals")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/reauthenticate")
    assert assigned(app, family) == {colleague.id}


def test_the_family_sees_who_can_read_its_file_and_when_that_changed(
        app: Flask, client: BrowserClient, another_client: BrowserClient):
    first_admin = make_account(app, Role.ADMIN, locale="en")
    second_admin = make_account(app, Role.ADMIN, locale="en")
    advocate = make_account(app, Role.ADVOCATE, username="darya.advocate", locale="en")
    proposed = make_account(app, Role.ADVOCATE, username="omid.proposed", locale="en")
    reviewer = make_account(app, Role.LEGAL_REVIEWER, username="sara.reviewer", locale="en")
    family = family_with_a_report(app, client)
    sign_in(client, first_admin)
    propose(client, family, advocate.id)
    propose(client, family, proposed.id)
    sign_in(another_client, second_admin)
    assert another_client.submit(register_page(family), {
        "proposal_id": str(proposal_id(app, advocate.id)), "decision": "confirm"},
        action=f"{register_page(family)}/proposals").status_code == 302
    sign_out(another_client)

    # The advocate cites the report in a dossier sent to a legal reviewer.
    sign_in(another_client, family.member)
    assert another_client.submit(f"/reports/{family.report_id}/consent", {
        "destinations": ["icc_prosecutor"], "disclosure": "pseudonym",
        "testify": "no"}).status_code == 302
    sign_out(another_client)
    sign_in(another_client, advocate)
    created = another_client.submit("/dossiers/new", {
        "title": "Threats abroad", "kind": "article_15", "destination": "icc_prosecutor",
        "language": "en", "earlier_reference": ""})
    dossier_id = int(created.headers["Location"].rstrip("/").split("/")[-1])
    assert another_client.submit(f"/dossiers/{dossier_id}/choose", {
        "incident_id": str(family.report_id)},
        action=f"/dossiers/{dossier_id}/incidents").status_code == 302
    assert another_client.submit(f"/dossiers/{dossier_id}", {"reviewer": str(reviewer.id)},
                                 action=f"/dossiers/{dossier_id}/send").status_code == 302
    sign_out(another_client)

    sign_in(another_client, family.member)
    assert f"/family/{family.id}/readers" in another_client.text("/family")
    page = another_client.text(f"/family/{family.id}/readers")
    assert "Darya.Advocate" in page
    assert "Assigned to this family file" in page
    assert "Sara.Reviewer" in page
    assert "Legal review of dossier PS752-" in page
    assert "Omid.Proposed" not in page  # proposed, not confirmed: reads nothing

    admin_page = register_page(family)
    assert client.submit(admin_page, {}, action=(
        f"{admin_page}/advocates/{advocate.id}/remove")).status_code == 302
    page = another_client.text(f"/family/{family.id}/readers")
    now_reading, changes = page.split("Changes", 1)
    assert "Darya.Advocate" not in now_reading
    assert "No longer assigned" in changes
    assert changes.count("Darya.Advocate") == 2  # added, then removed
    # Another family's page is not theirs to see.
    other = make_family(app)
    assert another_client.get(f"/family/{other}/readers").status_code == 404


def test_existing_assignments_stay_in_force_as_confirmed(empty_app: Flask):  # noqa: F811
    directory = empty_app.config["MIGRATIONS_DIR"]
    with empty_app.app_context():
        upgrade(directory=directory, revision="0009_assignment_confirmation")
        downgrade(directory=directory, revision="-1")
        with db.engine.begin() as connection:
            # The users table as it was at that revision (today's model has more columns).
            users = table("users", column("id"), column("username"), column("display_name"),
                          column("role"), column("passphrase_hash"), column("is_active"),
                          column("created_at", UTCDateTime()),
                          column("passphrase_changed_at", UTCDateTime()))
            joined = datetime(2025, 1, 1, tzinfo=UTC)
            connection.execute(users.insert().values(
                id=1, username="sample", display_name="Sample", role=Role.ADVOCATE.value,
                passphrase_hash="x", is_active=True, created_at=joined,
                passphrase_changed_at=joined))
            connection.execute(db.metadata.tables["families"].insert().values(
                id=1, code="FAM-001"))
            before = table("assignments", column("id"), column("family_id"),
                           column("advocate_id"), column("assigned_by_id"),
                           column("created_at", UTCDateTime()))
            connection.execute(before.insert().values(
                id=1, family_id=1, advocate_id=1, assigned_by_id=1,
                created_at=datetime(2025, 1, 8, 10, tzinfo=UTC)))
        upgrade(directory=directory, revision="0009_assignment_confirmation")
        with db.engine.connect() as connection:
            row = connection.execute(select(Assignment.confirmed_at,
                                            Assignment.confirmed_by_id)).one()
    assert row == (datetime(2025, 1, 8, 10, tzinfo=UTC), None)
