"""Dossier jobs: rendering, signing and bundling an approved dossier
(portal/services/dossiers/export.py), with the app's settings and PDF templates."""

from __future__ import annotations

from flask import current_app

from portal.crypto.kit import decode_index_key
from portal.dependencies import blob_store, crypto_kit
from portal.jobs.registry import JobFailed, JobKind, register
from portal.models import DossierExport, Job, db
from portal.pdf.fonts import FontsMissing
from portal.pdf.layout import LayoutUnstable
from portal.pdf.pki import signing_folder, wrap_key_from_index_key
from portal.pdf.worker import RenderFailed
from portal.services.dossiers import export as export_service
from portal.services.dossiers.naming import pdf_vocabulary

# Failures a retry cannot mend: the job is given up at once, with a code the status
# page explains.
PERMANENT = (export_service.ExportRefused, FontsMissing, LayoutUnstable)


def register_kinds() -> None:
    register(JobKind(export_service.EXPORT_JOB, _run_export, _export_given_up))


def export_settings() -> export_service.ExportSettings:
    config = current_app.config
    return export_service.ExportSettings(
        submitter=config["PDF_SUBMITTER"],
        font_dir=config["PDF_FONT_DIR"],
        isolate=bool(config["PDF_RENDER_ISOLATED"]),
        max_memory_bytes=int(config["PDF_RENDER_MAX_MEMORY_BYTES"]),
        max_seconds=int(config["PDF_RENDER_MAX_SECONDS"]),
        signing_dir=str(signing_folder(current_app.instance_path, config.get("SIGNING_DIR"))),
        signing_key=wrap_key_from_index_key(decode_index_key(config["INDEX_KEY"])))


def _export_of(job: Job) -> DossierExport | None:
    return db.session.get(DossierExport, job.subject_id) if job.subject_id else None


def _run_export(job: Job) -> None:
    found = _export_of(job)
    if found is None:
        raise JobFailed("missing_export", permanent=True)
    try:
        export_service.run_export(crypto_kit(), blob_store(), found, current_app.jinja_env,
                                  pdf_vocabulary, export_settings())
    except export_service.OriginalAltered as error:
        raise JobFailed(f"integrity:{error.number}", permanent=True) from error
    except export_service.LeakFound as error:  # the code says which kind and where
        raise JobFailed(error.code, permanent=True) from error
    except PERMANENT as error:
        raise JobFailed(f"export_{type(error).__name__}", permanent=True) from error
    except RenderFailed as error:
        raise JobFailed(error.code, permanent=True) from error


def _export_given_up(job: Job) -> None:
    found = _export_of(job)
    if found is not None:
        export_service.export_failed(found, job.error_code or "failed")
