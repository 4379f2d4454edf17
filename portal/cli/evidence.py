"""`flask evidence verify` and `flask evidence reconcile`: checking the vault offline."""

from __future__ import annotations

import sys
from collections import Counter

import click
from flask.cli import AppGroup

from portal.dependencies import blob_store, crypto_kit
from portal.services.evidence import find_orphans
from portal.services.vault_check import EXPORT_FILE, ITEM, RENDITION, verify_vault
from portal.storage import BlobRetained

evidence_cli = AppGroup("evidence", help="The evidence vault.")


@evidence_cli.command("verify")
def verify() -> None:
    """Decrypt and re-hash every blob (originals, renditions, export files) against
    its recorded hash and check every custody chain.

    Exits 1, naming each bad item and rendition, or export and file, when anything
    does not match.
    """
    checked: Counter[str] = Counter()
    bad: Counter[str] = Counter()
    for found in verify_vault(crypto_kit(), blob_store()):
        checked[found.kind] += 1
        if found.problem is not None:
            bad[found.kind] += 1
            click.echo(f"{found.subject}: {found.problem}", err=True)
    click.echo(f"evidence: {checked[ITEM]} items checked, {bad[ITEM]} with problems; "
               f"{checked[RENDITION]} renditions checked, {bad[RENDITION]} with problems; "
               f"{checked[EXPORT_FILE]} export files checked, {bad[EXPORT_FILE]} with problems")
    if bad:
        sys.exit(1)


@evidence_cli.command("reconcile")
@click.option("--fix", is_flag=True, help="Remove orphan blobs and abandoned temporary files.")
def reconcile(fix: bool) -> None:
    """List blobs without a row, rows without a blob, and abandoned uploads."""
    store = blob_store()
    orphans = find_orphans(store)
    for key in orphans.blobs_without_row:
        click.echo(f"blob without a record: {key}")
    for item_id in orphans.rows_without_blob:
        click.echo(f"record without its blob: item {item_id}", err=True)
    for export_id in orphans.exports_without_file:
        click.echo(f"record without its file: export {export_id}", err=True)
    for name in orphans.stale_pending:
        click.echo(f"abandoned upload: {name}")
    retained = 0
    if fix:
        for key in orphans.blobs_without_row:
            try:
                store.delete(key)
            except BlobRetained:  # S3 Object Lock: it goes when its retention ends
                click.echo(f"kept until its retention ends: {key}")
                retained += 1
        for name in orphans.stale_pending:
            store.remove_pending(name)
    total = len(orphans.blobs_without_row) + len(orphans.stale_pending) - retained
    missing = len(orphans.rows_without_blob) + len(orphans.exports_without_file)
    click.echo(f"{total} orphans{' removed' if fix and total else ''}; "
               f"{missing} records missing their blob")
    if missing:
        sys.exit(1)
