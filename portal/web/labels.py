"""Translated names for values stored in the database (roles, audit actions)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.audit import AuditAction, Outcome
from portal.audit.custody import CustodyAction
from portal.models import Role

ROLE_LABELS: dict[Role, LazyString] = {
    Role.FAMILY_MEMBER: _l("Family member"),
    Role.ADVOCATE: _l("Advocate"),
    Role.LEGAL_REVIEWER: _l("Legal reviewer"),
    Role.ADMIN: _l("Administrator"),
}

OUTCOME_LABELS: dict[str, LazyString] = {
    Outcome.SUCCESS: _l("Success"),
    Outcome.FAILURE: _l("Failure"),
    Outcome.DENIED: _l("Denied"),
}

ACTION_LABELS: dict[str, LazyString] = {
    AuditAction.LOGIN: _l("Sign-in"),
    AuditAction.LOGIN_SECOND_FACTOR: _l("Second-factor code"),
    AuditAction.LOGIN_THROTTLED: _l("Sign-in slowed down"),
    AuditAction.LOGOUT: _l("Sign-out"),
    AuditAction.REAUTHENTICATE: _l("Passphrase confirmed again"),
    AuditAction.SESSIONS_ENDED: _l("All sessions ended"),
    AuditAction.PASSPHRASE_CHANGED: _l("Passphrase changed"),
    AuditAction.SECOND_FACTOR_ENROLLED: _l("Second factor set up"),
    AuditAction.SECOND_FACTOR_RESET: _l("Second factor reset"),
    AuditAction.RECOVERY_CODE_USED: _l("Recovery code used"),
    AuditAction.RECOVERY_CODES_REGENERATED: _l("New recovery codes"),
    AuditAction.INVITATION_CREATED: _l("Invitation created"),
    AuditAction.INVITATION_ACCEPTED: _l("Invitation accepted"),
    AuditAction.INVITATION_REVOKED: _l("Invitation withdrawn"),
    AuditAction.USER_CREATED: _l("Account created"),
    AuditAction.ROLE_CHANGED: _l("Role changed"),
    AuditAction.USER_DEACTIVATED: _l("Account deactivated"),
    AuditAction.USER_REACTIVATED: _l("Account reactivated"),
    AuditAction.ACCESS_DENIED: _l("Access denied"),
    AuditAction.KEYS_ROTATED: _l("Encryption keys rotated"),
    AuditAction.BACKUP_CREATED: _l("Backup made"),
    AuditAction.BACKUP_RESTORED: _l("Backup restored"),
    AuditAction.VICTIM_CREATED: _l("Victim added to the register"),
    AuditAction.VICTIM_UPDATED: _l("Victim record changed"),
    AuditAction.VICTIMS_IMPORTED: _l("Victims imported"),
    AuditAction.FAMILY_CREATED: _l("Family file created"),
    AuditAction.FAMILY_VICTIMS_CHANGED: _l("Victims of a family file changed"),
    AuditAction.FAMILY_MEMBER_ADDED: _l("Member added to a family file"),
    AuditAction.ADVOCATE_ASSIGNED: _l("Advocate assigned"),
    AuditAction.ADVOCATE_UNASSIGNED: _l("Advocate unassigned"),
    AuditAction.INCIDENT_TYPE_ADDED: _l("Incident type added"),
    AuditAction.PERSON_CREATED: _l("Person added"),
    AuditAction.PERSON_UPDATED: _l("Person changed"),
    AuditAction.INCIDENT_CREATED: _l("Report started"),
    AuditAction.INCIDENT_DRAFT_SAVED: _l("Draft saved"),
    AuditAction.INCIDENT_SUBMITTED: _l("Report submitted"),
    AuditAction.INCIDENT_AMENDED: _l("Report amended"),
    AuditAction.INCIDENT_VIEWED: _l("Report viewed"),
    AuditAction.CONSENT_RECORDED: _l("Consent recorded"),
    AuditAction.CONSENT_WITHDRAWN: _l("Consent withdrawn"),
    AuditAction.MESSAGE_POSTED: _l("Message posted"),
    AuditAction.VERIFICATION_SET: _l("Verification status set"),
    AuditAction.INCIDENTS_LINKED: _l("Reports linked"),
    AuditAction.LEGAL_TAG_SUGGESTED: _l("Legal tag suggested"),
    AuditAction.INCIDENTS_SEARCHED: _l("Reports searched"),
    AuditAction.EVIDENCE_UPLOADED: _l("Evidence uploaded"),
    AuditAction.EVIDENCE_DESCRIBED: _l("Evidence described"),
    AuditAction.DOSSIER_CREATED: _l("Dossier created"),
    AuditAction.DOSSIER_UPDATED: _l("Dossier details changed"),
    AuditAction.DOSSIER_CONTRIBUTOR_ADDED: _l("Advocate added to a dossier"),
    AuditAction.DOSSIER_INCIDENT_ADDED: _l("Report added to a dossier"),
    AuditAction.DOSSIER_INCIDENT_REFUSED: _l("Report refused for a dossier (consent)"),
    AuditAction.DOSSIER_INCIDENT_REMOVED: _l("Report removed from a dossier"),
    AuditAction.DOSSIER_INCIDENTS_ORDERED: _l("Reports of a dossier reordered"),
    AuditAction.DOSSIER_EXHIBIT_CHANGED: _l("Exhibit withheld or shown differently"),
    AuditAction.DOSSIER_EXHIBITS_RENUMBERED: _l("Exhibits renumbered"),
    AuditAction.DOSSIER_REDACTION_ADDED: _l("Redaction added"),
    AuditAction.DOSSIER_REDACTION_REMOVED: _l("Redaction removed"),
    AuditAction.DOSSIER_SENT_FOR_REVIEW: _l("Dossier sent for legal review"),
    AuditAction.DOSSIER_RETURNED: _l("Dossier returned with comments"),
    AuditAction.DOSSIER_APPROVED: _l("Dossier approved"),
    AuditAction.DOSSIER_VERSION_CREATED: _l("New dossier version started"),
    AuditAction.DOSSIER_PREVIEWED: _l("Dossier preview read"),
    AuditAction.LEGAL_TAG_CONFIRMED: _l("Legal tag confirmed"),
    AuditAction.DOSSIER_SECTIONS_PREFILLED: _l("Dossier sections prefilled"),
    AuditAction.DOSSIER_SECTION_SAVED: _l("Dossier section saved"),
    AuditAction.DOSSIER_EXPORT_REQUESTED: _l("Dossier export asked for"),
    AuditAction.DOSSIER_EXPORTED: _l("Dossier exported (PDF and evidence bundle)"),
    AuditAction.DOSSIER_EXPORT_FAILED: _l("Dossier export failed"),
    AuditAction.DOSSIER_EXPORT_DOWNLOADED: _l("Dossier export downloaded"),
    AuditAction.DOSSIER_FILES_VERIFIED: _l("Exported dossier files checked"),
    AuditAction.SECTION_TEMPLATE_SAVED: _l("Section template saved"),
    AuditAction.ADVOCACY_EVENT_RECORDED: _l("Advocacy event recorded"),
    AuditAction.ADVOCACY_EVENT_DELETED: _l("Advocacy event deleted"),
    AuditAction.TRANSLATION_ADDED: _l("Translation added"),
    AuditAction.TRANSLATIONS_VIEWED: _l("Translations viewed"),
}


def role_label(role: Role | str) -> LazyString:
    return ROLE_LABELS[Role(role)]


CUSTODY_LABELS: dict[str, LazyString] = {
    CustodyAction.RECEIVED: _l("Received"),
    CustodyAction.STORED: _l("Stored, encrypted"),
    CustodyAction.METADATA_EXTRACTED: _l("Metadata read"),
    CustodyAction.RENDITION_CREATED: _l("Preview made"),
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
