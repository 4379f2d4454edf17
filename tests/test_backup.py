"""The restore drill: `flask backup create`, then `flask backup restore`
into a fresh instance with the same keys; every verification stays green, every
evidence hash matches, and an approved dossier still hashes to what was approved.
A backup holds no key and no plaintext, is checked file by file before a restore,
and never lands on an instance that is not empty."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import select

from portal import create_app
from portal.dependencies import crypto_kit
from portal.models import AuditEvent, Dossier, EvidenceItem, Role, db
from portal.services.dossiers.assembly import CONFIDENTIAL, assemble, content_hash
from portal.web.dossiers.views import agency_namer
from tests.conftest import app_config, table_counts
from tests.support import pgdb
from tests.support.approval import approve, ready_for_review
from tests.support.client import BrowserClient
from tests.support.evidence import jpeg_with_gps, pdf, upload
from tests.support.factories import make_account, make_family
from tests.support.figures import RecordProperty, report_figures
from tests.support.journeys import sign_in, sign_out
from tests.support.reports import send_report, start_report
from tests.test_dossiers import add, consent, create_dossier, shown_hash
from tests.test_encryption_at_rest import backup_as_text

CANARY = "Canary-narrative-Backup-7f3a: the agent wrote down my brother's address."


@dataclass
class Seeded:
    dossier_id: int
    approved_hash: str
    file_hashes: set[str]
    incident_ids: list[int]


def seed(app: Flask, client: BrowserClient, reviewer_client: BrowserClient) -> Seeded:
    """Two reports with evidence uploaded over HTTP, and an approved dossier citing them."""
    advocate = make_account(app, Role.ADVOCATE, locale="en")
    reviewer = make_account(app, Role.LEGAL_REVIEWER, locale="en")
    member = make_account(app, Role.FAMILY_MEMBER, locale="en")
    make_family(app, members=[member], advocates=[advocate])
    sign_in(client, member)
    files = [(jpeg_with_gps(), "summons.jpg"), (pdf(), "summons.pdf")]
    incident_ids = []
    for year, narrative in (("1398", CANARY), ("1399", "A call told us to stay silent.")):
        incident_id = start_report(client)
        assert send_report(client, incident_id, "submit", start_text=f"{year}/10/18",
                           narrative=narrative).status_code == 302
        consent(client, incident_id, "icc_prosecutor")
        incident_ids.append(incident_id)
    assert upload(client, incident_ids[0], files).status_code == 302
    sign_out(client)

    sign_in(client, advocate)
    dossier_id = create_dossier(client)
    for incident_id in incident_ids:
        assert add(client, dossier_id, incident_id).status_code == 302
    ready_for_review(client, dossier_id)
    client.submit(f"/dossiers/{dossier_id}", {"reviewer": str(reviewer.id)},
                  action=f"/dossiers/{dossier_id}/send")
    sign_in(reviewer_client, reviewer)
    reviewed = shown_hash(reviewer_client, dossier_id)
    approved = approve(reviewer_client, dossier_id, content_hash=reviewed)
    assert approved.status_code == 302, approved.get_data(as_text=True)[:500]
    return Seeded(dossier_id, reviewed, {hashlib.sha256(c).hexdigest() for c, _ in files},
                  incident_ids)


@pytest.fixture
def fresh_instance(app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """A new, empty instance (its own database and evidence folder) with the same keys."""
    created = None
    if os.environ.get("PORTAL_TEST_DATABASE_URL"):
        created = pgdb.create_database(prefix="portal_restore")
        url = created.render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'restored' / 'portal.sqlite3'}"
    (tmp_path / "restored").mkdir()
    fresh = create_app(app_config(tmp_path / "restored", url))
    yield fresh
    with fresh.app_context():
        db.session.remove()
        db.engine.dispose()
    if created is not None:
        pgdb.drop_database(created)


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def backup_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


def test_restore_drill_keeps_every_hash_and_the_approved_dossier(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        fresh_instance: Flask, tmp_path: Path, record_property: RecordProperty):
    seeded = seed(app, client, another_client)
    folder = tmp_path / "backup"
    code, output = run(app, "backup", "create", str(folder))
    assert code == 0, output
    assert "2 evidence files" in output or "evidence files" in output, output
    assert run(app, "backup", "check", str(folder))[0] == 0

    code, output = run(fresh_instance, "backup", "restore", str(folder))
    assert code == 0, output
    for command in (("audit", "verify"), ("evidence", "verify")):
        code, output = run(fresh_instance, *command)
        assert code == 0, (command, output)
    assert "audit chain intact" in run(fresh_instance, "audit", "verify")[1]
    assert "2 items checked, 0 with problems" in run(fresh_instance, "evidence", "verify")[1]

    with fresh_instance.test_request_context():
        restored = set(db.session.scalars(select(EvidenceItem.sha256)))
        assert restored == seeded.file_hashes  # the receipts' hashes, byte for byte
        dossier = db.session.get(Dossier, seeded.dossier_id)
        assert dossier is not None
        assert dossier.status.value == "approved"
        document = assemble(crypto_kit(), dossier, CONFIDENTIAL, agency_namer(dossier.language))
        assert content_hash(document) == dossier.approved_content_hash == seeded.approved_hash
    with app.app_context():
        original, original_last = table_counts(), last_audit_action()
    with fresh_instance.app_context():
        after, after_last = table_counts(), last_audit_action()
    # Every row came back. The original's last event (backup.created) came after the
    # snapshot; the restored instance has backup.restored in its place.
    assert after == original
    assert (original_last, after_last) == ("backup.created", "backup.restored")
    report_figures(record_property, f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: "
                   f"{sum(after.values())} rows in {len(after)} tables restored; "
                   f"{len(restored)} evidence hashes equal to the receipts; `flask audit "
                   "verify` and `flask evidence verify` green; the approved dossier's content "
                   "hash unchanged")


def last_audit_action() -> str | None:
    return db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1))


def test_a_backup_holds_no_key_and_no_plaintext(app: Flask, client: BrowserClient,
                                               another_client: BrowserClient, tmp_path: Path):
    seed(app, client, another_client)
    folder = tmp_path / "backup"
    assert run(app, "backup", "create", str(folder))[0] == 0
    # PostgreSQL's custom-format dump is compressed: restored to text first, as anyone
    # holding the backup can (a byte search of the dump itself found nothing).
    files = backup_as_text(folder)
    assert "manifest.json" in files
    assert any(name.startswith("evidence/") for name in files)
    assert not any("config" in name for name in files)
    secrets = [app.config[k].encode() for k in ("SECRET_KEY", "MASTER_KEY", "INDEX_KEY")]
    secrets += [b"k" * 32, b"i" * 32]  # the raw test keys (see tests/conftest.py)
    for name, content in files.items():
        for secret in secrets:
            assert secret not in content, f"a key is inside {name}"
        assert CANARY.encode() not in content, f"a narrative in clear inside {name}"
        assert jpeg_with_gps()[:64] not in content, f"evidence in clear inside {name}"
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert all(oct((folder / n).stat().st_mode & 0o777) == "0o600"
               for n in backup_files(folder))


def test_restore_refuses_an_instance_that_is_not_empty_and_changes_nothing(
        app: Flask, client: BrowserClient, another_client: BrowserClient, tmp_path: Path):
    seed(app, client, another_client)
    folder = tmp_path / "backup"
    assert run(app, "backup", "create", str(folder))[0] == 0
    with app.app_context():
        before = table_counts()
    code, output = run(app, "backup", "restore", str(folder))
    assert code == 1
    assert "restore refused: refusing to restore into an instance that is not empty" in output
    assert "the database already has" in output
    with app.app_context():
        assert table_counts() == before
    # A second backup into the same folder is refused too.
    code, output = run(app, "backup", "create", str(folder))
    assert code == 1
    assert "is not an empty folder" in output


def test_a_changed_backup_file_is_refused_before_anything_is_written(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        fresh_instance: Flask, tmp_path: Path):
    seed(app, client, another_client)
    folder = tmp_path / "backup"
    assert run(app, "backup", "create", str(folder))[0] == 0
    blob = next(p for p in (folder / "evidence").rglob("*") if p.is_file())
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01
    blob.write_bytes(bytes(data))
    code, output = run(fresh_instance, "backup", "check", str(folder))
    assert code == 1
    assert "does not match its SHA-256" in output
    code, output = run(fresh_instance, "backup", "restore", str(folder))
    assert code == 1
    assert f"{blob.relative_to(folder).as_posix()} does not match its SHA-256" in output
    with fresh_instance.app_context():
        assert table_counts() == {}
    assert not any(p.is_file() for p in
                   Path(fresh_instance.config["EVIDENCE_DIR"]).rglob("*"))

    blob.unlink()  # and a missing file, or one too many
    assert "is missing from the backup" in run(fresh_instance, "backup", "check", str(folder))[1]
    (folder / "evidence" / "extra").write_bytes(b"x")
    assert "not in the manifest" in run(fresh_instance, "backup", "check", str(folder))[1]


def test_restore_without_the_master_key_it_needs_is_refused(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        fresh_instance: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "backup"
    make_account(app, Role.ADMIN)
    assert run(app, "backup", "create", str(folder))[0] == 0
    other_keys = SimpleNamespace(cipher=SimpleNamespace(key_ids=("k9",)))
    monkeypatch.setattr("portal.cli.backup.crypto_kit", lambda: other_keys)
    code, output = run(fresh_instance, "backup", "restore", str(folder))
    assert code == 1
    assert "master keys with ids k1 are not configured" in output
    with fresh_instance.app_context():
        assert table_counts() == {}


# -- a dossier exported before the backup --------------------------------------------------


def export_rows() -> list[tuple[object, ...]]:
    from portal.models import DossierExport

    return [tuple(getattr(row, c.key) for c in DossierExport.__table__.columns)
            for row in db.session.scalars(select(DossierExport).order_by(DossierExport.id))]


def test_a_dossier_exported_before_the_backup_still_verifies_after_restore(
        app: Flask, client: BrowserClient, another_client: BrowserClient,
        fresh_instance: Flask, tmp_path: Path):
    from portal.cli.signing import signing_location
    from portal.dependencies import blob_store
    from portal.models import DossierExport
    from portal.pdf import pki
    from portal.pdf.verify import verify
    from portal.services.dossiers.export import read_export_file
    from tests.test_export import download, export

    seeded = seed(app, client, another_client)  # another_client: the approving reviewer
    export_id = export(another_client, seeded.dossier_id, "confidential")
    pdf, bundle = tmp_path / "before.pdf", tmp_path / "before.zip"
    pdf.write_bytes(download(another_client, seeded.dossier_id, export_id, "pdf"))
    bundle.write_bytes(download(another_client, seeded.dossier_id, export_id, "bundle"))
    fingerprint = pki.load_material(*signing_location(app)).root_fingerprint
    assert verify(pdf, bundle, None, fingerprint).ok  # green before, or the test means nothing
    with app.app_context():
        before = export_rows()
    assert len(before) == 1

    folder = tmp_path / "backup"
    assert run(app, "backup", "create", str(folder))[0] == 0
    code, output = run(fresh_instance, "backup", "restore", str(folder))
    assert code == 0, output

    # The files downloaded before the backup still verify offline, against the
    # organisation's root (pinned by fingerprint), and the restored instance's own
    # checks stay green.
    report = verify(pdf, bundle, None, fingerprint)
    assert report.ok, report.lines()
    for command in (("audit", "verify"), ("evidence", "verify")):
        code, output = run(fresh_instance, *command)
        assert code == 0, (command, output)
    # The export's row came back unchanged, and its encrypted files decrypt, in the
    # restored instance, to the very bytes downloaded before the backup.
    with fresh_instance.app_context():
        assert export_rows() == before
        row = db.session.get(DossierExport, export_id)
        assert row is not None
        assert read_export_file(crypto_kit(), blob_store(), row, "pdf") == pdf.read_bytes()
        assert read_export_file(crypto_kit(), blob_store(), row, "bundle") == \
            bundle.read_bytes()
