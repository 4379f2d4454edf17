"""A report written one question per page, in a real browser (decision 0024): a family
member goes through the steps, is away past the idle limit before the last steps,
signs in again and finds everything, then sends it from "check your answers" (Persian
on a phone without JavaScript; English on a desktop with it). Every step page, the
missing-answers list and the deletion page are checked at 320 px (no sideways
scrolling) with axe (no serious or critical violation), in English and Persian: axe
runs in the page, so that walk has JavaScript on.

With PORTAL_WRITE_SCREENSHOTS=1 each step is saved at 375x812 under
docs/screenshots/<locale>/steps-NN-<step>.png.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Page, ViewportSize

import tests.browser.test_main_pages as main_pages
from tests.browser.pages import MyReportsPage, PortalPage
from tests.browser.pages.sign_in import LoginPage
from tests.browser.test_main_pages import SCREENSHOTS, blocking_violations, save_screenshot
from tests.browser.test_nothing_lost_journey import away_past_the_idle_limit, saved_report
from tests.support.factories import make_family_member

NARRATIVE = "مأموری تلفن زد و گفت اگر به مراسم بروم برای خانواده‌ام دردسر می‌شود."
NARROWEST = ViewportSize(width=320, height=640)
PHONE = ViewportSize(width=375, height=812)
DESKTOP = ViewportSize(width=1280, height=900)


def checked(page: Page, name: str, locale: str, number: int) -> list[str]:
    """axe and sideways scrolling of the page shown, at 320 px; a screenshot if asked."""
    found = [f"{name}: {v}" for v in blocking_violations(page)]
    if not PortalPage(page).fits_the_screen():
        found.append(f"{name}: wider than 320 px")
    if main_pages.WRITE_SCREENSHOTS:
        page.set_viewport_size(PHONE)
        save_screenshot(page, SCREENSHOTS / locale / f"steps-{number:02d}-{name}.png")
        page.set_viewport_size(NARROWEST)
    return found


def press(page: Page, action: str, then: str) -> None:
    page.locator(f"main button[name=action][value={action}]").click()
    page.wait_for_url(re.compile(then))


@pytest.mark.parametrize(("javascript", "locale", "viewport"), [
    (False, "fa", PHONE), (True, "en", DESKTOP),
], ids=["no-js-fa-phone", "js-en-desktop"])
def test_a_report_written_step_by_step_survives_the_session_ending_and_is_sent(
        app: Flask, visit, javascript: bool, locale: str, viewport: ViewportSize):
    account = make_family_member(app, locale)
    page = visit(locale=locale, javascript=javascript).page
    page.set_viewport_size(viewport)
    LoginPage(page).sign_in(account.username, account.passphrase)
    reports = MyReportsPage(page)
    reports.open()
    reports.start_new_report_in_steps()
    incident_id = int(page.url.split("/")[-3])

    def at(slug: str, number: int) -> None:
        assert page.url.endswith(f"/reports/{incident_id}/steps/{slug}"), page.url
        assert page.locator("main nav [aria-current=step]").count() == 1
        assert str(number) in page.locator("main .step-progress__count").inner_text().translate(
            str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))

    at("when", 1)
    page.locator("input[name=calendar][value=solar_hijri]").check()
    page.locator("#start_text").fill("۱۸ دی ۱۳۹۸")
    press(page, "continue", r"/steps/where$")
    at("where", 2)
    page.locator("#country").select_option("IR")
    page.locator("#city").fill("اصفهان")
    press(page, "continue", r"/steps/what$")
    at("what", 3)
    page.locator("input[name=type_codes][value=summons]").check()
    press(page, "continue", r"/steps/who$")
    for number, (slug, following) in enumerate(
            [("who", "targets"), ("targets", "harm"), ("harm", "account")], start=4):
        at(slug, number)
        press(page, "continue", rf"/steps/{following}$")
    at("account", 7)
    page.locator("#narrative").fill(NARRATIVE)

    away_past_the_idle_limit(app, account)  # before the last steps: Continue is kept
    press(page, "continue", r"/login")
    assert saved_report(app, incident_id) == ("draft", "")
    LoginPage(page).sign_in(account.username, account.passphrase)
    assert page.url.endswith(f"/reports/{incident_id}/steps/account")
    assert page.locator("main .flash").count() >= 1  # "what you wrote was kept"
    assert page.locator("#narrative").input_value() == NARRATIVE  # ZWNJ and all
    press(page, "continue", r"/steps/evidence$")
    at("evidence", 8)
    page.locator("main .button-group a.button").click()
    page.wait_for_url(re.compile(r"/steps/consent$"))
    at("consent", 9)
    page.locator("input[name=destinations][value=icc_prosecutor]").check()
    page.locator("input[name=disclosure][value=pseudonym]").check()
    page.locator("input[name=testify][value=unsure]").check()
    press(page, "continue", r"/steps/check$")
    at("check", 10)
    answers = page.locator("main").inner_text()
    for typed in (NARRATIVE, "اصفهان", "۱۸ دی ۱۳۹۸"):
        assert typed in answers, typed  # everything typed before and after signing in again

    page.locator(f"main a[href='/reports/{incident_id}/steps/where?back=check']").click()
    page.wait_for_url(re.compile(r"/steps/where\?back=check$"))
    page.locator("#city").fill("شیراز")
    press(page, "continue", r"/steps/check$")
    assert "شیراز" in page.locator("main").inner_text()

    press(page, "submit", r"/receipt$")
    assert saved_report(app, incident_id) == ("submitted", NARRATIVE)
    page.goto(f"/reports/{incident_id}/delete")  # a sent report is not deleted: its page
    assert page.url.endswith(f"/reports/{incident_id}")


@pytest.mark.parametrize("locale", ["en", "fa"])
def test_every_step_page_fits_320px_and_passes_axe_and_a_draft_is_deleted_after_asking(
        app: Flask, visit, locale: str):
    account = make_family_member(app, locale)
    page = visit(locale=locale).page
    page.set_viewport_size(NARROWEST)
    LoginPage(page).sign_in(account.username, account.passphrase)
    reports = MyReportsPage(page)
    reports.open()
    reports.start_new_report_in_steps()
    incident_id = int(page.url.split("/")[-3])
    problems: list[str] = []
    for number, slug in enumerate(["when", "where", "what", "who", "targets", "harm",
                                   "account", "evidence", "consent", "check"], start=1):
        page.goto(f"/reports/{incident_id}/steps/{slug}")
        problems += checked(page, slug, locale, number)
    press(page, "submit", r"/steps/check$")  # nothing answered: what is missing, with links
    assert page.locator("main .error-summary a").count() == 5
    problems += checked(page, "missing", locale, 11)
    page.locator(f"main a[href='/reports/{incident_id}/delete']").click()
    problems += checked(page, "delete", locale, 12)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/reports$"))
    assert page.locator(f"main a[href^='/reports/{incident_id}/']").count() == 0
    assert problems == []
