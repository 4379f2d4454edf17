"""A copy of the server reveals no free text: a canary typed through the portal (over
HTTP, as people type it) into every free-text field the UI offers appears nowhere in
the database (the SQLite file, or a plain `pg_dump` of PostgreSQL), in the blob store,
in the logs, or in a backup (`flask backup create`: the SQLite copy, or PostgreSQL's
custom-format dump restored to text with `pg_restore -f -`, since its compression hid
canaries from a byte search).

The fields, by form (each canary is also read back through the portal, so a field
that silently dropped its value cannot make the test pass):
- person: names (Persian, Latin), relationship note, contact, address;
- report: province, city, online platform, narrative, demands, threat wording, the
  people involved, harm, witnesses, the authority's reference; thread messages;
- evidence: the file name, the upload form's description, how obtained, prior chain;
  the description form's title, description, creator, source, claimed date and place;
  a withdrawal reason; a staff member's download purpose;
- advocate: verification notes, a legal tag, a translation and its translator, a
  dossier's title, earlier reference, section text, redaction and withheld reason;
- legal reviewer: their full name and capacity, review comments;
- a workspace search (never stored; it must not reach the logs either).

Clear by design, and so not here: usernames and display names (needed to sign in and
to name people to each other), dates as typed (they must parse as dates), the public
victims register, public advocacy events, section templates and taxonomy labels
(editorial text written for publication).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import make_url, select, text

from portal.dependencies import crypto_kit
from portal.models import CustodyEvent, CustodyPurpose, DossierExhibit, Role, db
from portal.models.sealed import sealed_columns, sealed_context
from tests.conftest import CAPTURED
from tests.support.client import BrowserClient
from tests.support.evidence import upload
from tests.support.factories import Account, make_account, make_family
from tests.support.journeys import sign_in, sign_out
from tests.support.reports import send_report, start_report
from tests.test_dossiers import add, create_dossier
from tests.test_evidence import download, receipt_items
from tests.test_keys import Instance, blobs, instance, run  # noqa: F401 - the fixture

CANARIES = {
    # person
    "name_fa": "قناری‌نام‌فارسی",
    "name_latin": "CANARY-NAME-LATIN-55de",
    "relationship_note": "CANARY-RELATIONSHIP-3c7e خواهر‌قناری",
    "contact": "CANARY-CONTACT-+98-912-000-0000",
    "address": "CANARY-ADDRESS-Vali-Asr-Avenue",
    # report
    "province": "CANARY-PROVINCE-9a41 استان‌قناری",
    "city": "CANARY-CITY-6d02 شهرقناری",
    "online_platform": "CANARY-PLATFORM-b7e5",
    "narrative": "CANARY-NARRATIVE-7f3a روایت‌قناری",
    "demands": "CANARY-DEMANDS-1e9f",
    "threat": "CANARY-THREAT-91bc",
    "perpetrators": "CANARY-PERPETRATORS-4a6d",
    "harm_note": "CANARY-HARM-8b3c",
    "witnesses": "CANARY-WITNESSES-2f7a",
    "report_reference": "CANARY-REFERENCE-0c5e",
    "message": "CANARY-MESSAGE-c0ffee",
    # evidence
    "file_name": "CANARY-FILENAME-5e1b",
    "upload_description": "CANARY-UPLOAD-DESCRIPTION-d41c",
    "upload_obtained": "CANARY-UPLOAD-OBTAINED-7b2a",
    "upload_chain": "CANARY-UPLOAD-CHAIN-3e8d",
    "title": "CANARY-TITLE-a9c3",
    "description": "CANARY-DESCRIPTION-6f0b",
    "creator": "CANARY-CREATOR-2d4e",
    "source": "CANARY-SOURCE-8e1f",
    "claimed_date": "CANARY-CLAIMED-DATE-4c9a دی‌قناری",
    "claimed_place": "CANARY-CLAIMED-PLACE-0b7d",
    "withdrawal_reason": "CANARY-WITHDRAWAL-e5a2",
    "purpose": "CANARY-PURPOSE-52be0d17",
    # advocate
    "notes": "CANARY-VERIFICATION-NOTE-beef",
    "legal_tag": "CANARY-TAG-4b1d",
    "translation": "CANARY-TRANSLATION-9f6c",
    "translator": "CANARY-TRANSLATOR-1a3b",
    "dossier_title": "CANARY-DOSSIER-TITLE-7c8e",
    "earlier_reference": "CANARY-EARLIER-REF-5d2f",
    "section": "CANARY-SECTION-3a9b",
    "redaction": "CANARY-REDACTION-6e4c",
    "withheld_reason": "CANARY-WITHHELD-8f1a",
    # legal reviewer
    "full_name": "CANARY-FULL-NAME-2b6d",
    "capacity": "CANARY-CAPACITY-4e7f",
    "review": "CANARY-REVIEW-COMMENTS-9d3e",
    # searched for, never stored
    "search": "CANARYSEARCHWORD0a1b",
}


def ok(response, where: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, (where, response.status_code,
                                          response.get_data(as_text=True)[:600])


def write_canaries(app: Flask, client: BrowserClient, other: BrowserClient) -> None:
    """Every free-text field the UI offers, filled with its canary over HTTP; each one
    is then read back through the portal by someone entitled to it."""
    c = CANARIES
    reporter = make_account(app, Role.FAMILY_MEMBER, locale="en")
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    reviewer = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    family_id = make_family(app, members=[reporter], advocates=[advocate])

    # -- the family member -----------------------------------------------------------------
    sign_in(client, reporter)
    added = client.submit(f"/family/{family_id}/people/new", {
        "name_persian": c["name_fa"], "name_latin": c["name_latin"],
        "relationship_note": c["relationship_note"], "residence": "iran",
        "contact": c["contact"], "address": c["address"]})
    ok(added, "person")
    person_page = added.headers["Location"]
    incident_id = start_report(client)
    report = {"start_text": "1398/10/18", "province": c["province"], "city": c["city"],
              "place_type": "online", "online_platform": c["online_platform"],
              "demands": c["demands"], "threat_wording": c["threat"],
              "perpetrators": c["perpetrators"], "harm_note": c["harm_note"],
              "witnesses": c["witnesses"], "report_authority": "police",
              "report_date": "1398/10/30", "report_reference": c["report_reference"]}
    ok(send_report(client, incident_id, "submit", narrative=c["narrative"], **report),
       "report")
    ok(send_report(client, incident_id, "amend", narrative=c["narrative"] + " (amended)",
                   **report), "amendment")
    ok(client.submit(f"/reports/{incident_id}/thread", {"body": c["message"]}), "message")
    client.submit(f"/reports/{incident_id}/consent", {
        "destinations": ["icc_prosecutor"], "disclosure": "pseudonym", "testify": "no"})
    uploaded = upload(client, incident_id, [(b"first file", c["file_name"] + ".txt"),
                                            (b"second file", "second.txt")],
                      description=c["upload_description"], obtained_how=c["upload_obtained"],
                      prior_chain=c["upload_chain"])
    item_id, second_id = receipt_items(client, uploaded)
    ok(client.submit(f"/evidence/{item_id}/describe", {
        "title": c["title"], "kind": "document", "description": c["description"],
        "obtained_how": c["upload_obtained"], "prior_chain": c["upload_chain"],
        "creator": c["creator"], "source": c["source"], "claimed_date_text": c["claimed_date"],
        "claimed_place": c["claimed_place"], "claim_source": "reporter", "claim_trusted": "",
        "classification": "confidential"}), "description")
    ok(client.submit(f"/evidence/{second_id}", {"reason": c["withdrawal_reason"]},
                     action=f"/evidence/{second_id}/withdrawal"), "withdrawal")
    # Read back by the family member.
    shown = client.text(person_page)
    assert c["relationship_note"] in shown
    assert c["name_latin"] in shown
    assert c["relationship_note"] in client.text("/family")
    shown = client.text(f"/reports/{incident_id}")
    for name in ("province", "city", "online_platform", "narrative", "demands",
                 "report_reference"):
        assert c[name] in shown, name
    assert c["claimed_date"] in client.text(f"/evidence/{item_id}")
    sign_out(client)

    # -- the advocate ----------------------------------------------------------------------
    sign_in(client, advocate)
    ok(client.submit(f"/reports/{incident_id}", {
        "verification": "partially_corroborated", "notes": c["notes"]},
        action=f"/reports/{incident_id}/review"), "verification")
    ok(client.submit(f"/reports/{incident_id}", {"tag": c["legal_tag"]},
                     action=f"/reports/{incident_id}/tags"), "legal tag")
    assert c["legal_tag"] in client.text(f"/reports/{incident_id}")
    ok(client.submit(f"/translations/incidents/{incident_id}", {
        "language": "en", "text": c["translation"], "translator": c["translator"],
        "method": "human"}), "translation")
    downloaded = client.submit(f"/evidence/{item_id}", {"purpose": c["purpose"]},
                               action=f"/evidence/{item_id}/download")
    assert downloaded.status_code == 200
    assert downloaded.get_data() == b"first file"
    assert c["purpose"] in client.text(f"/evidence/{item_id}")
    assert c["purpose"] in client.text(f"/evidence/{item_id}/custody.jsonl")
    searched = client.get("/workspace", query_string={"q": c["search"]})
    assert searched.status_code == 200
    dossier_id = create_dossier(client, c["dossier_title"])
    ok(client.submit(f"/dossiers/{dossier_id}/details", {
        "title": c["dossier_title"], "kind": "article_15", "destination": "icc_prosecutor",
        "language": "en", "earlier_reference": c["earlier_reference"]}),
       "dossier details")
    ok(add(client, dossier_id, incident_id), "dossier report")
    ok(client.submit(f"/dossiers/{dossier_id}/sections/methodology", {
        "body": c["section"], "action": "save"}), "section")
    ok(client.submit(f"/dossiers/{dossier_id}/redactions",
                     {"text": c["redaction"], "reason": "R2"}), "redaction")
    with app.app_context():
        exhibit_id = db.session.scalars(select(DossierExhibit.id).where(
            DossierExhibit.dossier_id == dossier_id)).first()
    assert exhibit_id is not None
    ok(client.submit(f"/dossiers/{dossier_id}/exhibits/{exhibit_id}", {
        "withheld": "y", "reason": c["withheld_reason"]}), "withheld")
    ok(client.submit(f"/dossiers/{dossier_id}", {"reviewer": str(reviewer.id)},
                     action=f"/dossiers/{dossier_id}/send"), "send")
    sign_out(client)

    # -- the legal reviewer ------------------------------------------------------------------
    sign_in(other, reviewer)
    ok(other.submit("/account", {"full_name": c["full_name"],
                                 "professional_capacity": c["capacity"]}), "profile")
    returned = other.submit(f"/dossiers/{dossier_id}/review", {
        "decision": "return", "comments": c["review"]})
    ok(returned, "review")
    assert c["review"] in other.text(f"/dossiers/{dossier_id}")


def contains(blob: bytes) -> list[str]:
    """The canaries (whole, or any word of one longer than 8 characters) in `blob`."""
    found = []
    for name, canary in CANARIES.items():
        parts = [canary, *(p for p in re.split(r"\s+", canary) if len(p) > 8)]
        if any(part.encode("utf-8") in blob for part in parts):
            found.append(name)
    return found


def database_copy(app: Flask) -> bytes:
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
        return dump
    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run([pg_tool("pg_dump"), "--no-owner", "--dbname", libpq_url],
                          capture_output=True, check=True, timeout=120,
                          env={**os.environ}).stdout


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is needed to check the PostgreSQL copy")
    return found


def backup_as_text(folder: Path) -> dict[str, bytes]:
    """Every file of a backup folder; PostgreSQL's custom-format dump (compressed)
    restored to plain SQL first, as anyone holding the backup can."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes()
             for p in folder.rglob("*") if p.is_file()}
    if "database.pgdump" in files:
        files["database.pgdump (restored to text)"] = subprocess.run(
            [pg_tool("pg_restore"), "-f", "-", str(folder / "database.pgdump")],
            capture_output=True, check=True, timeout=120).stdout
    return files


def test_database_copy_contains_no_canary(app: Flask, client: BrowserClient,
                                          another_client: BrowserClient):
    write_canaries(app, client, another_client)
    dump = database_copy(app)
    assert len(dump) > 10_000  # a real copy of a database with data in it
    assert b"incidents" in dump or make_url(
        app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "sqlite"
    assert contains(dump) == []


def test_blob_store_and_logs_contain_no_canary(app: Flask, client: BrowserClient,
                                               another_client: BrowserClient):
    write_canaries(app, client, another_client)
    blobs = [p for p in Path(app.config["EVIDENCE_DIR"]).rglob("*") if p.is_file()]
    assert len(blobs) >= 2  # the two files, and what was derived from them
    found = {str(p): contains(p.read_bytes()) for p in blobs}
    assert {path: names for path, names in found.items() if names} == {}
    logs = "\n".join(CAPTURED.lines)
    assert "POST /evidence" in logs  # the requests were logged, not their contents
    assert contains(logs.encode("utf-8")) == []


def test_both_kinds_of_backup_contain_no_canary(app: Flask, client: BrowserClient,
                                                another_client: BrowserClient,
                                                tmp_path: Path):
    write_canaries(app, client, another_client)
    folder = tmp_path / "backup"
    result = app.test_cli_runner().invoke(args=["backup", "create", str(folder)])
    assert result.exit_code == 0, result.output
    files = backup_as_text(folder)
    database = [name for name in files if name.startswith("database.")]
    assert database, sorted(files)
    if "database.pgdump" in files:
        restored = files["database.pgdump (restored to text)"]
        assert b"COPY public.incidents" in restored  # a real text dump of the data
    found = {name: contains(content) for name, content in files.items()}
    assert {name: names for name, names in found.items() if names} == {}


# -- key rotation and the migration, on an instance of their own ------------------------------

# The columns sealed by migration 0013 (decision 0014), and where each canary went.
NEWLY_SEALED = {
    ("incidents", "province_sealed"): "province", ("incidents", "city_sealed"): "city",
    ("incidents", "online_platform_sealed"): "online_platform",
    ("people", "relationship_note_sealed"): "relationship_note",
    ("evidence_items", "claimed_date_text_sealed"): "claimed_date",
    ("legal_tags", "tag_sealed"): "legal_tag",
    ("custody_purposes", "purpose_sealed"): "purpose",
}


def opened_new_columns(app: Flask) -> dict[tuple[str, str], set[str]]:
    """The texts of the newly sealed columns, opened with the app's keys."""
    found: dict[tuple[str, str], set[str]] = {}
    with app.app_context():
        kit = crypto_kit()
        for table, column in sealed_columns(db.metadata):
            if (table.name, column.name) not in NEWLY_SEALED:
                continue
            for row_id, blob in db.session.execute(
                    select(table.c.id, column).where(column.is_not(None))):
                found.setdefault((table.name, column.name), set()).add(kit.cipher.open(
                    bytes(blob), sealed_context(table.name, row_id, column.name)).decode())
    return found


def assert_every_new_column_holds_its_canary(app: Flask) -> None:
    opened = opened_new_columns(app)
    for place, name in NEWLY_SEALED.items():
        assert CANARIES[name] in opened.get(place, set()), (place, opened.get(place))


def assert_checks_pass(app: Flask) -> None:
    for command in (("evidence", "verify"), ("audit", "verify")):
        result = app.test_cli_runner().invoke(args=list(command))
        assert result.exit_code == 0, (command, result.output)


def test_a_key_rotation_reseals_the_new_columns_and_custody_still_verifies(
        instance: Instance):  # noqa: F811 - the fixture
    app = instance.build()
    write_canaries(app, app.test_client(), app.test_client())  # type: ignore[arg-type]
    before = blobs(app)
    assert {(t, c) for t, c, _ in before} >= set(NEWLY_SEALED)
    result = run(app, "rotate")
    assert result.exit_code == 0, result.output
    assert "custody_purposes.purpose_sealed: 1 re-sealed" in result.output

    restarted = instance.build()
    after = blobs(restarted)
    assert after.keys() == before.keys()
    assert [key for key in before if after[key] == before[key]] == []  # every one re-sealed
    with restarted.app_context():
        assert {crypto_kit().cipher.key_id_of(blob) for blob in after.values()} == {"k2"}
    assert_every_new_column_holds_its_canary(restarted)
    # The custody chains (their hashes cover the purpose in clear) and the log still hold.
    assert_checks_pass(restarted)


def test_the_migration_seals_existing_text_and_its_downgrade_opens_it_again(
        instance: Instance):  # noqa: F811 - the fixture
    app = instance.build()
    write_canaries(app, app.test_client(), app.test_client())  # type: ignore[arg-type]
    directory = app.config["MIGRATIONS_DIR"]
    with app.app_context():
        db.session.remove()
        downgrade(directory=directory, revision="0012_redacted_renditions")
        clear = {
            "province": "SELECT province FROM incidents", "city": "SELECT city FROM incidents",
            "online_platform": "SELECT online_platform FROM incidents",
            "relationship_note": "SELECT relationship_note FROM people",
            "claimed_date": "SELECT claimed_date_text FROM evidence_items",
            "legal_tag": "SELECT tag FROM legal_tags",
            "purpose": "SELECT purpose FROM custody_events"}
        for name, query in clear.items():  # what the portal held before 0013
            assert CANARIES[name] in set(db.session.scalars(text(query))), name
        db.session.remove()
        upgrade(directory=directory)
        db.session.remove()
    assert contains(database_copy(app)) == []
    restarted = instance.build()
    assert_every_new_column_holds_its_canary(restarted)
    assert_checks_pass(restarted)


@pytest.mark.parametrize("tamper", ["removed", "changed", "moved"])
def test_a_sealed_purpose_removed_changed_or_moved_breaks_its_custody_chain(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        reported: tuple[Account, Account, int], tamper: str):
    """The purpose lives apart from its append-only event, but the event's hash covers
    it: whoever holds the database (and even the keys) cannot change it unseen."""
    _reporter, advocate, incident_id = reported
    [item_id] = receipt_items(client, upload(client, incident_id, [(b"x" * 10, "x.txt")]))
    sign_in(another_client, advocate)
    for purpose in ("Preparing the dossier", "Checking the translation"):
        assert download(another_client, item_id, purpose=purpose) == b"x" * 10
    assert run_cli(app, "evidence", "verify")[0] == 0
    with app.app_context():
        rows = db.session.scalars(select(CustodyPurpose).order_by(CustodyPurpose.id)).all()
        assert len(rows) == 2
        first, second = rows
        if tamper == "removed":
            db.session.delete(second)
        elif tamper == "changed":  # sealed again, properly, with the keys: still caught
            second.purpose_sealed = crypto_kit().cipher.seal(
                b"Nothing to see", sealed_context("custody_purposes", second.id,
                                                  "purpose_sealed"))
        else:
            second.purpose_sealed = first.purpose_sealed
        db.session.commit()
        seq = db.session.get(CustodyEvent, second.id).seq  # type: ignore[union-attr]
    code, output = run_cli(app, "evidence", "verify")
    assert code == 1
    assert f"item {item_id}: custody event {seq}" in output


def run_cli(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output
