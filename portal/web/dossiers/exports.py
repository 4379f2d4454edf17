"""Exporting an approved dossier (legal reviewers): choose the variant, language and
page size, follow the job, download the PDF and the evidence bundle.

Load → check (DOSSIER_EXPORT: the reviewer it was approved by; 404 for anyone else)
→ act. Starting an export needs a login younger than the session policy's recent
window. The job that renders is registered here because it needs the labels and
templates of the web layer.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, RadioField

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import decode_index_key
from portal.dependencies import blob_store, crypto_kit
from portal.jobs.registry import JobFailed, JobKind, register
from portal.models import DossierExport, ExportStage, IncidentTypeTerm, Job, db
from portal.models.dossiers import Dossier
from portal.pdf.context import Vocabulary
from portal.pdf.fonts import DEFAULT_FONT_DIR, FontsMissing
from portal.pdf.layout import LayoutUnstable
from portal.pdf.sign import signing_folder, wrap_key_from_index_key
from portal.pdf.worker import RenderFailed
from portal.policy import Permission
from portal.services.countries import country_names
from portal.services.dossiers import export as export_service
from portal.services.errors import DomainError
from portal.web.access import deny, load_or_deny
from portal.web.dossiers import bp
from portal.web.dossiers.section_forms import SECTION_TITLES
from portal.web.evidence.forms import KIND_LABELS
from portal.web.labels import CUSTODY_LABELS, ROLE_LABELS
from portal.web.recent_login import require_recent_login
from portal.web.vocabulary import LABELS


class ExportForm(FlaskForm):
    variant = RadioField(_l("Variant"), choices=[
        ("confidential", _l("Confidential (names of people who agreed to be named)")),
        ("public", _l("Public, redacted"))], default="confidential")
    language = RadioField(_l("Language of the PDF"), choices=[
        ("en", "English"), ("fr", "Français"), ("fa", "فارسی")], default="en")
    page_size = RadioField(_l("Page size"), choices=[("a4", "A4"), ("letter", "US Letter")],
                           default="a4")
    include_originals = BooleanField(_l("Embed the original files in the PDF (confidential "
                                        "variant only; the file can become large)"))


def pdf_vocabulary(locale: str) -> Vocabulary:
    """Every label the PDF prints, in `locale`, as plain strings."""
    with force_locale(locale):
        return Vocabulary(
            values={key: str(text) for key, text in LABELS.items()},
            types={t.code: t.label(locale) for t in db.session.scalars(select(IncidentTypeTerm))},
            countries=dict(country_names(locale)),
            sections={str(key): str(text) for key, text in SECTION_TITLES.items()},
            exhibit_kinds={str(key): str(text) for key, text in KIND_LABELS.items()},
            custody_actions={str(key): str(text) for key, text in CUSTODY_LABELS.items()},
            roles={str(key): str(text) for key, text in ROLE_LABELS.items()})


def export_settings() -> export_service.ExportSettings:
    config = current_app.config
    return export_service.ExportSettings(
        submitter=config.get("PDF_SUBMITTER", "Association of Families of Flight PS752 Victims"),
        font_dir=config.get("PDF_FONT_DIR", DEFAULT_FONT_DIR),
        isolate=bool(config.get("PDF_RENDER_ISOLATED", True)),
        max_memory_bytes=int(config.get("PDF_RENDER_MAX_MEMORY_BYTES", 2 << 30)),
        max_seconds=int(config.get("PDF_RENDER_MAX_SECONDS", 600)),
        signing_dir=str(signing_folder(current_app.instance_path, config.get("SIGNING_DIR"))),
        signing_key=wrap_key_from_index_key(decode_index_key(config["INDEX_KEY"])))


@bp.route("/<int:dossier_id>/export", methods=["GET", "POST"])
def export(dossier_id: int) -> str | Response:
    dossier = load_or_deny(Dossier, dossier_id, Permission.DOSSIER_EXPORT, "dossier")
    form = ExportForm()
    refusal = export_service.export_refusal(dossier)
    if form.validate_on_submit() and refusal is None:
        stale = require_recent_login(url_for("dossiers.export", dossier_id=dossier.id))
        if stale is not None:
            return stale
        try:
            started = export_service.request_export(current_user, dossier,
                                                    export_service.ExportOptions(
                variant=form.variant.data or "", language=form.language.data or "",
                page_size=form.page_size.data or "",
                include_originals=bool(form.include_originals.data)))
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            return redirect(url_for("dossiers.export_status", dossier_id=dossier.id,
                                    export_id=started.id))
    exports = list(db.session.scalars(select(DossierExport).where(
        DossierExport.dossier_id == dossier.id).order_by(DossierExport.id.desc())))
    return render_template("dossiers/export.html", dossier=dossier, form=form,
                           refusal=refusal, exports=exports)


def _load_export(dossier_id: int, export_id: int) -> DossierExport:
    dossier = load_or_deny(Dossier, dossier_id, Permission.DOSSIER_EXPORT, "dossier")
    found = db.session.get(DossierExport, export_id)
    if found is None or found.dossier_id != dossier.id:
        deny("dossier_export", export_id)
    return found


@bp.route("/<int:dossier_id>/exports/<int:export_id>")
def export_status(dossier_id: int, export_id: int) -> Response:
    found = _load_export(dossier_id, export_id)
    job = db.session.get(Job, found.job_id) if found.job_id else None
    response = Response(render_template("dossiers/export_status.html", dossier=found.dossier,
                                        export=found, job=job), mimetype="text/html")
    if found.stage not in (ExportStage.DONE, ExportStage.FAILED):
        response.headers["Refresh"] = "5"  # progress without JavaScript
    return response


@bp.route("/<int:dossier_id>/exports/<int:export_id>/pdf")
def export_pdf(dossier_id: int, export_id: int) -> Response:
    return _download(_load_export(dossier_id, export_id), "pdf")


@bp.route("/<int:dossier_id>/exports/<int:export_id>/bundle")
def export_bundle(dossier_id: int, export_id: int) -> Response:
    return _download(_load_export(dossier_id, export_id), "bundle")


def _download(found: DossierExport, which: str) -> Response:
    dossier_id, export_id = found.dossier_id, found.id
    try:
        data = export_service.read_export_file(crypto_kit(), blob_store(), found, which)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("dossiers.export_status", dossier_id=dossier_id,
                                export_id=export_id))
    record_event(AuditAction.DOSSIER_EXPORT_DOWNLOADED, Outcome.SUCCESS, actor=current_user,
                 target_type="dossier", target_id=found.dossier_id,
                 details={"export": found.id, "file": which})
    db.session.commit()  # on record before the first byte leaves
    name = (f"PS752-{found.dossier.number:04d}-v{found.dossier.version}-{found.variant}"
            f"-{found.language}")
    response = Response(data, mimetype="application/pdf" if which == "pdf"
                        else "application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{name}.pdf"' if which == "pdf"
        else f'attachment; filename="{name}-bundle.zip"')
    response.headers["Content-Length"] = str(len(data))
    return response


# -- the job ---------------------------------------------------------------------------

PERMANENT = (export_service.ExportRefused, FontsMissing, LayoutUnstable)


def _run_export_job(job: Job) -> None:
    found = db.session.get(DossierExport, job.subject_id) if job.subject_id else None
    if found is None:
        raise JobFailed("missing_export", permanent=True)
    try:
        export_service.run_export(crypto_kit(), blob_store(), found, current_app.jinja_env,
                                  pdf_vocabulary, export_settings())
    except export_service.OriginalAltered as error:
        raise JobFailed(f"integrity:{error.number}", permanent=True) from error
    except PERMANENT as error:
        raise JobFailed(f"export_{type(error).__name__}", permanent=True) from error
    except RenderFailed as error:
        raise JobFailed(error.code, permanent=True) from error


def _export_given_up(job: Job) -> None:
    found = db.session.get(DossierExport, job.subject_id) if job.subject_id else None
    if found is not None:
        export_service.export_failed(found, job.error_code or "failed")


register(JobKind(export_service.EXPORT_JOB, _run_export_job, _export_given_up))
