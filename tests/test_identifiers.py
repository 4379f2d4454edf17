"""Identifiers across family files (issue 19, items 1 and 2; decision 0028).

Three fictional family files each record one phone number, each typed its own way
(Persian digits with a leading 0, +98 with spaces, 0098): the portal counts one
number in three reports of three family files. Each advocate sees the counts, opens
only the reports of their own family files, and never sees another family's code,
narrative or reporter. A legal reviewer sees the same for a dossier sent to them;
an administrator sees none of it. Everything is typed through the pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from flask import Flask
from sqlalchemy import select

from portal.models import (
    AuditEvent,
    Dossier,
    DossierContributor,
    DossierExhibit,
    DossierIncident,
    Family,
    Identifier,
    Role,
    db,
    evidence_incidents,
)
from portal.models.dossiers import DossierKind, DossierStatus
from tests.support.client import BrowserClient
from tests.support.evidence import png, upload
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report
from tests.test_encryption_at_rest import database_copy

# One fictional Iranian mobile number, typed three ways.
SPELLINGS = {"A": "۰۹۱۲ ۳۴۵ ۶۷۸۹", "B": "+98 912 345 6789", "C": "0098 912 345 6789"}
SHOWN = "+98 912 345 6789"
NARRATIVES = {"A": "Alpha orchard caller asked about the memorial.",
              "B": "Bravo harbour caller threatened my brother.",
              "C": "Charlie lantern caller demanded silence."}
STARTS = {"A": "1399/05/01", "B": "1401/07/15", "C": "1401/08/01"}  # 2020, 2022, 2022


@dataclass
class World:
    advocate_a: Account  # assigned to family A only
    advocate_bc: Account  # assigned to families B and C
    reporters: dict[str, Account] = field(default_factory=dict)
    clients: dict[str, BrowserClient] = field(default_factory=dict)
    reports: dict[str, int] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)


def record(client: BrowserClient, page: str, action: str, kind: str, value: str,
           platform: str = "") -> str:
    """Fill in the identifier form of `page` (the panel) as a person does."""
    response = client.submit(page, {"identifier-kind": kind, "identifier-value": value,
                                    "identifier-platform": platform}, action=action)
    return response.get_data(as_text=True) if response.status_code == 200 else (
        response.headers.get("Location", ""))


def build_world(app: Flask) -> World:
    world = World(make_account(app, Role.ADVOCATE, locale="en"),
                  make_account(app, Role.ADVOCATE, locale="en"))
    for key, advocate in (("A", world.advocate_a), ("B", world.advocate_bc),
                          ("C", world.advocate_bc)):
        reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
        family_id = make_family(app, members=[reporter], advocates=[advocate])
        client: BrowserClient = app.test_client()  # type: ignore[assignment]
        sign_in(client, reporter)
        incident_id = start_report(client)
        sent = send_report(client, incident_id, "submit", start_text=STARTS[key],
                           narrative=NARRATIVES[key])
        assert sent.status_code == 302, sent.get_data(as_text=True)[:300]
        with app.app_context():
            family = db.session.get(Family, family_id)
            assert family is not None
            world.codes[key] = family.code
        world.reporters[key], world.clients[key] = reporter, client
        world.reports[key] = incident_id
    # Family A also has a draft naming it: a draft is the family's own and counts nowhere.
    draft_id = start_report(world.clients["A"])
    draft = f"/reports/{draft_id}"
    assert record(world.clients["A"], draft, f"{draft}/identifiers", "phone",
                  SPELLINGS["B"]).endswith("#identifiers")
    for key in ("A", "B"):  # on the report itself
        page = f"/reports/{world.reports[key]}"
        assert record(world.clients[key], page, f"{page}/identifiers", "phone",
                      SPELLINGS[key]).endswith(f"{page}#identifiers")
    # Family C records it on a screenshot attached to the report.
    client = world.clients["C"]
    uploaded = upload(client, world.reports["C"], [(png(), "screenshot.png")], kind="screenshot")
    assert uploaded.status_code == 302
    with app.app_context():
        item_id = db.session.scalar(select(evidence_incidents.c.evidence_id).where(
            evidence_incidents.c.incident_id == world.reports["C"]))
        assert item_id is not None
        world.reports["C-item"] = item_id
    page = f"/evidence/{world.reports['C-item']}"
    assert record(client, page, f"{page}/identifiers", "phone",
                  SPELLINGS["C"]).endswith(f"{page}#identifiers")
    return world


def other_families(world: World, own: str) -> list[str]:
    """What must never appear on a page of family `own`'s side: the other families'
    codes, narratives and reporters."""
    return [item for key in "ABC" if key != own for item in (
        world.codes[key], NARRATIVES[key], world.reporters[key].username)]


def staff_client(app: Flask, account: Account) -> BrowserClient:
    client: BrowserClient = app.test_client()  # type: ignore[assignment]
    sign_in(client, account)
    return client


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def test_one_number_typed_three_ways_is_one_identifier_named_in_three_family_files(
        app: Flask, world: World):
    with app.app_context():
        digests = set(db.session.scalars(select(Identifier.digest)))
    assert len(digests) == 1  # four rows (one on a draft), one identifier
    advocate = staff_client(app, world.advocate_a)
    page = advocate.text(f"/reports/{world.reports['A']}")
    words = text_of(page)
    assert SHOWN in words
    assert "Named in 3 reports across 3 family files." in words
    assert "2 other reports are outside the family files you work on: counted only." in words
    for secret in other_families(world, "A"):
        assert secret not in page
    for key in ("B", "C"):  # counted, never opened
        assert f"/reports/{world.reports[key]}\"" not in page
        assert advocate.get(f"/reports/{world.reports[key]}").status_code == 404
    # The family member sees their identifiers, not the reach across families.
    page = world.clients["A"].text(f"/reports/{world.reports['A']}")
    words = text_of(page)
    assert SHOWN in words
    assert "as typed: ۰۹۱۲ ۳۴۵ ۶۷۸۹" in words
    assert "Named in" not in words  # counts across families are for staff
    for secret in other_families(world, "A"):
        assert secret not in page
    # Another family's report and item cannot take identifiers from them.
    stranger = world.clients["A"]
    for url in (f"/reports/{world.reports['B']}/identifiers",
                f"/evidence/{world.reports['C-item']}/identifiers"):
        assert stranger.get(url).status_code == 404
    # Sealed at rest: neither the number nor any spelling of it is in the database.
    dump = database_copy(app)
    for plaintext in ("+989123456789", "9123456789", "912 345 6789", "۰۹۱۲ ۳۴۵ ۶۷۸۹"):
        assert plaintext.encode("utf-8") not in dump, plaintext


def test_advocates_open_their_own_families_reports_count_the_rest_and_list_recurring_ones(
        app: Flask, world: World):
    advocate = staff_client(app, world.advocate_bc)
    page = advocate.text(f"/reports/{world.reports['B']}")
    words = text_of(page)
    assert "Named in 3 reports across 3 family files." in words
    assert f'href="/reports/{world.reports["C"]}"' in page  # family C is theirs too
    assert "1 other report is outside the family files you work on: counted only." in words
    for secret in (world.codes["A"], NARRATIVES["A"], world.reporters["A"].username):
        assert secret not in page
    # The evidence item of family C shows the same reach, its own report aside.
    item_page = text_of(advocate.text(f"/evidence/{world.reports['C-item']}"))
    assert "Named in 3 reports across 3 family files." in item_page
    # The workspace lists the recurring identifier for advocate A, with its reach.
    advocate = staff_client(app, world.advocate_a)
    page = advocate.text("/workspace/identifiers")
    words = text_of(page)
    assert SHOWN in words
    row = re.search(r"<tr>\s*<td>.*?</tr>", page, re.S)
    assert row is not None
    cells = [text_of(c).strip() for c in re.findall(r"<td>(.*?)</td>", row.group(0), re.S)]
    assert cells[1:4] == ["3", "3", "1"]  # reports, family files, in yours
    assert cells[4].replace(" ", "") == "2020:1·2022:2"
    link = re.search(r'href="(/workspace/identifiers/reports\?of=\d+)"', page)
    assert link is not None
    listed = advocate.text(link.group(1).replace("&amp;", "&"))
    assert f'href="/reports/{world.reports["A"]}"' in listed
    for key in ("B", "C"):
        assert f'href="/reports/{world.reports[key]}"' not in listed
    for secret in other_families(world, "A"):
        assert secret not in listed
    # A row of another family's report cannot be used to name the identifier.
    with app.app_context():
        theirs = db.session.scalar(select(Identifier.id).where(
            Identifier.incident_id == world.reports["B"]))
    assert advocate.get(f"/workspace/identifiers/reports?of={theirs}").status_code == 404


def test_a_legal_reviewer_sees_the_reach_of_a_dossier_sent_to_them(app: Flask, world: World):
    reviewer_account = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    with app.app_context():
        dossier = Dossier(number=41, kind=DossierKind.ARTICLE_15, destination="icc_prosecutor",
                          language="en", created_by_id=world.advocate_bc.id,
                          reviewer_id=reviewer_account.id, status=DossierStatus.IN_REVIEW)
        draft = Dossier(number=42, kind=DossierKind.ARTICLE_15, destination="icc_prosecutor",
                        language="en", created_by_id=world.advocate_bc.id,
                        reviewer_id=reviewer_account.id)
        db.session.add_all([dossier, draft])
        db.session.flush()
        for row in (dossier, draft):  # report C, and its screenshot as an exhibit
            db.session.add_all([
                DossierExhibit(dossier_id=row.id, evidence_id=world.reports["C-item"], number=1),
                DossierIncident(dossier_id=row.id, incident_id=world.reports["C"], position=1,
                                revision_number=1, added_by_id=world.advocate_bc.id),
                DossierContributor(dossier_id=row.id, advocate_id=world.advocate_bc.id)])
        db.session.commit()
        dossier_id, draft_id = dossier.id, draft.id
    reviewer = staff_client(app, reviewer_account)
    page = reviewer.text(f"/dossiers/{dossier_id}/identifiers")
    words = text_of(page)
    assert SHOWN in words
    assert f"Report {world.reports['C']}" in words
    assert "2 other reports are outside the family files you work on: counted only." in words
    for secret in other_families(world, "C"):
        assert secret not in page
    assert reviewer.get(f"/dossiers/{draft_id}/identifiers").status_code == 404  # not sent
    # The exhibit's page shows the same reach, and no form: reviewers change nothing.
    item_page = reviewer.text(f"/evidence/{world.reports['C-item']}")
    assert "Named in 3 reports across 3 family files." in text_of(item_page)
    assert "/identifiers\"" not in item_page
    admin = staff_client(app, make_account(app, Role.ADMIN))
    for url in ("/workspace/identifiers", f"/dossiers/{dossier_id}/identifiers",
                f"/reports/{world.reports['A']}/identifiers",
                f"/evidence/{world.reports['C-item']}/identifiers"):
        assert admin.get(url).status_code == 404, url


def test_an_account_without_its_platform_is_refused_with_the_typed_value_kept(
        app: Flask, reported: tuple[Account, Account, int], client: BrowserClient):
    # (An impossible phone number is kept as typed and flagged instead:
    # tests/test_dossier_identifiers.py.)
    _reporter, _advocate, incident_id = reported
    page = f"/reports/{incident_id}"
    answer = record(client, page, f"{page}/identifiers", "account", "@Sample_Agent")
    assert "There is a problem" in answer
    assert "Choose where this account is." in answer
    assert 'value="@Sample_Agent"' in answer  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(Identifier.id)) is None


def test_handles_typed_as_at_names_or_profile_addresses_are_one_account(
        app: Flask, reported: tuple[Account, Account, int], client: BrowserClient):
    _reporter, _advocate, incident_id = reported
    page = f"/reports/{incident_id}"
    assert record(client, page, f"{page}/identifiers", "account", "@Sample_Agent",
                  "instagram").endswith("#identifiers")
    again = record(client, page, f"{page}/identifiers", "account",
                   "https://www.instagram.com/sample_agent/?hl=fa", "instagram")
    assert "This identifier is already recorded here." in again
    assert record(client, page, f"{page}/identifiers", "account", "sample_agent",
                  "telegram").endswith("#identifiers")  # another platform: another account
    shown = text_of(client.text(page))
    assert "(Instagram): @sample_agent" in shown
    assert "(Telegram): @sample_agent" in shown
    # Removed from the panel; the audit log names the kind, never the value.
    with app.app_context():
        telegram = db.session.scalar(select(Identifier.id).where(
            Identifier.platform == "telegram"))
    removed = client.submit(page, {"identifier-identifier": str(telegram)},
                            action=f"{page}/identifiers/remove")
    assert removed.status_code == 302
    assert "(Telegram)" not in text_of(client.text(page))
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(["identifier.added", "identifier.removed"]))))
        assert [e.action for e in events] == ["identifier.added"] * 2 + ["identifier.removed"]
        assert all("sample" not in str(e.details).lower() for e in events)
    # The panel reads in Persian (right to left) and in French.
    for locale in ("fa", "fr"):
        client.post_form("/language", {"locale": locale, "next": page}, token_page=page)
        shown_page = client.get(page)
        assert shown_page.status_code == 200
        assert f'lang="{locale}"' in shown_page.get_data(as_text=True)
        assert "@sample_agent" in shown_page.get_data(as_text=True)
