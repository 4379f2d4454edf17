"""Exporting an approved dossier: the PDF (PDF/A-3b, manifests embedded) and the
evidence bundle, made by a job, stored encrypted, audited, and recorded in every
exhibit's chain of custody.

`request_export` (in the request) checks the rules and queues the job;
`run_export` (in the job) re-checks them, verifies every original against its
intake hash (an altered blob stops the export, naming the exhibit), assembles both
variants (redacted as the review page showed them), bundles, renders, attaches, signs
(portal.pdf.sign: PAdES B-LTA certification, invisible), searches the finished bundle
and PDF for every protected term of the variant (portal.pdf.leak_scan: a hit stops the
export, naming the kind of term and where) and only then stores.
Rendering itself runs in a limited child process (portal.pdf.worker). Flush, never
commit, except the progress stage, which `_stage` commits at once on its own
connection for the status page to see.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from babel.lists import format_list
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from jinja2 import Environment
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from portal.audit import AuditAction, Outcome, record_event
from portal.audit.chain import ChainPosition, chain_head
from portal.audit.custody import CustodyAction, record_custody
from portal.crypto.kit import CryptoKit
from portal.crypto.streaming import FileKey
from portal.models import DossierExport, ExportStage, User, db, utcnow
from portal.models.dossiers import Dossier, DossierStatus, SectionKey
from portal.models.pagination import FixedPagination
from portal.models.sealed import sealed_context
from portal.pdf import bundle as bag
from portal.pdf.attach import Attachment, attach_files
from portal.pdf.context import LANGUAGES, PAGE_SIZES, RenderContext, ShownRendition, Vocabulary
from portal.pdf.document import DossierDocument
from portal.pdf.fonts import font_assets
from portal.pdf.html import dossier_html, language_name, outline
from portal.pdf.layout import LayoutJob, LayoutReport, render
from portal.pdf.leak_scan import BundleScanner, Destination, Leak, ScanFailed, scan_pdf
from portal.pdf.pki import SigningMaterial, SigningUnavailable, load_material
from portal.pdf.pki_issue import fresh_crl
from portal.pdf.sign import sign_pdf
from portal.pdf.worker import render_isolated
from portal.services.dossiers import (
    assembly,
    export_material,
    redaction,
    section_translations,
    workflow,
)
from portal.services.dossiers.consent_gate import dossier_gaps
from portal.services.dossiers.leaks import leak_code, leak_message
from portal.services.dossiers.markup import render_markup
from portal.services.dossiers.naming import agency_namer
from portal.services.dossiers.protected_terms import protected_terms
from portal.services.errors import ValidationFailed
from portal.services.evidence import (
    blob_associated_data,
    filename_of,
    open_original,
    shorten_filename,
    verify_item,
)
from portal.services.jobs import enqueue_job
from portal.storage import BlobStore, PendingBlob
from portal.vocabulary import texts

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


class PaginationMoved(ExportRefused):
    """The version can no longer be laid out on the pages fixed at its first export
    (decision 0022): a block needs more pages, or the blocks are not the same. Writing
    it would move the Bates numbers after it, so nothing is written."""

    def __init__(self) -> None:
        super().__init__(_l(
            "This version's page numbers were fixed at its first export, and it can no "
            "longer be laid out on the same pages (a part of it now needs more pages, or "
            "the portal now adds a part it did not have): its Bates numbers would move. "
            "Nothing was exported. An advocate must start a new version of the dossier "
            "and send it for review again."))


class LeakFound(ExportRefused):
    """The finished PDF or bundle still holds a protected term: nothing is stored.
    `code` (services/dossiers/leaks.py) says which kind and where, never the term."""

    def __init__(self, code: str) -> None:
        super().__init__(leak_message(code))
        self.code = code


class LeakCheckFailed(ExportRefused):
    """The finished files could not be read to their end by the leak scan."""


class TranslationsMissing(ExportRefused):
    """An export in another language than the dossier's, while a section has no current
    translation into it (decision 0023). The message names the sections."""

    def __init__(self, message: object, sections: list[str]) -> None:
        super().__init__(message)
        self.sections = sections


def translation_refusal(kit: CryptoKit, dossier: Dossier, language: str
                        ) -> TranslationsMissing | None:
    """Why `dossier` cannot be exported in `language` (a section without a current
    translation into it: none, stale, or made before the section last changed), or
    None. The one place that decides it, for the export page, the request and the job."""
    missing = section_translations.missing_translations(kit, dossier, language)
    if not missing:
        return None
    titles = texts(SectionKey)
    locale = str(get_locale() or "en")
    return TranslationsMissing(_l(
        "This dossier is written in %(filing)s. To export it in %(language)s, every section "
        "needs a translation into %(language)s made from its current text. Missing: "
        "%(sections)s.", filing=language_name(dossier.language, locale),
        language=language_name(language, locale),
        sections=format_list([str(titles.get(key, key)) for key in missing], locale=locale)),
        missing)


def export_refusal(dossier: Dossier) -> str | None:
    """Why `dossier` cannot be exported, or None. Approved and no consent gaps."""
    if dossier.status is not DossierStatus.APPROVED:
        return str(_l("Only an approved dossier can be exported."))
    if dossier_gaps(dossier):
        return str(_l("Consent is missing or was withdrawn for part of this dossier. "
                      "It cannot be exported until that is resolved."))
    return None


def request_export(kit: CryptoKit, actor: User, dossier: Dossier,
                   options: ExportOptions) -> DossierExport:
    """Record the export and queue its job. The caller checked DOSSIER_EXPORT and a
    recent login. Raises ExportRefused (TranslationsMissing for another language than
    the dossier's without every section's current translation: checked here, and again
    by the job, since a section may change in between)."""
    if (options.variant not in assembly.VARIANTS or options.language not in LANGUAGES
            or options.page_size not in PAGE_SIZES):
        raise ExportRefused(_l("Choose a variant, a language and a page size."))
    refusal = export_refusal(dossier) or export_material.approval_refusal(dossier,
                                                                          options.variant)
    if refusal:
        raise ExportRefused(refusal)
    missing = translation_refusal(kit, dossier, options.language)
    if missing is not None:
        raise missing
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
    """Do the export (in a job). Raises ExportRefused (permanent: the rules, an
    altered original, or a protected term the leak scan found in the finished files:
    LeakFound, then nothing is stored), FontsMissing, RenderFailed or LayoutUnstable."""
    dossier, actor = export.dossier, export.created_by
    _check_still_exportable(dossier, export.variant)
    missing = translation_refusal(kit, dossier, export.language)
    if missing is not None:
        raise missing
    _verify_originals(kit, store, dossier)
    signing = _signing_material(settings)
    # The same labels as the review page that hashed it (one way: services/dossiers/naming).
    agency_name = agency_namer(dossier.language)
    confidential = assembly.assemble(kit, dossier, assembly.CONFIDENTIAL, agency_name)
    if assembly.content_hash(confidential) != dossier.approved_content_hash:
        raise ContentChanged(_l("The dossier's content no longer matches what was approved. "
                                "An advocate must start a new version of it and send it "
                                "for review again."))
    # What is printed: in the export's language (decision 0023); the same document as
    # the one approved when that is the dossier's own.
    if export.language != dossier.language:
        agency_name = agency_namer(export.language)
        confidential = assembly.assemble(kit, dossier, assembly.CONFIDENTIAL, agency_name,
                                         export.language)
    documents = {assembly.CONFIDENTIAL: confidential,
                 assembly.PUBLIC: assembly.assemble(kit, dossier, assembly.PUBLIC, agency_name,
                                                    export.language)}
    # Their notes and labels ("Pages shown: 1 of 3.") are printed: in the export's language.
    with force_locale(export.language):
        shown, assets = export_material.shown_renditions(kit, store, dossier)
    assets.update(font_assets(settings.font_dir))
    blocks = [b.id for b in outline(confidential)]
    fixed, started_at = _fixed_pagination(export, blocks), utcnow()
    # The cover's date is the day this version's pages were fixed: every export of it
    # prints the same (decision 0022).
    generated_on = (fixed.fixed_at if fixed else started_at).date().isoformat()

    # The custody log is read once: the PDF and the bundle must carry the same bytes,
    # even if someone views an exhibit (a new custody event) while the export runs.
    custody = export_material.custody_jsonl(kit, dossier, export.variant)
    audit_head = chain_head()  # read once too: the manifest records it (a witness of the log)
    # What the finished files are searched for, from their bytes, before anything is kept.
    terms = protected_terms(kit, dossier, public=export.variant == assembly.PUBLIC)
    watch = terms.watchlist(_labels(vocabulary(export.language)))
    listing = _bundle_listing(kit, export, documents[export.variant], custody,
                              signing.root_pem, terms)
    _stage(export, ExportStage.BUNDLING)
    # The bundle is zipped straight into its encrypted blob (pending until the PDF is
    # signed): no decrypted original, custody log or purpose is ever written to disk.
    bundle_key = FileKey.generate()
    with store.begin() as pending:
        scanned = BundleScanner(watch, _original_in_bag(export.variant),
                                bundle_key.encrypting_writer(
                                    pending.file, blob_associated_data(pending.key)))
        bundle = _build_bundle(kit, store, export, documents[export.variant], shown,
                               scanned, signing.root_pem, custody, audit_head, terms, listing)
        _refuse_leaks(terms, scanned.result)
        _stage(export, ExportStage.RENDERING)
        htmls = {variant: _html(kit, env, document, export, shown, vocabulary, settings,
                               generated_on)
                 for variant, document in documents.items()}
        job = LayoutJob(htmls=htmls, css="", assets=assets, blocks=blocks,
                        pad_html=_pad_html(export.language), wanted=(export.variant,),
                        fixed=list(fixed.block_pages.values()) if fixed else ())
        report = (render_isolated(job, max_memory_bytes=settings.max_memory_bytes,
                                  max_seconds=settings.max_seconds)
                  if settings.isolate else render(job))
        if report.over_fixed:
            raise PaginationMoved()
        rendered = report.pdfs[export.variant]
        _stage(export, ExportStage.ATTACHING)
        files = _attachments(kit, store, export, documents, shown, custody, audit_head,
                             terms, listing)
        pdf = attach_files(rendered.pdf, files)
        _stage(export, ExportStage.SIGNING)
        pdf = sign_pdf(pdf, signing, reason=_signing_reason(kit, dossier, export.variant,
                                                            settings))
        originals = {f.filename for f in files if f.relationship == "Source"}
        _refuse_leaks(terms, lambda: scan_pdf(pdf, watch, originals.__contains__))
        export.signed = True
        export.bundle_blob_key, export.bundle_key_sealed = None, None
        _store_bundle(kit, export, pending, bundle_key, bundle)
    _store_pdf(kit, store, export, pdf)
    export.page_count = rendered.page_count
    if fixed is None:
        _fix_pagination(export, blocks, rendered.block_lengths, started_at)
    _finish(kit, export, actor, dossier)


def _fixed_pagination(export: DossierExport, blocks: list[str]) -> FixedPagination | None:
    """The pagination fixed by the first export of this version in this language and
    page size (None before it). Raises PaginationMoved if its blocks are not `blocks`:
    a block the portal now adds (or no longer makes) would move every page after it."""
    fixed = db.session.scalar(select(FixedPagination).where(
        FixedPagination.dossier_id == export.dossier_id,
        FixedPagination.content_sha256 == export.content_sha256,
        FixedPagination.language == export.language,
        FixedPagination.page_size == export.page_size))
    if fixed is not None and list(fixed.block_pages) != blocks:
        raise PaginationMoved()
    return fixed


def _fix_pagination(export: DossierExport, blocks: list[str], lengths: list[int],
                    fixed_at: datetime) -> None:
    """Record the block lengths of the first export of this version (language, page
    size): the larger of the two variants' for every block, what every later export
    pads to. Committed with the export, so only a finished export fixes them; a
    concurrent first export of the other variant computed the same lengths (both
    variants measured) and fails on the unique constraint rather than differ."""
    db.session.add(FixedPagination(
        dossier_id=export.dossier_id, content_sha256=export.content_sha256,
        language=export.language, page_size=export.page_size,
        blocks=[[block, pages] for block, pages in zip(blocks, lengths, strict=True)],
        page_count=sum(lengths), export_id=export.id,
        fixed_at=fixed_at))


def _refuse_leaks(terms: redaction.DossierTerms, scan: Callable[[], Leak | None]) -> None:
    """Raise LeakFound if `scan` finds a protected term, LeakCheckFailed if it cannot
    read the files to their end (the scan fails closed)."""
    try:
        found = scan()
    except ScanFailed as error:
        raise LeakCheckFailed(_l("The finished files could not be checked for protected "
                                 "names, places and references. Nothing was exported.")
                              ) from error
    if found is not None:
        raise LeakFound(leak_code(terms, found))


def _labels(vocabulary: Vocabulary) -> list[str]:
    """The labels the PDF prints beside the document: vocabulary, never a leak in
    itself. Free text typed about a case (an advocacy event's title) is not a label:
    a protected term in it refuses the export."""
    return [label for names in (vocabulary.values, vocabulary.types, vocabulary.countries,
                                vocabulary.sections, vocabulary.exhibit_kinds,
                                vocabulary.custody_actions, vocabulary.roles)
            for label in names.values()]


def _original_in_bag(variant: str) -> Callable[[str], bool]:
    """Whether a bundle file is an original, whose content is evidence as received
    (only its name is searched). The public variant has none: everything is read."""
    prefix = f"{bag.TOP}data/originals/"
    return lambda path: variant == assembly.CONFIDENTIAL and path.startswith(prefix)


def _check_still_exportable(dossier: Dossier, variant: str) -> None:
    refusal = export_refusal(dossier) or export_material.approval_refusal(dossier, variant)
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


def _signing_reason(kit: CryptoKit, dossier: Dossier, variant: str,
                    settings: ExportSettings) -> str:
    """The signature's reason (every PDF viewer shows it) names the approving legal
    reviewer as the variant does: by full name and capacity (confidential), by role
    only (public). Never by username."""
    approval = export_material.approval_of(kit, dossier, variant)
    approved = (f"; approved for submission by the legal reviewer "
                f"{approval.name + ' ' if approval.name else ''}on {approval.approved_on}"
                if approval else "")
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


def _html(kit: CryptoKit, env: Environment, document: DossierDocument, export: DossierExport,
          shown: dict[str, ShownRendition], vocabulary: Callable[[str], Vocabulary],
          settings: ExportSettings, generated_on: str) -> str:
    """One variant's HTML. Nothing in it may differ between two exports of the same
    version (decision 0022): no export id, time, audit head or bundle hash (the bundle
    differs with every export; the signed manifest binds each of its files), and the
    custody log as it stood at approval."""
    dossier = export.dossier
    with force_locale(export.language):
        context = RenderContext(
            locale=export.language, page_size=export.page_size, submitter=settings.submitter,
            generated_on=generated_on, vocabulary=vocabulary(export.language),
            sections_html={s.key: render_markup(s.markdown) for s in document.sections},
            shown=export_material.shown_in(document, shown),
            withheld_pages=export_material.withheld_pages(document, shown),
            custody=export_material.custody_lines(dossier, document.variant),
            patterns=export_material.pattern_counts(dossier, export.language),
            approval=export_material.approval_of(kit, dossier, document.variant),
            pending_translations=_pending_translations(kit, dossier, document.variant))
        return dossier_html(env, document, context)


def _pending_translations(kit: CryptoKit, dossier: Dossier, variant: str) -> dict[int, str]:
    """The reviewer's reasons for accounts approved without a certified translation,
    redacted as every text of the variant is (a reviewer's free text may name someone)."""
    terms = protected_terms(kit, dossier, public=variant == assembly.PUBLIC)
    return {report: terms.redact(reason, set())
            for report, reason in workflow.pending_translation_reasons(kit, dossier).items()}


def _pad_html(language: str) -> str:
    with force_locale(language):
        text = str(_l("This page is intentionally left blank."))
    return f'<div class="pad-page">{text}</div>'


def _attachments(kit: CryptoKit, store: BlobStore, export: DossierExport,
                 documents: dict[str, DossierDocument],
                 shown: dict[str, ShownRendition], custody: bytes,
                 audit_head: ChainPosition, terms: redaction.DossierTerms,
                 listing: dict[str, str]) -> list[Attachment]:
    document = documents[export.variant]
    files = [
        Attachment("manifest.json", json.dumps(export_material.manifest(
            document, shown, export.id, export.content_sha256, audit_head, listing),
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
                _original_name(kit, exhibit, terms), b"".join(reader.iter_chunks()),
                exhibit.evidence.detected_media_type or "application/octet-stream",
                f"Original of {assembly.exhibit_label(exhibit.number)}", "Source"))
    return files


def _original_name(kit: CryptoKit, exhibit: object, terms: redaction.DossierTerms) -> str:
    """EX-0001_<the file's name>, a protected name in it redacted as in the text (a
    relative's name in a photo's file name is no less a name)."""
    item = exhibit.evidence  # type: ignore[attr-defined]
    name = terms.redact(filename_of(kit, item), set())
    name = name.replace("/", "_").replace("\\", "_") or "original"
    # Shortened as a stored name is: the extension stays, so the file still opens.
    return shorten_filename(f"{assembly.exhibit_label(exhibit.number)}_{name}",  # type: ignore[attr-defined]
                            120)


def _build_bundle(kit: CryptoKit, store: BlobStore, export: DossierExport,
                  document: DossierDocument, shown: dict[str, ShownRendition],
                  writer: Destination, root_pem: bytes, custody: bytes,
                  audit_head: ChainPosition, terms: redaction.DossierTerms,
                  listing: dict[str, str]) -> bag.ZipDigest:
    """The BagIt bag: the originals (confidential variant only, decision 0009), the
    manifests, the custody log and the portal's root certificate (the trust root of
    the PDF's signature; its fingerprint must be checked against the published one),
    zipped into `writer`, which is then finished. Returns the zip's SHA-256 and size."""
    dossier = export.dossier
    files = [
        bag.BagFile("manifest.json", [json.dumps(export_material.manifest(
            document, shown, export.id, export.content_sha256, audit_head, listing),
            ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")]),
        bag.BagFile("exhibits.csv", [export_material.exhibits_csv(document)]),
        bag.BagFile("custody.jsonl", [custody]),
        bag.BagFile("portal-root.pem", [root_pem]),
        bag.BagFile(bag.VERIFIER_PATH, [bag.verifier_source()]),
    ]
    for exhibit in dossier.exhibits:
        if exhibit.withheld:
            continue
        if export.variant == assembly.CONFIDENTIAL:
            reader = open_original(kit, store, exhibit.evidence)
            files.append(bag.BagFile(f"originals/{_original_name(kit, exhibit, terms)}",
                                     reader.iter_chunks(), exhibit.evidence.size_bytes))
    digest = bag.build_bag_zip(files, {
        "Source-Organization": "PS752 case portal",
        "External-Identifier": f"{document.reference}-v{document.version}-{export.variant}",
        "Internal-Sender-Description": "Evidence bundle of a dossier export"}, writer,
        declared=listing)
    writer.close()
    return digest


def _bundle_listing(kit: CryptoKit, export: DossierExport, document: DossierDocument,
                    custody: bytes, root_pem: bytes, terms: redaction.DossierTerms
                    ) -> dict[str, str]:
    """Every file `_build_bundle` writes but manifest.json (path under data/ ->
    SHA-256), for the signed manifest (decision 0019). Originals by their intake hash,
    checked by `_verify_originals` and again as they stream into the bag."""
    def sha(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()

    listing = {"exhibits.csv": sha(export_material.exhibits_csv(document)),
               "custody.jsonl": sha(custody), "portal-root.pem": sha(root_pem),
               bag.VERIFIER_PATH: sha(bag.verifier_source())}
    if export.variant == assembly.CONFIDENTIAL:
        for exhibit in export.dossier.exhibits:
            if not exhibit.withheld:
                name = bag.bag_path(f"originals/{_original_name(kit, exhibit, terms)}")
                listing[name] = exhibit.evidence.sha256
    return listing


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


def _store_bundle(kit: CryptoKit, export: DossierExport, pending: PendingBlob,
                  file_key: FileKey, digest: bag.ZipDigest) -> None:
    """Commit the bundle's blob (its ciphertext was finished by `_build_bundle`)."""
    export.bundle_sha256, export.bundle_size_bytes = digest.sha256, digest.size_bytes
    export.bundle_blob_key = pending.commit()
    export.bundle_key_sealed = file_key.wrap(
        kit.cipher, sealed_context("dossier_exports", export.id, "bundle_key_sealed"))


def _finish(kit: CryptoKit, export: DossierExport, actor: User, dossier: Dossier) -> None:
    for exhibit in dossier.exhibits:
        if not exhibit.withheld:
            record_custody(exhibit.evidence, CustodyAction.EXPORTED, actor=actor, kit=kit,
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


def export_file_name(export: DossierExport, which: str) -> str:
    """The name of the export's PDF (`which` "pdf") or bundle ("bundle"), e.g.
    PS752-0002-v1-confidential-fa.pdf: the same for the page's downloads and the files
    `flask dossier export` writes. Only validated values go into it (no quote, no path)."""
    name = f"{dossier_reference(export.dossier)}-{export.variant}-{export.language}"
    return f"{name}.pdf" if which == "pdf" else f"{name}-bundle.zip"


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
