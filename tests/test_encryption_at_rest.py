"""A copy of the database reveals no sealed text: canary strings written through the
portal into narratives, names, contact details, addresses, messages and notes appear
nowhere in the SQLite file or in a pg_dump of the PostgreSQL database."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import make_url

from portal.models import Role, db
from tests.support.client import BrowserClient
from tests.support.factories import make_account, make_family
from tests.support.journeys import sign_in
from tests.support.reports import send_report, start_report

CANARIES = {
    "narrative": "CANARY-NARRATIVE-7f3a روایت‌قناری",
    "threat": "CANARY-THREAT-91bc",
    "name_fa": "قناری‌نام‌فارسی",
    "name_latin": "CANARY-NAME-LATIN-55de",
    "contact": "CANARY-CONTACT-+98-912-000-0000",
    "address": "CANARY-ADDRESS-Vali-Asr-Avenue",
    "message": "CANARY-MESSAGE-c0ffee",
    "notes": "CANARY-VERIFICATION-NOTE-beef",
}


def write_canaries(app: Flask, client: BrowserClient, advocate_client: BrowserClient) -> None:
    reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    family_id = make_family(app, members=[reporter], advocates=[advocate])
    sign_in(client, reporter)
    added = client.submit(f"/family/{family_id}/people/new", {
        "name_persian": CANARIES["name_fa"], "name_latin": CANARIES["name_latin"],
        "residence": "iran", "contact": CANARIES["contact"], "address": CANARIES["address"]})
    assert added.status_code == 302, added.get_data(as_text=True)[:300]
    incident_id = start_report(client)
    send_report(client, incident_id, "submit", start_text="1398/10/18",
                narrative=CANARIES["narrative"], threat_wording=CANARIES["threat"])
    send_report(client, incident_id, "amend", start_text="1398/10/18",
                narrative=CANARIES["narrative"] + " (amended)", threat_wording=CANARIES["threat"])
    client.submit(f"/reports/{incident_id}/thread", {"body": CANARIES["message"]})
    sign_in(advocate_client, advocate)
    advocate_client.submit(f"/reports/{incident_id}", {
        "verification": "partially_corroborated", "notes": CANARIES["notes"]},
        action=f"/reports/{incident_id}/review")
    # The portal itself still shows them to the people entitled to read them.
    page = client.text(f"/reports/{incident_id}")
    assert CANARIES["narrative"] in page


def test_database_copy_contains_no_canary(app: Flask, client: BrowserClient,
                                          another_client: BrowserClient, tmp_path: Path):
    write_canaries(app, client, another_client)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        with app.app_context():
            db.session.remove()
            db.engine.dispose()  # everything is on disk, nothing in a connection's cache
        dump = Path(str(url.database)).read_bytes()
        for suffix in ("-wal", "-journal"):
            extra = Path(str(url.database) + suffix)
            if extra.exists():
                dump += extra.read_bytes()
    else:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.fail("pg_dump is needed to check the PostgreSQL copy")
        libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
        dump = subprocess.run([pg_dump, "--no-owner", "--dbname", libpq_url],
                              capture_output=True, check=True, timeout=120,
                              env={**os.environ}).stdout
    assert len(dump) > 10_000  # a real copy of a database with data in it
    assert b"incidents" in dump or url.get_backend_name() == "sqlite"
    leaked = [name for name, text in CANARIES.items() if text.encode("utf-8") in dump]
    leaked += [name for name, text in CANARIES.items()
               if any(part.encode("utf-8") in dump for part in text.split() if len(part) > 8)]
    assert leaked == []
