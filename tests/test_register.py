"""The victims register, family files, advocate assignments and the incident taxonomy.

Admins maintain them through plain forms: every problem is shown beside its field
with the answers kept and nothing stored; every change is audited without names;
everyone else meets 404 on every register address. All names are fictional.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from portal.audit import AuditAction
from portal.models import (
    Assignment,
    AuditEvent,
    Family,
    FamilyMembership,
    IncidentTypeTerm,
    Role,
    User,
    UserSession,
    Victim,
    db,
    utcnow,
)
from portal.models.families import AssignmentProposal
from portal.services import families as family_service
from portal.services import register as register_service
from portal.services.errors import PermissionDenied
from tests.conftest import table_counts
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in

REGISTER = "/admin/register"
NEW_VICTIM = f"{REGISTER}/victims/new"
ONE = {"name_latin": "Sample Person One", "name_persian": "نمونه یک", "age": "34",
       "ties_countries": "ca ir", "ties_note": "Studied in Canada."}
TWO = {"name_latin": "Sample Person Two", "name_persian": "نمونه دو", "age": "",
       "ties_countries": "", "ties_note": ""}
NAMES = ("Sample Person", "نمونه")


# --- helpers ------------------------------------------------------------------------------


def signed_in_admin(app: Flask, client: BrowserClient) -> Account:
    admin = make_account(app, Role.ADMIN, username="azadeh.admin")
    sign_in(client, admin)
    return admin


def family_url(family_id: int, action: str = "") -> str:
    return f"{REGISTER}/families/{family_id}{action}"


def error_beside(page: str, field: str) -> str:
    match = re.search(rf'id="{field}-error"><span class="visually-hidden">Error:</span> (.*?)</p>',
                      page)
    assert match, f"no error beside {field}"
    return html.unescape(match.group(1))


def input_value(page: str, field: str) -> str:
    match = re.search(rf'<input[^>]*name="{field}"[^>]*>', page)
    assert match, f"no input {field}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return html.unescape(value.group(1)) if value else ""


def events(action: AuditAction) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.seq)))


def assert_no_names_in_audit_log() -> None:
    for event in db.session.scalars(select(AuditEvent)):
        for value in event.details.values():
            assert not any(name in str(value) for name in NAMES), event.action


def counts_without_audit() -> dict[str, int]:
    counts = table_counts()
    counts.pop("audit_events"), counts.pop("audit_chain_head", None)
    return counts


def seed_victim(app: Flask, admin: Account, **details: str) -> int:
    with app.app_context():
        victim = register_service.create_victim(
            admin.reload(), register_service.VictimInput(**{**ONE, **details}))
        db.session.commit()
        return victim.id


def seed_family(app: Flask, admin: Account) -> int:
    with app.app_context():
        family = family_service.create_family(admin.reload())
        db.session.commit()
        return family.id


def victim(victim_id: int) -> Victim:
    found = db.session.get(Victim, victim_id)
    assert found is not None
    return found


def family(family_id: int) -> Family:
    found = db.session.get(Family, family_id)
    assert found is not None
    return found


# --- victims ------------------------------------------------------------------------------


def test_admin_adds_a_victim_who_is_listed_with_persian_name_right_to_left(
        app: Flask, client: BrowserClient):
    admin = signed_in_admin(app, client)
    response = client.submit(NEW_VICTIM, ONE)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{REGISTER}/victims"

    page = client.text(f"{REGISTER}/victims")
    assert "The victim was added to the register." in page
    assert "Sample Person One" in page
    assert '<span dir="rtl" lang="fa">نمونه یک</span>' in page
    assert '<span class="ltr">CA IR</span>' in page
    with app.app_context():
        [stored] = db.session.scalars(select(Victim)).all()
        assert (stored.name_latin, stored.name_persian, stored.age) == (
            "Sample Person One", "نمونه یک", 34)
        assert stored.countries == ["CA", "IR"]
        assert stored.ties_note == "Studied in Canada."
        [event] = events(AuditAction.VICTIM_CREATED)
        assert (event.actor_id, event.target_type, event.target_id) == (
            admin.id, "victim", str(stored.id))
        assert_no_names_in_audit_log()


def test_victim_form_shows_every_problem_beside_its_field_keeps_answers_and_stores_nothing(
        app: Flask, client: BrowserClient):
    signed_in_admin(app, client)
    with app.app_context():
        before = counts_without_audit()
    response = client.submit(NEW_VICTIM, {
        "name_latin": "  ", "name_persian": "Latin only", "age": "300",
        "ties_countries": "CA XX", "ties_note": "kept note"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert error_beside(page, "name_latin") == "Enter the name in Latin letters."
    assert error_beside(page, "name_persian") == (
        "Write the Persian name in Persian script, or leave it empty.")
    assert error_beside(page, "age") == "Enter an age from 0 to 120."
    assert error_beside(page, "ties_countries").startswith("Not a country code: XX.")
    assert '<a href="#ties_countries">' in page  # the summary links to the field
    assert input_value(page, "name_persian") == "Latin only"
    assert input_value(page, "age") == "300"
    assert input_value(page, "ties_countries") == "CA XX"
    assert "kept note</textarea>" in page
    with app.app_context():
        assert counts_without_audit() == before
        assert events(AuditAction.VICTIM_CREATED) == []


@pytest.mark.parametrize(("age", "message"), [
    ("abc", "Enter the age as a whole number, such as 34."),
    ("-1", "Enter an age from 0 to 120."),
    ("12.5", "Enter the age as a whole number, such as 34."),
])
def test_victim_age_must_be_a_whole_number_from_0_to_120(
        app: Flask, client: BrowserClient, age: str, message: str):
    signed_in_admin(app, client)
    page = client.submit(NEW_VICTIM, {**ONE, "age": age}).get_data(as_text=True)
    assert error_beside(page, "age") == message
    with app.app_context():
        assert db.session.scalars(select(Victim)).all() == []


def test_victim_age_may_be_typed_in_persian_digits(app: Flask, client: BrowserClient):
    signed_in_admin(app, client)
    assert client.submit(NEW_VICTIM, {**ONE, "age": "۳۴"}).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Victim.age)).all() == [34]


def test_a_second_victim_with_the_same_latin_name_is_refused(app: Flask, client: BrowserClient):
    admin = signed_in_admin(app, client)
    seed_victim(app, admin)
    page = client.submit(NEW_VICTIM, {**ONE, "name_latin": "sample person ONE"}).get_data(
        as_text=True)
    assert error_beside(page, "name_latin") == "This person is already in the register."
    with app.app_context():
        assert len(db.session.scalars(select(Victim)).all()) == 1


def test_admin_edits_a_victim_and_the_changed_fields_are_audited(
        app: Flask, client: BrowserClient):
    admin = signed_in_admin(app, client)
    victim_id = seed_victim(app, admin)
    url = f"{REGISTER}/victims/{victim_id}"
    page = client.text(url)
    assert input_value(page, "name_latin") == "Sample Person One"
    assert input_value(page, "age") == "34"
    assert input_value(page, "ties_countries") == "CA IR"

    response = client.submit(url, {**ONE, "age": "35", "ties_countries": "CA;IR;GB"})
    assert response.status_code == 302
    with app.app_context():
        assert (victim(victim_id).age, victim(victim_id).ties_countries) == (35, "CA IR GB")
        [event] = events(AuditAction.VICTIM_UPDATED)
        assert event.details == {"fields": "age ties_countries"}
        assert_no_names_in_audit_log()


def test_editing_a_victim_into_a_duplicate_is_refused_and_changes_nothing(
        app: Flask, client: BrowserClient):
    admin = signed_in_admin(app, client)
    seed_victim(app, admin)
    second = seed_victim(app, admin, **TWO)
    url = f"{REGISTER}/victims/{second}"
    page = client.submit(url, {**TWO, "name_latin": "SAMPLE PERSON ONE", "age": "40"}).get_data(
        as_text=True)
    assert error_beside(page, "name_latin") == "This person is already in the register."
    assert input_value(page, "age") == "40"
    with app.app_context():
        assert (victim(second).name_latin, victim(second).age) == ("Sample Person Two", None)
        assert events(AuditAction.VICTIM_UPDATED) == []


def test_unknown_victim_or_family_answers_404(app: Flask, client: BrowserClient):
    signed_in_admin(app, client)
    assert client.get(f"{REGISTER}/victims/999999").status_code == 404
    assert client.get(family_url(999999)).status_code == 404


# --- family files -------------------------------------------------------------------------


def test_new_family_files_get_codes_from_their_ids(app: Flask, client: BrowserClient):
    admin = signed_in_admin(app, client)
    families = f"{REGISTER}/families"
    first = client.submit(families, {}, action=f"{REGISTER}/families/new")
    second = client.submit(families, {}, action=f"{REGISTER}/families/new")
    assert first.status_code == second.status_code == 302
    with app.app_context():
        created = db.session.scalars(select(Family).order_by(Family.id)).all()
        assert [f.code for f in created] == [f"FAM-{f.id:03d}" for f in created]
        assert all(re.fullmatch(r"FAM-\d{3,}", f.code) for f in created)
        assert first.headers["Location"] == family_url(created[0].id)
        assert [e.actor_id for e in events(AuditAction.FAMILY_CREATED)] == [admin.id, admin.id]
        codes = [f.code for f in created]
    page = client.text(families)
    for code in codes:
        assert f">{code}</a>" in page
    assert "No advocate" in page


def test_admin_links_victims_to_a_family_file(app: Flask, client: BrowserClient):
    admin = signed_in_admin(app, client)
    one, two = seed_victim(app, admin), seed_victim(app, admin, **TWO)
    family_id = seed_family(app, admin)
    page = client.text(family_url(family_id))
    assert 'name="victim_ids"' in page
    assert '<span dir="rtl" lang="fa">نمونه دو</span>' in page

    response = client.submit(family_url(family_id), {"victim_ids": [str(one), str(two)]},
                             action=family_url(family_id, "/victims"))
    assert response.status_code == 302
    with app.app_context():
        assert [v.id for v in family(family_id).victims] == [one, two]
    page = client.text(family_url(family_id))
    assert re.search(rf'<input checked[^>]*value="{two}"', page)

    client.submit(family_url(family_id), {"victim_ids": [str(two)]},
                  action=family_url(family_id, "/victims"))
    with app.app_context():
        assert [v.id for v in family(family_id).victims] == [two]
        details = [e.details for e in events(AuditAction.FAMILY_VICTIMS_CHANGED)]
        assert details == [{"count": 2, "added": 2, "removed": 0},
                           {"count": 1, "added": 0, "removed": 1}]
    overview = client.text(f"{REGISTER}/families")
    assert "Sample Person Two" in overview


def test_a_family_file_needs_at_least_one_known_victim(app: Flask, client: BrowserClient):
    admin = signed_in_admin(app, client)
    one = seed_victim(app, admin)
    family_id = seed_family(app, admin)
    client.submit(family_url(family_id), {"victim_ids": [str(one)]},
                  action=family_url(family_id, "/victims"))
    for choice in ([], ["999999"], ["abc"]):  # none ticked, or victims the form never offered
        response = client.post_form(family_url(family_id, "/victims"), {"victim_ids": choice},
                                    token_page=family_url(family_id))
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "There is a problem" in page
        assert ("Choose at least one victim." in page
                or "A chosen victim is not in the register any more." in page)
        with app.app_context():
            assert [v.id for v in family(family_id).victims] == [one]
            assert len(events(AuditAction.FAMILY_VICTIMS_CHANGED)) == 1


def test_admin_adds_a_family_member_who_cannot_join_a_second_family(
        app: Flask, client: BrowserClient):
    admin = signed_in_admin(app, client)
    member = make_account(app, Role.FAMILY_MEMBER, username="neda.family")
    first, second = seed_family(app, admin), seed_family(app, admin)
    page = client.text(family_url(first))
    assert f'<option value="{member.id}">Neda.Family (neda.family)</option>' in page

    response = client.submit(family_url(first), {"user_id": str(member.id)},
                             action=family_url(first, "/members"))
    assert response.status_code == 302
    page = client.text(family_url(first))
    assert '<span class="ltr">neda.family</span>' in page
    # Already in a family file: no longer offered anywhere.
    assert f'<option value="{member.id}"' not in client.text(family_url(second))

    with app.app_context():
        before = counts_without_audit()
        first_code = family(first).code
    # From a page opened before (a stale tab): the choice is no longer offered.
    response = client.post_form(family_url(second, "/members"), {"user_id": str(member.id)},
                                token_page=family_url(second))
    assert response.status_code == 200
    message = error_beside(response.get_data(as_text=True), "user_id")
    assert message == (f"This person already belongs to family file {first_code}. "
                       "A person can belong to one family file only.")
    with app.app_context():
        assert counts_without_audit() == before
        memberships = db.session.scalars(select(FamilyMembership)).all()
        assert [(m.family_id, m.user_id) for m in memberships] == [(first, member.id)]
        [event] = events(AuditAction.FAMILY_MEMBER_ADDED)
        assert (event.target_id, event.details) == (str(first), {"user_id": member.id})


@pytest.mark.parametrize("role", [Role.ADVOCATE, Role.ADMIN])
def test_only_family_member_accounts_can_join_a_family_file(
        app: Flask, client: BrowserClient, role: Role):
    admin = signed_in_admin(app, client)
    other = make_account(app, role)
    family_id = seed_family(app, admin)
    for user_id, message in ((str(other.id), "Choose an active family member account."),
                             ("999999", "Choose a family member from the list."),
                             ("", "Choose a family member.")):
        response = client.post_form(family_url(family_id, "/members"), {"user_id": user_id},
                                    token_page=family_url(family_id))
        assert error_beside(response.get_data(as_text=True), "user_id") == message
    with app.app_context():
        assert db.session.scalars(select(FamilyMembership)).all() == []


def test_admin_assigns_and_unassigns_advocates(app: Flask, client: BrowserClient,
                                              another_client: BrowserClient):
    admin = signed_in_admin(app, client)
    advocate = make_account(app, Role.ADVOCATE, username="kian.advocate")
    family_id = seed_family(app, admin)
    assign = family_url(family_id, "/advocates")
    page = client.text(family_url(family_id))
    assert f'<option value="{advocate.id}">Kian.Advocate (kian.advocate)</option>' in page

    old_tab = client.open_page(family_url(family_id))
    assert client.submit(family_url(family_id), {"advocate_id": str(advocate.id)},
                         action=assign).status_code == 302
    # Assigning again (an old tab, a double click) changes nothing.
    assert old_tab.submit({"advocate_id": str(advocate.id)}, action=assign).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Assignment)).all() == []  # proposed only
        [proposal] = db.session.scalars(select(AssignmentProposal)).all()
    # A second administrator confirms.
    sign_in(another_client, make_account(app, Role.ADMIN))
    assert another_client.submit(family_url(family_id), {
        "proposal_id": str(proposal.id), "decision": "confirm"},
        action=family_url(family_id, "/proposals")).status_code == 302
    with app.app_context():
        [assignment] = db.session.scalars(select(Assignment)).all()
        assert (assignment.family_id, assignment.advocate_id, assignment.assigned_by_id) == (
            family_id, advocate.id, admin.id)
        [event] = events(AuditAction.ADVOCATE_ASSIGNED)
        assert event.details == {"advocate_id": advocate.id, "proposed_by": admin.id}
    page = client.text(family_url(family_id))
    remove = family_url(family_id, f"/advocates/{advocate.id}/remove")
    assert f'action="{remove}"' in page
    assert "Kian.Advocate" in client.text(f"{REGISTER}/families")

    assert client.submit(family_url(family_id), {}, action=remove).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Assignment)).all() == []
        [event] = events(AuditAction.ADVOCATE_UNASSIGNED)
        assert (event.target_id, event.details) == (str(family_id), {"advocate_id": advocate.id})
    # An advocate who is not assigned cannot be removed: 404.
    assert client.post_form(remove, {}, token_page=family_url(family_id)).status_code == 404


def test_only_active_advocates_can_be_assigned(app: Flask, client: BrowserClient):
    admin = signed_in_admin(app, client)
    member = make_account(app, Role.FAMILY_MEMBER)
    advocate = make_account(app, Role.ADVOCATE)
    with app.app_context():
        advocate.reload().is_active = False
        db.session.commit()
    family_id = seed_family(app, admin)
    assert f'value="{advocate.id}"' not in client.text(family_url(family_id))
    for advocate_id in (member.id, advocate.id):  # never offered: a forged request
        response = client.post_form(family_url(family_id, "/advocates"),
                                    {"advocate_id": str(advocate_id)},
                                    token_page=family_url(family_id))
        assert error_beside(response.get_data(as_text=True), "advocate_id") == (
            "Choose an active advocate.")
    with app.app_context():
        assert db.session.scalars(select(Assignment)).all() == []


# --- taxonomy -----------------------------------------------------------------------------

TERM = {"code": "home_raid", "label_en": "Raid on a home", "label_fa": "یورش به خانه",
        "label_fr": "Perquisition au domicile"}


def test_admin_adds_an_incident_type_shown_in_each_language(app: Flask, client: BrowserClient):
    admin = signed_in_admin(app, client)
    taxonomy = f"{REGISTER}/taxonomy"
    with app.app_context():
        builtin = db.session.scalars(select(IncidentTypeTerm).order_by(
            IncidentTypeTerm.position)).all()
    assert client.submit(taxonomy, TERM).status_code == 302
    page = client.text(taxonomy)
    assert "Raid on a home" in page
    assert '<span class="ltr mono">home_raid</span>' in page
    if builtin:
        assert builtin[0].label_en in page

    client.submit(taxonomy, {"locale": "fa"}, action="/language")
    page = client.text(taxonomy)
    assert '<span lang="fa">یورش به خانه</span>' in page
    assert "Raid on a home" not in page
    client.submit(taxonomy, {"locale": "fr"}, action="/language")
    assert '<span lang="fr">Perquisition au domicile</span>' in client.text(taxonomy)

    with app.app_context():
        term = db.session.scalar(select(IncidentTypeTerm).where(
            IncidentTypeTerm.code == "home_raid"))
        assert term is not None
        assert term.active
        assert term.position == max([t.position for t in builtin], default=0) + 1
        [event] = events(AuditAction.INCIDENT_TYPE_ADDED)
        assert (event.actor_id, event.target_id) == (admin.id, str(term.id))


def test_incident_type_needs_a_snake_case_unique_code_and_three_labels(
        app: Flask, client: BrowserClient):
    signed_in_admin(app, client)
    taxonomy = f"{REGISTER}/taxonomy"
    with app.app_context():
        before = counts_without_audit()
    page = client.submit(taxonomy, {"code": "Home Raid", "label_en": "Raid on a home",
                                    "label_fa": "", "label_fr": " "}).get_data(as_text=True)
    assert error_beside(page, "code").startswith("Use lowercase Latin letters")
    assert error_beside(page, "label_fa") == "Enter the label in this language."
    assert error_beside(page, "label_fr") == "Enter the label in this language."
    assert input_value(page, "label_en") == "Raid on a home"

    assert client.submit(taxonomy, TERM).status_code == 302
    page = client.submit(taxonomy, TERM).get_data(as_text=True)
    assert error_beside(page, "code") == "This code is already used by another type."
    with app.app_context():
        after = counts_without_audit()
        assert after["incident_type_terms"] == before["incident_type_terms"] + 1
        assert len(events(AuditAction.INCIDENT_TYPE_ADDED)) == 1


# --- who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.FAMILY_MEMBER, Role.ADVOCATE, Role.LEGAL_REVIEWER])
def test_non_admins_get_404_on_every_register_address_and_nothing_changes(
        app: Flask, client: BrowserClient, role: Role):
    admin = make_account(app, Role.ADMIN)
    advocate = make_account(app, Role.ADVOCATE)
    member = make_account(app, Role.FAMILY_MEMBER)
    victim_id = seed_victim(app, admin)
    family_id = seed_family(app, admin)
    with app.app_context():
        db.session.add(Assignment(family_id=family_id, advocate_id=advocate.id,
                                  assigned_by_id=admin.id))
        db.session.commit()
    visitor = make_account(app, role)
    sign_in(client, visitor)
    token = client.csrf_token("/account")
    requests = [
        ("GET", f"{REGISTER}/victims", {}),
        ("GET", NEW_VICTIM, {}),
        ("POST", NEW_VICTIM, TWO),
        ("GET", f"{REGISTER}/victims/{victim_id}", {}),
        ("POST", f"{REGISTER}/victims/{victim_id}", {**ONE, "age": "99"}),
        ("GET", f"{REGISTER}/families", {}),
        ("POST", f"{REGISTER}/families/new", {}),
        ("GET", family_url(family_id), {}),
        ("POST", family_url(family_id, "/victims"), {"victim_ids": [str(victim_id)]}),
        ("POST", family_url(family_id, "/members"), {"user_id": str(member.id)}),
        ("POST", family_url(family_id, "/advocates"), {"advocate_id": str(advocate.id)}),
        ("POST", family_url(family_id, f"/advocates/{advocate.id}/remove"), {}),
        ("GET", f"{REGISTER}/taxonomy", {}),
        ("POST", f"{REGISTER}/taxonomy", TERM),
    ]
    with app.app_context():
        before = counts_without_audit()
        denials = len(events(AuditAction.ACCESS_DENIED))
    for method, url, data in requests:
        response = client.open(url, method=method, data={"csrf_token": token, **data})
        assert response.status_code == 404, (method, url)
        assert "Page not found" in response.get_data(as_text=True)
    with app.app_context():
        assert counts_without_audit() == before
        assert len(events(AuditAction.ACCESS_DENIED)) == denials + len(requests)
        assert victim(victim_id).age == 34
        assert family(family_id).victims == []
        assert [a.advocate_id for a in family(family_id).assignments] == [advocate.id]
    assert f"{REGISTER}/" not in client.text("/")


def test_anonymous_visitors_are_sent_to_sign_in_from_register_pages(client: BrowserClient):
    for path in (f"{REGISTER}/victims", f"{REGISTER}/families", f"{REGISTER}/taxonomy"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_services_refuse_anyone_but_an_admin(app: Flask):
    advocate = make_account(app, Role.ADVOCATE)
    with app.app_context():
        actor = db.session.get(User, advocate.id)
        assert actor is not None
        with pytest.raises(PermissionDenied):
            register_service.create_victim(actor, register_service.VictimInput(**ONE))
        with pytest.raises(PermissionDenied):
            family_service.create_family(actor)
        db.session.rollback()
        assert db.session.scalars(select(Family)).all() == []


def test_granting_access_to_a_family_file_needs_a_recent_sign_in(app: Flask,
                                                                  client: BrowserClient):
    admin = make_account(app, Role.ADMIN)
    advocate = make_account(app, Role.ADVOCATE)
    family_id = make_family(app)
    sign_in(client, admin)
    with app.app_context():
        for live in db.session.scalars(select(UserSession).where(
                UserSession.user_id == admin.id)):
            live.authenticated_at = utcnow() - timedelta(minutes=6)
        db.session.commit()
    response = client.submit(f"/admin/register/families/{family_id}",
                             {"advocate_id": str(advocate.id)},
                             action=f"/admin/register/families/{family_id}/advocates")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/reauthenticate")
    with app.app_context():
        assert db.session.scalar(select(Assignment.id)) is None
