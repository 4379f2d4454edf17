"""Master-key rotation: `flask keys rotate|reseal|status` (decision 0004).

Each test runs on its own instance folder, whose config.py is written by
`ensure_instance_config` (so the keys come from that file, as on a real server), and on a
fresh database of the suite's kind (SQLite, or PostgreSQL under `make test-postgres`).
After a rotation the app is rebuilt from the rewritten config.py, as a restart would.
"""

from __future__ import annotations

import base64
import json
import os
import re
import runpy
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Column, Integer, LargeBinary, MetaData, Table, select, update
from sqlalchemy.exc import OperationalError

import portal.cli.keys as keys_cli
import portal.services.keys as keys_service
from portal import create_app
from portal.audit import AuditAction
from portal.crypto.envelope import DecryptionError, MasterKey, derive_subkey
from portal.crypto.kit import CryptoKit, build_cipher
from portal.crypto.passwords import Argon2Params
from portal.crypto.tokens import recovery_code_digest
from portal.dependencies import crypto_kit
from portal.models import AuditEvent, Role, User, db
from portal.models.sealed import sealed_columns, sealed_context
from portal.services.second_factor import regenerate_recovery_codes
from portal.setup_instance import ensure_instance_config
from tests.conftest import app_config
from tests.support import pgdb
from tests.support.client import BrowserClient
from tests.support.factories import Account
from tests.support.factories import make_account as make_named_account
from tests.support.journeys import sign_in

KEY_VARIABLES = ("PORTAL_MASTER_KEY", "PORTAL_MASTER_KEY_ID", "PORTAL_RETIRED_MASTER_KEYS",
                 "PORTAL_INDEX_KEY")
TOTP_COLUMN = "users.totp_secret_sealed"


def make_account(app: Flask, role: Role, **options: object) -> Account:
    """Accounts whose only sealed value is their second factor, so that the counts of
    re-sealed values below are those of one column."""
    return make_named_account(app, role, named=False, **options)  # type: ignore[arg-type]


class Instance:
    """An instance folder with its own config.py and database; builds apps on it."""

    def __init__(self, folder: Path, url: str) -> None:
        self.folder = folder
        self.url = url
        self.apps: list[Flask] = []

    @property
    def config_path(self) -> Path:
        return self.folder / "config.py"

    def values(self) -> dict[str, Any]:
        return runpy.run_path(str(self.config_path))

    def build(self, **overrides: Any) -> Flask:
        """An app as after a restart: its keys come from config.py (or the environment)."""
        config = app_config(self.folder, self.url)
        del config["MASTER_KEY"], config["INDEX_KEY"]
        config.update(overrides)
        app = create_app(config)
        app.test_client_class = BrowserClient
        self.apps.append(app)
        return app


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Instance]:
    for variable in KEY_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    server = os.environ.get("PORTAL_TEST_DATABASE_URL")
    url = pgdb.create_database(server) if server else None
    address = url.render_as_string(hide_password=False) if url else \
        f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    folder = tmp_path / "instance"
    ensure_instance_config(folder)
    made = Instance(folder, address)
    first = made.build()
    with first.app_context():
        upgrade(directory=first.config["MIGRATIONS_DIR"])
    yield made
    for app in made.apps:
        with app.app_context():
            db.engine.dispose()
    if url is not None and server:
        pgdb.drop_database(url, server)


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["keys", *args])


def blobs(app: Flask) -> dict[tuple[str, str, int], bytes]:
    """Every sealed value of every sealed column, by (table, column, row id)."""
    found = {}
    with app.app_context():
        for table, column in sealed_columns(db.metadata):
            for row_id, blob in db.session.execute(
                    select(table.c.id, column).where(column.is_not(None))):
                found[(table.name, column.name, row_id)] = bytes(blob)
    return found


def key_ids_in_use(app: Flask) -> set[str]:
    with app.app_context():
        cipher = crypto_kit().cipher
        return {cipher.key_id_of(blob) for blob in blobs(app).values()}


def status_counts(app: Flask) -> dict[str, int]:
    result = run(app, "status")
    assert result.exit_code == 0, result.output
    return {key_id: int(count) for key_id, count in
            re.findall(r"^\s+(\S+): (\d+) sealed values", result.output, re.MULTILINE)}


def staff_with_recovery_codes(app: Flask) -> tuple[Account, list[str]]:
    account = make_account(app, Role.ADVOCATE)
    with app.app_context():
        codes = regenerate_recovery_codes(crypto_kit(), account.reload())
        db.session.commit()
    return account, codes


def can_sign_in_with_code(app: Flask, account: Account, code: str) -> bool:
    client: BrowserClient = app.test_client()  # type: ignore[assignment]
    response = client.submit("/login", {"username": account.username,
                                        "passphrase": account.passphrase})
    assert response.headers["Location"].startswith("/login/code")
    # A wrong code shows the form again (200); the right one completes the sign-in (302).
    return client.submit("/login/code", {"code": code}).status_code == 302


def rotation_events(app: Flask) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == str(AuditAction.KEYS_ROTATED)).order_by(AuditEvent.seq)))


# --- rotate -------------------------------------------------------------------------------


def test_rotate_reseals_every_value_under_a_new_key_recorded_in_config_py(instance: Instance):
    app = instance.build()
    make_account(app, Role.ADVOCATE)
    make_account(app, Role.ADMIN)
    make_account(app, Role.FAMILY_MEMBER)  # no second factor: a NULL, left alone
    before = instance.values()
    before_blobs = blobs(app)
    assert len(before_blobs) == 2
    assert status_counts(app) == {"k1": 2}

    result = run(app, "rotate")
    assert result.exit_code == 0, result.output
    assert f"{TOTP_COLUMN}: 2 re-sealed" in result.output
    assert "Restart every portal process" in result.output

    after = instance.values()
    assert after["MASTER_KEY_ID"] == "k2"
    assert after["RETIRED_MASTER_KEYS"] == {"k1": before["MASTER_KEY"]}
    assert after["MASTER_KEY"] != before["MASTER_KEY"]
    assert len(base64.urlsafe_b64decode(after["MASTER_KEY"])) == 32
    # Only the master keys changed.
    assert after["INDEX_KEY"] == before["INDEX_KEY"]
    assert after["SECRET_KEY"] == before["SECRET_KEY"]
    # No key, old or new, is printed.
    for key in (before["MASTER_KEY"], after["MASTER_KEY"], before["INDEX_KEY"]):
        assert key not in result.output
    # config.py stays private, and the temporary file is gone.
    assert stat.S_IMODE(instance.config_path.stat().st_mode) == 0o600
    assert sorted(p.name for p in instance.folder.iterdir()) == [
        "config.py", "evidence", "portal.sqlite3"]  # no temporary or backup copy of the keys

    restarted = instance.build()
    assert status_counts(restarted) == {"k1": 0, "k2": 2}
    assert "active master key: k2" in run(restarted, "status").output
    after_blobs = blobs(restarted)
    assert after_blobs.keys() == before_blobs.keys()
    assert key_ids_in_use(restarted) == {"k2"}
    with restarted.app_context():
        cipher = crypto_kit().cipher
        for (table, column, row_id), blob in after_blobs.items():
            context = sealed_context(table, row_id, column)
            assert cipher.open(blob, context) == cipher.open(before_blobs[table, column, row_id],
                                                             context)


def test_second_factor_and_recovery_codes_from_before_rotation_still_sign_in(
        instance: Instance):
    app = instance.build()
    account, codes = staff_with_recovery_codes(app)
    assert run(app, "rotate").exit_code == 0

    restarted = instance.build()
    sign_in(restarted.test_client(), account)  # type: ignore[arg-type]
    assert can_sign_in_with_code(restarted, account, codes[0])
    assert not can_sign_in_with_code(restarted, account, codes[0])  # still single-use
    assert can_sign_in_with_code(restarted, account, codes[1].upper())


def test_two_rotations_in_a_row_keep_everything_readable(instance: Instance):
    app = instance.build()
    account, codes = staff_with_recovery_codes(app)
    first_key = instance.values()["MASTER_KEY"]
    assert run(app, "rotate").exit_code == 0
    second_key = instance.values()["MASTER_KEY"]

    second = instance.build()
    later = make_account(second, Role.LEGAL_REVIEWER)  # sealed under k2
    result = run(second, "rotate")
    assert result.exit_code == 0, result.output
    assert f"{TOTP_COLUMN}: 2 re-sealed" in result.output

    values = instance.values()
    assert values["MASTER_KEY_ID"] == "k3"
    assert values["RETIRED_MASTER_KEYS"] == {"k1": first_key, "k2": second_key}
    assert values["MASTER_KEY"] not in (first_key, second_key)

    third = instance.build()
    assert status_counts(third) == {"k1": 0, "k2": 0, "k3": 2}
    sign_in(third.test_client(), account)  # type: ignore[arg-type]
    sign_in(third.test_client(), later)  # type: ignore[arg-type]
    assert can_sign_in_with_code(third, account, codes[5])
    assert [e.details for e in rotation_events(third)] == [
        {"active": "k2", "resealed": 1}, {"active": "k3", "resealed": 2}]
    verify = third.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def test_rotation_records_one_audit_event_and_the_chain_verifies(instance: Instance):
    app = instance.build()
    make_account(app, Role.ADVOCATE)
    assert run(app, "rotate").exit_code == 0
    restarted = instance.build()
    [event] = rotation_events(restarted)
    assert event.outcome == "success"
    assert event.actor_id is None
    assert event.details == {"active": "k2", "resealed": 1}
    assert (event.target_type, event.target_id) == ("master_key", "k2")
    verify = restarted.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    assert "audit chain intact" in verify.output


def test_next_key_id_is_the_next_free_number():
    assert keys_cli.next_key_id({"k1"}) == "k2"
    assert keys_cli.next_key_id({"k1", "k2"}) == "k3"
    assert keys_cli.next_key_id({"k1", "k3"}) == "k4"
    assert keys_cli.next_key_id({"main", "k10"}) == "k11"
    assert keys_cli.next_key_id({"main"}) == "k1"


# --- context binding ----------------------------------------------------------------------


def test_a_blob_copied_into_another_row_does_not_open_before_or_after_rotation(
        instance: Instance):
    app = instance.build()
    alice = make_account(app, Role.ADVOCATE)
    bob = make_account(app, Role.ADVOCATE)
    old = blobs(app)
    alice_old = old["users", "totp_secret_sealed", alice.id]
    assert run(app, "rotate").exit_code == 0

    restarted = instance.build()
    alice_new = blobs(restarted)["users", "totp_secret_sealed", alice.id]
    alice_context = sealed_context("users", alice.id, "totp_secret_sealed")
    bob_context = sealed_context("users", bob.id, "totp_secret_sealed")
    with restarted.app_context():
        cipher = crypto_kit().cipher
        # The old blob still opens where it belongs (k1 is retired, not gone)...
        assert cipher.open(alice_old, alice_context) == cipher.open(alice_new, alice_context)
        # ...and neither the old nor the new blob opens in another row or column.
        for blob in (alice_old, alice_new):
            for context in (bob_context, sealed_context("people", alice.id, "contact_sealed")):
                with pytest.raises(DecryptionError):
                    cipher.open(blob, context)


def test_a_copied_blob_stops_the_rotation_and_leaves_every_value_readable(instance: Instance):
    app = instance.build()
    alice = make_account(app, Role.ADVOCATE)
    bob = make_account(app, Role.ADVOCATE)
    carol = make_account(app, Role.ADMIN)
    before = blobs(app)
    with app.app_context():
        db.session.execute(update(User).where(User.id == bob.id).values(
            totp_secret_sealed=before["users", "totp_secret_sealed", alice.id]))
        db.session.commit()

    result = run(app, "rotate")
    assert result.exit_code == 1
    assert f"users.totp_secret_sealed of row {bob.id} does not open" in result.output
    assert "The database was not changed" in result.output
    assert "still readable" in result.output

    # The new key was recorded first; the database is untouched and readable with it.
    assert instance.values()["MASTER_KEY_ID"] == "k2"
    restarted = instance.build()
    assert blobs(restarted)["users", "totp_secret_sealed", carol.id] == \
        before["users", "totp_secret_sealed", carol.id]
    assert status_counts(restarted) == {"k1": 3, "k2": 0}
    sign_in(restarted.test_client(), alice)  # type: ignore[arg-type]
    sign_in(restarted.test_client(), carol)  # type: ignore[arg-type]
    assert rotation_events(restarted) == []

    # Once the row is repaired, `reseal` finishes the rotation.
    with restarted.app_context():
        db.session.execute(update(User).where(User.id == bob.id).values(
            totp_secret_sealed=before["users", "totp_secret_sealed", bob.id]))
        db.session.commit()
    finished = run(restarted, "reseal")
    assert finished.exit_code == 0, finished.output
    assert status_counts(restarted) == {"k1": 0, "k2": 3}
    sign_in(instance.build().test_client(), bob)  # type: ignore[arg-type]


# --- crashes ------------------------------------------------------------------------------


def test_a_database_failure_after_config_py_was_written_loses_nothing(
        instance: Instance, monkeypatch: pytest.MonkeyPatch):
    app = instance.build()
    account, codes = staff_with_recovery_codes(app)
    make_account(app, Role.ADMIN)
    before = blobs(app)

    def rewrap_then_fail(cipher: Any) -> dict[str, int]:
        keys_service.rewrap_all_sealed(cipher)  # the rows are updated, not committed...
        raise OperationalError("UPDATE users", {}, Exception("server closed the connection"))

    monkeypatch.setattr(keys_cli, "rewrap_all_sealed", rewrap_then_fail)
    result = run(app, "rotate")
    assert result.exit_code == 1
    assert "OperationalError" in result.output
    assert "flask keys reseal" in result.output
    monkeypatch.undo()

    restarted = instance.build()
    assert blobs(restarted) == before  # ...and rolled back
    assert instance.values()["MASTER_KEY_ID"] == "k2"
    sign_in(restarted.test_client(), account)  # type: ignore[arg-type]
    assert can_sign_in_with_code(restarted, account, codes[2])
    assert run(restarted, "reseal").exit_code == 0
    assert status_counts(restarted) == {"k1": 0, "k2": 2}


def test_a_failure_while_writing_config_py_changes_nothing(
        instance: Instance, monkeypatch: pytest.MonkeyPatch):
    app = instance.build()
    make_account(app, Role.ADVOCATE)
    config_before = instance.config_path.read_bytes()
    before = blobs(app)

    def failing_replace(source: Any, target: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(keys_cli.os, "replace", failing_replace)
    result = run(app, "rotate")
    monkeypatch.undo()
    assert result.exit_code == 1
    assert "disk full" in result.output
    assert "nothing was changed" in result.output
    assert instance.config_path.read_bytes() == config_before
    assert sorted(p.name for p in instance.folder.iterdir()) == [
        "config.py", "evidence", "portal.sqlite3"]  # no temporary or backup copy of the keys
    assert blobs(app) == before
    assert rotation_events(app) == []


# --- keys from the environment, or overridden ---------------------------------------------


def test_with_keys_in_the_environment_rotate_changes_nothing_and_says_what_to_set(
        instance: Instance, monkeypatch: pytest.MonkeyPatch):
    old_key = instance.values()["MASTER_KEY"]
    monkeypatch.setenv("PORTAL_MASTER_KEY", old_key)
    app = instance.build()
    account = make_account(app, Role.ADVOCATE)
    config_before = instance.config_path.read_bytes()
    before = blobs(app)

    result = run(app, "rotate")
    assert result.exit_code == 1
    assert "nothing was changed" in result.output
    assert old_key not in result.output
    assert instance.config_path.read_bytes() == config_before
    assert blobs(app) == before
    assert rotation_events(app) == []
    printed = dict(re.findall(r"^(PORTAL_[A-Z_]+)=(.*)$", result.output, re.MULTILINE))
    assert set(printed) == {"PORTAL_MASTER_KEY", "PORTAL_MASTER_KEY_ID",
                            "PORTAL_RETIRED_MASTER_KEYS"}
    assert printed["PORTAL_MASTER_KEY_ID"] == "k2"
    new_key = printed["PORTAL_MASTER_KEY"]
    assert len(base64.urlsafe_b64decode(new_key)) == 32
    retired = json.loads(printed["PORTAL_RETIRED_MASTER_KEYS"].strip("'"))
    assert list(retired) == ["k1"]
    assert "PORTAL_MASTER_KEY" in retired["k1"]  # a placeholder naming it, not the key

    # Following the instructions, then `reseal`, completes the rotation.
    monkeypatch.setenv("PORTAL_MASTER_KEY", new_key)
    monkeypatch.setenv("PORTAL_MASTER_KEY_ID", "k2")
    monkeypatch.setenv("PORTAL_RETIRED_MASTER_KEYS", json.dumps({"k1": old_key}))
    restarted = instance.build()
    resealed = run(restarted, "reseal")
    assert resealed.exit_code == 0, resealed.output
    assert f"{TOTP_COLUMN}: 1 re-sealed" in resealed.output
    assert status_counts(restarted) == {"k1": 0, "k2": 1}
    sign_in(restarted.test_client(), account)  # type: ignore[arg-type]
    assert instance.config_path.read_bytes() == config_before


@pytest.mark.parametrize("variable", ["PORTAL_MASTER_KEY_ID", "PORTAL_RETIRED_MASTER_KEYS"])
def test_any_master_key_setting_in_the_environment_stops_rotate(
        instance: Instance, monkeypatch: pytest.MonkeyPatch, variable: str):
    monkeypatch.setenv(variable, "k1" if variable.endswith("_ID") else "{}")
    app = instance.build()
    make_account(app, Role.ADVOCATE)
    config_before = instance.config_path.read_bytes()
    result = run(app, "rotate")
    assert result.exit_code == 1
    assert variable in result.output
    assert instance.config_path.read_bytes() == config_before
    assert key_ids_in_use(app) == {"k1"}


def test_rotate_refuses_when_the_keys_in_use_are_not_those_of_config_py(instance: Instance):
    other_key = base64.urlsafe_b64encode(b"o" * 32).decode()
    app = instance.build(MASTER_KEY=other_key)
    make_account(app, Role.ADVOCATE)
    config_before = instance.config_path.read_bytes()
    result = run(app, "rotate")
    assert result.exit_code == 1
    assert "nothing was changed" in result.output
    assert other_key not in result.output
    assert instance.config_path.read_bytes() == config_before
    assert key_ids_in_use(app) == {"k1"}


# --- status -------------------------------------------------------------------------------


def test_status_names_values_under_a_key_that_is_not_configured(instance: Instance):
    app = instance.build()
    account = make_account(app, Role.ADVOCATE)
    stranger = build_cipher(base64.urlsafe_b64encode(b"s" * 32).decode(), "k9", {})
    with app.app_context():
        db.session.execute(update(User).where(User.id == account.id).values(
            totp_secret_sealed=stranger.seal(b"x", sealed_context(
                "users", account.id, "totp_secret_sealed"))))
        db.session.commit()
    result = run(app, "status")
    assert result.exit_code == 0
    assert "k9: 1 sealed values, NOT CONFIGURED" in result.output
    assert "k1: 0 sealed values, active" in result.output


# --- the service, on any sealed column ----------------------------------------------------


def test_rewrap_works_on_every_sealed_column_in_batches_and_skips_nulls_and_current_values(
        instance: Instance, monkeypatch: pytest.MonkeyPatch):
    app = instance.build()
    make_account(app, Role.ADVOCATE)
    probe = Table("rotation_probe", MetaData(), Column("id", Integer, primary_key=True),
                  Column("note_sealed", LargeBinary))
    real_sealed_columns = keys_service.sealed_columns
    monkeypatch.setattr(keys_service, "sealed_columns", lambda metadata: [
        *real_sealed_columns(metadata), (probe, probe.c.note_sealed)])
    k1 = crypto_kit_of(app).cipher
    k2 = build_cipher(base64.urlsafe_b64encode(b"2" * 32).decode(), "k2",
                      {"k1": instance.values()["MASTER_KEY"]})

    def context(row_id: int) -> str:
        return sealed_context("rotation_probe", row_id, "note_sealed")

    with app.app_context():
        probe.create(db.engine)
        rows = []
        for row_id in range(1, 24):
            if row_id % 5 == 0:
                blob = None
            elif row_id % 7 == 0:
                blob = k2.seal(f"note {row_id}".encode(), context(row_id))
            else:
                blob = k1.seal(f"note {row_id}".encode(), context(row_id))
            rows.append({"id": row_id, "note_sealed": blob})
        db.session.execute(probe.insert(), rows)
        db.session.commit()
        before = {r["id"]: r["note_sealed"] for r in rows}

        # 16 probe values and one TOTP secret under k1; three probe values already under k2.
        assert keys_service.sealed_blob_counts(k2, batch_size=4) == {"k1": 17, "k2": 3}
        counts = keys_service.rewrap_all_sealed(k2, batch_size=4)
        assert counts["rotation_probe.note_sealed"] == 16
        assert counts[TOTP_COLUMN] == 1
        db.session.commit()

        after = dict(db.session.execute(select(probe.c.id, probe.c.note_sealed)).all())
        for row_id in range(1, 24):
            if before[row_id] is None:
                assert after[row_id] is None
            elif row_id % 7 == 0:
                assert after[row_id] == before[row_id]  # already under k2: untouched
            else:
                assert k2.key_id_of(after[row_id]) == "k2"
                assert k2.open(after[row_id], context(row_id)) == f"note {row_id}".encode()
        assert keys_service.sealed_blob_counts(k2) == {"k1": 0, "k2": 20}
        db.session.rollback()  # PostgreSQL: DROP waits for the reading transaction
        probe.drop(db.engine)


def crypto_kit_of(app: Flask) -> CryptoKit:
    with app.app_context():
        return crypto_kit()


# --- the index key ------------------------------------------------------------------------


def test_keyed_hashes_depend_on_the_index_key_only():
    argon2 = Argon2Params(time_cost=1, memory_cost_kib=8192, parallelism=1)
    index = base64.urlsafe_b64encode(b"i" * 32).decode()
    one = CryptoKit.from_keys(master_key_b64=base64.urlsafe_b64encode(b"1" * 32).decode(),
                              master_key_id="k1", retired_master_keys={},
                              index_key_b64=index, argon2=argon2)
    two = CryptoKit.from_keys(master_key_b64=base64.urlsafe_b64encode(b"2" * 32).decode(),
                              master_key_id="k2",
                              retired_master_keys={"k1": base64.urlsafe_b64encode(
                                  b"1" * 32).decode()},
                              index_key_b64=index, argon2=argon2)
    for name in ("recovery_code_key", "rate_limit_key", "search_index_key"):
        assert getattr(one, name) == getattr(two, name)
    assert len({one.recovery_code_key, one.rate_limit_key, one.search_index_key}) == 3
    assert two.cipher.active_key_id == "k2"
    assert two.cipher.key_ids == ("k1", "k2")


def test_an_index_key_equal_to_the_original_master_key_keeps_older_recovery_codes():
    """The upgrade path of docs/decisions/0004: digests made when they were derived from
    the master key still match."""
    original = base64.urlsafe_b64encode(b"7" * 32).decode()
    kit = CryptoKit.from_keys(master_key_b64=base64.urlsafe_b64encode(b"8" * 32).decode(),
                              master_key_id="k2", retired_master_keys={"k1": original},
                              index_key_b64=original,
                              argon2=Argon2Params(time_cost=1, memory_cost_kib=8192,
                                                  parallelism=1))
    legacy_key = derive_subkey(MasterKey.from_base64(original), "recovery-codes")
    assert recovery_code_digest("ab3d-9fkq-x2m7", kit.recovery_code_key) == \
        recovery_code_digest("ab3d-9fkq-x2m7", legacy_key)
