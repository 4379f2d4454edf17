"""The people of the load run (bench/load.py), as Locust users.

Read by `locust -f bench/load_users.py`, in its own process: Locust patches the
standard library with gevent, so this file imports nothing of the portal. The accounts
(made by bench/load.py) come from the JSON file named by LOAD_ACCOUNTS. Every person
signs in over HTTP as a browser does (passphrase, then a TOTP code for staff) and then
acts with a pause of LOAD_THINK_MIN to LOAD_THINK_MAX seconds between steps:

- advocates page through the workspace, filter it, search it, open reports and the
  statistics;
- family members read their reports and upload small files (a photo, a screenshot, a
  letter as PDF) to one of them, then read the receipt;
- one legal reviewer exports the approved dossier once (queued as a job, rendered by the
  RQ worker while everyone else works), downloads the PDF and the bundle and checks them
  against the hashes the page shows, then reads dossiers.

Every response is checked (status, and that the page is not the sign-in page, which a
lost session would show with a 200). Each request's name starts with its group
(`page:`, `upload:`, `login:`, `export:`, `download:`); every timing, with the time it
ended, and the time each person finished signing in go to the JSON file named by
LOAD_SAMPLES, from which bench/load.py computes exact percentiles.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

import pyotp
from locust import HttpUser, between, events, task
from locust.exception import StopUser

ACCOUNTS: dict[str, Any] = json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text())
THINK = between(float(os.environ.get("LOAD_THINK_MIN", "2")),
                float(os.environ.get("LOAD_THINK_MAX", "6")))
EXPORT_DEADLINE_SECONDS = 600
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REPORT_LINK = re.compile(r'href="/reports/(\d+)"')
SIGN_IN_FORM = 'name="passphrase"'
CHOOSE = random.Random()  # noqa: S311  # which page a simulated person reads next: no secret
SAMPLES: list[tuple[str, float, str, float]] = []  # (name, ms, error or "", when it ended)
SIGNED_IN: list[float] = []  # when each person finished signing in


@events.request.add_listener
def _record(name: str, response_time: float, exception: BaseException | None,
            **_: Any) -> None:
    SAMPLES.append((name, response_time, "" if exception is None else str(exception)[:200],
                    time.time()))


@events.quitting.add_listener
def _write_samples(**_: Any) -> None:
    Path(os.environ["LOAD_SAMPLES"]).write_text(json.dumps({"samples": SAMPLES,
                                                            "signed_in": SIGNED_IN}))


_pools = {role: iter(ACCOUNTS[role]) for role in ("advocates", "family", "reviewers")}


def next_account(role: str) -> dict[str, Any]:
    """Each simulated person has their own account (a TOTP code works only once)."""
    try:
        return dict(next(_pools[role]))
    except StopIteration:
        raise StopUser(f"more {role} than accounts") from None


class Person(HttpUser):
    abstract = True
    wait_time = THINK
    role = ""

    def on_start(self) -> None:
        self.account = next_account(self.role)
        self.sign_in()
        SIGNED_IN.append(time.time())

    # --- steps shared by everyone -------------------------------------------------------

    def page(self, path: str, name: str, **params: Any) -> str:
        """GET an HTML page; a failure unless it is a 200 that is not the sign-in page."""
        with self.client.get(path, params=params or None, name=f"page: {name}",
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif SIGN_IN_FORM in response.text and not path.startswith("/login"):
                response.failure("sent back to the sign-in page")
            return response.text

    def post(self, path: str, name: str, data: dict[str, Any], token_page: str,
             expect: str, files: Any = None) -> str:
        """POST a form with the CSRF token of `token_page`'s text; expect a 302 to `expect`."""
        match = CSRF.search(token_page)
        with self.client.post(path, data={**data, "csrf_token": match.group(1) if match
                                          else ""}, files=files, name=name,
                              allow_redirects=False, catch_response=True) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or expect not in location:
                response.failure(f"HTTP {response.status_code} to {location or 'nowhere'}")
            return location

    def sign_in(self) -> None:
        form = self.page("/login", "sign-in form")
        location = self.post("/login", "login: passphrase", {
            "username": self.account["username"],
            "passphrase": self.account["passphrase"]}, form, "/")
        if self.account.get("totp_secret"):
            form = self.page("/login/code", "second-factor form")
            self.post("/login/code", "login: TOTP code", {
                "code": pyotp.TOTP(self.account["totp_secret"]).now()}, form, "/")
        elif "/login" in location:
            raise StopUser("sign-in failed")


class Advocate(Person):
    role = "advocates"
    fixed_count = int(ACCOUNTS["counts"]["advocates"])

    def on_start(self) -> None:
        super().on_start()
        self.seen: list[str] = []

    def remember_reports(self, text: str) -> None:
        found = REPORT_LINK.findall(text)
        if found:
            self.seen = found

    @task(4)
    def list_page(self) -> None:
        page = CHOOSE.choice([1, 1, 1, 2, 3, CHOOSE.randint(4, 40),
                              CHOOSE.randint(1, ACCOUNTS["last_page"])])
        self.remember_reports(self.page("/workspace", "workspace list", page=page))

    @task(4)
    def filtered(self) -> None:
        choice = CHOOSE.choice(ACCOUNTS["filters"])
        self.remember_reports(self.page("/workspace", f"workspace filter ({choice['name']})",
                                        **choice["params"]))

    @task(2)
    def search(self) -> None:
        words = CHOOSE.sample(ACCOUNTS["words"], CHOOSE.choice([1, 1, 2]))
        self.remember_reports(self.page("/workspace", "workspace search", q=" ".join(words)))

    @task(4)
    def report(self) -> None:
        if self.seen:
            self.page(f"/reports/{CHOOSE.choice(self.seen)}", "report (advocate)")

    @task(1)
    def statistics(self) -> None:
        self.page("/workspace/statistics", "statistics")

    @task(1)
    def dossiers(self) -> None:
        self.page("/dossiers", "dossier list")


class FamilyMember(Person):
    role = "family"
    fixed_count = int(ACCOUNTS["counts"]["family"])

    @task(3)
    def reports(self) -> None:
        self.page("/reports", "my reports")

    @task(3)
    def report(self) -> None:
        self.page(f"/reports/{self.account['incident_id']}", "report (family)")

    @task(1)
    def thread(self) -> None:
        self.page(f"/reports/{self.account['incident_id']}/thread", "questions and answers")

    @task(2)
    def upload(self) -> None:
        incident = self.account["incident_id"]
        form = self.page(f"/reports/{incident}/evidence", "upload form")
        sample = CHOOSE.choice(ACCOUNTS["files"])
        content = Path(sample["path"]).read_bytes()
        receipt = self.post(f"/reports/{incident}/evidence", "upload: small file",
                            {"kind": sample["kind"], "description": "Load run sample"}, form,
                            f"/reports/{incident}/evidence/receipt",
                            files={"files": (sample["name"], content, sample["type"])})
        if receipt:
            text = self.page(receipt, "upload receipt")
            if hashlib.sha256(content).hexdigest() not in text:
                events.request.fire(request_type="CHECK", name="upload: receipt hash",
                                    response_time=0, response_length=0, context={},
                                    exception=AssertionError("receipt without the file's hash"))


class LegalReviewer(Person):
    role = "reviewers"
    fixed_count = int(ACCOUNTS["counts"]["reviewers"])

    def on_start(self) -> None:
        super().on_start()
        self.dossier = f"/dossiers/{self.account['dossier_id']}"
        self.export_once()

    def export_once(self) -> None:
        """Request the export, follow its progress page, download and check both files."""
        started = time.perf_counter()
        form = self.page(f"{self.dossier}/export", "export form")
        status = self.post(f"{self.dossier}/export", "export: request", {
            "variant": "confidential", "language": "en", "page_size": "a4"}, form, "/exports/")
        if not status:
            return
        error: BaseException | None = None
        while True:
            text = self.page(status, "export progress")
            if 'id="pdf-sha256"' in text:
                break
            if time.perf_counter() - started > EXPORT_DEADLINE_SECONDS:
                error = TimeoutError("the export did not finish in time")
                break
            time.sleep(5)  # what the page's Refresh header asks of a browser
        events.request.fire(request_type="EXPORT", name="export: request to files ready",
                            response_time=(time.perf_counter() - started) * 1000,
                            response_length=0, context={}, exception=error)
        if error is None:
            for which in ("pdf", "bundle"):
                self.download(f"{status}/{which}", which, text)

    def download(self, path: str, which: str, status_page: str) -> None:
        shown = re.search(rf'id="{which}-sha256">([0-9a-f]{{64}})<', status_page)
        with self.client.get(path, name=f"download: {which}", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif not shown or hashlib.sha256(response.content).hexdigest() != shown.group(1):
                response.failure(f"the {which} differs from the hash its page shows")

    @task(2)
    def dossier_list(self) -> None:
        self.page("/dossiers", "dossier list")

    @task(2)
    def dossier_page(self) -> None:
        self.page(self.dossier, "dossier (reviewer)")

    @task(1)
    def export_page(self) -> None:
        self.page(f"{self.dossier}/export", "export form")
