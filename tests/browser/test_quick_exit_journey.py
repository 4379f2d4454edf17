"""Quick exit in a real browser, JavaScript on and off, desktop and phone: a family
member on "My reports" presses it, lands on the neutral site, and neither Back nor
reopening the portal shows anything but the sign-in page."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from portal.models import UserSession, db
from tests.browser.pages import MyReportsPage
from tests.browser.pages.sign_in import LoginPage
from tests.browser.server import QUICK_EXIT_URL
from tests.support.factories import Account, make_family_member

PHONE = {"width": 375, "height": 812}


def live_sessions(app: Flask, account: Account) -> int:
    with app.app_context():
        rows = db.session.scalars(select(UserSession).where(
            UserSession.user_id == account.id, UserSession.revoked_at.is_(None)))
        return len(list(rows))


def assert_sign_in_page(page) -> None:  # type: ignore[no-untyped-def]
    path = LoginPage(page).path_now
    assert path.startswith("/login"), path
    assert page.locator("#passphrase").is_visible()
    assert page.locator("main table").count() == 0  # no list of reports


@pytest.mark.parametrize(("javascript", "locale", "viewport"), [
    (True, "en", None), (False, "en", None), (True, "fa", PHONE), (False, "fa", PHONE),
], ids=["js-desktop", "no-js-desktop", "js-phone-fa", "no-js-phone-fa"])
def test_quick_exit_signs_out_and_back_or_reopening_shows_the_sign_in_page(
        app: Flask, visit, javascript: bool, locale: str, viewport: dict[str, int] | None):
    member = make_family_member(app, locale)
    browser = visit(locale=locale, javascript=javascript)
    page = browser.page
    if viewport:
        page.set_viewport_size(viewport)
    LoginPage(page).sign_in(member.username, member.passphrase)
    reports = MyReportsPage(page).open()
    assert reports.path_now == "/reports"
    assert live_sessions(app, member) == 1
    if viewport:  # one tap away, inside the screen
        box = page.locator("button.quick-exit").bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= viewport["width"]
        assert box["height"] >= 44
    before = reports.history_length()

    reports.quick_exit()

    assert page.url == QUICK_EXIT_URL
    assert browser.exits[-1:] == [QUICK_EXIT_URL]
    assert live_sessions(app, member) == 0
    # With JavaScript the portal page was replaced in the history; without, the
    # browser added the neutral site after it, and Back asks the server again.
    assert reports.history_length() == (before if javascript else before + 1)
    page.go_back()
    page.wait_for_load_state()
    assert_sign_in_page(page)
    page.goto("/")
    assert_sign_in_page(page)
    page.goto("/reports")
    assert_sign_in_page(page)


def test_escape_three_times_signs_out_and_leaves(app: Flask, visit):
    member = make_family_member(app, "en")
    browser = visit(locale="en", javascript=True)
    page = browser.page
    LoginPage(page).sign_in(member.username, member.passphrase)
    MyReportsPage(page).open()
    for _ in range(3):
        page.keyboard.press("Escape")
    page.wait_for_url(QUICK_EXIT_URL)
    assert live_sessions(app, member) == 0
    page.go_back()
    page.wait_for_load_state()
    assert_sign_in_page(page)
