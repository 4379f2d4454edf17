"""A draft is deleted by its author, after confirming, with everything that is its own;
a draft holding evidence is not (evidence follows the withdrawal rules); a sent report
is never deleted (decision 0024). Run on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from flask import Flask
from sqlalchemy import func, select

from portal.models import AuditEvent, EvidenceItem, Incident, KeptPost, db
from portal.models.base import Base
from portal.services.drafts import DRAFT_OWN_TABLES, REFUSING_TABLES, incident_references
from tests.support.client import BrowserClient
from tests.support.evidence import png, upload
from tests.support.factories import Account
from tests.support.reports import send_report, start_report

NARRATIVE = "They said my brother's visa would be cancelled."


def draft_with_answers(client: BrowserClient) -> int:
    incident_id = start_report(client)
    client.submit(f"/reports/{incident_id}/steps/account",
                  {"narrative": NARRATIVE, "action": "save"})
    client.submit(f"/reports/{incident_id}/steps/what",
                  {"type_codes": ["summons"], "trigger": "media_interview", "action": "save"})
    client.submit(f"/reports/{incident_id}/steps/harm",
                  {"harms": ["fear_or_distress"], "report_authority": "rcmp",
                   "report_reference": "R-1", "action": "save"})
    client.submit(f"/reports/{incident_id}/steps/consent",
                  {"destinations": ["icc_prosecutor"], "disclosure": "pseudonym",
                   "testify": "no", "action": "save"})
    return incident_id


def test_every_table_that_refers_to_reports_is_accounted_for():
    referring = {table.name for table in Base.metadata.sorted_tables
                 for key in table.foreign_keys
                 if key.column.table.name == "incidents" and table.name != "incidents"}
    assert referring == set(DRAFT_OWN_TABLES) | set(REFUSING_TABLES)


def test_the_author_deletes_a_draft_and_nothing_of_it_stays(
        app: Flask, client: BrowserClient, reporter: Account):
    incident_id = draft_with_answers(client)
    kept = draft_with_answers(client)  # another draft of the same person stays whole
    with app.app_context():
        before = incident_references(incident_id)
    assert {"consent_records", "incident_types", "incident_harms",
            "authority_reports"} <= set(before)

    confirm = client.text(f"/reports/{incident_id}/delete")
    assert "Delete this draft?" in confirm
    deleted = client.submit(f"/reports/{incident_id}/delete", {})
    assert deleted.headers["Location"] == "/reports"
    assert "The draft was deleted" in client.text("/reports")

    with app.app_context():
        assert db.session.get(Incident, incident_id) is None
        assert incident_references(incident_id) == {}
        assert db.session.get(Incident, kept) is not None
        assert set(incident_references(kept)) == set(before)
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "incident.draft_deleted"))
        assert event is not None
        assert event.target_id == str(incident_id)
        assert NARRATIVE not in json.dumps(event.details or {})
        assert db.session.scalar(select(func.count()).select_from(KeptPost)) == 0
    assert client.get(f"/reports/{incident_id}/steps/check").status_code == 404


def test_a_draft_holding_evidence_is_not_deleted_and_its_files_stay(
        app: Flask, client: BrowserClient, reporter: Account):
    incident_id = draft_with_answers(client)
    assert upload(client, incident_id, [(png(), "threat.png")]).status_code == 302
    page = client.text(f"/reports/{incident_id}/delete")
    assert "This draft cannot be deleted" in page
    assert "/evidence/" in page  # each file's page, where its withdrawal is asked
    assert 'type="submit"' not in page.split("<main")[1].split("</main>")[0]

    forced = client.post_form(f"/reports/{incident_id}/delete", {})
    assert forced.status_code == 200
    with app.app_context():
        assert db.session.get(Incident, incident_id) is not None
        assert db.session.scalar(select(func.count()).select_from(EvidenceItem)) == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "incident.draft_deleted")) == 0


def test_a_sent_report_is_never_deleted(app: Flask, client: BrowserClient, reporter: Account):
    incident_id = start_report(client)
    send_report(client, incident_id, "submit", start_text="1398/10/18")
    answer = client.post_form(f"/reports/{incident_id}/delete", {},
                              token_page="/reports")
    assert answer.headers["Location"] == f"/reports/{incident_id}"
    with app.app_context():
        assert db.session.get(Incident, incident_id) is not None
