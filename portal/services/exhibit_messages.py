"""Citing a range of a chat export's messages in a dossier exhibit ("messages 14–19").

The numbers are those of the item's message list (portal/services/chat_exports.py):
fixed once the list is made, each message hashed, so the citation in the PDF can be
checked against the list. The range is checked against the list's length when set.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from portal.audit import AuditAction, Outcome, record_event
from portal.crypto.kit import CryptoKit
from portal.models import Dossier, DossierExhibit, User, db
from portal.policy import Permission, can
from portal.services.chat_exports import conversation_of
from portal.services.errors import PermissionDenied, ValidationFailed
from portal.storage import BlobStore
from portal.text.normalise import normal_form

FIELD = "messages"
_RANGE = re.compile(r"^(\d{1,6})(?:\s*(?:-|–|—|to|à|تا)\s*(\d{1,6}))?$")


def parse_message_range(text: str) -> tuple[int, int] | None:
    """"14–19", "14-19", "۱۴ تا ۱۹", "14" → (14, 19) / (14, 14); "" → None. Raises
    ValidationFailed for anything else or a range that runs backwards."""
    cleaned = normal_form(text).strip() if text.strip() else ""
    if not cleaned:
        return None
    found = _RANGE.match(cleaned)
    if found is None:
        raise ValidationFailed(_l("Write message numbers such as 14–19, or one number."),
                               field=FIELD)
    first = int(found[1])
    last = int(found[2]) if found[2] else first
    if first < 1 or last < first:
        raise ValidationFailed(_l("The first message number must not be after the last."),
                               field=FIELD)
    return first, last


def set_message_range(kit: CryptoKit, store: BlobStore, actor: User, dossier: Dossier,
                      exhibit: DossierExhibit, text: str) -> None:
    """Cite messages of the exhibit's chat export ("" cites the whole export). Raises
    PermissionDenied if the dossier cannot be changed now, ValidationFailed for a range
    that cannot be read or passes the end of the list. Flushes; an audit event."""
    if not can(actor, Permission.DOSSIER_EDIT, dossier):
        raise PermissionDenied(_l("You cannot change this dossier now."))
    cited = parse_message_range(text)
    if cited is not None:
        conversation = conversation_of(kit, store, exhibit.evidence)
        if conversation is None:
            raise ValidationFailed(_l("This item has no list of messages."), field=FIELD)
        if cited[1] > len(conversation.messages):
            count = len(conversation.messages)
            raise ValidationFailed(lazy_ngettext("This export has %(num)d message.",
                                                 "This export has %(num)d messages.", count),
                                   field=FIELD)
    exhibit.messages_from, exhibit.messages_to = cited if cited else (None, None)
    db.session.flush()
    record_event(AuditAction.DOSSIER_EXHIBIT_CHANGED, Outcome.SUCCESS, actor=actor,
                 target_type="dossier", target_id=dossier.id,
                 details={"exhibit": exhibit.number, "messages": message_range_text(exhibit)})


def message_range_text(exhibit: DossierExhibit) -> str:
    """"14–19", "14", or "" when the exhibit cites the whole export."""
    if exhibit.messages_from is None or exhibit.messages_to is None:
        return ""
    if exhibit.messages_from == exhibit.messages_to:
        return str(exhibit.messages_from)
    return f"{exhibit.messages_from}–{exhibit.messages_to}"
