"""The advocate's and the legal reviewer's journeys in a real browser (issue 7, item 1).

An advocate filters the workspace, verifies a report, builds a dossier (creates it,
chooses reports, adds them) and sends it for review. A legal reviewer whose account an
administrator created without a second factor enrols TOTP from the key printed under
the QR code, returns the dossier with a comment; the advocate sends it again; the
reviewer approves it, proving a recent sign-in first. Exporting, downloading and
verifying the PDF and bundle belong to the PDF work (portal/web/dossiers/exports.py)
and are not driven here yet.
"""

from __future__ import annotations

from datetime import timedelta

import pyotp
from flask import Flask
from sqlalchemy import update

from portal.dependencies import crypto_kit
from portal.models import Dossier, Incident, Role, UserSession, db
from portal.models.base import utcnow
from portal.services.dossiers.assembly import CONFIDENTIAL, assemble, content_hash
from portal.web.dossiers.views import agency_namer
from tests.browser.pages import (
    DossierPage,
    LoginPage,
    NewDossierPage,
    ReauthenticatePage,
    ReviewPage,
    SecondFactorSetupPage,
    WorkspacePage,
)
from tests.support.client import BrowserClient
from tests.support.dossier_world import NARRATIVES, submit_consented_report
from tests.support.factories import ISSUED_TOTP_SECRETS, make_account, make_family
from tests.support.journeys import sign_in, sign_out

COMMENT = "Add the date of the phone call and who answered it."


def seed_reports(app: Flask, client: BrowserClient):  # type: ignore[no-untyped-def]
    """A family file with three consented reports of different kinds, and its advocate."""
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    make_family(app, members=[member], advocates=[advocate])
    sign_in(client, member)
    summons = submit_consented_report(client, "1398/10/18", NARRATIVES["en"], ["summons"])
    phone = submit_consented_report(client, "1399/03/02", NARRATIVES["en"], ["threat_by_phone"])
    other = submit_consented_report(client, "1400/01/05", NARRATIVES["en"], ["travel_ban"])
    sign_out(client)
    return advocate, summons, phone, other


def enrol(visit, username: str, passphrase: str) -> tuple[object, pyotp.TOTP]:  # type: ignore[no-untyped-def]
    """Sign in, read the key under the QR code, type the code: the browser that is left
    signed in, and the authenticator 'app'."""
    context = visit(locale="en")
    LoginPage(context.page).sign_in(username, passphrase)
    assert context.page.url.endswith("/account/second-factor"), context.page.url
    setup = SecondFactorSetupPage(context.page)
    secret = setup.secret()
    ISSUED_TOTP_SECRETS.add(secret)
    assert context.page.locator("main .qr svg").count() == 1  # the QR code is drawn inline
    app_on_phone = pyotp.TOTP(secret)
    codes = setup.confirm(app_on_phone.now())
    assert len(codes) == 10, codes
    context.page.goto("/dossiers")
    assert context.page.url.endswith("/dossiers"), context.page.url  # in, with full access
    return context, app_on_phone


def test_advocate_builds_and_sends_and_reviewer_returns_then_approves(
        app: Flask, client: BrowserClient, visit):
    advocate, summons, phone, other = seed_reports(app, client)
    reviewer = make_account(app, Role.LEGAL_REVIEWER, locale="en", second_factor=False)
    reviewer_browser, _ = enrol(visit, reviewer.username, reviewer.passphrase)
    review_page = reviewer_browser.page  # type: ignore[attr-defined]

    adv = visit(locale="en").page
    LoginPage(adv).sign_in(advocate.username, advocate.passphrase, advocate.code())
    workspace = WorkspacePage(adv)
    workspace.open()
    assert sorted(workspace.report_numbers()) == sorted([summons, phone, other])
    workspace.filter(type_code="threat_by_phone")
    assert workspace.report_numbers() == [phone]
    report = workspace.open_report(phone)
    report.verify("corroborated", "Matches the phone company's call log.")
    with app.app_context():
        verified = db.session.get(Incident, phone)
        assert verified is not None
        assert verified.verification.value == "corroborated"
    workspace.open()
    assert workspace.filter(type_code="", verification="corroborated").report_numbers() == [phone]

    dossier = NewDossierPage(adv)
    dossier.open()
    view = dossier.create("Threats by phone after the memorials")
    dossier_id = view.dossier_id
    choose = view.choose_reports()
    assert set(choose.addable()) == {summons, phone, other}
    choose.add(phone)
    choose.add(summons)
    view = choose.back_to_dossier()
    assert view.report_numbers() == [summons, phone]  # in date order
    view.send_for_review(reviewer.id)
    assert status_of(app, dossier_id) == "in_review"

    review_page.goto(f"/dossiers/{dossier_id}/review")
    review = ReviewPage(review_page)
    review.return_with(COMMENT)
    assert status_of(app, dossier_id) == "returned"
    adv.goto(f"/dossiers/{dossier_id}")
    assert COMMENT in DossierPage(adv).text()
    DossierPage(adv).send_for_review(reviewer.id)
    assert status_of(app, dossier_id) == "in_review"

    age_sessions(app, reviewer.id, minutes=6)  # read for a while: the sign-in is stale
    review_page.goto(f"/dossiers/{dossier_id}/review")
    read_hash = review.content_hash()
    review.approve()
    assert "/reauthenticate" in review_page.url, review_page.url
    ReauthenticatePage(review_page).confirm(reviewer.passphrase)
    assert review_page.url.endswith(f"/dossiers/{dossier_id}/review"), review_page.url
    assert status_of(app, dossier_id) == "in_review"  # nothing approved without the box
    review.approve()
    assert review_page.url.endswith(f"/dossiers/{dossier_id}"), review_page.url
    with app.test_request_context():
        approved = db.session.get(Dossier, dossier_id)
        assert approved is not None
        assert approved.status.value == "approved"
        assert approved.approved_content_hash == read_hash
        document = assemble(crypto_kit(), approved, CONFIDENTIAL,
                            agency_namer(approved.language))
        assert content_hash(document) == read_hash


def status_of(app: Flask, dossier_id: int) -> str:
    with app.app_context():
        dossier = db.session.get(Dossier, dossier_id)
        assert dossier is not None
        return str(dossier.status.value)


def age_sessions(app: Flask, user_id: int, minutes: int) -> None:
    with app.app_context():
        db.session.execute(update(UserSession).where(UserSession.user_id == user_id)
                           .values(authenticated_at=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()
