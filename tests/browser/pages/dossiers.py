"""An advocate's workspace and dossier builder, and a legal reviewer's review."""

from __future__ import annotations

import re
import time
from pathlib import Path

from tests.browser.pages.base import PortalPage

PLACEHOLDER = re.compile(r"\[[^\[\]\n]{6,}?[.]\](?!\()")  # the templates' instructions


class WorkspacePage(PortalPage):
    path = "/workspace"

    def filter(self, **choices: str) -> WorkspacePage:
        """Choose filter values by field id (type_code, country, verification...)."""
        for name, value in choices.items():
            field = self.page.locator(f"form.filters #{name}")
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        self.page.locator("form.filters button[type=submit]").click()
        self.page.wait_for_load_state()
        return self

    def report_numbers(self) -> list[int]:
        links = self.page.locator("main table tbody a[href^='/reports/']")
        return [int((links.nth(i).get_attribute("href") or "").rsplit("/", 1)[1])
                for i in range(links.count())]

    def open_report(self, incident_id: int) -> IncidentReviewPage:
        self.page.locator(f"main table a[href='/reports/{incident_id}']").click()
        self.page.wait_for_url(re.compile(rf"/reports/{incident_id}$"))
        return IncidentReviewPage(self.page)


class IncidentReviewPage(PortalPage):
    """A report as an assigned advocate sees it, with the verification form."""

    def verify(self, status: str, notes: str) -> None:
        form = self.page.locator("main form[action$='/review']")
        form.locator(f"input[name=verification][value={status}]").check()
        form.locator("textarea[name=notes]").fill(notes)
        form.locator("button[type=submit]").click()
        self.page.wait_for_load_state()

    def verification_tag(self) -> str:
        return self.page.locator("main .tag--blue").first.inner_text()


class NewDossierPage(PortalPage):
    path = "/dossiers/new"

    def create(self, title: str, kind: str = "article_15",
               destination: str = "icc_prosecutor", language: str = "en") -> DossierPage:
        self.page.locator("#title").fill(title)
        self.page.locator("#kind").select_option(kind)
        self.page.locator("#destination").select_option(destination)
        self.page.locator("#language").select_option(language)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_url(re.compile(r"/dossiers/\d+$"))
        return DossierPage(self.page)


class DossierPage(PortalPage):
    @property
    def dossier_id(self) -> int:
        match = re.search(r"/dossiers/(\d+)", self.page.url)
        assert match, self.page.url
        return int(match.group(1))

    def choose_reports(self) -> ChoosePage:
        self.page.locator(f"main a[href='/dossiers/{self.dossier_id}/choose']").click()
        self.page.wait_for_url(re.compile(r"/dossiers/\d+/choose"))
        return ChoosePage(self.page)

    def report_numbers(self) -> list[int]:
        """The reports in the dossier, in their order (the table of reports)."""
        links = self.page.locator("main table a[href^='/reports/']")
        return [int((links.nth(i).get_attribute("href") or "").rsplit("/", 1)[1])
                for i in range(links.count())]

    def complete_sections(self) -> None:
        """Write over each section's bracketed template instructions, as an advocate
        does in the section editor (an approval is refused while one is left)."""
        dossier = self.page.url.split("?")[0].rstrip("/")
        keys = [href.rsplit("/", 1)[1] for href in self.page.locator(
            "main a[href*='/sections/']").evaluate_all("links => links.map(a => a.pathname)")]
        for key in keys:
            self.page.goto(f"{dossier}/sections/{key}")
            body = self.page.locator("#body")
            text = body.input_value()
            if PLACEHOLDER.search(text):
                body.fill(PLACEHOLDER.sub("(Written for this fictional dossier.)", text))
                self.page.locator("main button[name=action][value=save]").click()
                self.page.wait_for_load_state()
        self.page.goto(dossier)

    def send_for_review(self, reviewer_id: int) -> None:
        form = self.page.locator("main form[action$='/send']")
        form.locator("#reviewer").select_option(str(reviewer_id))
        form.locator("button[type=submit]").click()
        self.page.wait_for_url(re.compile(r"/dossiers/\d+$"))

    def text(self) -> str:
        return self.page.locator("main").inner_text()


class ChoosePage(PortalPage):
    def add(self, incident_id: int) -> None:
        form = self.page.locator(
            f"main form[action$='/incidents']:has(input[name=incident_id][value='{incident_id}'])")
        form.locator("button[type=submit]").click()
        self.page.wait_for_url(re.compile(r"/dossiers/\d+/choose"))

    def addable(self) -> list[int]:
        fields = self.page.locator("main form[action$='/incidents'] input[name=incident_id]")
        return [int(fields.nth(i).get_attribute("value") or 0) for i in range(fields.count())]

    def back_to_dossier(self) -> DossierPage:
        self.page.locator("main a[href^='/dossiers/']").last.click()
        self.page.wait_for_url(re.compile(r"/dossiers/\d+$"))
        return DossierPage(self.page)


class ReviewPage(PortalPage):
    def content_hash(self) -> str:
        return self.page.locator("main input[name=content_hash]").get_attribute("value") or ""

    def return_with(self, comments: str) -> None:
        self.page.locator("#comments").fill(comments)
        self.page.locator("main button[name=decision][value=return]").click()
        self.page.wait_for_url(re.compile(r"/dossiers/\d+$"))

    def warnings(self) -> list[str]:
        boxes = self.page.locator("main input[name=acknowledged]")
        return [boxes.nth(i).get_attribute("value") or "" for i in range(boxes.count())]

    def approve(self) -> None:
        """Tick every warning offered and the statement, and approve."""
        boxes = self.page.locator("main input[name=acknowledged]")
        for i in range(boxes.count()):
            boxes.nth(i).check()
        self.page.locator("#confirm").check()
        self.page.locator("main button[name=decision][value=approve]").click()
        self.page.wait_for_load_state()


class SecondFactorSetupPage(PortalPage):
    path = "/account/second-factor"

    def secret(self) -> str:
        """The key as the page prints it for typing (groups of four), without spaces."""
        return self.page.locator("main p.secret").inner_text().replace(" ", "").strip()

    def confirm(self, code: str) -> list[str]:
        self.page.locator("#code").fill(code)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_load_state()
        codes = self.page.locator("main .code-list code")
        return [codes.nth(i).inner_text().strip() for i in range(codes.count())]


class ReauthenticatePage(PortalPage):
    def confirm(self, passphrase: str) -> None:
        self.page.locator("#passphrase").fill(passphrase)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_load_state()


class ExportPage(PortalPage):
    """The export form of an approved dossier (legal reviewers)."""

    def start(self, variant: str = "confidential", language: str = "en",
              page_size: str = "a4") -> ExportStatusPage:
        form = self.page.locator("main form[method=post]")
        form.locator(f"input[name=variant][value={variant}]").check()
        form.locator(f"input[name=language][value={language}]").check()
        form.locator(f"input[name=page_size][value={page_size}]").check()
        form.locator("button[type=submit]").click()
        self.page.wait_for_url(re.compile(r"/dossiers/\d+/exports/\d+$"))
        return ExportStatusPage(self.page)


class ExportStatusPage(PortalPage):
    """An export's progress (it refreshes itself without JavaScript) and its downloads."""

    def done(self) -> bool:
        return self.page.locator("main #pdf-sha256").count() == 1

    def wait_until_done(self, seconds: float = 90) -> None:
        """Reload the page, as its Refresh header would, until the downloads appear."""
        deadline = time.monotonic() + seconds
        while not self.done():
            failed = self.page.locator("main .flash--error")
            assert failed.count() == 0, failed.inner_text()
            assert time.monotonic() < deadline, "the export did not finish in time"
            self.page.wait_for_timeout(500)
            self.page.reload()

    def sha256(self, which: str) -> str:
        return self.page.locator(f"main #{which}-sha256").inner_text().strip()

    def download(self, which: str, folder: Path) -> Path:
        """Click the PDF or bundle link; the file the browser saved."""
        link = self.page.locator(f"main a[href$='/{which}']")
        with self.page.expect_download() as info:
            link.click()
        download = info.value
        target = folder / download.suggested_filename
        download.save_as(str(target))
        return target


class VerifyPage(PortalPage):
    """"Verify a dossier": upload the PDF (and bundle), read the report."""

    path = "/dossiers/verify"

    def verify(self, pdf: Path, bundle: Path | None = None) -> None:
        self.page.locator("#pdf").set_input_files(str(pdf))
        if bundle is not None:
            self.page.locator("#bundle").set_input_files(str(bundle))
        self.page.locator("main form[method=post] button[type=submit]").click()
        self.page.wait_for_load_state()

    def verdict_ok(self) -> bool:
        return self.page.locator("main #verdict.flash--success").count() == 1

    def report(self) -> str:
        return self.page.locator("main #report").inner_text()


class OccurrencesPage(PortalPage):
    """The protected names and places of a dossier, each decided in context."""

    def open_for(self, dossier_id: int) -> OccurrencesPage:
        self.page.goto(f"/dossiers/{dossier_id}/occurrences")
        return self

    def open_count(self) -> int:
        return self.page.locator("main li.occurrence--open").count()

    def keep(self, words: str, reason: str) -> None:
        """Keep the first undecided passage whose context holds `words`."""
        item = self.page.locator("main li.occurrence--open", has_text=words).first
        form = item.locator("form.occurrence__keep")
        form.locator("input[name=reason]").fill(reason)
        form.locator("button[type=submit]").click()
        self.page.wait_for_load_state()

    def redact_remaining(self) -> None:
        self.page.locator("main form[action$='/redact-remaining'] button").click()
        self.page.wait_for_load_state()
