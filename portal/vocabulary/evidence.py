"""Labels of evidence: the kind of an item and the events of its chain of custody."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.audit.custody import CustodyAction
from portal.models import EvidenceKind
from portal.vocabulary.table import Labels

EVIDENCE_KIND_LABELS: Labels = {
    EvidenceKind.DOCUMENT: _l("Document"),
    EvidenceKind.PHOTO: _l("Photo"),
    EvidenceKind.VIDEO: _l("Video"),
    EvidenceKind.AUDIO: _l("Audio recording"),
    EvidenceKind.SCREENSHOT: _l("Screenshot"),
    EvidenceKind.CHAT_EXPORT: _l("Chat export"),
    EvidenceKind.EMAIL: _l("E-mail"),
    EvidenceKind.WEB_CAPTURE: _l("Web page capture"),
    EvidenceKind.CALL_LOG: _l("Call log"),
    EvidenceKind.MEDICAL_RECORD: _l("Medical record"),
    EvidenceKind.OTHER: _l("Other"),
}

CUSTODY_LABELS: Labels = {
    CustodyAction.RECEIVED: _l("Received"),
    CustodyAction.STORED: _l("Stored, encrypted"),
    CustodyAction.METADATA_EXTRACTED: _l("Metadata read"),
    CustodyAction.RENDITION_CREATED: _l("Preview made"),
    CustodyAction.REDACTED_RENDITION_CREATED: _l("Redacted copy made"),
    CustodyAction.VIEWED: _l("Viewed"),
    CustodyAction.DOWNLOADED: _l("Original downloaded"),
    CustodyAction.INTEGRITY_ALARM: _l("Integrity alarm"),
    CustodyAction.LINKED: _l("Linked to a report"),
    CustodyAction.VERIFIED: _l("Verified"),
    CustodyAction.EXPORTED: _l("Exported"),
    CustodyAction.WITHDRAWAL_REQUESTED: _l("Withdrawal asked for"),
    CustodyAction.WITHDRAWAL_APPROVED: _l("Withdrawal approved"),
    CustodyAction.KEY_DESTROYED: _l("Keys destroyed"),
}
