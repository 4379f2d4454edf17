"""The identifiers panel that the report page and the evidence item page include
(`templates/identifiers/_panel.html`): what those pages already have (the report or the
item) is all it needs; this context processor fetches the rest for the signed-in reader."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_login import current_user

from portal.dependencies import crypto_kit
from portal.models import EvidenceItem, Incident
from portal.policy import Permission, can
from portal.services.identifiers.links import Links, links_of, may_see_links
from portal.services.identifiers.records import ShownIdentifier, identifiers_of
from portal.web.identifiers import bp
from portal.web.identifiers.forms import IdentifierForm, RemoveIdentifierForm


@dataclass
class Panel:
    identifiers: list[ShownIdentifier]
    may_record: bool
    add_url: str
    remove_url: str
    form: IdentifierForm
    remove_form: RemoveIdentifierForm
    links: dict[int, Links] = field(default_factory=dict)


def may_record(subject: Incident | EvidenceItem) -> bool:
    """Who records identifiers: whoever may add evidence to the report (its reporter,
    its advocates) or describe the item (its family members, the advocates reading it)."""
    if isinstance(subject, Incident):
        return can(current_user, Permission.EVIDENCE_ADD, subject)
    return can(current_user, Permission.EVIDENCE_DESCRIBE, subject)


def identifier_panel(subject: object) -> Panel | None:
    """The panel for a report or an item the page already showed (and so checked), or
    None when there is nothing for this reader to see or do."""
    if not isinstance(subject, Incident | EvidenceItem):
        return None
    kit = crypto_kit()
    shown = identifiers_of(kit, subject)
    recording = may_record(subject)
    if not shown and not recording:
        return None
    own = ([subject.id] if isinstance(subject, Incident)
           else [incident.id for incident in subject.incidents])
    links = ({row.id: links_of(current_user, row.digest, own) for row in shown if row.digest}
             if may_see_links(current_user, subject) else {})
    if isinstance(subject, Incident):
        add_url = url_for("identifiers.incident", incident_id=subject.id)
        remove_url = url_for("identifiers.remove_from_incident", incident_id=subject.id)
    else:
        add_url = url_for("identifiers.item", item_id=subject.id)
        remove_url = url_for("identifiers.remove_from_item", item_id=subject.id)
    return Panel(shown, recording, add_url, remove_url, IdentifierForm(formdata=None),
                 RemoveIdentifierForm(formdata=None), links)


@bp.app_context_processor
def panel_context() -> dict[str, object]:
    return {"identifier_panel": identifier_panel}
