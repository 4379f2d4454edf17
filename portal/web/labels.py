"""Translated names for values stored in the database (roles, audit actions)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.audit import AuditAction, Outcome
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
}


def role_label(role: Role | str) -> LazyString:
    return ROLE_LABELS[Role(role)]
