"""The conversation of a chat export on the item page (`templates/evidence/_messages.html`,
decision 0029): a page of its numbered messages, the lines that could not be read, why
a file was refused, and the identifiers it names that are not yet recorded, each
offered with one button posting to the identifiers' own form. The item page has
already loaded and checked the item; this context processor reads the rest."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import request, url_for
from flask_login import current_user

from portal.dependencies import blob_store, crypto_kit
from portal.models import EvidenceItem
from portal.policy import Permission, can
from portal.services import chat_exports
from portal.services.chat_exports import Conversation, Proposal
from portal.services.renditions import RenditionUnreadable
from portal.vocabulary.chat_exports import CHAT_EXPORT_NOTES, CHAT_EXPORT_REFUSALS
from portal.web.evidence import bp
from portal.web.identifiers.forms import IdentifierForm

PAGE_SIZE = 200


@dataclass
class MessagesPanel:
    conversation: Conversation | None = None
    first: int = 1  # number of the first message shown
    shown: list[dict[str, object]] = field(default_factory=list)
    pending: bool = False
    refusal: str = ""
    unreadable_rendition: bool = False
    notes: list[str] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    add_url: str = ""
    form: IdentifierForm | None = None


def chat_messages(item: object) -> MessagesPanel | None:
    """The panel for an item the page already checked, or None when it is no chat."""
    if not isinstance(item, EvidenceItem) or item.file_key_sealed is None:
        return None
    panel = MessagesPanel(pending=chat_exports.parsing_state(item) == "pending")
    code = chat_exports.refusal_code(item)
    if code:
        panel.refusal = str(CHAT_EXPORT_REFUSALS.get(code, CHAT_EXPORT_REFUSALS["failed"]))
    try:
        panel.conversation = chat_exports.conversation_of(crypto_kit(), blob_store(), item)
    except (RenditionUnreadable, ValueError):
        panel.unreadable_rendition = True
    if panel.conversation is None:
        return panel if panel.pending or panel.refusal or panel.unreadable_rendition else None
    _page(panel, panel.conversation)
    if can(current_user, Permission.EVIDENCE_DESCRIBE, item):
        panel.proposals = chat_exports.proposals_for(crypto_kit(), item, panel.conversation)
        panel.add_url = url_for("identifiers.item", item_id=item.id)
        panel.form = IdentifierForm(formdata=None)
    return panel


def _page(panel: MessagesPanel, conversation: Conversation) -> None:
    wanted = request.args.get("messages_from", "1")
    first = int(wanted) if wanted.isdigit() else 1
    panel.first = max(1, min(first, len(conversation.messages)))
    panel.shown = conversation.messages[panel.first - 1: panel.first - 1 + PAGE_SIZE]
    panel.notes = [str(CHAT_EXPORT_NOTES[n]) for n in conversation.notes
                   if n in CHAT_EXPORT_NOTES]


@bp.app_context_processor
def messages_context() -> dict[str, object]:
    return {"chat_messages": chat_messages, "messages_page_size": PAGE_SIZE}
