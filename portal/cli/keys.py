"""`flask keys rotate|reseal|status`: master-key rotation (decision 0004).

`rotate` makes a new master key and id, records it in instance/config.py (the previous
keys become retired keys) BEFORE it touches the database, then re-seals every sealed
value under the new key in one transaction. A crash at any point leaves every value
readable: until the file is replaced the database holds only old blobs under old keys;
afterwards the file holds every key, old and new. Existing keys are never printed.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import Config, current_app
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from portal.config import DEFAULTS, ENV_PREFIX
from portal.crypto.envelope import EnvelopeCipher, generate_master_key_b64
from portal.crypto.kit import build_cipher
from portal.dependencies import crypto_kit
from portal.models import db
from portal.services.keys import SealedValueError, rewrap_all_sealed, sealed_blob_counts

keys_cli = AppGroup("keys", help="Master keys: rotation and status.")

# The configuration keys that say which master keys exist; they must all come from the
# same place, or the file written by `rotate` would be half overridden at the next start.
KEY_SETTINGS = ("MASTER_KEY", "MASTER_KEY_ID", "RETIRED_MASTER_KEYS")
_NUMBERED_ID = re.compile(r"k(\d{1,30})")


@keys_cli.command("rotate")
def rotate() -> None:
    """Add a new active master key, keep the old ones as retired, re-seal every value."""
    cfg = current_app.config
    active_id: str = cfg["MASTER_KEY_ID"]
    retired: dict[str, str] = dict(cfg["RETIRED_MASTER_KEYS"])
    new_id = next_key_id({active_id, *retired})
    new_key = generate_master_key_b64()
    from_environment = [ENV_PREFIX + name for name in KEY_SETTINGS
                        if ENV_PREFIX + name in os.environ]
    if from_environment:
        _print_environment_instructions(from_environment, active_id, retired, new_id, new_key)
        sys.exit(1)

    config_path = Path(current_app.instance_path) / "config.py"
    if _key_settings(_read_config(config_path)) != _key_settings(cfg):
        raise click.ClickException(
            f"the master keys in use are not the ones in {config_path} (overridden, or the "
            "file is missing): nothing was changed.")
    new_retired = {**retired, active_id: cfg["MASTER_KEY"]}
    # Refuses bad ids or keys before anything is written.
    cipher = build_cipher(new_key, new_id, new_retired)
    _append_key_settings(config_path, new_retired, new_key, new_id)
    click.echo(f"{config_path}: {new_id} is now the active master key; "
               f"retired (kept to open older values): {', '.join(sorted(new_retired))}.")
    _reseal(cipher, after_config_change=True)


@keys_cli.command("reseal")
def reseal() -> None:
    """Re-seal every value not yet under the active key (after `rotate` was interrupted,
    or after the keys were changed in the environment)."""
    _reseal(crypto_kit().cipher, after_config_change=False)


@keys_cli.command("status")
def status() -> None:
    """Sealed values per master key id, and which key is active."""
    cipher = crypto_kit().cipher
    try:
        counts = sealed_blob_counts(cipher)
    except SealedValueError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(f"active master key: {cipher.active_key_id}")
    for key_id, count in counts.items():
        if key_id == cipher.active_key_id:
            state = "active"
        elif key_id in cipher.key_ids:
            state = "retired"
        else:
            state = "NOT CONFIGURED (these values cannot be opened)"
        click.echo(f"  {key_id}: {count} sealed values, {state}")


def next_key_id(existing: set[str]) -> str:
    """The next free id of the form k<n>, after the highest numbered one in use."""
    numbers = [int(match.group(1)) for key_id in existing
               if (match := _NUMBERED_ID.fullmatch(key_id))]
    number = max(numbers, default=0) + 1
    while f"k{number}" in existing:
        number += 1
    return f"k{number}"


def _reseal(cipher: EnvelopeCipher, *, after_config_change: bool) -> None:
    try:
        counts = rewrap_all_sealed(cipher)
        db.session.commit()
    except (SealedValueError, SQLAlchemyError) as error:
        db.session.rollback()
        message = error if isinstance(error, SealedValueError) else type(error).__name__
        click.echo(f"error: {message}. The database was not changed.", err=True)
        if after_config_change:
            click.echo("Every value is still readable: the previous keys are kept as retired "
                       "keys. Fix the cause, restart the portal, then run `flask keys reseal`.",
                       err=True)
        sys.exit(1)
    for column, count in counts.items():
        click.echo(f"  {column}: {count} re-sealed")
    click.echo(f"{sum(counts.values())} values re-sealed under {cipher.active_key_id}.")
    if after_config_change:
        click.echo("Restart every portal process now: until they restart they cannot open "
                   f"values sealed under {cipher.active_key_id}.")


def _print_environment_instructions(variables: list[str], active_id: str,
                                    retired: Mapping[str, str], new_id: str,
                                    new_key: str) -> None:
    # Existing keys are never printed: placeholders name them instead.
    placeholders = {key_id: f"<{key_id}: keep its current value>" for key_id in retired}
    placeholders[active_id] = f"<{active_id}: the current value of {ENV_PREFIX}MASTER_KEY>"
    retired_json = json.dumps(dict(sorted(placeholders.items())), ensure_ascii=True)
    click.echo(f"The master keys come from the environment ({', '.join(variables)}): "
               "nothing was changed.")
    click.echo("Set these variables for every portal process (and the commands), replacing "
               "the <...> placeholders, restart them, then run `flask keys reseal`:")
    click.echo("")
    click.echo(f"{ENV_PREFIX}MASTER_KEY_ID={new_id}")
    click.echo(f"{ENV_PREFIX}MASTER_KEY={new_key}")
    click.echo(f"{ENV_PREFIX}RETIRED_MASTER_KEYS='{retired_json}'")
    click.echo("")
    click.echo(f"Keep the new {new_id} key as secret as the others; it is not stored anywhere.")


def _read_config(path: Path) -> Config:
    values = Config(str(path.parent))
    if path.exists():
        values.from_pyfile(str(path))
    return values


def _key_settings(values: Mapping[str, Any]) -> tuple[object, object, object]:
    return (values.get("MASTER_KEY"), values.get("MASTER_KEY_ID", DEFAULTS["MASTER_KEY_ID"]),
            dict(values.get("RETIRED_MASTER_KEYS", {})))


def _append_key_settings(path: Path, retired: Mapping[str, str], new_key: str,
                         new_id: str) -> None:
    """Append the new key settings to config.py atomically, keeping its owner, mode 0600.

    A temporary file in the same folder gets the old text plus the new block; it is
    checked to give exactly the new keys, synced, then renamed over config.py.
    """
    old_text = path.read_text(encoding="utf-8")
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = (
        f"\n# Added by `flask keys rotate` on {now}: {new_id} is the active master key.\n"
        "# Retired keys only open values sealed before; remove one only when\n"
        "# `flask keys status` shows no value under it (docs/decisions/0004-key-rotation.md).\n"
        f"RETIRED_MASTER_KEYS = {dict(sorted(retired.items()))!r}\n"
        f"MASTER_KEY = {new_key!r}\n"
        f"MASTER_KEY_ID = {new_id!r}\n"
    )
    new_text = old_text + ("" if old_text.endswith("\n") or not old_text else "\n") + block
    owner = path.stat()
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".config.py.", suffix=".tmp")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            if (owner.st_uid, owner.st_gid) != (os.geteuid(), os.getegid()):
                try:
                    os.fchown(handle.fileno(), owner.st_uid, owner.st_gid)
                except PermissionError:
                    raise click.ClickException(
                        f"cannot give the new {path.name} the owner of the old one; run this "
                        "as the file's owner (or root): nothing was changed.") from None
            handle.write(new_text)
            handle.flush()
            os.fsync(handle.fileno())
        written = _key_settings(_read_config(temp))
        if written != (new_key, new_id, dict(retired)):
            raise click.ClickException(f"{path} does not take the appended settings (does it "
                                       "set the keys conditionally?): nothing was changed.")
        os.replace(temp, path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise click.ClickException(f"cannot write {path} ({error.strerror or error}): "
                                   "nothing was changed.") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
