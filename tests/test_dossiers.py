"""The dossier builder and the legal review, driven over HTTP as advocates and legal
reviewers use them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from werkzeug.test import TestResponse

from portal.crypto.statements import public_key_b64, verify_statement
from portal.dependencies import crypto_kit
from portal.models import AuditEvent, Dossier, DossierReview, LegalTag, Role, UserSession, db
from portal.models.base import utcnow
from tests.support.approval import approve, ready_for_review
from tests.support.client import BrowserClient
from tests.support.evidence import jpeg_with_gps, upload
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in, sign_out
from tests.support.reports import send_report, start_report

HIDDEN_NAME = "Yasaman Testpseudonym"  # a fictional relative who chose a pseudonym
CITY = "Testabad"
MARKED = "the workshop on Sample Street"


@dataclass
class World:
    advocate: Account
    reviewer: Account
    reporter_one: Account
    reporter_two: Account
    report_one: int  # family one, targets the pseudonymous relative, has a photo
    report_two: int  # family two
    report_police_only: int  # family two, consent for Canadian police only
    person_code: str


def consent(client: BrowserClient, incident_id: int, *destinations: str,
            disclosure: str = "pseudonym") -> None:
    response = client.submit(f"/reports/{incident_id}/consent", {
        "destinations": list(destinations), "disclosure": disclosure, "testify": "no"})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]


@pytest.fixture
def world(app: Flask, client: BrowserClient) -> World:
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    reviewer = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    one = make_account(app, Role.FAMILY_MEMBER, locale="en")
    two = make_account(app, Role.FAMILY_MEMBER, locale="en")
    family_one = make_family(app, members=[one], advocates=[advocate])
    make_family(app, members=[two], advocates=[advocate])

    sign_in(client, one)
    page = client.submit(f"/family/{family_one}/people/new", {
        "name_latin": HIDDEN_NAME, "name_persian": "یاسمن آزمون", "residence": "iran",
        "residence_country": "IR", "lives_in_iran": "y"})
    assert page.status_code == 302, page.get_data(as_text=True)[:400]
    person_path = page.headers["Location"]
    person_id = int(person_path.rstrip("/").split("/")[-1])
    response = client.submit(person_path, {"destinations": ["icc_prosecutor"],
                                           "disclosure": "pseudonym", "testify": "no"},
                             action=f"/family/people/{person_id}/consent")
    assert response.status_code == 302
    report_one = start_report(client)
    send_report(client, report_one, "submit", start_text="1398/10/18", city=CITY,
                province="Tehran", target_ids=[str(person_id)],
                narrative=f"Agents summoned {HIDDEN_NAME} and threatened her at {MARKED}.")
    consent(client, report_one, "icc_prosecutor")
    assert upload(client, report_one, [(jpeg_with_gps(), "photo.jpg")]).status_code in (200, 302)
    sign_out(client)

    sign_in(client, two)
    report_two = start_report(client)
    send_report(client, report_two, "submit", start_text="1399/10/18",
                narrative="A call demanded that we stop speaking to journalists.")
    consent(client, report_two, "icc_prosecutor", "canadian_police")
    police_only = start_report(client)
    send_report(client, police_only, "submit", start_text="1400/10/18",
                narrative="Someone followed my brother in Toronto.")
    consent(client, police_only, "canadian_police")
    sign_out(client)
    with app.app_context():
        from portal.models import Person
        code = db.session.get(Person, person_id).code  # type: ignore[union-attr]
    return World(advocate, reviewer, one, two, report_one, report_two, police_only, code)


def create_dossier(client: BrowserClient, title: str = "Pattern of reprisals") -> int:
    response = client.submit("/dossiers/new", {
        "title": title, "kind": "article_15", "destination": "icc_prosecutor",
        "language": "en", "earlier_reference": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:600]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def add(client: BrowserClient, dossier_id: int, incident_id: int):  # type: ignore[no-untyped-def]
    return client.submit(f"/dossiers/{dossier_id}/choose", {"incident_id": str(incident_id)},
                         action=f"/dossiers/{dossier_id}/incidents")


def send_for_review(client: BrowserClient, dossier_id: int, reviewer: Account) -> TestResponse:
    """Complete the placeholders and decide on every protected term, then send."""
    ready_for_review(client, dossier_id)
    return client.submit(f"/dossiers/{dossier_id}", {"reviewer": str(reviewer.id)},
                         action=f"/dossiers/{dossier_id}/send")


def shown_hash(client: BrowserClient, dossier_id: int) -> str:
    page = client.text(f"/dossiers/{dossier_id}/review")
    match = re.search(r'name="content_hash" type="hidden" value="([0-9a-f]{64})"', page) or \
        re.search(r'id="content_hash" name="content_hash" type="hidden" value="([0-9a-f]{64})"',
                  page)
    assert match, page[:2000]
    return match.group(1)


def audit_actions(app: Flask, dossier_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.target_type == "dossier", AuditEvent.target_id == str(dossier_id))
            .order_by(AuditEvent.id)))


def test_build_review_return_fix_and_approve(app: Flask, client: BrowserClient,
                                             another_client: BrowserClient, world: World):
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    choose = client.text(f"/dossiers/{dossier_id}/choose")
    assert f"Add report {world.report_one}" in choose
    assert add(client, dossier_id, world.report_two).status_code == 302
    assert add(client, dossier_id, world.report_one).status_code == 302

    # Ordered by date: report one (1398) comes before report two (1399).
    page = client.text(f"/dossiers/{dossier_id}")
    assert page.index(f"Report {world.report_one}<") < page.index(f"Report {world.report_two}<")
    assert "EX-0001" in page
    preview = client.text(f"/dossiers/{dossier_id}/preview")
    with app.app_context():
        from portal.models import EvidenceItem
        sha = db.session.scalars(select(EvidenceItem.sha256)).one()
    assert "EX-0001" in preview
    assert sha in preview
    assert preview.index("EX-0001") < preview.index(sha)

    send = send_for_review(client, dossier_id, world.reviewer)
    assert send.status_code == 302
    # Locked while in review.
    assert client.get(f"/dossiers/{dossier_id}/details").status_code == 404

    sign_in(another_client, world.reviewer)
    assert "Pattern of reprisals" in another_client.text("/dossiers")
    returned = another_client.submit(f"/dossiers/{dossier_id}/review", {
        "decision": "return", "comments": "Add the date of the second call.",
        "content_hash": shown_hash(another_client, dossier_id)})
    assert returned.status_code == 302
    assert "Add the date of the second call." in client.text(f"/dossiers/{dossier_id}")

    # The advocate fixes it and sends it again.
    details = client.submit(f"/dossiers/{dossier_id}/details", {
        "title": "Pattern of reprisals (revised)", "kind": "article_15",
        "destination": "icc_prosecutor", "language": "en", "earlier_reference": "",
        "lock_version": str(lock_version(app, dossier_id))})
    assert details.status_code == 302, details.get_data(as_text=True)[:500]
    send_for_review(client, dossier_id, world.reviewer)

    reviewed = shown_hash(another_client, dossier_id)
    # Without ticking the statement, nothing is approved.
    refused = another_client.submit(f"/dossiers/{dossier_id}/review", {
        "decision": "approve", "content_hash": reviewed})
    assert refused.status_code == 200
    assert "Tick the box" in refused.get_data(as_text=True)
    approved = approve(another_client, dossier_id, content_hash=reviewed)
    assert approved.status_code == 302, approved.get_data(as_text=True)[:800]

    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        assert dossier.status.value == "approved"
        assert dossier.approved_content_hash == reviewed
        review = db.session.scalars(select(DossierReview).where(
            DossierReview.decision == "approved")).one()
        assert f'"content_sha256":"{reviewed}"' in review.statement
        key = public_key_b64(crypto_kit().review_signing_seed)
        assert verify_statement(key, review.statement, review.signature)
        assert not verify_statement(key, review.statement.replace(reviewed, "0" * 64),
                                    review.signature)
    actions = audit_actions(app, dossier_id)
    for expected in ("dossier.created", "dossier.incident_added", "dossier.sent_for_review",
                     "dossier.returned", "dossier.updated", "dossier.approved"):
        assert expected in actions, (expected, actions)
    assert actions.index("dossier.returned") < actions.index("dossier.approved")


def lock_version(app: Flask, dossier_id: int) -> int:
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        return dossier.lock_version


def test_incident_without_consent_for_the_destination_is_refused_with_the_reason(
        app: Flask, client: BrowserClient, world: World):
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    refused = add(client, dossier_id, world.report_police_only)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f"Report {world.report_police_only}: consent does not include ICC Office of the " \
           "Prosecutor" in body
    assert "FAM-" in body  # whose consent: the family file
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        assert dossier.incidents == []
    assert "dossier.incident_refused" in audit_actions(app, dossier_id)


def test_withdrawn_consent_blocks_approval_and_marks_the_dossier(
        app: Flask, client: BrowserClient, another_client: BrowserClient, world: World):
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    add(client, dossier_id, world.report_two)
    send_for_review(client, dossier_id, world.reviewer)
    sign_in(another_client, world.reviewer)
    reviewed = shown_hash(another_client, dossier_id)

    sign_out(client)
    sign_in(client, world.reporter_two)
    withdrawn = client.submit(f"/reports/{world.report_two}/consent", {},
                              action=f"/reports/{world.report_two}/consent/withdraw")
    assert withdrawn.status_code == 302

    review_page = another_client.text(f"/dossiers/{dossier_id}/review")
    assert "Consent is missing: this dossier cannot be approved." in review_page
    response = another_client.submit(f"/dossiers/{dossier_id}/review", {
        "decision": "approve", "content_hash": shown_hash(another_client, dossier_id),
        "confirm": "y"})
    assert response.status_code == 200
    assert f"Report {world.report_two}: consent was withdrawn" in response.get_data(as_text=True)
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        assert dossier.status.value == "in_review"
    assert reviewed  # the hash was shown before the withdrawal
    assert "Needs attention" in another_client.text("/dossiers")


def test_pseudonymous_name_never_appears_and_public_variant_removes_redactions(
        app: Flask, client: BrowserClient, world: World):
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    add(client, dossier_id, world.report_one)
    added = client.submit(f"/dossiers/{dossier_id}/redactions",
                          {"text": MARKED, "reason": "R2"})
    assert added.status_code == 302
    confidential = client.text(f"/dossiers/{dossier_id}/preview")
    public = client.text(f"/dossiers/{dossier_id}/preview?variant=public")
    for page in (confidential, public):
        assert HIDDEN_NAME not in page
        assert "Yasaman" not in page
        assert "یاسمن" not in page
        assert world.person_code in page  # shown by code instead
    assert CITY in confidential
    assert MARKED in confidential
    assert CITY not in public
    assert "Tehran," not in public
    assert MARKED not in public
    assert "[REDACTED – R2]" in public


def test_scope_outsiders_cannot_add_or_see(app: Flask, client: BrowserClient,
                                           another_client: BrowserClient, world: World):
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    add(client, dossier_id, world.report_two)

    stranger = make_account(app, Role.ADVOCATE, locale="en")
    make_family(app, advocates=[stranger])
    sign_in(another_client, stranger)
    for path in ("", "/preview", "/preview?variant=public", "/choose", "/details",
                 "/redactions", "/patterns"):
        assert another_client.get(f"/dossiers/{dossier_id}{path}").status_code == 404, path
    # Their own dossier cannot take a report of a family not assigned to them (the list
    # does not offer it: a forged request).
    own = create_dossier(another_client, "Another dossier")
    assert another_client.post_form(
        f"/dossiers/{own}/incidents", {"incident_id": str(world.report_two)},
        token_page=f"/dossiers/{own}/choose").status_code == 404
    assert f"Report {world.report_two}" not in another_client.text(f"/dossiers/{own}")

    other_reviewer = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    sign_out(another_client)
    sign_in(another_client, other_reviewer)
    send_for_review(client, dossier_id, world.reviewer)
    for path in ("", "/preview", "/review"):
        assert another_client.get(f"/dossiers/{dossier_id}{path}").status_code == 404, path
    assert "Pattern of reprisals" not in another_client.text("/dossiers")


def test_editing_after_approval_creates_version_two(app: Flask, client: BrowserClient,
                                                    another_client: BrowserClient,
                                                    world: World):
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    add(client, dossier_id, world.report_one)
    send_for_review(client, dossier_id, world.reviewer)
    sign_in(another_client, world.reviewer)
    assert approve(another_client, dossier_id).status_code == 302
    client.get(f"/dossiers/{dossier_id}")  # shows (and so clears) the last flash message
    v1_preview = client.text(f"/dossiers/{dossier_id}/preview")
    assert client.get(f"/dossiers/{dossier_id}/details").status_code == 404

    started = client.submit(f"/dossiers/{dossier_id}", {},
                            action=f"/dossiers/{dossier_id}/new-version")
    assert started.status_code == 302
    v2_id = int(started.headers["Location"].rstrip("/").split("/")[-1])
    assert v2_id != dossier_id
    client.submit(f"/dossiers/{v2_id}/details", {
        "title": "Pattern of reprisals, second edition", "kind": "article_15",
        "destination": "icc_prosecutor", "language": "en", "earlier_reference": "OTP-TEST-1",
        "lock_version": str(lock_version(app, v2_id))})
    v2_preview = client.text(f"/dossiers/{v2_id}/preview")
    assert "second edition" in v2_preview
    assert "supersedes version 1" in v2_preview
    assert "Version 2" in v2_preview

    with app.app_context():
        v1 = db.session.get(Dossier, dossier_id)
        v2 = db.session.get(Dossier, v2_id)
        assert v1 is not None
        assert v2 is not None
        assert v1.status.value == "approved"
        assert v2.status.value == "draft"
        assert (v2.number, v2.version, v2.supersedes_id) == (v1.number, 2, v1.id)
        approved_hash = v1.approved_content_hash
    # Version 1 reads exactly as it was approved (the document; the page around it has
    # a fresh CSRF token).
    def document(page: str) -> str:
        return page[page.index('<article class="dossier-preview">'):page.rindex("</article>")]
    assert document(client.text(f"/dossiers/{dossier_id}/preview")) == document(v1_preview)
    assert approved_hash in v1_preview
    assert "second edition" not in v1_preview


def test_approval_needs_a_recent_login_and_the_hash_that_was_read(
        app: Flask, client: BrowserClient, another_client: BrowserClient, world: World):
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    add(client, dossier_id, world.report_two)
    send_for_review(client, dossier_id, world.reviewer)
    # The author cannot review their own dossier.
    assert client.get(f"/dossiers/{dossier_id}/review").status_code == 404

    sign_in(another_client, world.reviewer)
    reviewed = shown_hash(another_client, dossier_id)
    stale = another_client.post_form(f"/dossiers/{dossier_id}/review", {
        "decision": "approve", "content_hash": "f" * 64, "confirm": "y"})
    assert "The dossier changed while you were reading it" in stale.get_data(as_text=True)

    with app.app_context():
        db.session.execute(update(UserSession).where(UserSession.user_id == world.reviewer.id)
                           .values(authenticated_at=utcnow() - timedelta(minutes=6)))
        db.session.commit()
    response = approve(another_client, dossier_id, content_hash=reviewed)
    assert response.status_code == 302
    assert "/reauthenticate" in response.headers["Location"]
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        assert dossier.status.value == "in_review"
    another_client.submit(response.headers["Location"], {"passphrase": world.reviewer.passphrase})
    approved = approve(another_client, dossier_id, content_hash=reviewed)
    assert approved.status_code == 302
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        assert dossier.status.value == "approved"


def test_second_save_of_the_same_details_is_refused_and_the_text_kept(
        app: Flask, client: BrowserClient, another_client: BrowserClient, world: World):
    colleague = make_account(app, Role.ADVOCATE, locale="en")
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    client.submit(f"/dossiers/{dossier_id}", {"username": colleague.username},
                  action=f"/dossiers/{dossier_id}/contributors")
    sign_in(another_client, colleague)
    colleague_tab = another_client.open_page(f"/dossiers/{dossier_id}/details")
    fields = {"kind": "article_15", "destination": "icc_prosecutor", "language": "en",
              "earlier_reference": ""}
    first = client.submit(f"/dossiers/{dossier_id}/details", {**fields, "title": "First title"})
    assert first.status_code == 302
    second = colleague_tab.submit({**fields, "title": "Colleague's title"})
    body = second.get_data(as_text=True)
    assert second.status_code == 200
    assert "Someone else saved this dossier after you opened it" in body
    assert "Colleague&#39;s title" in body or "Colleague's title" in body
    with app.app_context():
        from portal.services.sealing import open_text
        dossier = db.session.get(Dossier, dossier_id)
        assert open_text(crypto_kit(), dossier, "title_sealed") == "First title"


def test_reviewer_confirms_a_suggested_legal_tag(app: Flask, client: BrowserClient,
                                                  another_client: BrowserClient, world: World):
    sign_in(client, world.advocate)
    client.submit(f"/reports/{world.report_two}", {"tag": "Art. 7(1)(h)"},
                  action=f"/reports/{world.report_two}/tags")
    dossier_id = create_dossier(client)
    add(client, dossier_id, world.report_two)
    send_for_review(client, dossier_id, world.reviewer)
    with app.app_context():
        tag = db.session.scalars(select(LegalTag)).one()
        tag_id = tag.id
        assert tag.confirmed_at is None
    # Advocates are offered no confirmation, and a forged one is refused.
    assert client.post_form(f"/dossiers/{dossier_id}/tags/{tag_id}/confirm", {},
                            token_page=f"/dossiers/{dossier_id}").status_code == 404
    sign_in(another_client, world.reviewer)
    assert "Confirm Art. 7(1)(h)" in another_client.text(f"/dossiers/{dossier_id}/review")
    confirmed = another_client.submit(f"/dossiers/{dossier_id}/review", {},
                                      action=f"/dossiers/{dossier_id}/tags/{tag_id}/confirm")
    assert confirmed.status_code == 302
    with app.app_context():
        tag = db.session.get(LegalTag, tag_id)
        assert tag is not None
        assert tag.confirmed_by_id == world.reviewer.id
    assert "(suggested)" not in another_client.text(f"/dossiers/{dossier_id}/preview")


def test_markup_with_script_is_stripped_in_the_preview(app: Flask, client: BrowserClient,
                                                       world: World):
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    page = client.text(f"/dossiers/{dossier_id}/sections/background")
    version = re.search(r'name="lock_version" type="hidden" value="(\d+)"', page) or \
        re.search(r'name="lock_version" value="(\d+)"', page)
    assert version, page[:1500]
    saved = client.submit(f"/dossiers/{dossier_id}/sections/background", {
        "body": "Intro <script>alert(1)</script> <img src=x onerror=alert(2)> **bold**",
        "lock_version": version.group(1), "action": "save"})
    assert saved.status_code == 302
    preview = client.text(f"/dossiers/{dossier_id}/preview")
    # Raw HTML is never markup: at most it shows as text.
    assert "<script>alert(1)" not in preview
    assert "<img src=x" not in preview
    assert "<strong>bold</strong>" in preview


def test_reviewer_reads_the_exhibits_of_dossiers_sent_to_them_only(
        app: Flask, client: BrowserClient, another_client: BrowserClient, world: World):
    with app.app_context():
        from portal.models import EvidenceItem
        item_id = db.session.scalars(select(EvidenceItem.id)).one()
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    add(client, dossier_id, world.report_one)
    sign_in(another_client, world.reviewer)
    assert another_client.get(f"/evidence/{item_id}").status_code == 404  # still a draft
    send_for_review(client, dossier_id, world.reviewer)
    page = another_client.get(f"/evidence/{item_id}")
    assert page.status_code == 200
    assert "SHA-256" in page.get_data(as_text=True)
    # Another reviewer, and any withheld exhibit, stay out of reach.
    other = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    sign_out(another_client)
    sign_in(another_client, other)
    assert another_client.get(f"/evidence/{item_id}").status_code == 404


def test_reports_are_ordered_by_date_by_type_or_by_hand(app: Flask, client: BrowserClient,
                                                       world: World):
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    add(client, dossier_id, world.report_two)
    add(client, dossier_id, world.report_one)

    def order() -> list[int]:
        with app.app_context():
            dossier = db.session.get(Dossier, dossier_id)
            assert dossier is not None
            return [entry.incident_id for entry in dossier.incidents]

    assert order() == [world.report_one, world.report_two]  # by date (1398 before 1399)
    with app.app_context():
        from portal.models import DossierIncident
        first = db.session.scalars(select(DossierIncident.id).where(
            DossierIncident.dossier_id == dossier_id,
            DossierIncident.incident_id == world.report_one)).one()
    moved = client.submit(f"/dossiers/{dossier_id}", {"action": "down"},
                          action=f"/dossiers/{dossier_id}/incidents/{first}")
    assert moved.status_code == 302
    assert order() == [world.report_two, world.report_one]
    assert "Current order: By hand." in client.text(f"/dossiers/{dossier_id}")
    client.submit(f"/dossiers/{dossier_id}", {"order": "date"},
                  action=f"/dossiers/{dossier_id}/order")
    assert order() == [world.report_one, world.report_two]
    removed = client.submit(f"/dossiers/{dossier_id}", {"action": "remove"},
                            action=f"/dossiers/{dossier_id}/incidents/{first}")
    assert removed.status_code == 302
    assert order() == [world.report_two]
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        assert dossier.exhibits == []


def test_withheld_exhibit_keeps_its_number_and_a_translation_is_marked(
        app: Flask, client: BrowserClient, world: World):
    sign_in(client, world.advocate)
    dossier_id = create_dossier(client)
    add(client, dossier_id, world.report_one)
    with app.app_context():
        from portal.models import DossierExhibit
        exhibit_id = db.session.scalars(select(DossierExhibit.id)).one()
    refused = client.submit(f"/dossiers/{dossier_id}/exhibits/{exhibit_id}",
                            {"withheld": "y", "reason": ""})
    assert "Say why this exhibit is withheld." in refused.get_data(as_text=True)
    saved = client.submit(f"/dossiers/{dossier_id}/exhibits/{exhibit_id}",
                          {"withheld": "y", "reason": "Shows the family home."})
    assert saved.status_code == 302
    preview = client.text(f"/dossiers/{dossier_id}/preview")
    assert "EX-0001" in preview
    assert "Withheld" in preview
    assert "Shows the family home." not in preview  # the reason is for the reviewer only

    translated = client.submit(f"/translations/incidents/{world.report_one}", {
        "language": "en", "text": "An English rendering of the account.",
        "translator": "A. Translator", "method": "human", "certified": "y"})
    assert translated.status_code in (200, 302), translated.get_data(as_text=True)[:500]
    preview = client.text(f"/dossiers/{dossier_id}/preview")
    assert "An English rendering of the account." in preview
    assert "Translation into English" in preview
    assert "Original" in preview
