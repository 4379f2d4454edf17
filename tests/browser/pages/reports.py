"""A family member's reports: the list, the form, the report and its messages."""

from __future__ import annotations

import re

from tests.browser.pages.base import PortalPage
from tests.browser.pages.evidence import UploadPage


class MyReportsPage(PortalPage):
    path = "/reports"

    def start_new_report(self) -> ReportFormPage:
        """Start a draft, then open it on one page: a new draft opens on step 1 (decision
        0024; tests/browser/test_report_steps_journey.py walks the steps), and the
        one-page form still answers for a draft."""
        self.start_new_report_in_steps()
        match = re.search(r"/reports/(\d+)/", self.page.url)
        assert match, self.page.url
        self.page.goto(f"/reports/{match.group(1)}/edit")
        return ReportFormPage(self.page)

    def start_new_report_in_steps(self) -> None:
        self.page.locator("form[action$='/reports/new'] button[type=submit]").click()
        self.page.wait_for_url(re.compile(r"/reports/\d+/steps/when$"))

    def question_links(self) -> list[str]:
        links = self.page.locator("main table a[href$='/thread']")
        return [links.nth(i).get_attribute("href") or "" for i in range(links.count())]


class ReportFormPage(PortalPage):
    @property
    def incident_id(self) -> int:
        match = re.search(r"/reports/(\d+)/edit", self.page.url)
        assert match, self.page.url
        return int(match.group(1))

    def fill(self, *, calendar: str, start: str, country: str, types: list[str],
             narrative: str, city: str = "") -> None:
        self.page.locator(f"input[name=calendar][value={calendar}]").check()
        self.page.locator("#start_text").fill(start)
        self.page.locator("#country").select_option(country)
        if city:
            self.page.locator("#city").fill(city)
        for code in types:
            self.page.locator(f"input[name=type_codes][value={code}]").check()
        self.page.locator("#narrative").fill(narrative)

    def submit(self) -> ReportReceiptPage:
        self.page.locator("button[name=action][value=submit]").click()
        self.page.wait_for_url(re.compile(r"/reports/\d+/receipt$"))
        return ReportReceiptPage(self.page)


class ReportReceiptPage(PortalPage):
    """Shown once a report is submitted."""

    def received_date(self) -> str:
        return self.page.locator("main .receipt dd").nth(3).inner_text()

    def add_evidence(self) -> UploadPage:
        self.page.locator("main a[href$='/evidence']").click()
        self.page.wait_for_url(re.compile(r"/reports/\d+/evidence$"))
        return UploadPage(self.page)


class ReportPage(PortalPage):
    @property
    def incident_id(self) -> int:
        match = re.search(r"/reports/(\d+)", self.page.url)
        assert match, self.page.url
        return int(match.group(1))

    def start_date(self) -> str:
        return self.page.locator("main dl.summary-list dd").first.inner_text()

    def narrative(self) -> str:
        return self.page.locator("main .narrative").first.inner_text()

    def add_evidence(self) -> UploadPage:
        self.page.locator("main a[href$='/evidence']").click()
        self.page.wait_for_url(re.compile(r"/reports/\d+/evidence$"))
        return UploadPage(self.page)


class ThreadPage(PortalPage):
    def messages(self) -> list[str]:
        cards = self.page.locator("main .card .narrative")
        return [cards.nth(i).inner_text() for i in range(cards.count())]

    def question_states(self) -> list[str]:
        tags = self.page.locator("main .card .tag")
        return [tags.nth(i).get_attribute("class") or "" for i in range(tags.count())]

    def answer(self, body: str) -> None:
        self.page.locator("#body").fill(body)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_load_state()
