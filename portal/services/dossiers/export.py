"""Exporting an approved dossier: the PDF (PDF/A-3b, manifests embedded) and the
evidence bundle, made by a job, stored encrypted, audited, and recorded in every
exhibit's chain of custody.

`request_export` (in the request) checks the rules and queues the job;
`run_export` (in the job) re-checks them, verifies every original against its
intake hash (an altered blob stops the export, naming the exhibit), renders, attaches,
signs (portal.pdf.sign: PAdES B-LTA certification, invisible), bundles and stores.
Rendering itself runs in a limited child process (portal.pdf.worker). Flush, never
commit, except the progress stage, which `_stage` commits at once on its own
connection for the status page to see.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from jinja2 import Environment
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from portal.audit import AuditAction, Outcome, record_event
from portal.audit.custody import CustodyAction, record_custody
from portal.crypto.kit import CryptoKit
from portal.crypto.streaming import FileKey
from portal.models import DossierExport, ExportStage, User, db, utcnow
from portal.models.dossiers import Dossier, DossierStatus
from portal.models.sealed import sealed_context
from portal.pdf import bundle as bag
from portal.pdf.attach import Attachment, attach_files
from portal.pdf.context import LANGUAGES, PAGE_SIZES, RenderContext, ShownRendition, Vocabulary
from portal.pdf.document import DossierDocument
from portal.pdf.fonts import font_assets
from portal.pdf.html import dossier_html, outline
from portal.pdf.layout import LayoutJob, LayoutReport, render
from portal.pdf.sign import SigningMaterial, SigningUnavailable, fresh_crl, load_material, sign_pdf
from portal.pdf.worker import render_isolated
from portal.services.dossiers import assembly, export_material
from portal.services.dossiers.consent_gate import dossier_gaps
from portal.services.dossiers.markup import render_markup
from portal.services.dossiers.naming import agency_namer
from portal.services.errors import ValidationFailed
from portal.services.evidence import blob_associated_data, filename_of, open_original, verify_item
from portal.services.jobs import enqueue_job
from portal.storage import BlobStore

EXPORT_JOB = "dossier.export"
SUBJECT = "dossier_export"


@dataclass(frozen=True)
class ExportOptions:
    variant: str
    language: str
    page_size: str = "a4"
    include_originals: bool = False


@dataclass(frozen=True)
class ExportSettings:
    """From the configuration (PDF_* keys)."""

    submitter: str
    font_dir: str
    isolate: bool = True
    max_memory_bytes: int = 2 << 30
    max_seconds: int = 600
    signing_dir: str = ""  # the instance's signing PKI (flask signing init)
    signing_key: bytes = b""  # seals its private keys (derived from INDEX_KEY)


class ExportRefused(ValidationFailed):
    """The dossier cannot be exported now; the message says why (translated)."""


class ContentChanged(ExportRefused):
    """The assembled dossier no longer hashes to the approved content hash."""


class SigningKeysMissing(ExportRefused):
    """The instance has no usable signing PKI: nothing is rendered, nothing written."""


class OriginalAltered(ExportRefused):
    """An exhibit's original no longer matches its intake hash (or cannot be read)."""

    def __init__(self, message: object, number: str) -> None:
        super().__init__(message)
        self.number = number


def export_refusal(dossier: Dossier) -> str | None:
    """Why `dossier` cannot be exported, or None. Approved and no consent gaps."""
    if dossier.status is not DossierStatus.APPROVED:
        return str(_l("Only an approved dossier can be exported."))
    if dossier_gaps(dossier):
        return str(_l("Consent is missing or was withdrawn for part of this dossier. "
                      "It cannot be exported until that is resolved."))
    return None


def request_export(actor: User, dossier: Dossier, options: ExportOptions) -> DossierExport:
    """Record the export and queue its job. The caller checked DOSSIER_EXPORT and a
    recent login. Raises ExportRefused."""
    if (options.variant not in assembly.VARIANTS or options.language not in LANGUAGES
            or options.page_size not in PAGE_SIZES):
        raise ExportRefused(_l("Choose a variant, a language and a page size."))
    refusal = export_refusal(dossier)
    if refusal:
        raise ExportRefused(refusal)
    export = DossierExport(dossier_id=dossier.id, variant=options.variant,
                           language=options.language, page_size=options.page_size,
                           include_originals=options.include_originals
                           and options.variant == assembly.CONFIDENTIAL,
                           created_by_id=actor.id, content_sha256=dossier.approved_content_hash)
    db.session.add(export)
    db.session.flush()
    job = enqueue_job(EXPORT_JOB, subject_type=SUBJECT, subject_id=export.id,
                      requested_by=actor, max_attempts=1)
    export.job_id = job.id
    record_event(AuditAction.DOSSIER_EXPORT_REQUESTED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id,
                 details={"export": export.id, "variant": export.variant,
                          "language": export.language, "page_size": export.page_size})
    return export


Renderer = Callable[[LayoutJob], LayoutReport]


def run_export(kit: CryptoKit, store: BlobStore, export: DossierExport, env: Environment,
               vocabulary: Callable[[str], Vocabulary], settings: ExportSettings) -> None:
    """Do the export (in a job). Raises ExportRefused (permanent: the rules or an
    altered original), FontsMissing, RenderFailed or LayoutUnstable."""
    dossier, actor = export.dossier, export.created_by
    _check_still_exportable(dossier)
    _verify_originals(kit, store, dossier)
    signing = _signing_material(settings)
    # The same labels as the review page that hashed it (one way: services/dossiers/naming).
    agency_name = agency_namer(dossier.language)
    confidential = assembly.assemble(kit, dossier, assembly.CONFIDENTIAL, agency_name)
    if assembly.content_hash(confidential) != dossier.approved_content_hash:
        raise ContentChanged(_l("The dossier's content no longer matches what was approved. "
                                "An advocate must start a new version of it and send it "
                                "for review again."))
    documents = {assembly.CONFIDENTIAL: confidential,
                 assembly.PUBLIC: assembly.assemble(kit, dossier, assembly.PUBLIC, agency_name)}
    shown, assets = export_material.shown_renditions(kit, store, dossier)
    assets.update(font_assets(settings.font_dir))

    # The custody log is read once: the PDF and the bundle must carry the same bytes,
    # even if someone views an exhibit (a new custody event) while the export runs.
    custody = export_material.custody_jsonl(dossier, export.variant)
    _stage(export, ExportStage.BUNDLING)
    with tempfile.TemporaryFile() as spool:
        bundle_sha = _build_bundle(kit, store, export, documents[export.variant], shown, spool,
                                   signing.root_pem, custody)
        _stage(export, ExportStage.RENDERING)
        htmls = {variant: _html(env, document, export, shown, vocabulary, settings, bundle_sha)
                 for variant, document in documents.items()}
        job = LayoutJob(htmls=htmls, css="", assets=assets,
                        blocks=[b.id for b in outline(confidential)],
                        pad_html=_pad_html(export.language), wanted=(export.variant,))
        report = (render_isolated(job, max_memory_bytes=settings.max_memory_bytes,
                                  max_seconds=settings.max_seconds)
                  if settings.isolate else render(job))
        rendered = report.pdfs[export.variant]
        _stage(export, ExportStage.ATTACHING)
        pdf = attach_files(rendered.pdf, _attachments(kit, store, export, documents, shown,
                                                      custody))
        _stage(export, ExportStage.SIGNING)
        pdf = sign_pdf(pdf, signing, reason=_signing_reason(dossier, settings))
        export.signed = True
        export.bundle_blob_key, export.bundle_key_sealed = None, None
        _store_bundle(kit, store, export, spool, bundle_sha)
    _store_pdf(kit, store, export, pdf)
    export.page_count = rendered.page_count
    _finish(export, actor, dossier)


def _check_still_exportable(dossier: Dossier) -> None:
    refusal = export_refusal(dossier)
    if refusal:
        raise ExportRefused(refusal)


def _verify_originals(kit: CryptoKit, store: BlobStore, dossier: Dossier) -> None:
    for exhibit in dossier.exhibits:
        if exhibit.withheld:
            continue
        problem = verify_item(kit, store, exhibit.evidence)
        if problem is not None:
            number = assembly.exhibit_label(exhibit.number)
            raise OriginalAltered(_l("Exhibit %(number)s failed its integrity check (%(problem)s). "
                                     "Nothing was exported.", number=number, problem=problem),
                                  number)


def _signing_material(settings: ExportSettings) -> SigningMaterial:
    """The signing PKI, with a CRL fresh enough to sign with; checked before any work."""
    try:
        folder = Path(settings.signing_dir)
        return fresh_crl(folder, load_material(folder, settings.signing_key))
    except SigningUnavailable as error:
        raise SigningKeysMissing(_l("The portal has no usable signing keys (%(problem)s). "
                                    "Nothing was exported.", problem=str(error))) from error


def _signing_reason(dossier: Dossier, settings: ExportSettings) -> str:
    """The signature's reason names the approving legal reviewer."""
    approval = export_material.approval_of(dossier)
    approved = (f"; approved for submission by the legal reviewer {approval.reviewer} "
                f"on {approval.approved_on}" if approval else "")
    return (f"{dossier_reference(dossier)} certified by {settings.submitter} "
            f"(PS752 case portal){approved}")


def _stage(export: DossierExport, stage: ExportStage) -> None:
    """Show how far the job is: committed at once on its own short transaction, so
    that the status page (another request) sees it while the job runs. Only the
    stage: the export's content is committed with the job. Flushing it in the job's
    transaction instead showed nothing until the end and, on SQLite, held the
    database's write lock for the whole render."""
    with db.engine.begin() as connection:
        connection.execute(update(DossierExport).where(DossierExport.id == export.id)
                           .values(stage=stage))
    set_committed_value(export, "stage", stage)  # already saved: not written again


def _html(env: Environment, document: DossierDocument, export: DossierExport,
          shown: dict[str, ShownRendition], vocabulary: Callable[[str], Vocabulary],
          settings: ExportSettings, bundle_sha: str) -> str:
    dossier = export.dossier
    with force_locale(export.language):
        context = RenderContext(
            locale=export.language, page_size=export.page_size, submitter=settings.submitter,
            generated_on=utcnow().date().isoformat(), vocabulary=vocabulary(export.language),
            sections_html={s.key: render_markup(s.markdown) for s in document.sections},
            shown=shown,
            custody=export_material.custody_lines(dossier, document.variant),
            patterns=export_material.pattern_counts(dossier, export.language),
            approval=export_material.approval_of(dossier), bundle_sha256=bundle_sha)
        return dossier_html(env, document, context)


def _pad_html(language: str) -> str:
    with force_locale(language):
        text = str(_l("This page is intentionally left blank."))
    return f'<div class="pad-page">{text}</div>'


def _attachments(kit: CryptoKit, store: BlobStore, export: DossierExport,
                 documents: dict[str, DossierDocument],
                 shown: dict[str, ShownRendition], custody: bytes) -> list[Attachment]:
    document = documents[export.variant]
    files = [
        Attachment("manifest.json", json.dumps(export_material.manifest(
            document, shown, export.id, export.content_sha256),
            ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"),
            "application/json", "Exhibit manifest (SHA-256 of originals and renditions)",
            "Data"),
        Attachment("exhibits.csv", export_material.exhibits_csv(document), "text/csv",
                   "Index of exhibits", "Data"),
        Attachment("custody.jsonl", custody, "application/x-ndjson",
                   "Custody log of every exhibit (with its hash chain)", "Data"),
    ]
    if export.include_originals:
        for exhibit in export.dossier.exhibits:
            if exhibit.withheld:
                continue
            reader = open_original(kit, store, exhibit.evidence)
            files.append(Attachment(
                _original_name(kit, exhibit), b"".join(reader.iter_chunks()),
                exhibit.evidence.detected_media_type or "application/octet-stream",
                f"Original of {assembly.exhibit_label(exhibit.number)}", "Source"))
    return files


def _original_name(kit: CryptoKit, exhibit: object) -> str:
    item = exhibit.evidence  # type: ignore[attr-defined]
    name = filename_of(kit, item).replace("/", "_").replace("\\", "_") or "original"
    return f"{assembly.exhibit_label(exhibit.number)}_{name}"[:120]  # type: ignore[attr-defined]


def _build_bundle(kit: CryptoKit, store: BlobStore, export: DossierExport,
                  document: DossierDocument, shown: dict[str, ShownRendition],
                  spool: IO[bytes], root_pem: bytes, custody: bytes) -> str:
    """The BagIt bag: the originals (confidential variant only, decision 0009), the
    manifests, the custody log and the portal's root certificate (the trust root of
    the PDF's signature; its fingerprint must be checked against the published one).
    Returns its SHA-256."""
    dossier = export.dossier
    files = [
        bag.BagFile("manifest.json", [json.dumps(export_material.manifest(
            document, shown, export.id, export.content_sha256),
            ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")]),
        bag.BagFile("exhibits.csv", [export_material.exhibits_csv(document)]),
        bag.BagFile("custody.jsonl", [custody]),
        bag.BagFile("portal-root.pem", [root_pem]),
    ]
    for exhibit in dossier.exhibits:
        if exhibit.withheld:
            continue
        if export.variant == assembly.CONFIDENTIAL:
            reader = open_original(kit, store, exhibit.evidence)
            files.append(bag.BagFile(f"originals/{_original_name(kit, exhibit)}",
                                     reader.iter_chunks()))
    return bag.build_bag_zip(files, {
        "Source-Organization": "PS752 case portal",
        "External-Identifier": f"{document.reference}-v{document.version}-{export.variant}",
        "Internal-Sender-Description": "Evidence bundle of a dossier export"}, spool)


def _store_blob(kit: CryptoKit, store: BlobStore, chunks: object, context: str
                ) -> tuple[str, bytes]:
    file_key = FileKey.generate()
    with store.begin() as pending:
        writer = file_key.encrypting_writer(pending.file, blob_associated_data(pending.key))
        for chunk in chunks:  # type: ignore[attr-defined]
            writer.write(chunk)
        writer.close()
        blob_key = pending.commit()
    return blob_key, file_key.wrap(kit.cipher, context)


def _store_pdf(kit: CryptoKit, store: BlobStore, export: DossierExport, pdf: bytes) -> None:
    export.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    export.pdf_size_bytes = len(pdf)
    export.pdf_blob_key, export.pdf_key_sealed = _store_blob(
        kit, store, [pdf], sealed_context("dossier_exports", export.id, "pdf_key_sealed"))


def _store_bundle(kit: CryptoKit, store: BlobStore, export: DossierExport, spool: IO[bytes],
                  sha256: str) -> None:
    spool.seek(0, 2)
    export.bundle_size_bytes = spool.tell()
    spool.seek(0)
    export.bundle_sha256 = sha256
    export.bundle_blob_key, export.bundle_key_sealed = _store_blob(
        kit, store, bag.iter_file(spool),
        sealed_context("dossier_exports", export.id, "bundle_key_sealed"))


def _finish(export: DossierExport, actor: User, dossier: Dossier) -> None:
    for exhibit in dossier.exhibits:
        if not exhibit.withheld:
            record_custody(exhibit.evidence, CustodyAction.EXPORTED, actor=actor,
                           purpose=f"{dossier_reference(dossier)} {export.variant}",
                           hash_before=exhibit.evidence.sha256,
                           details={"export": export.id, "pdf_sha256": export.pdf_sha256,
                                    "bundle_sha256": export.bundle_sha256})
    export.stage, export.finished_at = ExportStage.DONE, utcnow()
    record_event(AuditAction.DOSSIER_EXPORTED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id,
                 details={"export": export.id, "variant": export.variant,
                          "pdf_sha256": export.pdf_sha256,
                          "bundle_sha256": export.bundle_sha256,
                          "pages": export.page_count})


def dossier_reference(dossier: Dossier) -> str:
    return f"PS752-{dossier.number:04d}-v{dossier.version}"


def export_failed(export: DossierExport, code: str) -> None:
    """The job gave up: say so on the export and in the audit log (the code only)."""
    export.stage, export.error_code, export.finished_at = ExportStage.FAILED, code[:60], utcnow()
    record_event(AuditAction.DOSSIER_EXPORT_FAILED, Outcome.FAILURE, actor=export.created_by,
                 target_type="dossier", target_id=export.dossier_id,
                 details={"export": export.id, "error": code[:60]})


def read_export_file(kit: CryptoKit, store: BlobStore, export: DossierExport,
                     which: str) -> bytes:
    """The decrypted PDF or bundle, checked against its recorded SHA-256."""
    key, sealed, expected, column = (
        (export.pdf_blob_key, export.pdf_key_sealed, export.pdf_sha256, "pdf_key_sealed")
        if which == "pdf" else
        (export.bundle_blob_key, export.bundle_key_sealed, export.bundle_sha256,
         "bundle_key_sealed"))
    if key is None or sealed is None:
        raise ExportRefused(_l("This export has no file."))
    file_key = FileKey.unwrap(kit.cipher, sealed, sealed_context("dossier_exports", export.id,
                                                                 column))
    # The blob is closed here, not left to the garbage collector.
    with (store.open(key) as source,
          file_key.decrypting_reader(source, blob_associated_data(key)) as reader):
        data = b"".join(reader.iter_chunks())
    if hashlib.sha256(data).hexdigest() != expected:
        raise ExportRefused(_l("The stored export no longer matches its hash."))
    return data
