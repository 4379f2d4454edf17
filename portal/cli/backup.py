"""`flask backup create DIR` and `flask backup restore DIR`: the database (with the
engine's own tools) and the encrypted evidence store, never a key.

See portal/services/backup.py for the format, and docs/operations.md for how the keys
are kept apart from the backups.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from portal.audit import AuditAction, Outcome, record_event
from portal.dependencies import blob_store, crypto_kit
from portal.models import db
from portal.services.backup import BackupError, create_backup, read_manifest, restore_backup

backup_cli = AppGroup("backup", help="Back up and restore the database and the evidence.")
FOLDER = click.Path(file_okay=False, path_type=Path)


@backup_cli.command("create")
@click.argument("folder", type=FOLDER)
def create(folder: Path) -> None:
    """Write a backup into FOLDER (new or empty). It holds no key: keep the keys apart."""
    try:
        manifest = create_backup(db.engine, blob_store(), folder,
                                 list(crypto_kit().cipher.key_ids))
    except BackupError as error:
        click.echo(f"backup refused: {error}", err=True)
        sys.exit(1)
    record_event(AuditAction.BACKUP_CREATED, Outcome.SUCCESS, target_type="backup",
                 details={"engine": manifest.engine, "files": len(manifest.files)})
    db.session.commit()
    click.echo(f"backup written to {folder}: {manifest.engine} database, "
               f"{manifest.blob_count} evidence files, schema {manifest.schema_revision}; "
               f"it needs the master keys {', '.join(manifest.master_key_ids)} "
               "and the index key to be of any use")


@backup_cli.command("check")
@click.argument("folder", type=FOLDER)
def check(folder: Path) -> None:
    """Check every file of the backup in FOLDER against its manifest (SHA-256)."""
    try:
        manifest = read_manifest(folder)
    except BackupError as error:
        click.echo(f"backup BROKEN: {error}", err=True)
        sys.exit(1)
    click.echo(f"backup intact: {len(manifest.files)} files match the manifest")


@backup_cli.command("restore")
@click.argument("folder", type=FOLDER)
def restore(folder: Path) -> None:
    """Restore the backup in FOLDER into this instance, which must be empty."""
    try:
        manifest = restore_backup(db.engine, blob_store(), folder,
                                  list(crypto_kit().cipher.key_ids))
    except BackupError as error:
        click.echo(f"restore refused: {error}", err=True)
        sys.exit(1)
    db.session.remove()
    record_event(AuditAction.BACKUP_RESTORED, Outcome.SUCCESS, target_type="backup",
                 details={"engine": manifest.engine, "made": manifest.created_at,
                          "files": len(manifest.files)})
    db.session.commit()
    click.echo(f"restored {manifest.engine} database (schema {manifest.schema_revision}) "
               f"and {manifest.blob_count} evidence files; now run `flask db upgrade`, "
               "`flask audit verify` and `flask evidence verify`")
