"""`flask audit verify|checkpoint|checkpoint-key`: the audit log's hash chain, and the
signed checkpoints of it that people keep outside the portal (decision 0013).

`checkpoint-key init` makes the Ed25519 key pair once, its private key sealed under a
passphrase the operator chooses; `checkpoint` asks for that passphrase and prints the
signed checkpoint; `verify --checkpoint FILE` checks that the log still extends each
checkpoint (or dossier manifest) given. Passphrases are prompted for without echo or
read from a file, never taken from the command line, never printed.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.audit import ChainBreak, verify_chain
from portal.audit.checkpoint import (
    CheckpointRefused,
    WitnessRejected,
    log_extends,
    make_checkpoint,
    read_witness,
)
from portal.audit.checkpoint_key import (
    CheckpointKeyError,
    fingerprint,
    open_key_file,
    public_key_of,
    seal_new_key,
)
from portal.crypto.passwords import check_passphrase
from portal.models import AuditEvent, db
from portal.pdf.pki import grouped
from portal.services.passphrases import STAFF_MIN_CHARS

audit_cli = AppGroup("audit", help="The audit log.")
checkpoint_key_cli = AppGroup("checkpoint-key", help="The key that signs audit checkpoints.")
audit_cli.add_command(checkpoint_key_cli)

KEY_FILE_NAME = "audit-checkpoint.key"
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
KEY_FILE_OPTION = click.option(
    "--key-file", type=click.Path(dir_okay=False, path_type=Path),
    help=f"The sealed private key (default: instance/{KEY_FILE_NAME}).")
PASSPHRASE_FILE_OPTION = click.option(
    "--passphrase-file", type=FILE,
    help="Read the key's passphrase from this file (else it is prompted for).")


@audit_cli.command("verify")
@click.option("--checkpoint", "witnesses", multiple=True, type=FILE,
              help="A checkpoint (`flask audit checkpoint`) or a dossier's manifest.json "
                   "kept elsewhere; the log must extend it. Repeatable.")
@click.option("--public-key", "public_key_file", type=FILE,
              help="The checkpoint public key (else AUDIT_CHECKPOINT_PUBLIC_KEY).")
def verify(witnesses: tuple[Path, ...], public_key_file: Path | None) -> None:
    """Exit 0 when the chain is intact and extends every checkpoint given; otherwise
    name the first bad row or the checkpoint it contradicts, and exit 1."""
    broken = verify_chain()
    count = db.session.scalar(select(func.count(AuditEvent.id))) or 0
    if broken is None:
        click.echo(f"audit chain intact: {count} events")
    else:
        click.echo(f"audit chain BROKEN at seq {broken.seq}: {broken.reason}", err=True)
    public_key = (public_key_file.read_text(encoding="utf-8").strip() if public_key_file
                  else current_app.config["AUDIT_CHECKPOINT_PUBLIC_KEY"])
    failed = [path for path in witnesses if not _extends(path, public_key, broken)]
    if broken is not None or failed:
        sys.exit(1)


def _extends(path: Path, public_key: str | None, broken: ChainBreak | None) -> bool:
    try:
        witness = read_witness(path.read_bytes(), public_key)
    except WitnessRejected as error:
        click.echo(f"checkpoint {path} REJECTED: {error}", err=True)
        return False
    where = f"checkpoint {path} (event {witness.position.seq}, {witness.description})"
    problem = log_extends(witness.position, broken)
    if problem is not None:
        click.echo(f"{where} CONTRADICTED: {problem}", err=True)
        return False
    click.echo(f"{where}: the log extends it")
    return True


@audit_cli.command("checkpoint")
@KEY_FILE_OPTION
@PASSPHRASE_FILE_OPTION
def checkpoint(key_file: Path | None, passphrase_file: Path | None) -> None:
    """Print a signed checkpoint of the log's head: keep it away from this server."""
    content = _key_file(key_file).read_bytes()
    try:
        configured = current_app.config["AUDIT_CHECKPOINT_PUBLIC_KEY"]
        if configured and public_key_of(content) != configured.strip():
            raise CheckpointKeyError("this key is not the one AUDIT_CHECKPOINT_PUBLIC_KEY "
                                     "names: its checkpoints would not verify")
        seed = open_key_file(content, _passphrase(passphrase_file, confirm=False))
        document = make_checkpoint(seed, current_app.config["PORTAL_NAME"], datetime.now(UTC))
    except (CheckpointKeyError, CheckpointRefused) as error:
        click.echo(f"no checkpoint made: {error}", err=True)
        sys.exit(1)
    click.echo(document, nl=False)


@checkpoint_key_cli.command("init")
@KEY_FILE_OPTION
@PASSPHRASE_FILE_OPTION
def init_key(key_file: Path | None, passphrase_file: Path | None) -> None:
    """Make the checkpoint key pair; the private key is written sealed under a
    passphrase you choose. Publish the fingerprint it prints."""
    path = key_file or Path(current_app.instance_path) / KEY_FILE_NAME
    if path.exists():
        click.echo(f"{path} exists already: nothing was changed", err=True)
        sys.exit(1)
    passphrase = _passphrase(passphrase_file, confirm=True)
    if not check_passphrase(passphrase, min_chars=STAFF_MIN_CHARS,
                            context=[current_app.config["PORTAL_NAME"]]).ok:
        click.echo(f"passphrase refused: use at least {STAFF_MIN_CHARS} characters that "
                   "are hard to guess (four or five unrelated words)", err=True)
        sys.exit(1)
    content = seal_new_key(passphrase)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(content)
    click.echo(f"key file (sealed; keep it and its passphrase off this server): {path}")
    _print_public_key(public_key_of(content))


@checkpoint_key_cli.command("show")
@KEY_FILE_OPTION
def show_key(key_file: Path | None) -> None:
    """Print the public key and fingerprint of the key file (no passphrase needed)."""
    try:
        _print_public_key(public_key_of(_key_file(key_file).read_bytes()))
    except CheckpointKeyError as error:
        click.echo(f"unreadable key file: {error}", err=True)
        sys.exit(1)


def _print_public_key(public_key: str) -> None:
    click.echo(f"public key (set AUDIT_CHECKPOINT_PUBLIC_KEY to it): {public_key}")
    click.echo(f"SHA-256 fingerprint (publish it): {grouped(fingerprint(public_key))}")


def _key_file(key_file: Path | None) -> Path:
    path = key_file or Path(current_app.instance_path) / KEY_FILE_NAME
    if not path.is_file():
        click.echo(f"no checkpoint key at {path}: `flask audit checkpoint-key init` makes "
                   "one, or give --key-file", err=True)
        sys.exit(1)
    return path


def _passphrase(path: Path | None, *, confirm: bool) -> str:
    if path is not None:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    text: str = click.prompt("Passphrase of the checkpoint key", hide_input=True,
                             confirmation_prompt=confirm, err=True)
    return text
