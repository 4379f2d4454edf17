"""Getting in: an invitation link, the login page and the second-factor code."""

from __future__ import annotations

from tests.browser.pages.base import PortalPage


class InvitationPage(PortalPage):
    def open_token(self, token: str) -> InvitationPage:
        self.page.goto(f"/invite/{token}")
        return self

    def create_account(self, username: str, passphrase: str) -> None:
        self.page.locator("#username").fill(username)
        self.page.locator("#passphrase").fill(passphrase)
        self.page.locator("#confirm").fill(passphrase)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_load_state()


class LoginPage(PortalPage):
    path = "/login"

    def sign_in(self, username: str, passphrase: str, code: str | None = None) -> None:
        self.open()
        self.page.locator("#username").fill(username)
        self.page.locator("#passphrase").fill(passphrase)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_load_state()
        if code is not None:
            assert "/login/code" in self.page.url, self.page.url
            self.page.locator("#code").fill(code)
            self.page.locator("main form button[type=submit]").click()
            self.page.wait_for_load_state()
        assert "/login" not in self.page.url, (self.page.url, self.error_summary())
