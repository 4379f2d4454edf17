"""`flask dossier list|export`: the export page, for automation.

`export` does what a legal reviewer does on /dossiers/<id>/export, as the account
named with `--as`: the same checks (the access rule DOSSIER_EXPORT, asked of the policy
for that account as the page asks it for the signed-in one: only the active legal
reviewer who approved the dossier; then no consent gap), the same service call (the
audit event "export asked for"), the same job (re-checks, "exported" custody events,
the files stored encrypted in the vault), then writes the PDF and the bundle into
`--out` under the page's file names, as its downloads do (audited as downloads).
There is no login on the command line: whoever runs it already holds the server's
keys; the recent-login check of the page has no equivalent here, and the audit log
names the reviewer given with `--as`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from portal.audit import AuditAction, Outcome, record_event
from portal.cli.dossiers import dossiers_cli
from portal.dependencies import blob_store, crypto_kit
from portal.jobs.execute import run_job
from portal.models import DossierExport, ExportStage, db
from portal.models.dossiers import Dossier
from portal.policy import Permission, can
from portal.services.accounts import find_user
from portal.services.dossiers import builder
from portal.services.dossiers import export as export_service
from portal.services.dossiers.export_failures import failure_message
from portal.services.errors import DomainError


@dossiers_cli.command("list")
def list_dossiers() -> None:
    """One dossier a line: id, status, title, reference (tab-separated)."""
    kit = crypto_kit()
    for dossier in db.session.scalars(select(Dossier).order_by(Dossier.id)):
        title = " ".join(builder.details_of(kit, dossier).title.split())
        click.echo(f"{dossier.id}\t{dossier.status.value}\t{title}\t"
                   f"{export_service.dossier_reference(dossier)}")


@dossiers_cli.command("export")
@click.argument("dossier_id", type=int)
@click.option("--variant", type=click.Choice(["confidential", "public"]), required=True)
@click.option("--lang", "language", type=click.Choice(["en", "fr", "fa"]), default="en",
              show_default=True)
@click.option("--page-size", type=click.Choice(["a4", "letter"]), default="a4",
              show_default=True)
@click.option("--include-originals", is_flag=True,
              help="Embed the originals in the PDF (confidential variant only).")
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, writable=True, path_type=Path),
              help="Folder that receives the PDF and the bundle (made if missing).")
@click.option("--as", "username", required=True,
              help="The legal reviewer who approved the dossier.")
def export_dossier(dossier_id: int, variant: str, language: str, page_size: str,
                   include_originals: bool, out_dir: Path, username: str) -> None:
    """Export an approved dossier as its approving legal reviewer; write the signed
    PDF and the evidence bundle into --out. Exits 1 if the export is refused or fails."""
    reviewer = find_user(username)
    dossier = db.session.get(Dossier, dossier_id)
    if dossier is None:
        raise click.ClickException(f"no dossier {dossier_id}")
    # The page's check (load_or_deny), for the named account instead of the signed-in one.
    if reviewer is None or not can(reviewer, Permission.DOSSIER_EXPORT, dossier):
        refusal = export_service.export_refusal(dossier)
        raise click.ClickException(refusal or f"{username} is not the active legal reviewer "
                                   "who approved this dossier: only they can export it")
    try:
        started = export_service.request_export(
            crypto_kit(), reviewer, dossier, export_service.ExportOptions(
                variant=variant, language=language, page_size=page_size,
                include_originals=include_originals))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from error
    export_id, job_id = started.id, started.job_id
    db.session.commit()  # the request is on record; the job may start now
    click.echo(f"Export {export_id} of {export_service.dossier_reference(dossier)} "
               f"({variant}, {language}, {page_size}) as {reviewer.username}...")
    finished = _run_or_wait(export_id, job_id)
    if finished.stage is not ExportStage.DONE:
        raise click.ClickException(failure_message(finished.error_code or "failed"))
    for which in ("pdf", "bundle"):
        path = _write(out_dir, finished, which)
        record_event(AuditAction.DOSSIER_EXPORT_DOWNLOADED, Outcome.SUCCESS, actor=reviewer,
                     target_type="dossier", target_id=finished.dossier_id,
                     details={"export": finished.id, "file": which, "via": "cli"})
        db.session.commit()
        digest = finished.pdf_sha256 if which == "pdf" else finished.bundle_sha256
        click.echo(f"{path}  SHA-256 {digest}")
    click.echo(f"{finished.page_count} pages. Check them with: "
               f"flask dossier verify {export_service.export_file_name(finished, 'pdf')} "
               f"{export_service.export_file_name(finished, 'bundle')}")


def _run_or_wait(export_id: int, job_id: int | None) -> DossierExport:
    """Run the job here; if a runner (eager, a thread, an RQ worker) took it first,
    wait until it finished."""
    if job_id is not None:
        run_job(job_id, int(current_app.config["JOBS_LEASE_SECONDS"]))
    deadline = time.monotonic() + int(current_app.config["PDF_RENDER_MAX_SECONDS"]) + 120
    while True:
        db.session.expire_all()
        found = db.session.get(DossierExport, export_id)
        assert found is not None
        if found.stage in (ExportStage.DONE, ExportStage.FAILED):
            return found
        if time.monotonic() > deadline:
            raise click.ClickException(f"export {export_id} did not finish in time; "
                                       "its page shows where it is")
        db.session.rollback()
        time.sleep(1)


def _write(out_dir: Path, export: DossierExport, which: str) -> Path:
    """Decrypt (checked against its SHA-256) and write atomically, 0600: never a
    half-written file under the final name."""
    data = export_service.read_export_file(crypto_kit(), blob_store(), export, which)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / export_service.export_file_name(export, which)
    partial = target.with_name(f".{target.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target
