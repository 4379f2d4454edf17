"""`flask evidence verify` and `flask evidence reconcile`: checking the vault offline."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from portal.dependencies import blob_store, crypto_kit
from portal.services.evidence import find_orphans, verify_all

evidence_cli = AppGroup("evidence", help="The evidence vault.")


@evidence_cli.command("verify")
def verify() -> None:
    """Decrypt and re-hash every original and check every custody chain.

    Exits 1, naming each bad item, when anything does not match.
    """
    checked = bad = 0
    for item, problem in verify_all(crypto_kit(), blob_store()):
        checked += 1
        if problem is not None:
            bad += 1
            click.echo(f"item {item.id}: {problem}", err=True)
    click.echo(f"evidence: {checked} items checked, {bad} with problems")
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
    if fix:
        for key in orphans.blobs_without_row:
            store.delete(key)
        for name in orphans.stale_pending:
            store.remove_pending(name)
    total = len(orphans.blobs_without_row) + len(orphans.stale_pending)
    missing = len(orphans.rows_without_blob) + len(orphans.exports_without_file)
    click.echo(f"{total} orphans{' removed' if fix and total else ''}; "
               f"{missing} records missing their blob")
    if missing:
        sys.exit(1)
