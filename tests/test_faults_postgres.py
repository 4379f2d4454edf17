"""Fault injection: PostgreSQL stopped and started again under a running portal.

Never the machine's shared server: the test makes a private cluster of its own
(initdb + pg_ctl on a free loopback port in a temporary folder, as the `postgres`
user when we are root), migrates a fresh instance into it and starts a real `flask run`
server on it. A family member keeps posting messages in a report's thread (each with a
unique marker) and reading pages, while the cluster is stopped ("fast": connections
are cut; then "immediate": a crash, recovered from the WAL), kept down for a moment,
and started again. The server is never restarted.

While the database is down, every answer is a clean error page (500 or 503, the
portal's own page, no traceback) and nothing is acknowledged; once it is back, the
next requests succeed within a few seconds (the pool replaces dead connections:
`pool_pre_ping`, portal/config.py); every message acknowledged with a 302 is in the
thread, nothing else is (no partial write), and `flask audit verify` passes.

It brings its own cluster, so it runs once per `make test`: in the SQLite pass.
"""

from __future__ import annotations

import http.client
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.faults import (
    cli,
    kill_server,
    postgres_unavailable_reason,
    private_postgres,
    start_server,
)
from tests.support.figures import RecordProperty, report_figures
from tests.support.http_client import LoopbackBrowser
from tests.test_real_server import ROOT, instance
from tests.test_upload_faults import PASSPHRASE, SETUP_SCRIPT, USERNAME

SEED = 7521
MARKER = re.compile(r"pg-restart-[0-9]+-[0-9]+")
ERROR_PAGE = "Something went wrong"

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("PORTAL_TEST_DATABASE_URL")),
    reason="brings its own PostgreSQL cluster: runs in the SQLite pass of `make test`")


@dataclass
class Traffic:
    sent: set[str] = field(default_factory=set)
    acknowledged: set[str] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)
    last_ok: float = 0.0


def traffic(browser: LoopbackBrowser, incident_id: int, token: str, stop: threading.Event,
            seen: Traffic, trial: int) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        marker = f"pg-restart-{trial}-{n}"
        seen.sent.add(marker)
        try:
            posted = browser.post_form(f"/reports/{incident_id}/thread",
                                       {"csrf_token": token, "body": f"Call {marker}."})
            page = browser.get(f"/reports/{incident_id}")
        except (OSError, http.client.HTTPException) as error:
            seen.bad.append(f"connection: {type(error).__name__}")
            continue
        for reply in (posted, page):
            seen.statuses[reply.status] += 1
            clean = reply.status in (500, 503) and ERROR_PAGE in reply.text \
                and "Traceback" not in reply.text
            if reply.status >= 500 and not clean:
                seen.bad.append(f"{reply.status}: {reply.text[:300]}")
        if posted.status == 302:
            seen.acknowledged.add(marker)
        elif posted.status < 500:
            seen.bad.append(f"post answered {posted.status}")
        if posted.status == 302 and page.status == 200:
            seen.last_ok = time.monotonic()
        time.sleep(0.02 if posted.status < 500 else 0.1)


def test_postgresql_restarted_under_the_running_portal(
        tmp_path: Path, record_property: RecordProperty) -> None:
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    started = time.monotonic()
    rng = random.Random(SEED)
    with private_postgres() as cluster:
        admin = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text('CREATE DATABASE "portal"'))
        admin.dispose()
        env = {**instance(tmp_path / "instance"), "PORTAL_DATABASE_URL": cluster.url("portal"),
               "PORTAL_JOBS_BACKEND": "thread"}
        env.pop("PORTAL_REDIS_URL", None)
        upgraded = cli(env, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr[-2000:]
        made = subprocess.run([sys.executable, "-c", SETUP_SCRIPT, USERNAME, PASSPHRASE],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
                              check=False)
        assert made.returncode == 0, made.stderr[-2000:]
        incident_id = int(made.stdout.split()[-1])

        server, port = start_server(env, tmp_path / "server.log")
        seen = Traffic()
        try:
            browser = LoopbackBrowser(port, timeout=30)
            browser.sign_in(USERNAME, PASSPHRASE)
            token = browser.csrf_token(f"/reports/{incident_id}/thread")
            for trial, mode in enumerate(("fast", "immediate")):
                stop = threading.Event()
                worker = threading.Thread(target=traffic, daemon=True,
                                          args=(browser, incident_id, token, stop, seen, trial))
                worker.start()
                time.sleep(rng.uniform(0.3, 0.8))
                cluster.stop(mode)
                down_at = time.monotonic()
                time.sleep(rng.uniform(0.5, 1.0))
                cluster.start()
                back_at = time.monotonic()
                deadline = back_at + 15
                while seen.last_ok < back_at + 0.01:
                    assert time.monotonic() < deadline, (
                        f"{mode}: the portal did not recover within 15 s: {seen.statuses}")
                    time.sleep(0.05)
                stop.set()
                worker.join(timeout=30)
                assert not worker.is_alive()
                assert back_at - down_at > 0.4
            assert not seen.bad, seen.bad[:5]
            assert seen.statuses[500] + seen.statuses[503] > 0, (
                f"no request ever met the stopped database: {seen.statuses}")
            shown = MARKER.findall(browser.get(f"/reports/{incident_id}/thread").text)
        finally:
            kill_server(server)
        assert len(shown) == len(set(shown)), "a message shows twice"
        assert set(shown) <= seen.sent
        lost = seen.acknowledged - set(shown)
        assert not lost, f"acknowledged messages lost: {sorted(lost)[:5]}"
        audit = cli(env, "audit", "verify")
        assert audit.returncode == 0, audit.stdout + audit.stderr
    report_figures(record_property, f"PostgreSQL stopped twice under the portal in "
                   f"{time.monotonic() - started:.0f} s: statuses {dict(seen.statuses)}; "
                   f"{len(seen.acknowledged)} messages acknowledged, all kept")
