"""Tampering with the audit log, by the portal and by whoever holds its database.

The portal itself cannot change or remove an audit or custody row: the database
refuses (triggers, on SQLite and PostgreSQL). Whoever owns the database can lift the
triggers; then the rewrites that keep the hash chain intact (the newest events deleted
and the head moved back; an event edited and every later hash recomputed) pass
`flask audit verify` alone, and fail it as soon as a checkpoint signed earlier, or an
exported dossier's manifest, is given. The checkpoint key is useless without its
passphrase."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from flask import Flask
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from portal.audit.chain import compute_row_hash
from portal.audit.checkpoint import make_checkpoint
from portal.audit.checkpoint_key import CheckpointKeyError, open_key_file
from portal.audit.hashing import GENESIS_HASH
from portal.crypto.statements import public_key_b64
from portal.models import AuditChainHead, AuditEvent, CustodyEvent, Role, db, utcnow
from portal.pdf.attach import embedded_files
from tests import test_export
from tests.conftest import KNOWN_SECRETS
from tests.support.client import BrowserClient
from tests.support.evidence import upload
from tests.support.factories import Account, make_account
from tests.support.journeys import sign_in
from tests.support.tampering import append_only_lifted
from tests.test_audit_chain import some_history
from tests.test_export import approved_dossier, download, export

KEY_PASSPHRASE = "quartz heron lullaby tundra saffron"
KNOWN_SECRETS.add(KEY_PASSPHRASE)


@pytest.fixture
def checkpoint_key(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkpoint key made by `flask audit checkpoint-key init`, its public key
    configured as the instance's."""
    passphrase = tmp_path / "passphrase.txt"
    passphrase.write_text(KEY_PASSPHRASE + "\n", encoding="utf-8")
    key_file = tmp_path / "checkpoint.key"
    made = cli(app, "checkpoint-key", "init", "--key-file", str(key_file),
               "--passphrase-file", str(passphrase))
    assert made.exit_code == 0, made.output
    public_key = made.output.split("AUDIT_CHECKPOINT_PUBLIC_KEY to it): ")[1].split()[0]
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_PUBLIC_KEY", public_key)
    return key_file


def cli(app: Flask, *args: str):  # type: ignore[no-untyped-def]
    return app.test_cli_runner().invoke(args=["audit", *args])


def take_checkpoint(app: Flask, key_file: Path, target: Path) -> dict[str, Any]:
    made = cli(app, "checkpoint", "--key-file", str(key_file),
               "--passphrase-file", str(key_file.parent / "passphrase.txt"))
    assert made.exit_code == 0, made.output
    target.write_text(made.output, encoding="utf-8")
    document: dict[str, Any] = json.loads(made.output)
    return document


def verify(app: Flask, *checkpoints: Path) -> tuple[int, str]:
    result = cli(app, "verify", *(arg for path in checkpoints
                                  for arg in ("--checkpoint", str(path))))
    return result.exit_code, result.output


def head_seq(app: Flask) -> int:
    with app.app_context():
        head = db.session.get(AuditChainHead, 1)
        assert head is not None
        return head.last_seq


def more_history(app: Flask, client: BrowserClient) -> None:
    sign_in(client, make_account(app, Role.FAMILY_MEMBER))


# -- append-only in the database ---------------------------------------------------------


@pytest.fixture
def custody_row(app: Flask, client: BrowserClient,
                reported: tuple[Account, Account, int]) -> int:
    """An uploaded file's first custody event."""
    assert upload(client, reported[2], [(b"a statement", "s.txt")]).status_code == 302
    with app.app_context():
        return db.session.scalars(select(CustodyEvent.id).order_by(CustodyEvent.id)).first() \
            or 0


@pytest.mark.parametrize("change", ["update", "delete"])
@pytest.mark.parametrize("model", [AuditEvent, CustodyEvent], ids=["audit", "custody"])
def test_the_portal_cannot_change_or_delete_an_audit_or_custody_row(
        app: Flask, custody_row: int, model: type[AuditEvent] | type[CustodyEvent],
        change: str):
    with app.app_context():
        before = [tuple(row) for row in db.session.execute(select(model.__table__))]
        row_id = before[0][0]
        statement = (update(model).where(model.id == row_id).values(actor_label="someone")
                     if change == "update" else delete(model).where(model.id == row_id))
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
        assert [tuple(row) for row in db.session.execute(select(model.__table__))] == before


def test_the_portal_cannot_empty_the_audit_log_at_once(app: Flask, custody_row: int):
    with app.app_context():
        count = len(db.session.scalars(select(AuditEvent.id)).all())
        statement = ("TRUNCATE audit_events" if db.engine.dialect.name == "postgresql"
                     else "DELETE FROM audit_events")
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
        assert len(db.session.scalars(select(AuditEvent.id)).all()) == count > 0


# -- the checkpoint key -------------------------------------------------------------------


def test_the_key_file_on_disk_cannot_sign_without_its_passphrase(
        app: Flask, client: BrowserClient, checkpoint_key: Path, tmp_path: Path):
    some_history(app, client)
    content = checkpoint_key.read_bytes()
    assert checkpoint_key.stat().st_mode & 0o777 == 0o600
    assert KEY_PASSPHRASE.encode() not in content
    with pytest.raises(ValueError, match="Unable to load"):  # no usable private key as it is
        load_pem_private_key(content, password=None)
    with pytest.raises(CheckpointKeyError, match="passphrase does not open"):
        open_key_file(content, "quartz heron lullaby tundra saffrom")

    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase at all, sorry", encoding="utf-8")
    refused = cli(app, "checkpoint", "--key-file", str(checkpoint_key),
                  "--passphrase-file", str(wrong))
    assert refused.exit_code == 1
    assert "no checkpoint made: the passphrase does not open this key file" in refused.output
    prompted = app.test_cli_runner().invoke(
        args=["audit", "checkpoint", "--key-file", str(checkpoint_key)], input="guess\n")
    assert prompted.exit_code == 1
    assert "the passphrase does not open this key file" in prompted.output
    assert "guess" not in prompted.output  # typed without echo


def test_key_init_refuses_a_weak_passphrase_and_an_existing_file(
        app: Flask, checkpoint_key: Path, tmp_path: Path):
    weak = tmp_path / "weak.txt"
    weak.write_text("password", encoding="utf-8")
    refused = cli(app, "checkpoint-key", "init", "--key-file", str(tmp_path / "other.key"),
                  "--passphrase-file", str(weak))
    assert refused.exit_code == 1
    assert "passphrase refused" in refused.output
    assert not (tmp_path / "other.key").exists()
    before = checkpoint_key.read_bytes()
    again = cli(app, "checkpoint-key", "init", "--key-file", str(checkpoint_key),
                "--passphrase-file", str(tmp_path / "passphrase.txt"))
    assert again.exit_code == 1
    assert checkpoint_key.read_bytes() == before
    shown = cli(app, "checkpoint-key", "show", "--key-file", str(checkpoint_key))
    assert app.config["AUDIT_CHECKPOINT_PUBLIC_KEY"] in shown.output  # no passphrase asked


# -- checkpoints ---------------------------------------------------------------------------


def test_a_checkpoint_states_the_head_signed_and_the_growing_log_extends_it(
        app: Flask, client: BrowserClient, checkpoint_key: Path, tmp_path: Path):
    some_history(app, client)
    saved = tmp_path / "checkpoint.json"
    document = take_checkpoint(app, checkpoint_key, saved)
    with app.app_context():
        head = db.session.get(AuditChainHead, 1)
        assert head is not None
        assert (document["seq"], document["head_hash"]) == (head.last_seq, head.last_hash)
    assert document["portal"] == app.config["PORTAL_NAME"]
    assert str(document["made_at"]).endswith("Z")
    assert f"held {head.last_seq} events" in str(document["statement"])
    assert KEY_PASSPHRASE not in saved.read_text(encoding="utf-8")

    more_history(app, client)
    code, output = verify(app, saved)
    assert code == 0, output
    assert f"checkpoint {saved} (event {head.last_seq}" in output
    assert "the log extends it" in output


def test_deleting_the_newest_events_and_moving_the_head_back_is_caught_by_a_checkpoint(
        app: Flask, client: BrowserClient, checkpoint_key: Path, tmp_path: Path):
    some_history(app, client)
    saved = tmp_path / "checkpoint.json"
    last = take_checkpoint(app, checkpoint_key, saved)["seq"]
    keep = last - 2
    with app.app_context(), append_only_lifted(db.session):  # the database's owner
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq > keep))
        kept = db.session.scalars(select(AuditEvent).where(AuditEvent.seq == keep)).one()
        db.session.execute(update(AuditChainHead).values(last_seq=keep, last_hash=kept.row_hash))

    # The chain alone cannot tell: that is why checkpoints are kept elsewhere.
    code, output = verify(app)
    assert (code, output.strip()) == (0, f"audit chain intact: {keep} events")
    code, output = verify(app, saved)
    assert code == 1
    assert f"checkpoint {saved} (event {last}, signed checkpoint of" in output
    assert (f"CONTRADICTED: the log ends at event {keep}, before event {last}: rows were "
            "deleted") in output

    more_history(app, client)  # the portal goes on: event `last` exists again, another one
    assert head_seq(app) >= last
    code, output = verify(app, saved)
    assert code == 1
    assert f"event {last} no longer has the hash recorded here" in output


def test_editing_an_event_and_rechaining_every_later_one_is_caught_by_a_checkpoint(
        app: Flask, client: BrowserClient, checkpoint_key: Path, tmp_path: Path):
    some_history(app, client)
    early = tmp_path / "early.json"
    take_checkpoint(app, checkpoint_key, early)
    more_history(app, client)
    late = tmp_path / "late.json"
    last = take_checkpoint(app, checkpoint_key, late)["seq"]
    edited = head_seq(app) - 1  # after the early checkpoint, before the late one
    with app.app_context(), append_only_lifted(db.session):
        previous = GENESIS_HASH
        for row in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
            if row.seq == edited:
                row.outcome, row.actor_label = "failure", "nobody"
            row.prev_hash = previous
            row.row_hash = previous = compute_row_hash(row)
        db.session.execute(update(AuditChainHead).values(last_hash=previous))

    code, output = verify(app)
    assert (code, output.strip()) == (0, f"audit chain intact: {last} events")
    code, output = verify(app, early, late)
    assert code == 1
    assert f"checkpoint {early} (event" in output
    assert f"checkpoint {late} (event {last}, signed checkpoint of" in output
    assert (f"CONTRADICTED: event {last} no longer has the hash recorded here: the log "
            f"was rewritten at or before event {last}") in output
    assert output.count("the log extends it") == 1  # the early one: events before the edit


def test_no_checkpoint_is_made_of_a_broken_chain(
        app: Flask, client: BrowserClient, checkpoint_key: Path):
    some_history(app, client)
    with app.app_context(), append_only_lifted(db.session):
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == 2)
                           .values(actor_label="someone.else"))
    made = cli(app, "checkpoint", "--key-file", str(checkpoint_key),
               "--passphrase-file", str(checkpoint_key.parent / "passphrase.txt"))
    assert made.exit_code == 1
    assert "no checkpoint made: the audit chain is broken at seq 2" in made.output


def test_a_checkpoint_changed_after_signing_is_rejected(
        app: Flask, client: BrowserClient, checkpoint_key: Path, tmp_path: Path):
    some_history(app, client)
    saved = tmp_path / "checkpoint.json"
    document = take_checkpoint(app, checkpoint_key, saved)
    with app.app_context():
        earlier = db.session.scalars(select(AuditEvent).where(AuditEvent.seq == 2)).one()
        document.update(seq=2, head_hash=earlier.row_hash)  # true of the log, but not signed
    saved.write_text(json.dumps(document), encoding="utf-8")
    code, output = verify(app, saved)
    assert code == 1
    assert (f"checkpoint {saved} REJECTED: its signature does not hold: the checkpoint was "
            "changed after it was signed") in output


def test_a_checkpoint_signed_by_another_key_is_rejected_unless_that_key_is_given(
        app: Flask, client: BrowserClient, checkpoint_key: Path, tmp_path: Path):
    some_history(app, client)
    other_seed = os.urandom(32)
    forged = tmp_path / "forged.json"
    with app.app_context():
        forged.write_text(make_checkpoint(other_seed, "PS752 Justice Portal", utcnow()),
                          encoding="utf-8")
    code, output = verify(app, forged)
    assert code == 1
    assert f"checkpoint {forged} REJECTED: signed by another key" in output

    other_public = tmp_path / "other.pub"
    other_public.write_text(public_key_b64(other_seed) + "\n", encoding="utf-8")
    result = cli(app, "verify", "--checkpoint", str(forged), "--public-key", str(other_public))
    assert result.exit_code == 0, result.output


def test_checkpoints_cannot_be_checked_without_a_public_key(
        app: Flask, client: BrowserClient, checkpoint_key: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch):
    some_history(app, client)
    saved = tmp_path / "checkpoint.json"
    take_checkpoint(app, checkpoint_key, saved)
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_PUBLIC_KEY", None)
    code, output = verify(app, saved)
    assert code == 1
    assert "no public key to check it with" in output


# -- exported dossiers are witnesses -------------------------------------------------------


@pytest.fixture(name="world")
def dossier_world(app: Flask, client: BrowserClient) -> Any:
    """The fictional families, reports and photo of tests/test_dossiers.py."""
    return test_export.world_of_two_families.__wrapped__(app, client)  # type: ignore[attr-defined]


def test_every_exported_dossier_carries_the_audit_head_and_witnesses_the_log(
        app: Flask, client: BrowserClient, another_client: BrowserClient, world: object,
        tmp_path: Path):
    dossier_id = approved_dossier(client, another_client, world)  # type: ignore[arg-type]
    before_export = head_seq(app)
    export_id = export(another_client, dossier_id, "public")
    pdf = download(another_client, dossier_id, export_id, "pdf")
    with pikepdf.open(io.BytesIO(pdf)) as document:
        manifest_bytes = embedded_files(document)["manifest.json"]
    head = json.loads(manifest_bytes)["audit_head"]
    assert head["seq"] >= before_export
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.seq == head["seq"])).one()
        assert event.row_hash == head["hash"]

    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(manifest_bytes)
    code, output = verify(app, manifest)
    assert code == 0, output
    assert f"manifest of dossier PS752-0001 export {export_id}" in output

    keep = head["seq"] - 1
    with app.app_context(), append_only_lifted(db.session):
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq > keep))
        kept = db.session.scalars(select(AuditEvent).where(AuditEvent.seq == keep)).one()
        db.session.execute(update(AuditChainHead).values(last_seq=keep, last_hash=kept.row_hash))
    assert verify(app)[0] == 0
    code, output = verify(app, manifest)
    assert code == 1
    assert "rows were deleted" in output
