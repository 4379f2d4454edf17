"""The recognised text (OCR) that the evidence item page includes
(`templates/evidence/_recognised_text.html`): the page already loaded and checked the
item; this context processor opens its text for the reader and says whether they may
record a proposed phone number (decision 0030)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user

from portal.dependencies import blob_store, crypto_kit
from portal.models import EvidenceItem
from portal.policy import Permission, can
from portal.services.recognised_text import ShownRecognisedText, recognised_text_of
from portal.web.evidence import bp
from portal.web.identifiers.forms import IdentifierForm


@dataclass(frozen=True)
class RecognisedPanel:
    found: ShownRecognisedText
    may_record: bool
    # A proposal is recorded through the identifiers form (its prefixed field names).
    form: IdentifierForm | None


def recognised_text_panel(item: object) -> RecognisedPanel | None:
    """The panel for an item the page already showed, or None when it has no text."""
    if not isinstance(item, EvidenceItem):
        return None
    found = recognised_text_of(crypto_kit(), blob_store(), item)
    if found is None:
        return None
    may_record = can(current_user, Permission.EVIDENCE_DESCRIBE, item)
    form = IdentifierForm(formdata=None) if may_record and found.proposals else None
    return RecognisedPanel(found, may_record, form)


@bp.app_context_processor
def recognised_text_context() -> dict[str, object]:
    return {"recognised_text_panel": recognised_text_panel}
