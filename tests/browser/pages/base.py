"""What every portal page has: a language, a direction, a heading and a quick exit."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from tests.browser.server import QUICK_EXIT_URL


class PortalPage:
    path = "/"

    def __init__(self, page: Page) -> None:
        self.page = page

    def open(self, path: str | None = None) -> PortalPage:
        self.page.goto(path or self.path)
        return self

    @property
    def direction(self) -> str:
        return self.page.locator("html").get_attribute("dir") or ""

    @property
    def language(self) -> str:
        return self.page.locator("html").get_attribute("lang") or ""

    @property
    def heading(self) -> str:
        return self.page.locator("main h1").first.inner_text()

    @property
    def path_now(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.page.url)

    def error_summary(self) -> str:
        summary = self.page.locator(".error-summary")
        return summary.inner_text() if summary.count() else ""

    def history_length(self) -> int:
        return int(self.page.evaluate("history.length"))

    def quick_exit(self) -> None:
        """Press the quick-exit control, the first thing on every page."""
        self.page.locator("button.quick-exit").click()
        self.page.wait_for_url(QUICK_EXIT_URL)

    def latin_numbers(self) -> list[str]:
        """Numbers the page writes with 0-9 (counts, years, page numbers) outside what is
        meant to stay Latin: codes, hashes, times, usernames (.ltr, code, .mono,
        dir=ltr) and form controls. Digits inside translated sentences are the
        translators' choice and not counted here."""
        return list(self.page.evaluate(r"""() => {
          const keep = ".ltr, code, .mono, [dir=ltr], input, textarea, select, option, script";
          const walker = document.createTreeWalker(document.querySelector("main"),
                                                   NodeFilter.SHOW_TEXT);
          const found = [];
          while (walker.nextNode()) {
            const text = walker.currentNode.textContent.trim();
            if (/[0-9]/.test(text) && /^[0-9\s.,:\/\-–()#]+$/.test(text)
                && !walker.currentNode.parentElement.closest(keep)) {
              found.push(text);
            }
          }
          return found;
        }"""))

    def fits_the_screen(self) -> bool:
        """No horizontal scrolling: nothing pushed off the side (a broken RTL layout)."""
        return bool(self.page.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth"))
