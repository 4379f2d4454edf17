"""The advocate's and the legal reviewer's journeys in a real browser.

An advocate filters the workspace, verifies a report, builds a dossier (creates it,
chooses reports, adds them) and sends it for review. A legal reviewer whose account an
administrator created without a second factor enrols TOTP from the key printed under
the QR code, returns the dossier with a comment; the advocate sends it again; the
reviewer approves it, proving a recent sign-in first, exports it (following the job by
reloading its status page, as its Refresh header does without JavaScript), downloads
the PDF and the bundle, and verifies them: with the offline verifier (portal/pdf/verify.py)
and on the portal's "Verify a dossier" page.

With PORTAL_WRITE_SCREENSHOTS=1 the export, export status and verify pages are saved
in en, fa and fr under docs/screenshots/<locale>/, numbered after the dossier pages.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pyotp
from flask import Flask
from sqlalchemy import update

from portal.dependencies import crypto_kit
from portal.models import Dossier, DossierExport, Incident, Role, UserSession, db
from portal.models.base import utcnow
from portal.services.dossiers.assembly import CONFIDENTIAL, assemble, content_hash
from portal.web.dossiers.views import agency_namer
from tests.browser.pages import (
    DossierPage,
    ExportPage,
    LoginPage,
    NewDossierPage,
    OccurrencesPage,
    ReauthenticatePage,
    ReviewPage,
    SecondFactorSetupPage,
    VerifyPage,
    WorkspacePage,
)
from tests.browser.test_main_pages import SCREENSHOTS, WRITE_SCREENSHOTS, save_screenshot
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


def test_advocate_builds_and_sends_and_reviewer_returns_approves_exports_and_verifies(
        app: Flask, client: BrowserClient, visit, tmp_path: Path):
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
    view.complete_sections()
    occurrences = OccurrencesPage(adv).open_for(dossier_id)
    if occurrences.open_count():
        occurrences.redact_remaining()
    assert occurrences.open_count() == 0
    adv.goto(f"/dossiers/{dossier_id}")
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

    export_download_and_verify(app, review_page, dossier_id, read_hash, tmp_path)


# After the dossier pages of test_dossier_pages.py (13-18).
EXPORT_SCREENSHOTS = {"export": 19, "export-status": 20, "dossier-verify": 21}


def export_download_and_verify(app: Flask, page, dossier_id: int,  # type: ignore[no-untyped-def]
                               approved_hash: str, folder: Path) -> None:
    from portal.cli.signing import signing_location
    from portal.pdf import pki
    from portal.pdf.verify import verify

    page.goto(f"/dossiers/{dossier_id}/export")
    status = ExportPage(page).start(variant="confidential", language="en")
    status.wait_until_done()
    export_path = status.path_now
    pdf, bundle = status.download("pdf", folder), status.download("bundle", folder)
    assert pdf.suffix == ".pdf", pdf
    assert bundle.suffix == ".zip", bundle
    # What the page shows, what the database recorded and what the browser saved agree.
    with app.app_context():
        [row] = db.session.query(DossierExport).filter_by(dossier_id=dossier_id).all()
        assert row.content_sha256 == approved_hash
        recorded = (row.pdf_sha256, row.bundle_sha256)
    assert (status.sha256("pdf"), status.sha256("bundle")) == recorded
    assert (hashlib.sha256(pdf.read_bytes()).hexdigest(),
            hashlib.sha256(bundle.read_bytes()).hexdigest()) == recorded

    # Offline, as a stranger would: against the organisation's root, pinned by fingerprint.
    # (In a thread of its own: pyHanko runs asyncio, and Playwright's loop owns this one.)
    fingerprint = pki.load_material(*signing_location(app)).root_fingerprint
    with ThreadPoolExecutor(max_workers=1) as pool:
        report = pool.submit(verify, pdf, bundle, None, fingerprint).result()
    assert report.ok, report.lines()
    # In the portal: the same verifier, behind the "Verify a dossier" page.
    checker = VerifyPage(page)
    checker.open()
    checker.verify(pdf, bundle)
    assert checker.verdict_ok(), checker.page.locator("main").inner_text()
    assert "FAIL" not in checker.report()
    assert recorded[0] in checker.page.locator("main").inner_text()  # the PDF's SHA-256
    # A PDF changed by one byte is caught by the page too.
    forged = folder / "forged.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 3] ^= 0x01
    forged.write_bytes(bytes(data))
    checker.open()
    checker.verify(forged, bundle)
    assert not checker.verdict_ok()
    assert "FAIL" in checker.page.locator("main").inner_text()

    if WRITE_SCREENSHOTS:
        for locale in ("en", "fa", "fr"):
            page.goto(f"/dossiers/{dossier_id}/export")
            page.locator(f"form.lang-switch button[value={locale}]").click()
            page.wait_for_load_state()
            for name, path in (("export", f"/dossiers/{dossier_id}/export"),
                               ("export-status", export_path)):
                page.goto(path)
                save_screenshot(page, SCREENSHOTS / locale /
                                f"{EXPORT_SCREENSHOTS[name]:02d}-{name}.png")
            page.goto("/dossiers/verify")
            VerifyPage(page).verify(pdf, bundle)
            save_screenshot(page, SCREENSHOTS / locale /
                            f"{EXPORT_SCREENSHOTS['dossier-verify']:02d}-dossier-verify.png")


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
