"""Deleting a draft report: by its author, only while it holds no evidence (decision 0024).

"Start a new report" makes a numbered draft at once, so that nothing typed on the first
page is lost; a person who started one by mistake, or thought better of it, must be
able to take it away. A draft was never seen by anyone else (advocates see submitted
reports only), so deleting it takes its rows and its sealed text with it: nothing of
what was typed stays on the server. What stays is an audit event that a draft with
that number was deleted, by whom and when, without any of its content.

Evidence is never deleted: an item is immutable, and only a legal reviewer approves its
withdrawal, which leaves a tombstone. A draft with evidence attached is therefore
refused (`DraftHasEvidence`); the person may ask for each item's withdrawal instead.

Every table that refers to incidents is accounted for by name below: a new one must be
added to `DRAFT_OWN_TABLES` (rows that are the draft's own, deleted with it) or to
`REFUSING_TABLES` (a test checks that every such table is in one of them). A row in
any table not in `DRAFT_OWN_TABLES` makes deletion refuse, so that a deletion never
leaves an orphan nor breaks a record someone else relies on.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Table, delete, func, select, update

from portal.audit import AuditAction, Outcome, record_event
from portal.models import EvidenceItem, Incident, KeptPost, User, db
from portal.models.base import Base
from portal.models.submissions import FormSubmission
from portal.models.vocabulary import IncidentStatus
from portal.services.errors import PermissionDenied, ValidationFailed
from portal.services.evidence import items_of

# Rows that belong to the draft alone and go with it (its content, sealed or not).
DRAFT_OWN_TABLES = (
    "incident_types", "incident_targets", "incident_agencies", "incident_harms",
    "authority_reports", "consent_records", "incident_messages", "incident_links",
    "legal_tags", "search_tokens", "translations", "incident_revisions", "identifiers",
)
# Rows that make deletion refuse: evidence (never deleted), evidence still arriving
# (a resumable upload for the draft), a dossier citing it (a draft never is one).
REFUSING_TABLES = ("evidence_incidents", "resumable_uploads", "dossier_incidents",
                   "pending_translations")


class DraftHasEvidence(ValidationFailed):
    """The draft holds evidence: its files follow the withdrawal rules; `items` says which."""

    def __init__(self, items: list[EvidenceItem]) -> None:
        super().__init__(_l("This draft holds evidence, so it cannot be deleted. Evidence is "
                            "never deleted: you can ask for each file to be withdrawn."))
        self.items = items


def delete_draft(actor: User, incident: Incident) -> None:
    """Delete `incident`, a draft of `actor`'s, with everything that is its own: answers,
    sealed text, consent given for it, and forms kept for its pages. Flushes.

    Raises PermissionDenied when `actor` is not its reporter, ValidationFailed when it
    is no longer a draft or something outside it refers to it, DraftHasEvidence when
    evidence is attached. The caller has checked INCIDENT_AMEND on it.
    """
    if incident.reporter_id != actor.id:
        raise PermissionDenied(_l("Only the person who started this draft can delete it."))
    if incident.status is not IncidentStatus.DRAFT:
        raise ValidationFailed(_l("Only a draft can be deleted. A sent report stays on record; "
                                  "you can withdraw your consent instead."))
    items = items_of(incident)
    if items:
        raise DraftHasEvidence(items)
    references = incident_references(incident.id)
    if references.get("resumable_uploads"):
        raise ValidationFailed(_l("A file is still being added to this draft. Try again once "
                                  "it has arrived, or a day after the upload stopped."))
    if any(count for name, count in references.items() if name not in DRAFT_OWN_TABLES):
        raise ValidationFailed(_l("This draft is referred to elsewhere and cannot be deleted. "
                                  "Ask your advocate."))
    number = incident.id
    db.session.flush()
    db.session.expunge(incident)  # with its answers; the rows go below, by statement
    for table, column in _referring_columns():
        if table.name in DRAFT_OWN_TABLES:
            db.session.execute(delete(table).where(column == number))
    db.session.execute(delete(Incident).where(Incident.id == number))
    _forget_pages_of(actor, number)
    record_event(AuditAction.INCIDENT_DRAFT_DELETED, Outcome.SUCCESS, actor=actor,
                 target_type="incident", target_id=number)


def incident_references(incident_id: int) -> dict[str, int]:
    """How many rows of each table refer to the incident (tables with none left out)."""
    counts: dict[str, int] = {}
    for table, column in _referring_columns():
        count = db.session.scalar(select(func.count()).select_from(table).where(
            column == incident_id)) or 0
        if count:
            counts[table.name] = counts.get(table.name, 0) + count
    return counts


def _referring_columns() -> list[tuple[Table, Column[int]]]:
    """Every (table, column) with a foreign key to incidents.id, children first."""
    found: list[tuple[Table, Column[int]]] = []
    for table in reversed(Base.metadata.sorted_tables):
        for key in table.foreign_keys:
            if key.column.table.name == "incidents" and table.name != "incidents":
                found.append((table, key.parent))
    return found


def _forget_pages_of(actor: User, incident_id: int) -> None:
    """Forms kept for the draft's pages (sealed copies of what was typed) are deleted;
    a "Start a new report" sent again no longer leads to the deleted draft."""
    prefix = f"/reports/{incident_id}/"
    db.session.execute(delete(KeptPost).where(KeptPost.user_id == actor.id,
                                              KeptPost.path.startswith(prefix)))
    db.session.execute(update(FormSubmission).where(
        FormSubmission.user_id == actor.id,
        FormSubmission.result_path.startswith(prefix)).values(result_path=""))
