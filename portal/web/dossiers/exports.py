"""Exporting an approved dossier (legal reviewers): choose the variant, language and
page size, follow the job, download the PDF and the evidence bundle.

Load → check (DOSSIER_EXPORT: the reviewer it was approved by; 404 for anyone else)
→ act. Starting an export needs a login younger than the session policy's recent
window. The job that renders is portal/jobs/dossier_jobs.py.
"""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import BooleanField, RadioField

from portal.audit import AuditAction, Outcome, record_event
from portal.dependencies import blob_store, crypto_kit
from portal.models import DossierExport, ExportStage, Job, db
from portal.models.dossiers import Dossier
from portal.policy import Permission
from portal.services.dossiers import export as export_service
from portal.services.dossiers.export_failures import failure_message
from portal.web.access import deny, load_or_deny
from portal.web.dossiers import bp
from portal.web.forms import PortalForm
from portal.web.refusals import refusal_flashed


class ExportForm(PortalForm):
    variant = RadioField(_l("Variant"), choices=[
        ("confidential", _l("Confidential (names of people who agreed to be named)")),
        ("public", _l("Public, redacted"))], default="confidential")
    language = RadioField(_l("Language of the PDF"), choices=[
        ("en", "English"), ("fr", "Français"), ("fa", "فارسی")], default="en")
    page_size = RadioField(_l("Page size"), choices=[("a4", "A4"), ("letter", "US Letter")],
                           default="a4")
    include_originals = BooleanField(_l("Embed the original files in the PDF (confidential "
                                        "variant only; the file can become large)"))

    def options(self) -> export_service.ExportOptions:
        return export_service.ExportOptions(
            variant=self.variant.data or "", language=self.language.data or "",
            page_size=self.page_size.data or "",
            include_originals=bool(self.include_originals.data))


@bp.route("/<int:dossier_id>/export", methods=["GET", "POST"])
def export(dossier_id: int) -> str | Response:
    dossier = load_or_deny(Dossier, dossier_id, Permission.DOSSIER_EXPORT, "dossier")
    form = ExportForm()
    if not form.is_submitted():
        form.language.data = dossier.language  # its filing language (decision 0023)
    refusal = export_service.export_refusal(dossier)
    if form.validate_on_submit() and refusal is None:
        with refusal_flashed():
            started = export_service.request_export(crypto_kit(), current_user, dossier,
                                                    form.options())
            return redirect(url_for("dossiers.export_status", dossier_id=dossier.id,
                                    export_id=started.id))
    exports = list(db.session.scalars(select(DossierExport).where(
        DossierExport.dossier_id == dossier.id).order_by(DossierExport.id.desc())))
    # The languages it cannot be exported in yet, each with the sections it lacks.
    kit = crypto_kit()
    untranslated = [str(found.message) for code in ("en", "fr", "fa")
                    if (found := export_service.translation_refusal(kit, dossier, code))]
    return render_template("dossiers/export.html", dossier=dossier, form=form,
                           refusal=refusal, exports=exports, untranslated=untranslated)


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
    failure = failure_message(found.error_code or "") if found.stage is ExportStage.FAILED \
        else None
    response = Response(render_template("dossiers/export_status.html", dossier=found.dossier,
                                        export=found, job=job, failure=failure),
                        mimetype="text/html")
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
    data: bytes | None = None
    with refusal_flashed():
        data = export_service.read_export_file(crypto_kit(), blob_store(), found, which)
    if data is None:
        return redirect(url_for("dossiers.export_status", dossier_id=dossier_id,
                                export_id=export_id))
    record_event(AuditAction.DOSSIER_EXPORT_DOWNLOADED, Outcome.SUCCESS, actor=current_user,
                 target_type="dossier", target_id=found.dossier_id,
                 details={"export": found.id, "file": which})
    db.session.commit()  # on record before the first byte leaves
    response = Response(data, mimetype="application/pdf" if which == "pdf"
                        else "application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{export_service.export_file_name(found, which)}"')
    response.headers["Content-Length"] = str(len(data))
    return response

