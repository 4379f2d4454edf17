"""sqlmap (Debian's package) against a real test server on 127.0.0.1, signed in as each
role: nothing is injectable.

A world of fictional data (a family with two consented reports, one photo, a draft
dossier and one sent to its reviewer) is built with the test client; a real `flask run`
serves the same database. For each role the test signs in with the test client, hands the session
cookie to sqlmap and runs it, `--batch`, bounded (level 1, risk 1, 2 s time-based
delay by default; PORTAL_SQLMAP_LEVEL / PORTAL_SQLMAP_RISK raise them), against every
parameter of that role's parameterised endpoints: the workspace filters and the
dossier builder's choose filters (the same filter form: free text, dates, selects,
page), the audit and user filters, path ids (marked with `*`), and form posts with a
fresh CSRF token per request (`--csrf-token`/`--csrf-url`): among them a person, a
report's consent, an evidence item's description and its withdrawal request (the world
has one uploaded photo; the request is the member's last target, as it changes the
item), invitations by an advocate and by an administrator, a victim of the register and
an incident type. The session cookie itself is never tested (`--skip`), so the scan
stays signed in.

Each run must end with sqlmap's "do not appear to be injectable" and never print an
injection point; the page must still answer 200 with the same cookie afterwards (the
scan really ran signed in). Marked `proof`: `make proof` runs it (minutes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask

from portal.models import Role
from tests.support.client import BrowserClient
from tests.support.dossier_world import DossierWorld, build_dossier_world
from tests.support.factories import Account, make_account
from tests.support.faults import (
    SESSION_COOKIE,
    browser_like,
    kill_server,
    live_environment,
    start_server,
)
from tests.support.figures import RecordProperty, report_figures
from tests.support.journeys import sign_in, sign_out

pytestmark = pytest.mark.proof

SQLMAP = shutil.which("sqlmap") or "/usr/bin/sqlmap"
LEVEL = os.environ.get("PORTAL_SQLMAP_LEVEL", "1")
RISK = os.environ.get("PORTAL_SQLMAP_RISK", "1")
FOUND = ("identified the following injection point", "is vulnerable",
         "appears to be injectable", "might be injectable")
FILTERS = ("family=&since=1398/01/01&until=2024-12-31&type_code=summons&agency=&country=IR"
           "&verification=&has_evidence=&q=office&page=1")


@dataclass(frozen=True)
class Target:
    """One sqlmap run: a URL (with `*` marking path ids), optional form data, and the
    page a CSRF token is read from."""

    url: str
    data: str = ""
    csrf_url: str = ""


def targets_for(role: Role, world: DossierWorld, admin: Account) -> list[Target]:
    report, other = world.report_ids
    draft, in_review, item = world.draft_id, world.in_review_id, world.evidence_id
    if role is Role.FAMILY_MEMBER:
        return [
            Target(f"/reports/{report}*"),
            Target(f"/reports/{report}/history/1*"),
            Target(f"/reports/{report}/thread", "csrf_token=x&body=When+did+they+call%3F",
                   f"/reports/{report}/thread"),
            # The long incident form, amending a submitted report (free text and lists).
            Target(f"/reports/{report}/edit", "csrf_token=x&action=amend&calendar=solar_hijri"
                   "&start_text=1398%2F10%2F18&timezone=Asia%2FTehran&country=IR&city=Testabad"
                   "&type_codes=summons&narrative=They+called+again&reporter_is_target=y",
                   f"/reports/{report}/edit"),
            Target(f"/family/{world.family_id}/people/new", "csrf_token=x"
                   "&name_persian=%D9%85%D8%B1%DB%8C%D9%85+%D9%86%D9%85%D9%88%D9%86%D9%87"
                   "&name_latin=Maryam+Example&relationship_note=Sister+of+the+victim"
                   "&residence=canada&residence_country=CA&travels_to_iran=y"
                   "&contact=maryam%40example.org&address=12+Example+Street%2C+Toronto",
                   f"/family/{world.family_id}/people/new"),
            # The same consent again (a spoiled value is refused): the dossiers keep theirs.
            Target(f"/reports/{report}/consent", "csrf_token=x&destinations=icc_prosecutor"
                   "&disclosure=pseudonym&testify=no", f"/reports/{report}/consent"),
            Target(f"/evidence/{item}/describe", "csrf_token=x&title=Summons+letter&kind=photo"
                   "&description=Photo+of+the+summons&obtained_how=Taken+with+my+phone"
                   "&prior_chain=Cousin+in+Tehran&creator=My+cousin&source=WhatsApp"
                   "&claimed_date_text=1398%2F10%2F18&claimed_place=Tehran&content_language=fa"
                   "&claim_source=reporter&claim_trusted=yes&classification=confidential",
                   f"/evidence/{item}/describe"),
            # Last: the first request is granted, then the item can no longer be described.
            Target(f"/evidence/{item}/withdrawal", "csrf_token=x&reason=Uploaded+by+mistake",
                   f"/evidence/{item}"),
        ]
    if role is Role.ADVOCATE:
        return [
            Target(f"/workspace?{FILTERS}"),
            Target(f"/dossiers/{draft}/choose?{FILTERS}"),
            Target(f"/dossiers/{draft}/preview?variant=confidential"),
            Target(f"/dossiers/{draft}*"),
            Target("/dossiers/new", "csrf_token=x&title=Pattern+of+calls&kind=article_15"
                   "&destination=icc_prosecutor&language=en&earlier_reference=",
                   "/dossiers/new"),
            Target(f"/dossiers/{draft}/redactions", "csrf_token=x&text=Testabad&reason=R2",
                   f"/dossiers/{draft}/redactions"),
            Target(f"/dossiers/{draft}/incidents", f"csrf_token=x&incident_id={other}",
                   f"/dossiers/{draft}/choose"),
            Target(f"/dossiers/{draft}/sections/background", "csrf_token=x&body=Background"
                   "&lock_version=1&action=preview", f"/dossiers/{draft}/sections/background"),
            Target(f"/translations/incidents/{report}", "csrf_token=x&language=en"
                   "&text=A+translation&translator=T.+Translator&method=human",
                   f"/translations/incidents/{report}"),
            Target(f"/reports/{report}/review", "csrf_token=x&verification=corroborated"
                   "&notes=Checked", f"/reports/{report}"),
            Target("/invitations/new", "csrf_token=x&display_name=Sara&role=family_member"
                   f"&family_id={world.family_id}&locale=fa", "/invitations/new"),
        ]
    if role is Role.LEGAL_REVIEWER:
        return [
            Target(f"/dossiers/{in_review}/review*"),
            Target(f"/dossiers/{in_review}/preview?variant=public"),
            # Approval without the ticked statement: refused, so the dossier stays in review.
            Target(f"/dossiers/{in_review}/review", "csrf_token=x&decision=approve"
                   "&content_hash=0&comments=Reviewed", f"/dossiers/{in_review}/review"),
        ]
    return [
        Target("/admin/audit?action=&outcome=&actor=advocate&since=2020-01-01"
               "&until=2030-01-01&page=1"),
        Target("/admin/users?role=advocate"),
        Target(f"/admin/users/{world.advocate.id}*"),
        Target("/admin/register/taxonomy", "csrf_token=x&code=test_term&label_en=Test+term"
               "&label_fa=%D8%A2%D8%B2%D9%85%D9%88%D9%86&label_fr=Terme+de+test",
               "/admin/register/taxonomy"),
        Target("/admin/editorial/events", "csrf_token=x&occurred_on=2021-01-08"
               "&kind=anniversary&title_en=Anniversary&title_fr=&title_fa=",
               "/admin/editorial/events"),
        Target("/invitations/new", "csrf_token=x&display_name=Reviewer+R&role=legal_reviewer"
               "&locale=en", "/invitations/new"),
        Target("/admin/register/victims/new", "csrf_token=x&name_latin=Test+Victim"
               "&name_persian=%D9%82%D8%B1%D8%A8%D8%A7%D9%86%DB%8C+%D9%86%D9%85%D9%88%D9%86%D9%87"
               "&age=30&ties_countries=CA+IR&ties_note=Studied+in+Canada",
               "/admin/register/victims/new"),
    ]


def run_sqlmap(base: str, cookie: str, target: Target, out: Path, dbms: str) -> str:
    command = [
        SQLMAP, "-u", base + target.url, "--cookie", f"{SESSION_COOKIE}={cookie}",
        "--skip", SESSION_COOKIE, "--batch", "--level", LEVEL, "--risk", RISK,
        "--dbms", dbms, "--time-sec", "2", "--timeout", "10", "--retries", "1",
        "--threads", "1", "--output-dir", str(out), "--disable-coloring",
        "--answers", "follow=N,redirect=N", "--ignore-code", "404",
    ]
    if target.data:
        command += ["--data", target.data, "--method", "POST"]
    if target.csrf_url:
        command += ["--csrf-token", "csrf_token", "--csrf-url", base + target.csrf_url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False,
                          stdin=subprocess.DEVNULL)
    return done.stdout + done.stderr


def scan_role(app: Flask, client: BrowserClient, account: Account, role: Role,
              world: DossierWorld, admin: Account, port: int, out: Path, dbms: str) -> list[str]:
    sign_in(client, account, code_offset=1)  # the step of any earlier sign-in is spent
    browser = browser_like(client, port)
    cookie = browser.cookies[SESSION_COOKIE]
    report = []
    for n, target in enumerate(targets_for(role, world, admin)):
        page = (target.csrf_url or target.url).replace("*", "")
        assert browser.get(page).status == 200, f"{role.value}: {page} is not reachable"
        started = time.monotonic()
        output = run_sqlmap(f"http://127.0.0.1:{port}", cookie, target, out / f"{role.value}-{n}",
                            dbms)
        found = [line for line in output.splitlines() if any(f in line for f in FOUND)]
        assert not found, f"{role.value} {target.url}: {found}\n{output[-3000:]}"
        assert "do not appear to be injectable" in output, (
            f"{role.value} {target.url}: sqlmap did not finish its tests\n{output[-3000:]}")
        payload_kinds = output.count("[INFO] testing '")
        assert payload_kinds, f"{role.value} {target.url}: no test ran\n{output[-3000:]}"
        still = browser.get(page)
        assert still.status == 200, f"{role.value}: the session ended during the scan of {page}"
        report.append(f"{role.value} {target.url} {'POST' if target.data else 'GET'}: "
                      f"{payload_kinds} techniques tried, not injectable "
                      f"({time.monotonic() - started:.0f} s)")
    sign_out(client)
    return report


def test_sqlmap_finds_nothing_injectable_for_any_role(
        app: Flask, client: BrowserClient, tmp_path: Path,
        record_property: RecordProperty) -> None:
    if not Path(SQLMAP).exists():
        pytest.fail("sqlmap is not installed: `make setup` installs Debian's sqlmap")
    started = time.monotonic()
    world = build_dossier_world(app, client, with_evidence=True)
    admin = make_account(app, Role.ADMIN, locale="en")
    dbms = "PostgreSQL" if app.config["SQLALCHEMY_DATABASE_URI"].startswith(
        "postgresql") else "SQLite"
    server, port = start_server(live_environment(app), tmp_path / "server.log")
    report: list[str] = []
    try:
        for role, account in ((Role.FAMILY_MEMBER, world.member), (Role.ADVOCATE, world.advocate),
                              (Role.LEGAL_REVIEWER, world.reviewer), (Role.ADMIN, admin)):
            report += scan_role(app, client, account, role, world, admin, port,
                                tmp_path / "sqlmap", dbms)
    finally:
        kill_server(server)
    print("\n" + "\n".join(report))
    report_figures(record_property, f"sqlmap level {LEVEL}, risk {RISK} on {dbms}: "
                   f"{len(report)} endpoints scanned as family member, advocate, legal "
                   f"reviewer and administrator in {time.monotonic() - started:.0f} s; "
                   "0 injectable")
