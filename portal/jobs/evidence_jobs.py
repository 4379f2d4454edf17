"""Evidence jobs: metadata and previews of a stored item (portal/services/renditions.py)."""

from __future__ import annotations

from flask import current_app

from portal.dependencies import blob_store, crypto_kit
from portal.jobs.registry import JobFailed, JobKind, register
from portal.models import EvidenceItem, Job, User, db
from portal.services import chat_exports, renditions


def register_kinds() -> None:
    register(JobKind(renditions.DERIVE_JOB, _derive, _derivation_given_up))
    register(JobKind(chat_exports.CHAT_EXPORT_JOB, _read_chat_export, _chat_export_given_up))


def _item(job: Job) -> EvidenceItem:
    item = db.session.get(EvidenceItem, job.subject_id) if job.subject_id else None
    if item is None:
        raise JobFailed("missing_item", permanent=True)
    return item


def _derive(job: Job) -> None:
    actor = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    pages = int(current_app.config["EVIDENCE_PDF_PREVIEW_PAGES"])
    renditions.derive(crypto_kit(), blob_store(), _item(job), actor, pages)


def _derivation_given_up(job: Job) -> None:
    item = db.session.get(EvidenceItem, job.subject_id) if job.subject_id else None
    if item is not None:
        renditions.flag_failed(item)


def _read_chat_export(job: Job) -> None:
    actor = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    chat_exports.parse_item(crypto_kit(), blob_store(), _item(job), actor)


def _chat_export_given_up(job: Job) -> None:
    item = db.session.get(EvidenceItem, job.subject_id) if job.subject_id else None
    if item is not None:
        chat_exports.refuse(item, None, "failed")
