"""Adding evidence to a report, the receipt with each file's SHA-256, and an item."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.browser.pages.base import PortalPage


@dataclass
class FileToSend:
    name: str
    mime_type: str
    content: bytes


@dataclass
class ReceiptRow:
    filename: str
    size_bytes: int
    sha256: str
    item_href: str


class UploadPage(PortalPage):
    def upload(self, files: list[FileToSend], kind: str = "document") -> ReceiptPage:
        self.page.locator("#files").set_input_files([
            {"name": f.name, "mimeType": f.mime_type, "buffer": f.content} for f in files])
        self.page.locator("#kind").select_option(kind)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_url(re.compile(r"/evidence/receipt\?items="))
        return ReceiptPage(self.page)


class ReceiptPage(PortalPage):
    def rows(self) -> list[ReceiptRow]:
        found = []
        rows = self.page.locator("main .receipt tbody tr")
        for i in range(rows.count()):
            cells = rows.nth(i).locator("td")
            link = cells.nth(0).locator("a")
            found.append(ReceiptRow(
                filename=link.inner_text().strip(),
                size_bytes=int(cells.nth(1).locator("data").get_attribute("value") or ""),
                sha256=cells.nth(2).inner_text().strip(),
                item_href=link.get_attribute("href") or ""))
        return found


class EvidenceItemPage(PortalPage):
    def sha256(self) -> str:
        return self.page.locator("main code.secret").first.inner_text().strip()
