"""Who reads what, at the edges of an advocate's scope: a dossier's co-authors stay within
the families they are assigned to, and evidence of an unsubmitted draft stays with the
family. Driven over HTTP as the people themselves would."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from portal.models import (
    DossierContributor,
    DossierIncident,
    EvidenceItem,
    Family,
    Role,
    db,
)
from tests.support.client import BrowserClient
from tests.support.evidence import upload
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in, sign_out
from tests.support.reports import send_report, start_report
from tests.test_dossiers import add, consent, create_dossier

NARRATIVE = "An officer from the Intelligence Organisation of the IRGC phoned my mother."


@dataclass
class TwoFamilies:
    """Two family files, each with one consented report; `both` is assigned to both,
    `first_only` to the first only."""

    both: Account
    first_only: Account
    first_family: int
    second_family: int
    first_report: int
    second_report: int


def consented_report(client: BrowserClient, member: Account) -> int:
    sign_in(client, member)
    incident_id = start_report(client)
    assert send_report(client, incident_id, "submit", start_text="1399/10/18",
                       narrative=NARRATIVE).status_code == 302
    consent(client, incident_id, "icc_prosecutor")
    sign_out(client)
    return incident_id


@pytest.fixture
def families(app: Flask, client: BrowserClient) -> TwoFamilies:
    both = make_account(app, Role.ADVOCATE, locale="en")
    first_only = make_account(app, Role.ADVOCATE, locale="en")
    first_member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    second_member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    first = make_family(app, members=[first_member], advocates=[both, first_only])
    second = make_family(app, members=[second_member], advocates=[both])
    return TwoFamilies(both, first_only, first, second,
                       consented_report(client, first_member),
                       consented_report(client, second_member))


def add_contributor(client: BrowserClient, dossier_id: int, advocate: Account):  # type: ignore[no-untyped-def]
    return client.submit(f"/dossiers/{dossier_id}", {"username": advocate.username},
                         action=f"/dossiers/{dossier_id}/contributors")


def contributors(app: Flask, dossier_id: int) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(DossierContributor.advocate_id).where(
            DossierContributor.dossier_id == dossier_id)))


def cited(app: Flask, dossier_id: int) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(DossierIncident.incident_id).where(
            DossierIncident.dossier_id == dossier_id)))


def dossier_pages(dossier_id: int) -> list[str]:
    return [f"/dossiers/{dossier_id}", f"/dossiers/{dossier_id}/preview",
            f"/dossiers/{dossier_id}/sections/background", f"/dossiers/{dossier_id}/patterns"]


# --- co-authors of a dossier ---------------------------------------------------------------


def test_an_advocate_not_assigned_to_every_cited_family_cannot_become_a_co_author(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        families: TwoFamilies):
    sign_in(client, families.both)
    dossier_id = create_dossier(client)
    assert add(client, dossier_id, families.first_report).status_code == 302
    assert add(client, dossier_id, families.second_report).status_code == 302

    refused = add_contributor(client, dossier_id, families.first_only)
    assert refused.status_code == 302
    page = client.text(refused.headers["Location"])
    assert (f"{families.first_only.username} is not assigned to every family whose "
            "reports this dossier cites") in page
    assert contributors(app, dossier_id) == {families.both.id}
    sign_in(another_client, families.first_only)
    for url in dossier_pages(dossier_id):
        response = another_client.get(url)
        assert response.status_code == 404, url
        assert NARRATIVE not in response.get_data(as_text=True)


def test_a_report_of_a_family_a_co_author_is_not_assigned_to_cannot_be_added(
        app: Flask, client: BrowserClient, families: TwoFamilies):
    sign_in(client, families.both)
    dossier_id = create_dossier(client)
    assert add(client, dossier_id, families.first_report).status_code == 302
    assert add_contributor(client, dossier_id, families.first_only).status_code == 302
    assert contributors(app, dossier_id) == {families.both.id, families.first_only.id}

    refused = add(client, dossier_id, families.second_report)
    assert refused.status_code == 302
    page = client.text(refused.headers["Location"])
    [message] = [line for line in page.splitlines() if "Some advocates" in line]
    assert (f"Some advocates of this dossier ({families.first_only.username}) are not "
            "assigned to the family of this report, so it cannot be added.") in message
    with app.app_context():
        second = db.session.get(Family, families.second_family)
        assert second is not None
        assert second.code not in message  # what is wrong, not which family
    assert cited(app, dossier_id) == {families.first_report}


def test_a_co_author_unassigned_from_a_cited_family_no_longer_reads_the_dossier(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        families: TwoFamilies):
    sign_in(client, families.both)
    dossier_id = create_dossier(client)
    assert add(client, dossier_id, families.first_report).status_code == 302
    assert add_contributor(client, dossier_id, families.first_only).status_code == 302
    sign_in(another_client, families.first_only)
    assert another_client.get(f"/dossiers/{dossier_id}/preview").status_code == 200

    admin = make_account(app, Role.ADMIN, locale="en")
    sign_out(client)
    sign_in(client, admin)
    family_page = f"/admin/register/families/{families.first_family}"
    assert client.submit(family_page, {}, action=(
        f"{family_page}/advocates/{families.first_only.id}/remove")).status_code == 302

    for url in dossier_pages(dossier_id):
        response = another_client.get(url)
        assert response.status_code == 404, url
        assert NARRATIVE not in response.get_data(as_text=True)
    listed = another_client.text("/dossiers")
    assert f'href="/dossiers/{dossier_id}"' not in listed


# --- evidence of drafts --------------------------------------------------------------------


def evidence_routes(item_id: int) -> list[tuple[str, str, dict[str, str]]]:
    return [("GET", f"/evidence/{item_id}", {}),
            ("POST", f"/evidence/{item_id}/download", {"purpose": "Preparing a dossier"}),
            ("GET", f"/evidence/{item_id}/custody.jsonl", {}),
            ("GET", f"/evidence/{item_id}/describe", {})]


def answers(client: BrowserClient, item_id: int) -> list[int]:
    token = client.csrf_token("/account")
    return [client.open(url, method=method, data={"csrf_token": token, **data}).status_code
            for method, url, data in evidence_routes(item_id)]


@pytest.mark.parametrize("assigned", [True, False], ids=["assigned", "not_assigned"])
def test_evidence_of_an_unsubmitted_draft_stays_with_the_family(
        app: Flask, client: BrowserClient, another_client: BrowserClient, assigned: bool):
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    family_id = make_family(app, members=[member], advocates=[advocate] if assigned else [])
    if not assigned:
        make_family(app, advocates=[advocate])  # an advocate, of another family
    sign_in(client, member)
    draft = start_report(client)
    assert send_report(client, draft, "save").status_code in (200, 302)
    assert upload(client, draft, [(b"%PDF-1.4 a letter\n", "letter.pdf")]).status_code == 302
    with app.app_context():
        item_id = db.session.scalars(select(EvidenceItem.id).where(
            EvidenceItem.family_id == family_id)).one()
    assert client.get(f"/evidence/{item_id}").status_code == 200  # the family reads it

    sign_in(another_client, advocate)
    assert answers(another_client, item_id) == [404] * len(evidence_routes(item_id))
    assert another_client.post(f"/evidence/{item_id}/describe", data={
        "csrf_token": another_client.csrf_token("/account"), "title": "Seen",
        "kind": "document"}).status_code == 404

    # Once the report is submitted, its advocates read the evidence through it.
    assert send_report(client, draft, "submit", start_text="1399/10/18").status_code == 302
    seen = another_client.get(f"/evidence/{item_id}").status_code
    assert seen == (200 if assigned else 404)
