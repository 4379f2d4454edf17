"""Nothing typed is lost, in a real browser (decision 0020): a family member writes a
report, is away past the idle limit, presses submit, signs in again and finds every
answer, then sends it; switching language mid-form keeps the answers too. With
JavaScript, a warning comes before the limit and "Keep me signed in" renews the session.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select, update

from portal.dependencies import crypto_kit
from portal.models import Incident, KeptPost, UserSession, db
from portal.models.base import utcnow
from portal.services.incidents import load_content
from tests.browser.pages import MyReportsPage
from tests.browser.pages.sign_in import LoginPage
from tests.support.factories import Account, make_family_member

NARRATIVE = "مأموری تلفن زد و گفت اگر به مراسم بروم برای خانواده‌ام دردسر می‌شود."
CITY = "اصفهان"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def away_past_the_idle_limit(app: Flask, account: Account) -> None:
    with app.app_context():
        db.session.execute(update(UserSession).where(UserSession.user_id == account.id)
                           .values(last_seen_at=utcnow() - timedelta(minutes=31)))
        db.session.commit()


def saved_report(app: Flask, incident_id: int) -> tuple[str, str]:
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert incident is not None
        return incident.status.value, load_content(crypto_kit(), incident).narrative


@pytest.mark.parametrize(("javascript", "locale", "viewport"), [
    (True, "fa", PHONE), (False, "fa", DESKTOP), (False, "en", PHONE), (True, "en", DESKTOP),
], ids=["js-fa-phone", "no-js-fa-desktop", "no-js-en-phone", "js-en-desktop"])
def test_a_report_sent_after_the_session_ended_is_found_again_after_signing_in(
        app: Flask, visit, javascript: bool, locale: str, viewport: dict[str, int]):
    account = make_family_member(app, locale)
    browser = visit(locale=locale, javascript=javascript)
    page = browser.page
    page.set_viewport_size(viewport)
    LoginPage(page).sign_in(account.username, account.passphrase)
    reports = MyReportsPage(page)
    reports.open()
    form = reports.start_new_report()
    incident_id = form.incident_id
    form.fill(calendar="solar_hijri", start="۱۸ دی ۱۳۹۸", country="IR", types=["summons"],
              narrative=NARRATIVE, city=CITY)

    away_past_the_idle_limit(app, account)
    page.locator("button[name=action][value=submit]").click()
    page.wait_for_url(re.compile(r"/login"))
    assert page.locator("main .flash").count() >= 1  # "what you wrote was kept"
    assert saved_report(app, incident_id) == ("draft", "")

    LoginPage(page).sign_in(account.username, account.passphrase)
    assert page.url.endswith(f"/reports/{incident_id}/edit")
    assert page.locator("main .flash").count() >= 1  # "check it and send it again"
    assert page.locator("#narrative").input_value() == NARRATIVE  # ZWNJ and all
    assert page.locator("#city").input_value() == CITY
    assert page.locator("#start_text").input_value() == "۱۸ دی ۱۳۹۸"
    assert page.locator("input[name=type_codes][value=summons]").is_checked()
    assert saved_report(app, incident_id) == ("draft", "")  # not sent for them
    if not javascript:
        assert page.locator("button[name=action][value=save]").is_visible()

    page.locator("button[name=action][value=submit]").click()
    page.wait_for_url(re.compile(r"/reports/\d+/receipt$"))
    assert saved_report(app, incident_id) == ("submitted", NARRATIVE)
    with app.app_context():
        assert list(db.session.scalars(select(KeptPost))) == []


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_switching_language_mid_form_keeps_the_answers(app: Flask, visit, javascript: bool):
    account = make_family_member(app, "en")
    page = visit(locale="en", javascript=javascript).page
    LoginPage(page).sign_in(account.username, account.passphrase)
    reports = MyReportsPage(page)
    reports.open()
    form = reports.start_new_report()
    incident_id = form.incident_id
    page.locator("#narrative").fill(NARRATIVE)
    page.locator("#city").fill(CITY)
    page.locator(".lang-switch button[value=fa]").click()
    page.wait_for_url(re.compile(rf"/reports/{incident_id}/edit$"))
    assert page.locator("html").get_attribute("lang") == "fa"
    assert page.locator("#narrative").input_value() == NARRATIVE
    assert page.locator("#city").input_value() == CITY
    assert saved_report(app, incident_id) == ("draft", "")


def test_a_warning_before_the_idle_limit_keeps_the_person_signed_in(app: Flask, visit):
    account = make_family_member(app, "en")
    page = visit(locale="en", javascript=True).page
    page.clock.install()
    LoginPage(page).sign_in(account.username, account.passphrase)
    page.goto("/reports")
    warning = page.locator("#idle-warning")
    assert warning.is_hidden()
    page.clock.fast_forward("28:30")  # 30 minutes idle, warned 2 minutes before
    assert warning.is_visible()
    assert page.evaluate("document.activeElement.closest('#idle-warning') !== null")

    with app.app_context():  # 29 minutes idle on the server: the limit is not reached yet
        db.session.execute(update(UserSession).where(UserSession.user_id == account.id)
                           .values(last_seen_at=utcnow() - timedelta(minutes=29)))
        db.session.commit()
    with page.expect_response(lambda r: r.url.endswith("/session/keep-alive")) as answer:
        page.locator("#idle-warning button").click()
    assert answer.value.status == 204
    assert warning.is_hidden()
    with app.app_context():
        seen = db.session.scalar(select(UserSession.last_seen_at).where(
            UserSession.user_id == account.id, UserSession.revoked_at.is_(None)))
    assert seen is not None
    assert utcnow() - seen < timedelta(minutes=1)
    assert page.url.endswith("/reports")


def test_a_draft_saves_itself_every_half_minute_when_its_text_changed(app: Flask, visit):
    account = make_family_member(app, "fa")
    page = visit(locale="fa", javascript=True).page
    page.clock.install()
    LoginPage(page).sign_in(account.username, account.passphrase)
    reports = MyReportsPage(page)
    reports.open()
    form = reports.start_new_report()
    page.locator("#narrative").fill(NARRATIVE)
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url.endswith(f"/reports/{form.incident_id}/edit")):
        page.clock.run_for("00:31")
    expect(page.locator(".autosave-status")).not_to_be_empty()
    assert saved_report(app, form.incident_id) == ("draft", NARRATIVE)
    assert page.locator("#narrative").input_value() == NARRATIVE  # the page stayed as it was
