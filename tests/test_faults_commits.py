"""Fault injection: a real server killed with SIGKILL while database commits are in flight.

Each trial starts `flask run` (threaded, as in development; one transaction per
request) and four writers on their own connections: two post messages in a report's
thread (a family member and an advocate), one family member creates and submits new
reports (draft, then the submission with its first revision, sealed fields and search
index), one advocate creates dossiers (the dossier, its first version and the audit
event). Every write carries a unique marker. The whole process group is killed with
SIGKILL at a seeded random moment 0.2-1.2 s after the writers started.

Then, with no server running, `flask audit verify` passes (the chain has no hole or
half-written event), and on the next server:
- every change that was acknowledged (its 302 received) is there: each message in the
  thread, each submitted report readable with its narrative;
- nothing partial is visible: every marker shown is one that was sent, at most once;
  every report in the database is a draft without revisions or a submitted report
  with exactly one revision (per submission, never a submitted report without its
  snapshot), every message decrypts (the thread page renders), every acknowledged
  dossier opens with its title.
The database is SQLite or PostgreSQL, as for the rest of the pass.
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.models import Incident, IncidentRevision, Role, db
from portal.models.vocabulary import IncidentStatus
from tests.support.client import BrowserClient
from tests.support.factories import Account, make_account, make_family
from tests.support.faults import (
    browser_like,
    kill_server,
    live_environment,
    run_cli,
    start_server,
)
from tests.support.figures import RecordProperty, report_figures
from tests.support.http_client import LoopbackBrowser, path_of
from tests.support.journeys import sign_in
from tests.support.reports import BASE_FORM, send_report, start_report

SEED = 7520
MARKER = re.compile(r"fault-commit-[0-9a-z-]+")
REPORT_PATH = re.compile(r"^/reports/(\d+)/steps/when$")  # step 1 (decision 0024)


@dataclass
class Writes:
    """What was sent, and what was acknowledged with a 302."""

    sent: set[str] = field(default_factory=set)
    acknowledged_messages: set[str] = field(default_factory=set)
    acknowledged_reports: dict[int, str] = field(default_factory=dict)  # id -> marker
    acknowledged_dossiers: dict[int, str] = field(default_factory=dict)  # id -> marker
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def post(browser: LoopbackBrowser, path: str, data: dict[str, object]) -> int:
    reply = browser.request("POST", path, urlencode(data, doseq=True).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})
    if reply.status not in (302, 303):
        raise AssertionError(f"{path}: {reply.status} {reply.text[:300]}")
    browser.last_location = path_of(reply.location)  # type: ignore[attr-defined]
    return reply.status


def writer(kind: str, browser: LoopbackBrowser, incident_id: int, tag: str, writes: Writes,
           stop: threading.Event) -> None:
    n = 0
    try:
        thread_token = browser.csrf_token(f"/reports/{incident_id}/thread")
        while not stop.is_set():
            n += 1
            marker = f"fault-commit-{tag}-{n}"
            with writes.lock:
                writes.sent.add(marker)
            if kind == "message":
                post(browser, f"/reports/{incident_id}/thread",
                     {"csrf_token": thread_token, "body": f"Message {marker} about the call."})
                with writes.lock:
                    writes.acknowledged_messages.add(marker)
            elif kind == "dossier":
                post(browser, "/dossiers/new", {
                    "csrf_token": thread_token, "title": f"Pattern {marker}",
                    "kind": "article_15", "destination": "icc_prosecutor", "language": "en",
                    "earlier_reference": ""})
                location = browser.last_location  # type: ignore[attr-defined]
                with writes.lock:
                    writes.acknowledged_dossiers[int(location.rstrip("/").split("/")[-1])] = marker
            else:
                post(browser, "/reports/new", {"csrf_token": thread_token})
                match = REPORT_PATH.match(browser.last_location)  # type: ignore[attr-defined]
                assert match, browser.last_location  # type: ignore[attr-defined]
                new_id = int(match.group(1))
                post(browser, f"/reports/{new_id}/edit", {
                    **BASE_FORM, "csrf_token": thread_token, "action": "submit",
                    "start_text": "1398/10/18", "narrative": f"They phoned me {marker}."})
                with writes.lock:
                    writes.acknowledged_reports[new_id] = marker
    except (OSError, http.client.HTTPException):
        return  # the server died under us
    except AssertionError as error:
        with writes.lock:
            writes.errors.append(f"{kind}: {error}")


def check_after_restart(app: Flask, member: LoopbackBrowser, advocate: LoopbackBrowser,
                        incident_id: int, writes: Writes, label: str) -> None:
    thread = member.get(f"/reports/{incident_id}/thread")
    assert thread.status == 200, f"{label}: thread {thread.status}"
    shown = MARKER.findall(thread.text)
    assert len(shown) == len(set(shown)), f"{label}: a message shows twice"
    assert set(shown) <= writes.sent, f"{label}: unknown markers {set(shown) - writes.sent}"
    lost = writes.acknowledged_messages - set(shown)
    assert not lost, f"{label}: acknowledged messages lost: {sorted(lost)}"
    for report_id, marker in writes.acknowledged_reports.items():
        page = member.get(f"/reports/{report_id}")
        assert page.status == 200, f"{label}: report {report_id}: {page.status}"
        assert marker in page.text, f"{label}: report {report_id} lost"
    for dossier_id, marker in writes.acknowledged_dossiers.items():
        page = advocate.get(f"/dossiers/{dossier_id}")
        assert page.status == 200, f"{label}: dossier {dossier_id}: {page.status}"
        assert marker in page.text, f"{label}: dossier {dossier_id} lost"
    listed = MARKER.findall(advocate.get("/dossiers").text)
    assert set(listed) <= writes.sent, label
    assert len(listed) == len(set(listed)), label
    with app.app_context():
        revisions: dict[int, int] = {
            row[0]: row[1] for row in db.session.execute(
                select(IncidentRevision.incident_id, func.count()).group_by(
                    IncidentRevision.incident_id))}
        for incident in db.session.scalars(select(Incident)):
            expected = 0 if incident.status is IncidentStatus.DRAFT else 1
            if incident.id == incident_id:
                continue  # the base report: verified, never amended
            assert revisions.get(incident.id, 0) == expected, (
                f"{label}: report {incident.id} is {incident.status} with "
                f"{revisions.get(incident.id, 0)} revisions")
            assert incident.status in (IncidentStatus.DRAFT, IncidentStatus.SUBMITTED), label
            if incident.status is IncidentStatus.SUBMITTED:
                assert incident.submitted_at is not None, label
        submitted = {i for i, in db.session.execute(select(Incident.id).where(
            Incident.status == IncidentStatus.SUBMITTED))}
    assert set(writes.acknowledged_reports) <= submitted, label


def run_trials(app: Flask, client: BrowserClient, another_client: BrowserClient,
               tmp_path: Path, trials: int, budget_s: float) -> str:
    started = time.monotonic()
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    make_family(app, members=[member], advocates=[advocate])
    sign_in(client, member)
    incident_id = start_report(client)
    assert send_report(client, incident_id, "submit",
                       start_text="1398/10/18").status_code == 302
    sign_in(another_client, advocate)
    env = live_environment(app)
    rng = random.Random(SEED)
    writes = Writes()
    log = []
    for trial in range(trials + 1):
        last = trial == trials  # one more start to check the last trial
        server, port = start_server(env, tmp_path / f"server-{trial:02d}.log")
        threads: list[threading.Thread] = []
        stop = threading.Event()
        try:
            check_after_restart(app, browser_like(client, port),
                                browser_like(another_client, port), incident_id, writes,
                                f"after trial {trial - 1}")
            if last:
                break
            roles: list[tuple[str, BrowserClient | Account]] = [
                ("message", client), ("message", another_client), ("report", client),
                ("dossier", another_client)]
            for w, (kind, who) in enumerate(roles):
                browser = browser_like(who, port)  # type: ignore[arg-type]
                threads.append(threading.Thread(
                    target=writer, daemon=True,
                    args=(kind, browser, incident_id, f"{trial}-{w}", writes, stop)))
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.2, 1.2))
            kill_server(server)
        finally:
            stop.set()
            kill_server(server)
            for thread in threads:
                thread.join(timeout=30)
        assert not writes.errors, writes.errors
        code, output = run_cli(app, "audit", "verify")
        assert code == 0, f"trial {trial}: {output}"
        log.append(f"trial {trial}: {len(writes.acknowledged_messages)} messages, "
                   f"{len(writes.acknowledged_reports)} reports, "
                   f"{len(writes.acknowledged_dossiers)} dossiers acknowledged so far")
        assert time.monotonic() - started < budget_s, f"over the time budget at trial {trial}"
    assert writes.acknowledged_messages, "no message committed"
    assert writes.acknowledged_reports, "no report committed"
    assert len(writes.sent) > len(writes.acknowledged_messages) + len(
        writes.acknowledged_reports) + len(writes.acknowledged_dossiers), "no write was cut"
    print("\n" + "\n".join(log))
    return (f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: {trials} SIGKILLs during "
            f"commits in {time.monotonic() - started:.0f} s; "
            f"{len(writes.sent)} writes sent, {len(writes.acknowledged_messages)} messages, "
            f"{len(writes.acknowledged_reports)} reports and "
            f"{len(writes.acknowledged_dossiers)} dossiers acknowledged, 0 lost, nothing "
            "partial; `flask audit verify` green after every restart")


def test_sigkill_during_commits_loses_nothing_acknowledged(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        tmp_path: Path, record_property: RecordProperty) -> None:
    report_figures(record_property,
                   run_trials(app, client, another_client, tmp_path, trials=3, budget_s=60))


@pytest.mark.proof
def test_sigkill_during_commits_many_trials(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        tmp_path: Path, record_property: RecordProperty) -> None:
    report_figures(record_property,
                   run_trials(app, client, another_client, tmp_path, trials=20, budget_s=400))
